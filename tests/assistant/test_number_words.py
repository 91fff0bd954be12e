"""Spelled-out numbers in a guest's answer written as digits (text2num), so verification can check them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.figures.words import digits_for_words


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("en", "It rested on three years of data [1].", "It rested on 3 years of data [1]."),
        ("en", "Twenty-five teams and four hundred stands.", "25 teams and 400 stands."),
        ("fr", "Il a duré quatre-vingt-dix-neuf jours ; vingt et un ans.", "Il a duré 99 jours ; 21 ans."),
        ("es", "Se basaba en tres años de mediciones [2].", "Se basaba en 3 años de mediciones [2]."),
        ("de", "Es stützte sich auf drei Jahre Messdaten.", "Es stützte sich auf 3 Jahre Messdaten."),
        # "one" and "two" are mostly articles and pronouns ("one of them", "un equipo"): left as words.
        ("en", "One of the two halls opened first.", "One of the two halls opened first."),
        ("es", "un equipo de dos personas", "un equipo de dos personas"),
        # Ordinals stay words: "the second day" is no count.
        ("en", "on the second day", "on the second day"),
    ],
)
def test_spelled_numbers_are_written_as_digits(language: str, text: str, expected: str) -> None:
    assert digits_for_words(text, language) == expected


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # A scale word after digits belongs to them: not read as a second number (1.5 1000000000).
        ("en", "61.991 billion yuan and 3 million visitors [1]."),
        ("de", "2,7 Millionen Euro und 5 Tage"),
        ("fr", "61,991 milliards de yuans"),
        # Languages text2num does not read are left as they are.
        ("ru", "три года измерений [1]."),
        ("ja", "三年間の実測データ[1]。"),
        ("ar", "ثلاث سنوات من القياسات [1]."),
    ],
)
def test_figures_in_digits_and_other_languages_are_left_as_written(language: str, text: str) -> None:
    assert digits_for_words(text, language) == text


@given(st.text(), st.sampled_from(["en", "fr", "es", "de"]))
def test_any_text_is_read_without_error_and_keeps_its_digits(text: str, language: str) -> None:
    written = iter(digits_for_words(text, language))
    # Words become digits; digits already there are never lost or reordered.
    assert all(digit in written for digit in text if digit.isascii() and digit.isdigit())
