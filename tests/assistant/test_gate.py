"""The asker's-language gate on a streamed draft (assistant/language/gate.py), with real language checks."""

from __future__ import annotations

import pytest

from assistant.language.gate import DraftGate, script_grammar


def stream(gate: DraftGate, deltas: list[str]) -> str:
    """Everything the gate lets through for these deltas, the final flush included."""
    return "".join(gate.feed(d) for d in deltas) + gate.flush()


def test_sentences_in_the_asker_language_pass_whole() -> None:
    deltas = ["La réu", "nion a eu lieu ", "en mars [1]. ", "Elle a duré ", "cinq jours [2]."]
    assert stream(DraftGate("fr"), deltas) == "".join(deltas)


def test_nothing_is_shown_before_a_sentence_ends() -> None:
    gate = DraftGate("en")
    assert gate.feed("The forum was held") == ""
    assert gate.feed(" in March [1]. It") == "The forum was held in March [1]. "


def test_a_chinese_sentence_closes_the_gate_for_a_french_guest() -> None:
    shown = stream(
        DraftGate("fr"), ["Le forum a eu lieu en mars [1]. ", "论坛共举办了", "55场活动。", " Enfin."]
    )
    assert shown == "Le forum a eu lieu en mars [1]. "


def test_german_written_for_an_english_guest_is_held_back() -> None:
    assert stream(DraftGate("en"), ["Das Forum fand im März in Peking statt [1]. "]) == ""


def test_markers_and_figures_alone_do_not_close_it() -> None:
    assert stream(DraftGate("en"), ["It was held. ", "[1] ", "It lasted five days [2]."]) == (
        "It was held. [1] It lasted five days [2]."
    )


def test_a_decimal_point_is_not_a_sentence_end() -> None:
    gate = DraftGate("en")
    assert gate.feed("The site covers 3.5 square kilometres") == ""


@pytest.mark.parametrize("language", ["zh", "xx"])
def test_chinese_and_unknown_languages_stream_unchanged(language: str) -> None:
    gate = DraftGate(language)
    assert gate.feed("论坛举办") == "论坛举办"
    assert gate.flush() == ""


def test_japanese_keeps_han_and_others_forbid_it() -> None:
    assert script_grammar("ja") is None
    assert script_grammar("zh") is None
    grammar = script_grammar("ru")
    assert grammar is not None and "\\u4e00" in grammar
