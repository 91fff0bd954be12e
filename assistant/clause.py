"""Stage 6b, for the reader: a foreign guest's answer in their language, from the one clause of the best
evidence sentence that holds the answer, never the Chinese sentence behind a label.

The clause is short, so the model renders it fast, and each figure of the rendering can be checked
against the clause. A rendering that is not in the asker's language or states a figure the clause does not
is not shown; the figure itself, written for the reader (2.7万平方米 → 27,000 m²), is the answer then.
With neither, there is no faithful answer in the asker's language, and the engine refuses in it.

A "when" question whose clause holds a date is answered with the date written for the reader at once
(3月25日至29日 → March 25–29), without the model: a small model's renderings of dates were the least
readable part of its output ("3/25 to 29/3", a day-month order the reader must guess), and the written
date is exact by construction.
"""

from __future__ import annotations

import logging
import re

from assistant.calibration import MIN_LLM_SECONDS
from assistant.evidence import EvidenceSet, answer_type_bonus, asks_for_date, asks_for_figure, coverage
from assistant.figures.dates import extract_dates
from assistant.figures.quantities import figure_values, find_quantities, render_quantity
from assistant.language import messages
from assistant.language.gate import script_grammar
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
    """The clause that holds what is asked: the kind of answer (figure, date, year) first, then the
    question's subject words; the first such clause on a tie."""
    candidates = clauses(sentence) or [sentence]
    return max(candidates, key=lambda c: (answer_type_bonus(asked, c), coverage(terms, c)))


def faithful(rendering: str, clause: str, language: str) -> bool:
    """In the asker's language, stating no figure the clause lacks, and every figure it has."""
    if language in LANGUAGES and not written_in(rendering, language):
        return False
    source, stated = figure_values(clause, "zh"), figure_values(rendering, language)
    months = {float(d.month) for d in extract_dates(clause, "zh") if d.month}  # written as month names
    return stated <= source and source - months <= stated


def figure_answer(clause: str, asked: str, language: str) -> str | None:
    """The clause's figures written for the reader behind a fixed phrase, when a figure was asked."""
    if not asks_for_figure(asked):
        return None
    figures = [q for q in find_quantities(clause) if q.unit != "year"]
    if not figures:
        return None
    written = ", ".join(render_quantity(q, language) for q in figures)
    return f"{messages.say(messages.FIGURE_SAYS, language)} {written}"


def answer_for_reader(llm: ChatModel | None, language: str, found: EvidenceSet, budget: Budget) -> str | None:
    """Stage 6b: the answer text with its `[1]` marker in `language`, or None when none is faithful."""
    if not found.evidence:
        return None
    asked = " ".join(found.retrieval.asked)
    clause = best_clause(found.evidence[0].quote, asked, list(found.signals.terms))
    if asks_for_date(asked) and any(q.unit == "date" for q in find_quantities(clause)):
        figure = figure_answer(clause, asked, language)
        if figure:
            return f"{figure} [1]"
    if llm is not None and budget.remaining() > MIN_LLM_SECONDS:
        from assistant.language.translate import translate

        try:
            rendering = translate(
                llm, clause, language, budget_s=budget.remaining(), grammar=script_grammar(language)
            )
        except ForumError as exc:
            log.warning("rendering the clause failed: %s", exc)
            rendering = ""
        if rendering and faithful(rendering, clause, language):
            return f"{rendering.rstrip()} [1]"
    figure = figure_answer(clause, asked, language)
    return f"{figure} [1]" if figure else None
