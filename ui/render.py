"""HTML for the chat page's conversation (the source panel and fact checks are in render_sources).

Every piece of text that comes from a document, a user or a model goes through `esc` before it is placed
in markup: the page shows it as text, never as HTML (a document containing <script> stays text).
The only markup added is ours: citation buttons, <mark> around the quoted range, layout.
"""

from __future__ import annotations

import html
import re
from typing import Any

RTL = {"ar", "fa", "he", "ur"}
_MARKERS = re.compile(r"\[(\d+(?:\s*[,，]\s*\d+)*)\]")
MARKER_GAP = re.compile(r"\s*\[\d+(?:\s*[,，]\s*\d+)*\]")
# A sentence ends at CJK end punctuation, or at ASCII punctuation followed by space/end/marker
# (so "6.5%" stays whole), and keeps the [n] markers that follow it.
_SENTENCE = re.compile(r".*?(?:(?:[。！？]|[.!?](?=\s|$|\[))(?:\s*\[\d+(?:\s*[,，]\s*\d+)*\])*|$)", re.S)

CONFIDENCE_TEXT = {"high": "置信度高 High confidence", "medium": "置信度中 Medium", "low": "置信度低 Low"}


_SVG = (
    '<svg viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" stroke-width="2" '
    'stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="{}"/></svg>'
)
# Line icons drawn inline: no emoji font or icon font needs to be installed or fetched.
_THUMB_UP = _SVG.format(
    "M14 9V5a3 3 0 0 0-3-3l-4 9v11h11.28a2 2 0 0 0 2-1.7l1.38-9a2 2 0 0 0-2-2.3zM7 22H4a2 2 0 0 1-2-2v-7"
    "a2 2 0 0 1 2-2h3"
)
_THUMB_DOWN = _SVG.format(
    "M10 15v4a3 3 0 0 0 3 3l4-9V2H5.72a2 2 0 0 0-2 1.7l-1.38 9a2 2 0 0 0 2 2.3z"
    "m7-13h2.67A2.31 2.31 0 0 1 22 4v7a2.31 2.31 0 0 1-2.33 2H17"
)


def esc(text: object) -> str:
    """Text as HTML text (quotes escaped too, so it is safe inside attributes)."""
    return html.escape(str(text), quote=True)


def sentences(text: str) -> list[str]:
    """Split an answer into sentences, keeping each sentence's trailing [n] markers."""
    return [m.group().strip() for m in _SENTENCE.finditer(text) if m.group().strip()]


def cited_in(text: str) -> list[int]:
    """The citation numbers a piece of text refers to, in order, without repeats."""
    seen: list[int] = []
    for group in _MARKERS.findall(text):
        for part in re.split(r"[,，]", group):
            n = int(part.strip())
            if n not in seen:
                seen.append(n)
    return seen


def with_markers(text: str, turn: int, known: set[int]) -> str:
    """Escape `text` and turn each [n] whose citation exists into a button that opens the source."""

    def button(match: re.Match[str]) -> str:
        parts = [int(p.strip()) for p in re.split(r"[,，]", match.group(1))]
        if not all(n in known for n in parts):
            return match.group()
        return "".join(
            f'<button type="button" class="fa-cite" data-turn="{turn}" data-cite="{n}" '
            f'title="Show source {n}">[{n}]</button>'
            for n in parts
        )

    return _MARKERS.sub(button, esc(text)).replace("\n", "<br>")


def source_line(c: dict[str, Any]) -> str:
    bits = [f'<span class="fa-src-title">{esc(c.get("title") or c.get("source", ""))}</span>']
    if c.get("date"):
        bits.append(f'<span class="fa-src-date">{esc(c["date"])}</span>')
    bits.append(f'<span class="fa-src-file">{esc(c.get("source", ""))}</span>')
    return "".join(bits)


def _citation_card(c: dict[str, Any], turn: int, with_quote: bool) -> str:
    quote = ""
    if with_quote:
        quote = f'<div class="fa-quote" lang="zh">{esc(c["quote"])}</div>'
        if c.get("translation"):
            quote += f'<div class="fa-translation">{esc(c["translation"])}</div>'
    return (
        f'<div class="fa-src" data-turn="{turn}" data-cite="{c["n"]}" role="button" tabindex="0" '
        f'title="Show source {c["n"]}"><span class="fa-cite fa-cite-static">[{c["n"]}]</span>'
        f'<div class="fa-src-body"><div class="fa-src-line">{source_line(c)}</div>{quote}</div></div>'
    )


def _claims_grid(answer: dict[str, Any], turn: int, by_n: dict[int, dict[str, Any]]) -> str:
    """For an answer not in Chinese: each claim beside the original Chinese sentence(s) it cites."""
    rows = []
    for sentence in sentences(answer["answer"]):
        numbers = [n for n in cited_in(sentence) if n in by_n]
        originals = "".join(
            f'<div class="fa-original"><span class="fa-cite fa-cite-static">[{n}]</span>'
            f'<span lang="zh">{esc(by_n[n]["quote"])}</span>'
            + (
                f'<div class="fa-translation">{esc(by_n[n]["translation"])}</div>'
                if by_n[n].get("translation")
                else ""
            )
            + "</div>"
            for n in numbers
        )
        rows.append(
            f'<div class="fa-claim">{with_markers(sentence, turn, set(by_n))}</div>'
            f'<div class="fa-originals">{originals}</div>'
        )
    return (
        '<div class="fa-grid"><div class="fa-grid-head">Answer</div>'
        '<div class="fa-grid-head">原文 Original source</div>' + "".join(rows) + "</div>"
    )


def render_answer(answer: dict[str, Any], turn: int, rating: str | None = None) -> str:
    """One verified answer: text with clickable [n], badges, conflicts, sources and feedback buttons."""
    citations = answer.get("citations", [])
    by_n = {int(c["n"]): c for c in citations}
    language = answer.get("language", "zh")
    chinese = language.startswith("zh")
    direction = ' dir="rtl"' if language in RTL else ""
    badges = []
    if answer.get("refused"):
        badges.append('<span class="fa-badge fa-badge-refused">资料中没有 Not in the sources</span>')
    else:
        label = answer.get("confidence_label", "low")
        badges.append(
            f'<span class="fa-badge fa-conf-{esc(label)}" '
            f'title="confidence {answer.get("confidence", 0):.2f}">'
            f"{esc(CONFIDENCE_TEXT.get(label, label))}</span>"
        )
    if answer.get("mode") == "extract" and not answer.get("refused"):
        badges.append('<span class="fa-badge fa-badge-mode">原文摘录 Quoted from the sources</span>')
    if answer.get("fallback_reason"):
        badges.append(
            f'<span class="fa-badge fa-badge-mode" title="{esc(answer["fallback_reason"])}">Fallback</span>'
        )

    grid = not (answer.get("refused") or chinese or not citations)
    if not grid:
        body = f'<div class="fa-text"{direction}>{with_markers(answer["answer"], turn, set(by_n))}</div>'
    else:
        body = f'<div class="fa-text"{direction}>{_claims_grid(answer, turn, by_n)}</div>'

    conflicts = "".join(
        f'<div class="fa-conflict"><strong>来源有出入 Sources disagree:</strong> {esc(c["about"])} '
        + "".join(
            f'<button type="button" class="fa-cite" data-turn="{turn}" data-cite="{n}">[{n}]</button>'
            for n in c.get("citations", [])
            if n in by_n
        )
        + "</div>"
        for c in answer.get("conflicts", [])
    )
    title = "最相关的来源 Closest sources" if answer.get("refused") else "来源 Sources"
    # Beside a claims grid the quotes are already shown: the list then only names the sources.
    cards = "".join(_citation_card(c, turn, with_quote=not grid) for c in citations)
    sources = (
        f'<div class="fa-sources"><div class="fa-sources-title">{title}</div>{cards}</div>' if cards else ""
    )
    removed = answer.get("removed", [])
    removed_html = (
        f'<details class="fa-removed"><summary>{len(removed)} unsupported sentence(s) removed '
        "已删除无依据的句子"
        "</summary>"
        + "".join(f"<div>{esc(r['sentence'])} <em>({esc(r['reason'])})</em></div>" for r in removed)
        + "</details>"
        if removed
        else ""
    )
    if rating:
        feedback = '<span class="fa-thanks">感谢反馈 Thanks for the feedback</span>'
    else:
        feedback = (
            f'<button type="button" class="fa-rate" data-turn="{turn}" data-rate="up" title="Helpful 有帮助" '
            f'aria-label="Helpful">{_THUMB_UP}</button>'
            f'<button type="button" class="fa-rate" data-turn="{turn}" data-rate="down" '
            'title="Not helpful 没帮助" '
            f'aria-label="Not helpful">{_THUMB_DOWN}</button>'
        )
    total = answer.get("timings_ms", {}).get("total")
    timing = f'<span class="fa-timing">{total / 1000:.1f} s</span>' if isinstance(total, int | float) else ""
    refused_class = " fa-refused" if answer.get("refused") else ""
    return (
        f'<div class="fa-answer{refused_class}"><div class="fa-badges">{"".join(badges)}</div>'
        f"{body}{conflicts}"
        f'{sources}{removed_html}<div class="fa-foot">{feedback}{timing}</div></div>'
    )


def render_transcript(turns: list[dict[str, Any]]) -> str:
    """The whole conversation. A turn is {question, draft, answer (dict or None), error, rating}."""
    if not turns:
        return (
            '<div class="fa-chat"><div class="fa-welcome"><div class="fa-welcome-title">'
            '有问必答，句句有出处<br><span class="fa-welcome-sub">Answers you can check</span></div>'
            "<p>Ask about the Zhongguancun Forum in any language. Every answer comes from the forum's own "
            'articles; click a <span class="fa-cite fa-cite-static">[1]</span> marker to read the quoted '
            "sentence in its source.</p>"
            "<p>用任何语言提问。答案只来自论坛资料，点击 [1] 即可查看原文出处。</p>"
            "</div></div>"
        )
    parts = []
    for i, turn in enumerate(turns):
        q_dir = ' dir="auto"'
        parts.append(f'<div class="fa-turn"><div class="fa-q"{q_dir}>{esc(turn["question"])}</div>')
        if turn.get("answer"):
            parts.append(render_answer(turn["answer"], i, turn.get("rating")))
        elif turn.get("error"):
            parts.append(f'<div class="fa-answer fa-error" role="alert">{esc(turn["error"])}</div>')
        else:
            draft = esc(turn.get("draft", "")).replace("\n", "<br>")
            parts.append(
                '<div class="fa-answer fa-drafting"><div class="fa-badges">'
                '<span class="fa-badge fa-badge-mode">'
                "正在核对来源… Checking against the sources…</span></div>"
                f'<div class="fa-text fa-draft">{draft}<span class="fa-caret"></span></div></div>'
            )
        parts.append("</div>")
    return '<div class="fa-chat">' + "".join(parts) + "</div>"


def render_error(message: str) -> str:
    """A short error box."""
    return f'<div class="fa-answer fa-error" role="alert">{esc(message)}</div>'
