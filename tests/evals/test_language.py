"""`written_in`: is an answer written in the asker's language? Nine languages, right and wrong answers.

The check lives in assistant/language/written.py (the product will use it on its own answers); the evals use
it for "correct in the asker's language".
"""

from __future__ import annotations

import pytest

from assistant.language import messages
from assistant.language.written import LANGUAGES, script_counts, written_in

# Natural answers, one or more per language (citation markers, digits and Chinese names included).
RIGHT = {
    "zh": [
        "2023年中关村论坛举办了55场平行论坛[1]。",
        "论坛于3月25日至29日在北京举办[1]，IEEE主席出席了开幕式[2]。",
    ],
    "en": [
        "The forum lasted six days and took place in Beijing [1].",
        "It is in the northern part of Haidian Park [1].",
        "Tianjin Binhai New Area, Xiong'an New Area and Shijiazhuang [1].",
        "The theme was “开放合作·共享未来” (Open Cooperation, Shared Future) [1].",
    ],
    "fr": [
        "Le forum 2023 a accueilli 55 forums parallèles [1].",
        "Le thème était « Coopération ouverte » selon Xue Lan et Saifur Rahman de l'IEEE [1].",
        "Plus de cinquante pays selon l'aperçu [1], plus de 100 selon le reportage [2].",
    ],
    "es": [
        "En 2023 se celebraron 55 foros paralelos [1].",
        "Está en la parte norte del parque de Haidian [1].",
    ],
    "de": [
        "Das Forum dauerte sechs Tage in Peking [1].",
        "Die F&E-Intensität lag zehn Jahre in Folge über 6,5 % [1].",
        "Gäste kamen aus mehr als 80 Ländern und Regionen [1].",
    ],
    "ja": [
        "2023年の中関村フォーラムでは55の平行フォーラムが開催されました[1]。",
        "スワヒリ語で説明しました[1]。",
        "80以上の国と地域からゲストが参加しました[1]。",
    ],
    "ko": [
        "2023년 중관춘 포럼에서는 55개의 병행 포럼이 열렸습니다[1].",
        "총 금액은 619.91억 위안입니다[1].",
        "IEEE 회장 Saifur Rahman이 참석했습니다 [1].",
    ],
    "ru": [
        "В 2023 году прошло 55 параллельных форумов [1].",
        "Тема — «Глубокая интеграция научно-технологических и промышленных инноваций».",
    ],
    "ar": [
        "عُقد المنتدى في بكين من 25 إلى 30 مايو [1].",
        "أكثر من ٣٠٠٠ مشارك [1] مقابل أكثر من ألف ضيف [2].",
    ],
}


@pytest.mark.parametrize(("language", "text"), [(lang, t) for lang, ts in RIGHT.items() for t in ts])
def test_natural_answers_are_in_their_language(language: str, text: str) -> None:
    assert written_in(text, language)


@pytest.mark.parametrize(("language", "text"), [(lang, t) for lang, ts in RIGHT.items() for t in ts])
def test_natural_answers_are_in_no_other_language(language: str, text: str) -> None:
    others = [other for other in LANGUAGES if other != language and written_in(text, other)]
    assert others == []


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # Same script, other language: a German question answered in English, and so on.
        ("de", "The forum lasted six days and took place in Beijing [1]."),
        ("fr", "Das Forum dauerte sechs Tage in Peking [1]."),
        ("es", "In 2023, 55 parallel forums were held in Beijing [1]."),
        ("en", "El foro duró seis días en Pekín [1]."),
        ("de", "Le forum a duré six jours à Pékin [1]."),
        ("fr", "Die Quellen sagen: Das Forum dauerte sechs Tage."),
        # Other script.
        ("ru", "In 2023, 55 parallel forums were held [1]."),
        ("ar", "The forum was held in Beijing [1]."),
        ("en", "В 2023 году прошло 55 параллельных форумов [1]."),
        ("ko", "The forum was held in Beijing [1]."),
        ("ja", "2023년 중관춘 포럼에서는 55개의 병행 포럼이 열렸습니다[1]."),
        # A Chinese sentence is neither Japanese nor Korean; a Japanese one is not Chinese.
        ("ja", "此外，今年中关村论坛还举办了55场平行论坛[1]。"),
        # Japanese grammar around Chinese words Japanese does not write (场, 论坛: Japanese writes 場, 論壇).
        ("ja", "2023年の中関村フォーラムでは55场平行论坛が開催されました[1]。"),
        ("zh", "2023年の中関村フォーラムでは55の平行フォーラムが開催されました[1]。"),
        ("zh", "The 2023 forum held 55 parallel forums [1]."),
        # The label alone is not the answer: the content is Chinese.
        ("en", "The sources say: 3月25日至29日，2026中关村论坛年会在北京举办。[1]"),
        ("ja", "資料の原文： 此外，今年中关村论坛还举办了55场平行论坛，围绕人工智能展开探讨。[1]"),
        ("ko", "자료 원문: 此外，今年中关村论坛还举办了55场平行论坛。[1]"),
        ("ar", "تقول المصادر: 此外，今年中关村论坛还举办了55场平行论坛。[1]"),
        # Mixed: a Chinese sentence with a few translated words is still mostly Chinese.
        ("en", "Parallel forums: 此外，今年中关村论坛还举办了55场平行论坛 [1]."),
        ("en", ""),  # nothing at all
    ],
)
def test_answers_in_another_language_are_not(language: str, text: str) -> None:
    assert not written_in(text, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_extractive_fallback_is_only_chinese(language: str) -> None:
    """The engine's no-LLM answer for a foreign question: a translated label before the Chinese quote."""
    label = messages.SOURCES_SAY[language] if language != "zh" else ""
    text = f"{label} 此外，今年中关村论坛还举办了55场平行论坛，围绕人工智能、数字经济展开探讨[1]。".strip()
    assert written_in(text, language) is (language == "zh")


@pytest.mark.parametrize("table", [messages.REFUSAL, messages.UNWRITTEN], ids=["refusal", "unwritten"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_refusals_count_only_in_the_askers_language(language: str, table: dict[str, str]) -> None:
    refusal = table[language]
    assert written_in(refusal, language)
    assert [other for other in LANGUAGES if other != language and written_in(refusal, other)] == []


def test_markers_digits_and_punctuation_are_not_letters() -> None:
    assert sum(script_counts("[1][2] 2026-03-25, 3,000 (50%)! ").values()) == 0
    # A bare figure reads the same in every language; an empty answer is in none.
    assert all(written_in("55 [1]", language) for language in LANGUAGES)
    assert not any(written_in("  [1] ", language) for language in LANGUAGES)


def test_a_short_text_is_judged_by_script_alone() -> None:
    assert written_in("Im Park [1].", "de") and written_in("Im Park [1].", "en")  # too short for lingua
    assert not written_in("Im Park [1].", "ru")


def test_full_width_letters_and_a_region_code_are_accepted() -> None:
    assert written_in("Ｔｈｅ forum lasted six days and took place in Beijing.", "en-US")
    with pytest.raises(ValueError, match="written_in knows"):
        written_in("Il forum è durato sei giorni.", "it")
