"""HTML for the chat page's conversation (the source panel and fact checks are in render_sources).

Labels come from `ui.labels`: an answer's own labels (confidence, sources, headings) are in the answer's
language; the rest of the transcript (welcome, drafts, errors) in the page's language.

Every piece of text that comes from a document, a user or a model goes through `esc` before it is placed
in markup: the page shows it as text, never as HTML (a document containing <script> stays text).
The only markup added is ours: citation buttons, <mark> around the quoted range, layout.
"""

from __future__ import annotations

import html
import re
from typing import Any

from assistant.compose import conflict_for_reader
from assistant.decide import NO_FAITHFUL_ANSWER
from assistant.schema import Conflict
from ui.labels import DEFAULT, label, page_language

RTL = {"ar", "fa", "he", "ur"}
_MARKERS = re.compile(r"\[(\d+(?:\s*[,，]\s*\d+)*)\]")
MARKER_GAP = re.compile(r"\s*\[\d+(?:\s*[,，]\s*\d+)*\]")
# A sentence ends at CJK end punctuation, or at ASCII punctuation followed by space/end/marker
# (so "6.5%" stays whole), and keeps the [n] markers that follow it.
_SENTENCE = re.compile(r".*?(?:(?:[。！？]|[.!?](?=\s|$|\[))(?:\s*\[\d+(?:\s*[,，]\s*\d+)*\])*|$)", re.S)

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


def direction_of(lang: str) -> str:
    """` dir="rtl"` for a right-to-left language, else nothing."""
    return ' dir="rtl"' if lang in RTL else ""


def with_markers(text: str, turn: int, known: set[int], lang: str = DEFAULT) -> str:
    """Escape `text` and turn each [n] whose citation exists into a button that opens the source."""

    def button(match: re.Match[str]) -> str:
        parts = [int(p.strip()) for p in re.split(r"[,，]", match.group(1))]
        if not all(n in known for n in parts):
            return match.group()
        return "".join(
            f'<button type="button" class="fa-cite" data-turn="{turn}" data-cite="{n}" '
            f'title="{esc(label(lang, "show_source", n=n))}">[{n}]</button>'
            for n in parts
        )

    return _MARKERS.sub(button, esc(text)).replace("\n", "<br>")


def source_line(c: dict[str, Any]) -> str:
    bits = [f'<span class="fa-src-title" lang="zh">{esc(c.get("title") or c.get("source", ""))}</span>']
    if c.get("date"):
        bits.append(f'<span class="fa-src-date">{esc(c["date"])}</span>')
    bits.append(f'<span class="fa-src-file">{esc(c.get("source", ""))}</span>')
    return "".join(bits)


# Set by the page on a citation whose translation was asked for and none was faithful: a note says so
# instead of a translation (and a second click does not ask the model again).
UNTRANSLATED = "untranslated"


def translation_of(c: dict[str, Any], lang: str, translating: bool = False) -> str:
    """The machine translation shown under a quote, if the engine made one, labelled as one in `lang`; else
    a note in `lang` that none could be trusted, or (`translating`) that one is on its way."""
    if not c.get("translation"):
        note = "no_translation" if c.get(UNTRANSLATED) else "translating" if translating else None
        return f'<div class="fa-translation fa-muted">{esc(label(lang, note))}</div>' if note else ""
    return (
        f'<div class="fa-translation" dir="auto"><div class="fa-translation-label">'
        f"{esc(label(lang, 'machine_translation'))}</div>{esc(c['translation'])}</div>"
    )


def _citation_card(c: dict[str, Any], turn: int, with_quote: bool, lang: str) -> str:
    quote = ""
    if with_quote:
        quote = f'<div class="fa-quote" lang="zh">{esc(c["quote"])}</div>{translation_of(c, lang)}'
    return (
        f'<div class="fa-src" data-turn="{turn}" data-cite="{c["n"]}" role="button" tabindex="0" '
        f'title="{esc(label(lang, "show_source", n=c["n"]))}">'
        f'<span class="fa-cite fa-cite-static">[{c["n"]}]</span>'
        f'<div class="fa-src-body"><div class="fa-src-line">{source_line(c)}</div>{quote}</div></div>'
    )


def _claims_grid(answer: dict[str, Any], turn: int, by_n: dict[int, dict[str, Any]], lang: str) -> str:
    """For an answer not in Chinese: each claim beside the original Chinese sentence(s) it cites."""
    rows = []
    for sentence in sentences(answer["answer"]):
        numbers = [n for n in cited_in(sentence) if n in by_n]
        originals = "".join(
            f'<div class="fa-original"><span class="fa-cite fa-cite-static">[{n}]</span>'
            f'<span lang="zh">{esc(by_n[n]["quote"])}</span>{translation_of(by_n[n], lang)}</div>'
            for n in numbers
        )
        rows.append(
            f'<div class="fa-claim">{with_markers(sentence, turn, set(by_n), lang)}</div>'
            f'<div class="fa-originals">{originals}</div>'
        )
    return (
        f'<div class="fa-grid"><div class="fa-grid-head">{esc(label(lang, "answer_heading"))}</div>'
        f'<div class="fa-grid-head">{esc(label(lang, "original_heading"))}</div>' + "".join(rows) + "</div>"
    )


def _badges(answer: dict[str, Any], lang: str) -> str:
    if answer.get("refused"):
        why = esc(answer.get("refusal_reason") or "")  # for staff checking a refusal: which rule fired
        # Not "not in the sources" when they may hold the answer but none could be written faithfully.
        said = "unwritten" if answer.get("refusal_reason") == NO_FAITHFUL_ANSWER else "refused"
        badges = [f'<span class="fa-badge fa-badge-refused" title="{why}">{esc(label(lang, said))}</span>']
    else:
        level = answer.get("confidence_label", "low")
        name = label(lang, f"conf_{level}") if level in ("high", "medium", "low") else level
        value = f"{answer.get('confidence', 0):.2f}"
        badges = [
            f'<span class="fa-badge fa-conf-{esc(level)}" title="{esc(label(lang, "confidence", value=value))}">'
            f"{esc(name)}</span>"
        ]
    if answer.get("mode") == "extract" and not answer.get("refused"):
        badges.append(f'<span class="fa-badge fa-badge-mode">{esc(label(lang, "quoted"))}</span>')
    if answer.get("fallback_reason"):
        badges.append(
            f'<span class="fa-badge fa-badge-mode" title="{esc(answer["fallback_reason"])}">'
            f"{esc(label(lang, 'fallback'))}</span>"
        )
    return f'<div class="fa-badges">{"".join(badges)}</div>'


def _feedback(turn: int, rating: str | None, lang: str) -> str:
    if rating:
        return f'<span class="fa-thanks">{esc(label(lang, "thanks"))}</span>'
    return "".join(
        f'<button type="button" class="fa-rate" data-turn="{turn}" data-rate="{value}" '
        f'title="{esc(label(lang, key))}" aria-label="{esc(label(lang, key))}">{icon}</button>'
        for value, key, icon in (("up", "helpful", _THUMB_UP), ("down", "not_helpful", _THUMB_DOWN))
    )


def render_answer(
    answer: dict[str, Any], turn: int, rating: str | None = None, page_lang: str = DEFAULT
) -> str:
    """One verified answer: text with clickable [n], badges, conflicts, sources and feedback buttons.

    Its labels are in the answer's language (the page's, for a language without a label table)."""
    citations = answer.get("citations", [])
    by_n = {int(c["n"]): c for c in citations}
    language = answer.get("language", "zh")
    lang = page_language(language, fallback=page_lang)
    grid = not (answer.get("refused") or language.startswith("zh") or not citations)
    if not grid:
        body = f'<div class="fa-text">{with_markers(answer["answer"], turn, set(by_n), lang)}</div>'
    else:
        body = f'<div class="fa-text">{_claims_grid(answer, turn, by_n, lang)}</div>'

    conflicts = "".join(
        f'<div class="fa-conflict"><strong>{esc(label(lang, "disagree"))}:</strong> '
        f"{esc(conflict_for_reader(Conflict.model_validate(c), language))} "
        + "".join(
            f'<button type="button" class="fa-cite" data-turn="{turn}" data-cite="{n}">[{n}]</button>'
            for n in c.get("citations", [])
            if n in by_n
        )
        + "</div>"
        for c in answer.get("conflicts", [])
    )
    title = label(lang, "closest_sources" if answer.get("refused") else "sources")
    # Beside a claims grid the quotes are already shown: the list then only names the sources.
    cards = "".join(_citation_card(c, turn, not grid, lang) for c in citations)
    sources = (
        f'<div class="fa-sources"><div class="fa-sources-title">{esc(title)}</div>{cards}</div>'
        if cards
        else ""
    )
    removed = answer.get("removed", [])
    removed_html = (
        f'<details class="fa-removed"><summary>{esc(label(lang, "removed", n=len(removed)))}</summary>'
        + "".join(f"<div>{esc(r['sentence'])} <em>({esc(r['reason'])})</em></div>" for r in removed)
        + "</details>"
        if removed
        else ""
    )
    total = answer.get("timings_ms", {}).get("total")
    timing = f'<span class="fa-timing">{total / 1000:.1f} s</span>' if isinstance(total, int | float) else ""
    refused_class = " fa-refused" if answer.get("refused") else ""
    return (
        f'<div class="fa-answer{refused_class}" lang="{esc(lang)}"{direction_of(language)}>'
        f"{_badges(answer, lang)}{body}{conflicts}{sources}{removed_html}"
        f'<div class="fa-foot">{_feedback(turn, rating, lang)}{timing}</div></div>'
    )


def cite_sample() -> str:
    """The [1] marker as drawn in help texts."""
    return '<span class="fa-cite fa-cite-static">[1]</span>'


def welcome(lang: str) -> str:
    """The empty conversation: what the page does, in the page's language."""
    return (
        f'<div class="fa-chat" lang="{esc(lang)}"{direction_of(lang)}><div class="fa-welcome">'
        f'<div class="fa-welcome-title">{esc(label(lang, "welcome_title"))}</div>'
        f"<p>{esc(label(lang, 'welcome_text')).replace('{cite}', cite_sample())}</p></div></div>"
    )


def _draft(turn: dict[str, Any], lang: str) -> str:
    draft = esc(turn.get("draft", "")).replace("\n", "<br>")
    return (
        f'<div class="fa-answer fa-drafting" lang="{esc(lang)}"{direction_of(lang)}><div class="fa-badges">'
        f'<span class="fa-badge fa-badge-mode">{esc(label(lang, "checking"))}</span></div>'
        f'<div class="fa-text fa-draft" dir="auto">{draft}<span class="fa-caret"></span></div></div>'
    )


def render_transcript(turns: list[dict[str, Any]], lang: str = DEFAULT) -> str:
    """The whole conversation. A turn is {question, draft, answer (dict or None), error, rating}."""
    if not turns:
        return welcome(lang)
    parts = []
    for i, turn in enumerate(turns):
        parts.append(f'<div class="fa-turn"><div class="fa-q" dir="auto">{esc(turn["question"])}</div>')
        if turn.get("answer"):
            parts.append(render_answer(turn["answer"], i, turn.get("rating"), lang))
        elif turn.get("error"):
            parts.append(render_error(turn["error"], lang))
        else:
            parts.append(_draft(turn, lang))
        parts.append("</div>")
    return '<div class="fa-chat">' + "".join(parts) + "</div>"


def render_error(message: str, lang: str = DEFAULT) -> str:
    """A short error box."""
    return (
        f'<div class="fa-answer fa-error" role="alert" lang="{esc(lang)}"{direction_of(lang)}>'
        f"{esc(message)}</div>"
    )
