"""The page's HTML: everything from documents, users and models is escaped; only our markup is markup."""

from __future__ import annotations

import re
from typing import Any

from assistant.decide import NO_FAITHFUL_ANSWER
from assistant.language import messages
from kernel.domain import Document
from ui import render, render_sources
from ui.labels import label

EVIL = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def _doc(text: str) -> Document:
    return Document(
        doc_id="dir/evil", source="dir/evil.txt", text=text, sha256="0", title=f"T {EVIL}", date="2026"
    )


def _answer(**overrides: Any) -> dict[str, Any]:
    quote = "本届论坛设置了7个安检口。"
    base = {
        "answer": f"论坛设置了7个安检口[1]。{EVIL}",
        "language": "zh",
        "mode": "extract",
        "refused": False,
        "confidence": 0.8,
        "confidence_label": "high",
        "citations": [
            {
                "n": 1,
                "doc_id": "dir/evil",
                "source": "dir/evil.txt",
                "title": EVIL,
                "date": "2026",
                "quote": quote,
                "start": 0,
                "end": len(quote),
                "score": 0.9,
                "translation": None,
            }
        ],
        "conflicts": [{"about": f"number {EVIL}", "citations": [1]}],
        "removed": [{"sentence": EVIL, "reason": "number 3000 not in cited evidence"}],
        "timings_ms": {"total": 1234.0},
    }
    return base | overrides


def _no_live_markup(html: str) -> None:
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert not re.search(r"<[^>]*\son\w+\s*=", html)  # no real tag carries an event handler


def test_markers_become_buttons_only_for_known_citations_and_text_is_escaped() -> None:
    html = render.with_markers(f"A [1] B [2] C [1, 3] {EVIL}", turn=4, known={1, 3})
    assert html.count('class="fa-cite"') == 3  # [1], and [1, 3] split in two; [2] is unknown
    assert 'data-turn="4" data-cite="1"' in html and 'data-cite="3"' in html
    assert "[2]" in html and 'data-cite="2"' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    _no_live_markup(html)


def test_answer_html_escapes_every_field() -> None:
    html = render.render_answer(_answer(), turn=0)
    _no_live_markup(html)
    assert "&lt;script&gt;" in html
    assert "置信度高" in html and "fa-conflict" in html and "已删除无依据的句子：1" in html
    assert 'data-rate="up"' in html and 'data-rate="down"' in html
    assert "1.2 s" in html


def test_a_guest_reads_the_conflict_box_in_their_language() -> None:
    conflict = {"about": "国家数: 50余 vs 100多", "citations": [1], "figures": ["50余个国家", "100多个国家"]}
    html = render.render_answer(_answer(language="en", conflicts=[conflict]), turn=0)
    assert "more than 50 countries (50余个国家) vs more than 100 countries (100多个国家)" in html
    assert "国家数" not in html
    chinese = render.render_answer(_answer(conflicts=[conflict]), turn=0)
    assert "国家数: 50余 vs 100多" in chinese


def test_refusal_has_its_own_state() -> None:
    html = render.render_answer(
        _answer(refused=True, answer="抱歉，现有资料中没有找到这个问题的答案。"), turn=0
    )
    assert "fa-refused" in html and "资料中没有" in html and "最相关的来源" in html
    assert "置信度" not in html


def test_a_refusal_after_an_unfaithful_draft_does_not_say_the_sources_lack_the_answer() -> None:
    refused = {"refused": True, "language": "de", "answer": messages.UNWRITTEN["de"]}
    html = render.render_answer(_answer(**refused, refusal_reason=NO_FAITHFUL_ANSWER), turn=0)
    assert label("de", "unwritten") in html and label("de", "refused") not in html
    lacking = render.render_answer(_answer(**refused, refusal_reason="subject words missing"), turn=0)
    assert label("de", "refused") in lacking


def test_foreign_answer_puts_the_chinese_original_beside_each_claim() -> None:
    citation = _answer()["citations"][0] | {"translation": "The forum set up 7 security gates."}
    answer = _answer(
        answer="There are 7 security gates [1]. Doors open at 8.", language="en", citations=[citation]
    )
    html = render.render_answer(answer, turn=2)
    assert "fa-grid" in html and "Original source" in html
    claim, original = re.search(
        r'<div class="fa-claim">(.*?)</div><div class="fa-originals">(.*?)</div><div class="fa-claim">', html
    ).groups()  # type: ignore[union-attr]
    assert "There are 7 security gates" in claim and 'data-cite="1"' in claim
    assert "本届论坛设置了7个安检口。" in original and "The forum set up 7 security gates." in original


def test_source_panel_marks_exactly_the_quoted_range_and_escapes_the_document() -> None:
    text = f"前言。{EVIL}本届论坛设置了7个安检口。后记<b>粗</b>。"
    start = text.index("本届")
    end = text.index("。", start) + 1
    citation = {"n": 2, "quote": text[start:end], "start": start, "end": end, "translation": "Seven gates."}
    html = render_sources.render_source(
        _doc(text), citation, claim="There are 7 gates [2].", answer_language="en"
    )
    marked = re.search(r'<mark class="fa-hl" id="fa-hl">(.*?)</mark>', html).group(1)  # type: ignore[union-attr]
    assert marked == "本届论坛设置了7个安检口。"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;b&gt;粗&lt;/b&gt;" in html
    assert "There are 7 gates." in html and "Seven gates." in html  # the claim, without its marker
    _no_live_markup(html)


def test_source_panel_labels_a_machine_translation_in_the_answers_language() -> None:
    text = "本届论坛设置了7个安检口。"
    citation = {"n": 1, "quote": text, "start": 0, "end": len(text)}
    waiting = render_sources.render_source(_doc(text), citation, None, "fr", translating=True)
    assert label("fr", "translating") in waiting and label("fr", "machine_translation") not in waiting
    translated = {**citation, "translation": "Le forum a installé 7 portiques <b>."}
    html = render_sources.render_source(_doc(text), translated, None, "fr", translating=True)
    assert label("fr", "translating") not in html  # the translation replaces the note
    box = re.search(r'<div class="fa-quote-box">(.*?)</div></div>', html).group(1)  # type: ignore[union-attr]
    assert "Traduction automatique (l&#x27;original fait foi)" in box and "7 portiques &lt;b&gt;." in box
    assert box.index("本届论坛") < box.index("7 portiques")  # under the original, which stays first
    chinese = render_sources.render_source(_doc(text), citation, None, "zh")
    assert "fa-translation" not in chinese


def test_source_panel_hides_markdown_heading_markers() -> None:
    text = "## 二、科技前沿展示\n\n### 2.1 人工智能\n本届论坛设置了7个安检口。"
    start = text.index("本届")
    citation = {"n": 1, "quote": text[start:], "start": start, "end": len(text)}
    html = render_sources.render_source(_doc(text), citation, None, "zh")
    assert "## " not in html and "### " not in html
    assert "二、科技前沿展示" in html and "2.1 人工智能" in html
    assert '<mark class="fa-hl" id="fa-hl">本届论坛设置了7个安检口。</mark>' in html


def test_source_panel_finds_the_quote_when_offsets_are_stale() -> None:
    text = "甲。乙丙丁。"
    html = render_sources.render_source(
        _doc(text), {"n": 1, "quote": "乙丙丁。", "start": 0, "end": 2}, None, "zh"
    )
    assert '<mark class="fa-hl" id="fa-hl">乙丙丁。</mark>' in html


def test_sentences_keep_their_markers_and_decimal_numbers() -> None:
    text = "The budget rose 6.5% [1]. It held 55 forums.[2] 第三句[3]。第四句！"
    assert render.sentences(text) == [
        "The budget rose 6.5% [1].",
        "It held 55 forums.[2]",
        "第三句[3]。",
        "第四句！",
    ]
    assert render.cited_in("A [1][3] B [1，2]") == [1, 3, 2]


def test_fact_check_html_shows_verdict_and_context() -> None:
    text = f"开头{EVIL}。来自50余个国家和地区的超3000名科学家参会。结尾。"
    start = text.index("来自")
    end = text.index("。", start) + 1
    citation = {
        "n": 1,
        "doc_id": "dir/evil",
        "source": "dir/evil.txt",
        "title": "t",
        "date": None,
        "quote": text[start:end],
        "start": start,
        "end": end,
    }
    result = {
        "claim": EVIL,
        "language": "zh",
        "verdict": "disputed",
        "supporting": [citation],
        "contradicting": [],
        "conflicts": [{"about": "countries", "citations": [1]}],
    }
    html = render_sources.render_fact_check(result, {"dir/evil": _doc(text)})
    assert (
        "来源有出入" in html
        and '<mark class="fa-hl">来自50余个国家和地区的超3000名科学家参会。</mark>' in html
    )
    _no_live_markup(html)
