"""Simplified Chinese characters in a Japanese answer, written the Japanese way (OpenCC, no model)."""

from __future__ import annotations

import pytest

from assistant.language.gate import DraftGate
from assistant.language.kanji import for_reader
from assistant.language.written import written_in


@pytest.mark.parametrize(
    ("chinese_forms", "japanese"),
    [
        (
            "2023年の中関村フォーラムでは55场平行论坛が開催されました[1]。",
            "2023年の中関村フォーラムでは55場平行論壇が開催されました[1]。",
        ),
        ("仕組みは多边合规评估协同机制です[1]。", "仕組みは多辺合規評估協同機制です[1]。"),
        ("中关村国际技术交易大会", "中関村国際技術交易大会"),
    ],
)
def test_simplified_forms_become_the_japanese_ones(chinese_forms: str, japanese: str) -> None:
    assert for_reader(chinese_forms, "ja") == japanese


def test_an_answer_with_chinese_forms_is_not_japanese_until_written_the_japanese_way() -> None:
    answer = "2023年の中関村フォーラムでは55场平行论坛が開催されました[1]。"
    assert not written_in(answer, "ja")
    assert written_in(for_reader(answer, "ja"), "ja")


@pytest.mark.parametrize("language", ["zh", "en", "ko"])
def test_other_languages_are_left_as_they_are(language: str) -> None:
    assert (
        for_reader("此外，今年中关村论坛还举办了55场平行论坛。", language)
        == "此外，今年中关村论坛还举办了55场平行论坛。"
    )


def test_japanese_text_passes_unchanged() -> None:
    text = "資料によると、2023年の中関村フォーラムは北京で開催されました[1]。"
    assert for_reader(text, "ja") == text


def test_the_stream_shows_a_japanese_draft_in_japanese_forms() -> None:
    gate = DraftGate("ja")
    shown = gate.feed("2023年には55场平行论坛が開催されました[1]。") + gate.flush()
    assert shown == "2023年には55場平行論壇が開催されました[1]。"
    assert not gate.closed
