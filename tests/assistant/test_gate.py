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


def test_nothing_is_shown_before_the_first_words_are_judged() -> None:
    gate = DraftGate("en")
    assert gate.feed("The forum was held") == ""  # three whole words: not yet
    assert gate.feed(" in March [1]. It") == "The forum was held in March [1]. "


def test_a_sentence_is_shown_word_by_word_once_its_first_words_are_in_the_askers_language() -> None:
    gate = DraftGate("fr")
    assert gate.feed("Le forum a") == ""
    assert gate.feed(" eu lieu en") == "Le forum a eu lieu "  # whole words only: "en" may go on
    assert gate.feed(" mars") == "en "
    assert gate.feed(" 2023 [1].") == "mars 2023 "
    assert gate.flush() == "[1]."  # the end of the draft ends its last sentence


@pytest.mark.parametrize("language", ["ru", "ar", "ko"])
def test_every_language_without_han_is_shown_word_by_word(language: str) -> None:
    sentence = {
        "ru": "Форум проходил в марте в течение пяти дней [1].",
        "ar": "أقيم المنتدى في شهر مارس لمدة خمسة أيام [1].",
        "ko": "포럼은 삼월에 닷새 동안 열렸고 많은 사람이 왔습니다 [1].",
    }[language]
    words = sentence.split(" ")
    gate = DraftGate(language)
    early = "".join(gate.feed(w + " ") for w in words[:-1])
    assert early and sentence.startswith(early)
    assert early + gate.feed(words[-1]) + gate.flush() == sentence


def test_a_japanese_sentence_waits_for_its_end() -> None:
    # Japanese keeps Han characters, so a drift into Chinese mid-sentence can be sampled: whole sentences.
    gate = DraftGate("ja")
    assert gate.feed("フォーラムは 三月に 五日間 開かれ ") == ""
    assert gate.feed("ました[1]。") == "フォーラムは 三月に 五日間 開かれ ました[1]。"


def test_words_in_another_language_are_not_shown_early() -> None:
    gate = DraftGate("en")
    assert gate.feed("Das Forum fand im März ") == ""
    assert gate.feed("in Peking statt [1]. ") == ""
    assert gate.closed


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
    assert gate.feed("It covers 3.5") == ""  # a sentence end would have shown "It covers 3."


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
