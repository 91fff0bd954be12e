"""The page speaks nine languages: complete label tables, the browser's choice, and labels in the HTML."""

from __future__ import annotations

import re
import string
from typing import Any

import pytest

from ui import labels, render, render_sources
from ui.labels import LANGUAGES, TABLES, label

# Strings that only appear in one language's table: none of them may leak into another language's HTML.
_OTHER_LABELS = ("sources", "conf_high", "answer_heading", "original_heading")


def _fields(phrase: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(phrase) if name}


def _answer(lang: str, **overrides: Any) -> dict[str, Any]:
    quote = "此外，本届论坛还举办了12场平行论坛。"
    return {
        "answer": "12 [1].",
        "language": lang,
        "mode": "generate",
        "refused": False,
        "confidence": 0.9,
        "confidence_label": "high",
        "citations": [
            {"n": 1, "doc_id": "d", "source": "d.txt", "title": "t", "date": "2026", "quote": quote}
        ],
        "conflicts": [],
        "removed": [],
        "timings_ms": {"total": 900},
    } | overrides


def test_every_language_has_every_label_with_the_same_fields() -> None:
    assert set(TABLES) == set(LANGUAGES) and len(LANGUAGES) == 9
    for lang, table in TABLES.items():
        assert table.keys() == TABLES["en"].keys(), lang
        for key, phrase in table.items():
            assert phrase.strip(), (lang, key)
            assert _fields(phrase) == _fields(TABLES["en"][key]), (lang, key)


def test_languages_do_not_share_their_words() -> None:
    # A label left in English (or Chinese) in another table is a missing translation.
    own = {"auto", "original", "source_title", "sources"}  # the same word in several Latin languages
    for lang in LANGUAGES:
        for other in LANGUAGES:
            if other == lang:
                continue
            same = {
                key
                for key in TABLES[lang]
                if key not in own and TABLES[lang][key] == TABLES[other][key] and len(TABLES[lang][key]) > 3
            }
            assert not same, (lang, other, same)


def test_example_questions_are_written_in_their_language() -> None:
    scripts = {
        "ja": r"[\u3040-\u30ff]",
        "ko": r"[\uac00-\ud7af]",
        "ru": r"[\u0400-\u04ff]",
        "ar": r"[\u0600-\u06ff]",
    }
    for lang in LANGUAGES:
        questions = labels.examples(lang) + labels.claim_examples(lang)
        assert len(set(questions)) == len(questions) == 5
        if lang in scripts:
            assert all(re.search(scripts[lang], q) for q in questions), lang
        if lang == "zh":
            assert all(
                re.search(r"[\u4e00-\u9fff]", q) and not re.search(r"[\u3040-\u30ff]", q) for q in questions
            )


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ja-JP", "ja"),
        ("ja", "ja"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-US,en;q=0.9", "en"),
        ("pt-BR,pt;q=0.9,fr;q=0.8,de;q=0.7", "fr"),  # the most preferred of the nine
        ("de;q=0.2, ko;q=0.5", "ko"),
        ("ar-EG", "ar"),
        ("ru;q=0", "en"),  # q=0 means "not this one"
        ("it-IT", "en"),
        ("", "en"),
        (None, "en"),
        ("*;q=0.5, ???", "en"),
    ],
)
def test_the_page_language_is_the_browsers_most_preferred_of_the_nine(
    header: str | None, expected: str
) -> None:
    assert labels.from_accept_language(header) == expected


def test_page_language_cuts_tags_and_falls_back() -> None:
    assert labels.page_language("ko-KR") == "ko"
    assert labels.page_language("zh_TW") == "zh"
    assert labels.page_language("it", fallback="ja") == "ja"
    assert labels.page_language(None) == "en"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_answer_is_labelled_in_its_own_language(lang: str) -> None:
    html = render.render_answer(_answer(lang), turn=0, page_lang="en")
    for key in ("sources", "conf_high", "helpful"):
        assert label(lang, key) in html, key
    if lang != "zh":  # a foreign answer puts each claim beside its Chinese original
        assert label(lang, "answer_heading") in html and label(lang, "original_heading") in html
    for other in LANGUAGES:
        if other != lang:
            leaked = [
                k for k in _OTHER_LABELS if label(other, k) != label(lang, k) and label(other, k) in html
            ]
            assert not leaked, (other, leaked)
    assert ('dir="rtl"' in html) == (lang == "ar")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_refusal_welcome_draft_and_source_panel_in_each_language(lang: str) -> None:
    refusal = render.render_answer(_answer(lang, refused=True, answer="…"), turn=0)
    assert label(lang, "refused") in refusal and label(lang, "closest_sources") in refusal
    assert label(lang, "welcome_title") in render.render_transcript([], lang)
    drafting = render.render_transcript([{"question": "?", "draft": "12", "answer": None}], lang)
    assert label(lang, "checking") in drafting
    placeholder = render_sources.source_placeholder(lang)
    assert label(lang, "source_title") in placeholder and 'class="fa-cite fa-cite-static">[1]' in placeholder


def test_an_answer_in_a_language_without_a_table_uses_the_page_language() -> None:
    html = render.render_answer(_answer("it"), turn=0, page_lang="ja")
    assert label("ja", "sources") in html and label("en", "sources") not in html
