"""Japanese "how many" (何 + a counter): recognised as a count, and written as the Chinese count for the
model that renders the question for search. Invented questions."""

from __future__ import annotations

import pytest

from assistant.language.asking import ASKS_YEAR, asks_for_count, asks_for_date
from assistant.language.counters import asks_how_many, in_chinese_measure_words


@pytest.mark.parametrize(
    ("question", "chinese"),
    [
        ("図書館は何日間休館しましたか？", "図書館は多少天休館しましたか？"),
        ("会議には何か国が参加しましたか？", "会議には多少个国家が参加しましたか？"),
        ("何人の学生が選ばれましたか？", "多少人の学生が選ばれましたか？"),
        ("チームは何年分のデータを集めましたか？", "チームは多少年のデータを集めましたか？"),
        ("何社が出展しましたか？", "多少家が出展しましたか？"),
    ],
)
def test_a_japanese_count_is_written_as_the_chinese_count(question: str, chinese: str) -> None:
    assert asks_how_many(question)
    assert asks_for_count(question) and not asks_for_date(question)
    assert in_chinese_measure_words(question) == chinese


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("図書館は何年に開館しましたか？", "year"),  # which year, not how many years
        ("図書館は何日に開館しましたか？", "date"),  # which day
        ("第何回の会議ですか？", "ordinal"),  # which in the series
        ("図書館では何が展示されていますか？", None),  # what
    ],
)
def test_the_same_kanji_without_a_counter_ask_something_else(question: str, asks: str | None) -> None:
    assert not asks_how_many(question)
    assert in_chinese_measure_words(question) == question
    assert not asks_for_count(question)
    assert asks_for_date(question) is (asks == "date")
    assert bool(ASKS_YEAR.search(question)) is (asks == "year")
