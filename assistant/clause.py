"""Stage 6b, for the reader: a foreign guest's answer in their language, from the one clause of the best
evidence sentence that holds the answer, never the Chinese sentence behind a label.

The clause is short, so the model renders it fast, and each figure of the rendering can be checked
against the clause. A rendering that is not in the asker's language or states a figure the clause does not
is not shown; the figure itself, written for the reader (2.7万平方米 → 27,000 m²), is the answer then.
With neither, there is no faithful answer in the asker's language, and the engine refuses in it.

A "when" question whose clause holds a date is answered with the date written for the reader at once
(3月25日至29日 → March 25–29), without the model: a small model's renderings of dates were the least
readable part of its output ("3/25 to 29/3", a day-month order the reader must guess), and the written
date is exact by construction. A "how many" question whose clause holds the one figure it counts is
answered the same way (256核 → 256) when the figure is in the measure word the question counts in: the
0.5B's renderings of such clauses kept the figure but often changed what it counted, and reading it off
costs no model call.
"""

from __future__ import annotations

import logging
import re

from assistant.calibration import MIN_LLM_SECONDS
from assistant.checks.anchoring import holds_a_term
from assistant.checks.measures import counts_asked_thing, noun_after, states_asked_count
from assistant.evidence import (
    EvidenceSet,
    answer_type_bonus,
    coverage,
    names_edition,
)
from assistant.figures.dates import extract_dates
from assistant.figures.quantities import Quantity, figure_values, find_quantities, render_quantity
from assistant.figures.words import digits_for_words
from assistant.language import messages
from assistant.language.asking import asks_for_count, asks_for_date, asks_for_figure
from assistant.language.gate import script_grammar
from assistant.language.kanji import for_reader
from assistant.language.loops import loops
from assistant.language.written import LANGUAGES, written_in
from assistant.llm.protocol import Budget, ChatModel
from kernel.errors import ForumError

log = logging.getLogger(__name__)
_CLAUSE_END = re.compile(r"(?<=[，；：,;])|(?<=——)")
_MIN_CLAUSE_CHARS = 8  # shorter pieces ("此外，") lean on the next one


def clauses(sentence: str) -> list[str]:
    """The sentence cut after its commas, semicolons and colons; short pieces join the next one."""
    parts, pending = [], ""
    for piece in _CLAUSE_END.split(sentence.strip()):
        pending += piece
        if len(pending.strip(" ，；：,;。！？")) >= _MIN_CLAUSE_CHARS:
            parts.append(pending)
            pending = ""
    if pending:
        parts[-1:] = [parts[-1] + pending] if parts else [pending]
    return [p.strip().rstrip("，；：,;") for p in parts if p.strip()]


def best_clause(sentence: str, asked: str, terms: list[str]) -> str:
    """The clause that holds what is asked: for a "how many", the one stating a figure in the measure word
    counted (多少球 → 打进2球, not the 3比1 of the clause before it); then the kind of answer (figure, date,
    year), then the question's subject words; the first such clause on a tie."""
    candidates = clauses(sentence) or [sentence]
    return max(
        candidates,
        key=lambda c: (counted_figure(c, asked) is not None, answer_type_bonus(asked, c), coverage(terms, c)),
    )


def faithful(rendering: str, clause: str, language: str) -> bool:
    """In the asker's language, stating no figure the clause lacks, and every figure it has, and not caught
    in a loop."""
    if (language in LANGUAGES and not written_in(rendering, language)) or loops(rendering):
        return False
    source, stated = figure_values(clause, "zh"), figure_values(rendering, language)
    months = {float(d.month) for d in extract_dates(clause, "zh") if d.month}  # written as month names
    return stated <= source and source - months <= stated


def figure_answer(clause: str, asked: str, language: str) -> str | None:
    """The clause's figures written for the reader behind a fixed phrase, when a figure was asked.

    A date (a year: 2026年中关村论坛) answers only a "when": read off for a rank or a count of years, the
    edition's year was a wrong answer (parity dev: "2012, 2022" for 第11位, "2026" for 多少年). For a "how
    many", a figure followed by another noun than the one asked counts something else (2000名工程师 for
    多少名学生) and is left out."""
    if not asks_for_figure(asked):
        return None
    dated, count = asks_for_date(asked), asks_for_count(asked)
    figures = [
        q
        for q in find_quantities(clause)
        if q.unit != "year"
        and (dated or q.unit != "date")
        and (not count or counts_asked_thing(q, clause, asked))
    ]
    if not figures:
        return None
    written = ", ".join(render_quantity(q, language, clause) for q in figures)
    return f"{messages.say(messages.FIGURE_SAYS, language)} {written}"


def counted_figure(clause: str, asked: str) -> Quantity | None:
    """The figure of `clause` that answers a "how many" question: the only one in the measure word the
    Chinese question counts in (多少核 → 256核). None for other questions, or when it is unclear.

    A clause's only figure is not enough: on the forum dev split, reading it off whatever its measure
    word answered three questions with a figure of something else (26场活动 for a count of projects)
    that the model, seeing four sentences, had got right."""
    if not asks_for_count(asked):
        return None
    counted = [q for q in find_quantities(clause) if states_asked_count(q, clause, asked)]
    return counted[0] if len(counted) == 1 else None


def _clause_and_asked(found: EvidenceSet) -> tuple[str, str]:
    asked = " ".join(found.retrieval.asked)
    return best_clause(found.evidence[0].quote, asked, list(found.signals.terms)), asked


def _read_off(found: EvidenceSet, clause: str, asked: str, language: str) -> str | None:
    """The answer as the clause states it, written for the reader, when no model is needed: the one figure
    a "how many" question counts (when the evidence agrees on it), or the date a "when" question asks."""
    counted = _agreed_count(found, clause, asked)
    if counted is not None:
        return f"{messages.say(messages.FIGURE_SAYS, language)} {render_quantity(counted, language, clause)}"
    if asks_for_date(asked) and any(q.unit == "date" for q in find_quantities(clause)):
        return figure_answer(clause, asked, language)
    return None


def counted_in_best_clause(found: EvidenceSet) -> Quantity | None:
    """The one figure that the best evidence sentence's answering clause counts, for a "how many".

    A draft that cites that sentence must state it (decide). When the evidence agrees on it
    (`count_to_read_off`), a foreign guest's answer is that figure written for the reader, and stage 4 skips
    generating (the figure is exact and costs nothing). Dates are still generated first: four sentences
    show the model the range when the best one holds a single day of it."""
    return counted_figure(*_clause_and_asked(found)) if found.evidence else None


def count_to_read_off(found: EvidenceSet) -> Quantity | None:
    """`counted_in_best_clause`, unless another evidence sentence about the asked edition counts the same
    thing (measure word and noun) with another figure: 12场比赛 in one city, 64场比赛 in the whole
    tournament. Which one is asked is then unclear, so a foreign guest's answer is not the bare figure: the model,
    seeing every sentence, or the clause's rendering, which says what the figure counts, answers instead.
    Another edition's figure is no rival (a different year), nor is a count of something else."""
    return _agreed_count(found, *_clause_and_asked(found)) if found.evidence else None


def _agreed_count(found: EvidenceSet, clause: str, asked: str) -> Quantity | None:
    """`count_to_read_off` for the best evidence sentence's answering `clause`, already found."""
    counted = counted_figure(clause, asked)
    if counted is None or (thing := noun_after(clause, counted.end)) is None:
        return counted
    years = found.retrieval.years
    for ev in found.evidence[1:]:
        if years and not names_edition(ev, years):
            continue
        for other in clauses(ev.quote):
            figure = counted_figure(other, asked)
            if (
                figure is not None
                and figure.value != counted.value
                and noun_after(other, figure.end) == thing
            ):
                return None
    return counted


def answer_for_reader(llm: ChatModel | None, language: str, found: EvidenceSet, budget: Budget) -> str | None:
    """Stage 6b: the answer text with its `[1]` marker in `language`, or None when none is faithful."""
    if not found.evidence:
        return None
    clause, asked = _clause_and_asked(found)
    read = _read_off(found, clause, asked, language)
    if read:
        return f"{read} [1]"
    rendering = faithful_rendering(llm, clause, language, budget) if llm is not None else None
    if rendering:
        return f"{rendering.rstrip()} [1]"
    # The clause must hold one of the question's own words, as a drafted figure's clause must: a figure read
    # off a clause about something else (a harbour's growth for a crane's precision) is a wrong answer.
    about = holds_a_term(clause, found.signals.anchor_terms)
    figure = figure_answer(clause, asked, language) if about else None
    return f"{figure} [1]" if figure else None


def faithful_rendering(llm: ChatModel, chinese: str, language: str, budget: Budget) -> str | None:
    """`chinese` rendered in `language` by the model (kanji the Japanese way, number words as digits), or
    None when no time is left, the model fails, or the rendering is not `faithful` to it."""
    if budget.remaining() <= MIN_LLM_SECONDS:
        return None
    from assistant.language.translate import translate

    try:
        rendering = translate(
            llm, chinese, language, budget_s=budget.remaining(), grammar=script_grammar(language)
        )
    except ForumError as exc:
        log.warning("rendering %r failed: %s", chinese[:40], exc)
        return None
    rendering = digits_for_words(for_reader(rendering, language), language)
    return rendering if rendering and faithful(rendering, chinese, language) else None
