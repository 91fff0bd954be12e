"""Question rendering into Chinese and quote translation: output cleaning and caching with a scripted
model (to force specific bad outputs), and the real packaged 0.5B model for the actual translations."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.language.translate import (
    clean_output,
    clear_cache,
    glossary_terms,
    is_chinese_text,
    to_chinese,
    translate,
)
from assistant.llm.local import LocalGGUFLLM
from tests.support import ScriptedLLM


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    clear_cache()
    yield
    clear_cache()


def test_chatty_output_is_cleaned() -> None:
    llm = ScriptedLLM(
        reply='翻译：“2023年举办了多少场平行论坛？”\n\n(Note: "parallel forum" means 平行论坛.)'
    )
    assert to_chinese(llm, "How many parallel forums were held in 2023?") == "2023年举办了多少场平行论坛？"


def test_the_forum_name_the_model_leaves_in_english_is_written_in_chinese() -> None:
    llm = ScriptedLLM(reply="2026年 Zhongguancun Forum 的年会是什么时候？")
    rendered = to_chinese(llm, "When was the 2026 Zhongguancun Forum annual meeting?")
    assert "中关村论坛" in rendered
    assert "Zhongguancun" not in rendered


def test_a_word_the_model_left_untranslated_is_dropped_and_names_stay() -> None:
    llm = ScriptedLLM(reply="2019年市 Museum of Clocks 的展览 lasted多少天？")
    rendered = to_chinese(llm, "How many days did the 2019 exhibition of the city Museum of Clocks last?")
    assert rendered == "2019年市 Museum of Clocks 的展览 多少天？"


def test_a_reply_without_chinese_falls_back_to_the_question_and_the_forum_name() -> None:
    llm = ScriptedLLM(reply="Sorry, I cannot translate that.")
    rendered = to_chinese(llm, "How many parallel sessions did the Zhongguancun Forum hold in 2023?")
    assert rendered.startswith("How many parallel sessions did the Zhongguancun Forum hold in 2023?")
    assert "中关村论坛" in rendered


@pytest.mark.parametrize(
    "question",
    [
        "كم عدد الضيوف في منتدى تشونغ قوان تسون لعام 2026؟",
        "Сколько гостей было на Чжунгуаньцуньском форуме в 2026 году?",
        "2026年の中関村フォーラムには何人のゲストが来ましたか？",
    ],
)
def test_the_model_reads_the_forums_name_in_chinese(question: str) -> None:
    llm = ScriptedLLM(reply="2026年中关村论坛有多少位嘉宾？")
    assert to_chinese(llm, question) == "2026年中关村论坛有多少位嘉宾？"
    asked = llm.prompts[-1].splitlines()[-1]  # the last turn: the question as the model reads it
    assert "中关村论坛" in asked and "2026" in asked, asked
    assert "تشونغ" not in asked and "Чжунгуаньцун" not in asked and "中関村フォーラム" not in asked, asked


@pytest.mark.parametrize(
    ("question", "counts"),
    [
        ("Combien de tableaux le musée de la ville a-t-il exposés en 2019 ?", True),
        ("市の図書館は何日間休館しましたか？", True),
        ("Сколько мостов построили в городе?", True),
        ("Quand la bibliothèque municipale a-t-elle ouvert ?", False),
        ("Which company built the new bridge?", False),
    ],
)
def test_a_count_question_is_rendered_without_the_other_question_words(question: str, counts: bool) -> None:
    # A "how many" rendered as "which" (有哪些亮点) or "when" (什么时候) is a different question, and the sentence
    # with the count is never sought: the grammar of a count question's rendering forbids 哪, 什 and 何.
    llm = ScriptedLLM(reply="市博物馆展出了多少幅画？")
    to_chinese(llm, question)
    grammar = llm.options[-1]["grammar"]
    assert grammar is not None
    forbidden = grammar.split("[^", 1)[1].split("]", 1)[0]
    assert all(word in forbidden for word in "哪什何") is counts
    assert "\\u3040" in forbidden  # kana stay forbidden either way (the asker's script)


def test_chinese_questions_are_not_sent_to_the_model() -> None:
    llm = ScriptedLLM(reply="不应被调用")
    assert to_chinese(llm, "2023年举办了多少场平行论坛？") == "2023年举办了多少场平行论坛？"
    assert llm.calls == 0


def test_results_are_cached_per_model_and_text() -> None:
    first = ScriptedLLM(reply="2023年有多少场平行论坛？")
    assert to_chinese(first, "How many parallel forums in 2023?") == "2023年有多少场平行论坛？"
    assert to_chinese(first, "How many parallel forums in 2023?") == "2023年有多少场平行论坛？"
    assert first.calls == 1
    other = ScriptedLLM(reply="2023年平行论坛数量？", name="another-model")
    assert to_chinese(other, "How many parallel forums in 2023?") == "2023年平行论坛数量？"
    assert other.calls == 1


def test_translate_cleans_and_skips_chinese_targets() -> None:
    llm = ScriptedLLM(reply='"The forum also held 55 parallel forums this year."\nNote: literal translation.')
    quote = "此外，今年中关村论坛还举办了55场平行论坛。"
    assert translate(llm, quote, "en") == "The forum also held 55 parallel forums this year."
    assert translate(llm, quote, "zh") == quote
    assert translate(llm, quote, "en") == "The forum also held 55 parallel forums this year."
    assert llm.calls == 1


@pytest.mark.parametrize(
    ("question", "terms"),
    [
        ("Combien de forums parallèles ont eu lieu au forum de Zhongguancun ?", ["中关村论坛"]),
        ("Wie viele Länder nahmen in Zhongguancun teil?", ["中关村"]),
        ("2026年の中関村フォーラムはいつ開催されましたか？", ["中关村论坛"]),
        ("Какова тема Чжунгуаньцуньского форума?", ["中关村论坛"]),
        # Topic words are no longer in a hand-written list (it was fitted to the eval questions).
        ("Wie viele Länder und Regionen nahmen an der Jahrestagung teil?", []),
        ("Where is the parking?", []),
    ],
)
def test_glossary_terms(question: str, terms: list[str]) -> None:
    assert sorted(glossary_terms(question)) == sorted(terms)


def test_is_chinese_text() -> None:
    assert is_chinese_text("中关村论坛在哪里举办？")
    assert not is_chinese_text("2026年の年次総会はいつですか？")
    assert not is_chinese_text("Where is the forum?")


def test_clean_output_keeps_plain_text() -> None:
    assert clean_output("  中关村论坛的主题是什么？ ") == "中关村论坛的主题是什么？"
    assert clean_output("中文：「年会在哪里举办？」") == "年会在哪里举办？"


# The real model: `llm`, the session's one loaded 0.5B model (tests/conftest.py).


@pytest.mark.llm
def test_real_model_renders_an_english_question_in_chinese(llm: LocalGGUFLLM) -> None:
    rendered = to_chinese(llm, "How many parallel forums were held in 2023?")
    assert is_chinese_text(rendered)
    assert "平行论坛" in rendered or "论坛" in rendered
    assert "2023" in rendered


@pytest.mark.llm
@pytest.mark.parametrize(
    "question",
    [
        "Combien de réalisations le musée de la ville a-t-il présentées dans son exposition permanente ?",
        "市の図書館は何日間にわたって休館しましたか？",
        "Сколько мостов построили в городе в 2019 году?",
    ],
)
def test_the_guest_model_renders_a_count_question_as_one(guest_llm: LocalGGUFLLM, question: str) -> None:
    # Invented questions. The 1.5B rendered such a French question as 有哪些亮点 ("which highlights") before
    # its grammar forbade the other question words.
    rendered = to_chinese(guest_llm, question)
    assert is_chinese_text(rendered), rendered
    assert "多少" in rendered or "几" in rendered, rendered


@pytest.mark.llm
def test_real_model_translates_a_quote_keeping_the_number(llm: LocalGGUFLLM) -> None:
    english = translate(llm, "此外，今年中关村论坛还举办了55场平行论坛。", "en")
    assert "55" in english
    han = sum("\u4e00" <= ch <= "\u9fff" for ch in english)
    assert han < 0.2 * len(english), english


def test_search_rendering_names_the_languages_and_refuses_a_bad_value() -> None:
    from kernel.errors import ConfigurationError
    from kernel.settings import load_settings

    assert load_settings(search_rendering="all").rendered_languages is None
    assert load_settings(search_rendering="none").rendered_languages == frozenset()
    assert load_settings(search_rendering=" EN, es ").rendered_languages == frozenset({"en", "es"})
    with pytest.raises(ConfigurationError, match="FORUM_SEARCH_RENDERING"):
        load_settings(search_rendering="english")


@pytest.mark.llm
def test_a_language_left_out_of_search_rendering_is_searched_without_a_rendering(llm: LocalGGUFLLM) -> None:
    # A French question is rendered in Chinese for search only when French is among the rendered languages;
    # otherwise search leans on the multilingual embedder alone.
    from assistant.llm.protocol import Budget
    from assistant.schema import Question
    from assistant.understand import understand

    question = Question(message="Combien de forums parallèles ont eu lieu en 2023 ?", language="fr")
    rendered = understand(question, llm, Budget(60), max_chars=4000, render_languages=frozenset({"fr"}))
    assert rendered.chinese and is_chinese_text(rendered.chinese) and rendered.rendered
    plain = understand(question, llm, Budget(60), max_chars=4000, render_languages=frozenset({"en"}))
    assert plain.chinese is None and not plain.rendered
    assert plain.language == "fr" and plain.standalone == question.message
