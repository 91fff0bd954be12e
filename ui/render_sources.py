"""HTML for the source panel and fact-check results: documents shown as text, the quote in a <mark>.

Document text goes through `esc` like everything else; the only markup is ours.
"""

from __future__ import annotations

import re
from typing import Any

from kernel.domain import Document
from ui.render import MARKER_GAP, esc, source_line

VERDICT_TEXT = {
    "supported": ("有依据 Supported", "ok"),
    "contradicted": ("与来源矛盾 Contradicted", "bad"),
    "disputed": ("来源有出入 Sources disagree", "warn"),
    "not_found": ("资料中未找到 Not found in the sources", "none"),
}


def source_placeholder() -> str:
    """The source panel before any citation is clicked."""
    return (
        '<div class="fa-panel fa-panel-empty"><div class="fa-panel-title">来源原文 Source</div>'
        '<p>Click a <span class="fa-cite fa-cite-static">[n]</span> marker in an answer to open the cited '
        "article here, with the quoted sentence highlighted.</p>"
        "<p>点击答案中的 [n]，在此查看原文并高亮引用句。</p></div>"
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
    doc: Document, citation: dict[str, Any], claim: str | None = None, answer_language: str = "zh"
) -> str:
    """The cited document with the quote highlighted in context, its title, date and file."""
    start, end = locate(doc, citation)
    meta = [f"<span>{esc(doc.date)}</span>" if doc.date else "", f"<span>{esc(doc.source)}</span>"]
    if doc.outlet:
        meta.append(f"<span>{esc(doc.outlet)}</span>")
    pair = ""
    if claim and not answer_language.startswith("zh"):
        translation = (
            f'<div class="fa-translation">{esc(citation["translation"])}</div>'
            if citation.get("translation")
            else ""
        )
        pair = (
            '<div class="fa-pair"><div><div class="fa-pair-label">Claim</div>'
            f"<div>{esc(MARKER_GAP.sub('', claim).strip())}</div></div>"
            '<div><div class="fa-pair-label">原文 Original</div>'
            f'<div lang="zh">{esc(citation.get("quote", ""))}</div>{translation}</div></div>'
        )
    if start >= 0:
        before, quote, after = (_plain(doc.text[:start]), _plain(doc.text[start:end]), _plain(doc.text[end:]))
        text = f'{esc(before)}<mark class="fa-hl" id="fa-hl">{esc(quote)}</mark>{esc(after)}'

        missing = ""
    else:
        text, missing = (
            esc(doc.text),
            '<div class="fa-error">The quoted sentence was not found in this version.</div>',
        )
    return (
        f'<div class="fa-panel" data-doc="{esc(doc.doc_id)}"><div class="fa-panel-head">'
        f'<span class="fa-cite fa-cite-static">[{esc(citation.get("n", ""))}]</span>'
        f'<div><div class="fa-panel-title" lang="zh">{esc(doc.title or doc.source)}</div>'
        f'<div class="fa-panel-meta">{"".join(m for m in meta if m)}</div></div></div>'
        f'{pair}<div class="fa-quote-box"><div class="fa-pair-label">引用句 Quoted sentence</div>'
        f'<div lang="zh">{esc(citation.get("quote", ""))}</div></div>{missing}'
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


def render_fact_check(result: dict[str, Any], docs: dict[str, Document | None]) -> str:
    """Verdict, supporting and contradicting sentences (in context), and conflicts."""
    label, tone = VERDICT_TEXT.get(result.get("verdict", "not_found"), VERDICT_TEXT["not_found"])

    def column(title: str, items: list[dict[str, Any]], kind: str) -> str:
        cards = "".join(
            f'<div class="fa-fc-card fa-fc-{kind}"><span class="fa-cite fa-cite-static">[{c["n"]}]</span>'
            f'<div class="fa-src-body"><div class="fa-src-line">{source_line(c)}</div>'
            f'<div class="fa-fc-context" lang="zh">{context_snippet(docs.get(c["doc_id"]), c)}</div>'
            + (f'<div class="fa-translation">{esc(c["translation"])}</div>' if c.get("translation") else "")
            + "</div></div>"
            for c in items
        )
        empty = '<div class="fa-muted">无 None found</div>'
        return f'<div class="fa-fc-col"><div class="fa-sources-title">{title}</div>{cards or empty}</div>'

    conflicts = "".join(
        f'<div class="fa-conflict"><strong>来源有出入 Sources disagree:</strong> {esc(c["about"])} '
        + " ".join(f"[{n}]" for n in c.get("citations", []))
        + "</div>"
        for c in result.get("conflicts", [])
    )
    explanation = f'<p class="fa-muted">{esc(result["explanation"])}</p>' if result.get("explanation") else ""
    return (
        f'<div class="fa-fc"><div class="fa-verdict fa-verdict-{tone}">{label}</div>'
        f'<div class="fa-fc-claim">“{esc(result.get("claim", ""))}”</div>{explanation}{conflicts}'
        '<div class="fa-fc-cols">'
        + column("支持的原文 Supporting", result.get("supporting", []), "support")
        + column("矛盾的原文 Contradicting", result.get("contradicting", []), "contra")
        + "</div></div>"
    )
