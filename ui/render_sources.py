"""HTML for the source panel and fact-check results: documents shown as text, the quote in a <mark>.

Document text goes through `esc` like everything else; the only markup is ours. Labels are in the language
of the answer or claim they belong to (`ui.labels`); the documents stay in Chinese.
"""

from __future__ import annotations

import re
from typing import Any

from kernel.domain import Document
from ui.labels import DEFAULT, label, page_language
from ui.render import MARKER_GAP, cite_sample, direction_of, esc, source_line, translation_of

VERDICT_TONE = {"supported": "ok", "contradicted": "bad", "disputed": "warn", "not_found": "none"}


def source_placeholder(lang: str = DEFAULT) -> str:
    """The source panel before any citation is clicked."""
    return (
        f'<div class="fa-panel fa-panel-empty" lang="{esc(lang)}"{direction_of(lang)}>'
        f'<div class="fa-panel-title">{esc(label(lang, "source_title"))}</div>'
        f"<p>{esc(label(lang, 'source_hint')).replace('{cite}', cite_sample())}</p></div>"
    )


_HEADING_MARK = re.compile(r"(?m)^[ \t]*#{1,6}[ \t]+")


def _plain(text: str) -> str:
    """Text as a reader sees it: markdown heading markers ("## 二、科技前沿展示") dropped, words kept."""
    return _HEADING_MARK.sub("", text)


def locate(doc: Document, citation: dict[str, Any]) -> tuple[int, int]:
    """The quote's offsets in the document; falls back to searching when the offsets do not match."""
    start, end = int(citation.get("start", 0)), int(citation.get("end", 0))
    quote = citation.get("quote", "")
    if 0 <= start <= end <= len(doc.text) and doc.text[start:end] == quote:
        return start, end
    found = doc.text.find(quote) if quote else -1
    return (found, found + len(quote)) if found >= 0 else (-1, -1)


def render_source(
    doc: Document,
    citation: dict[str, Any],
    claim: str | None = None,
    answer_language: str = "zh",
    page_lang: str = DEFAULT,
    translating: bool = False,
) -> str:
    """The cited document with the quote highlighted in context, its title, date and file.

    Labels follow the answer's language (the page's, for a language without a label table). Under the
    quoted sentence: its machine translation when the citation has one, or a note that one is on its way
    (`translating`)."""
    lang = page_language(answer_language, fallback=page_lang)
    start, end = locate(doc, citation)
    meta = [f"<span>{esc(doc.date)}</span>" if doc.date else "", f"<span>{esc(doc.source)}</span>"]
    if doc.outlet:
        meta.append(f"<span>{esc(doc.outlet)}</span>")
    translated = translation_of(citation, lang, translating)
    pair = ""
    if claim and not answer_language.startswith("zh"):
        pair = (
            f'<div class="fa-pair"><div><div class="fa-pair-label">{esc(label(lang, "claim"))}</div>'
            f'<div dir="auto">{esc(MARKER_GAP.sub("", claim).strip())}</div></div>'
            f'<div><div class="fa-pair-label">{esc(label(lang, "original"))}</div>'
            f'<div lang="zh">{esc(citation.get("quote", ""))}</div>{translated}</div></div>'
        )
    if start >= 0:
        before, quote, after = (_plain(doc.text[:start]), _plain(doc.text[start:end]), _plain(doc.text[end:]))
        text = f'{esc(before)}<mark class="fa-hl" id="fa-hl">{esc(quote)}</mark>{esc(after)}'
        missing = ""
    else:
        text = esc(doc.text)
        missing = f'<div class="fa-error">{esc(label(lang, "quote_missing"))}</div>'
    return (
        f'<div class="fa-panel" data-doc="{esc(doc.doc_id)}" lang="{esc(lang)}"{direction_of(lang)}>'
        '<div class="fa-panel-head">'
        f'<span class="fa-cite fa-cite-static">[{esc(citation.get("n", ""))}]</span>'
        f'<div><div class="fa-panel-title" lang="zh">{esc(doc.title or doc.source)}</div>'
        f'<div class="fa-panel-meta">{"".join(m for m in meta if m)}</div></div></div>'
        f'{pair}<div class="fa-quote-box"><div class="fa-pair-label">{esc(label(lang, "quoted_sentence"))}'
        f'</div><div lang="zh">{esc(citation.get("quote", ""))}</div>{"" if pair else translated}</div>{missing}'
        f'<div class="fa-doc" lang="zh">{text}</div></div>'
    )


def context_snippet(doc: Document | None, citation: dict[str, Any], width: int = 90) -> str:
    """The quote highlighted with a little text on each side (for fact-check cards)."""
    if doc is None:
        return f'<mark class="fa-hl">{esc(citation.get("quote", ""))}</mark>'
    start, end = locate(doc, citation)
    if start < 0:
        return f'<mark class="fa-hl">{esc(citation.get("quote", ""))}</mark>'
    before = doc.text[max(0, start - width) : start]
    after = doc.text[end : end + width]
    return (
        f'{"…" if start > width else ""}{esc(before)}<mark class="fa-hl">{esc(doc.text[start:end])}</mark>'
        f"{esc(after)}{'…' if end + width < len(doc.text) else ''}"
    )


def render_fact_check(
    result: dict[str, Any], docs: dict[str, Document | None], page_lang: str = DEFAULT
) -> str:
    """Verdict, supporting and contradicting sentences (in context), and conflicts.

    Labels follow the claim's language (the page's, for a language without a label table)."""
    lang = page_language(result.get("language"), fallback=page_lang)
    verdict = result.get("verdict", "not_found")
    verdict = verdict if verdict in VERDICT_TONE else "not_found"

    def column(title: str, items: list[dict[str, Any]], kind: str) -> str:
        cards = "".join(
            f'<div class="fa-fc-card fa-fc-{kind}"><span class="fa-cite fa-cite-static">[{c["n"]}]</span>'
            f'<div class="fa-src-body"><div class="fa-src-line">{source_line(c)}</div>'
            f'<div class="fa-fc-context" lang="zh">{context_snippet(docs.get(c["doc_id"]), c)}</div>'
            f"{translation_of(c, lang)}</div></div>"
            for c in items
        )
        empty = f'<div class="fa-muted">{esc(label(lang, "none_found"))}</div>'
        return (
            f'<div class="fa-fc-col"><div class="fa-sources-title">{esc(title)}</div>{cards or empty}</div>'
        )

    conflicts = "".join(
        f'<div class="fa-conflict"><strong>{esc(label(lang, "disagree"))}:</strong> {esc(c["about"])} '
        + " ".join(f"[{n}]" for n in c.get("citations", []))
        + "</div>"
        for c in result.get("conflicts", [])
    )
    explanation = f'<p class="fa-muted">{esc(result["explanation"])}</p>' if result.get("explanation") else ""
    return (
        f'<div class="fa-fc" lang="{esc(lang)}"{direction_of(lang)}>'
        f'<div class="fa-verdict fa-verdict-{VERDICT_TONE[verdict]}">{esc(label(lang, f"verdict_{verdict}"))}</div>'
        f'<div class="fa-fc-claim" dir="auto">“{esc(result.get("claim", ""))}”</div>{explanation}{conflicts}'
        '<div class="fa-fc-cols">'
        + column(label(lang, "supporting"), result.get("supporting", []), "support")
        + column(label(lang, "contradicting"), result.get("contradicting", []), "contra")
        + "</div></div>"
    )
