"""Is an answer's figure about what was asked? A check that catches right number, wrong thing.

"There were 40 parallel forums [2]" passes a plain number check when source [2] says "来自40个国家和地区":
the figure is there, but it counts countries. A figure is anchored when, in the cited sentence, the clause
that holds it also holds one of the question's specific words (平行, 国家, 门票 …). For a "how many", the
figure must also count the thing asked: 3000名工程师 does not answer 多少名学生 (the read-off's rule, applied
to generated answers too).
"""

from __future__ import annotations

import re

from assistant.checks.measures import counts_asked_thing
from assistant.checks.verify import AnswerSentence
from assistant.figures.dates import extract_dates
from assistant.figures.numbers import Quantity, extract_quantities, is_recent_year, written_as_year
from assistant.figures.quantities import find_quantities
from assistant.schema import Evidence

# Clause breaks: a figure belongs with the words between these marks.
_CLAUSE_BREAK = re.compile(r"[，,。；;、！？!?：:（）()\n]")
# A semicolon or colon starts a part that reads as a sentence of its own (a list of statements, an elaboration).
_PART_BREAK = re.compile(r"[；;：:]")


def _figures(text: str) -> list[Quantity]:
    return [q for q in extract_quantities(text) if not is_recent_year(q)]


def _no_amount(q: Quantity) -> bool:
    """A year (1887年: years before 1990 are figures to the check itself), or 一项 / 一座: the indefinite
    article ("a patent", "a harbour")."""
    return written_as_year(q) or (float(q.value).is_integer() and q.value == 1)


def _clause(text: str, start: int, end: int) -> str:
    """The words that go with the figure at text[start:end]: its clause, with the opening clause of its
    sentence, or of its part after a semicolon or colon, when that frames it. An opening clause without a
    figure of its own frames the first figure after it (根据1887年的人口普查，8,450名居民中: the census is what
    8,450 is about; 成果如下：一座港口完成扩建，背后是五年的施工: the harbour is what took five years); a
    clause further on, or one with a figure, does not (55场平行论坛，来自40个国家: 40 counts countries)."""
    left = max((m.end() for m in _CLAUSE_BREAK.finditer(text, 0, start)), default=0)
    right = next((m.start() for m in _CLAUSE_BREAK.finditer(text, end)), len(text))
    part = max((m.end() for m in _PART_BREAK.finditer(text, 0, start)), default=0)
    first = _CLAUSE_BREAK.search(text, part)
    opening_end = first.end() if first and first.start() > part and first.group() in "，," else None
    if (
        opening_end == left
        and all(_no_amount(q) for q in _figures(text[part : left - 1]))
        and all(_no_amount(q) for q in _figures(text[left:start]))
    ):
        left = part
    return text[left:right]


def holds_a_term(text: str, terms: list[str] | tuple[str, ...]) -> bool:
    """True when `text` holds one of the words of `terms` (years aside: they frame, they are no subject),
    or when there is no such word to hold."""
    words, lowered = [t for t in terms if not t.isdigit()], text.lower()
    return not words or any(w in lowered for w in words)


def unanchored_figure(sentence: AnswerSentence, evidence: list[Evidence], terms: list[str]) -> str | None:
    """The first figure of `sentence` whose clause in every cited source lacks all of `terms`, else None.

    A figure the sources write only as a year (1887年) is when, not how many: it is the question's frame
    ("the population in 1887"), and what it is about is no test of the answer. A month or day of the
    answer's date is judged by the whole cited sentence, whose event the date dates."""
    if all(t.isdigit() for t in terms):
        return None  # no word to hold: nothing to judge a figure by
    quotes = [evidence[n - 1].quote for n in sentence.citations if 1 <= n <= len(evidence)]
    dates = [d.span for d in extract_dates(sentence.claim) if d.month is not None]
    for figure in _figures(sentence.claim):
        # A date's month or day dates the event of its whole sentence ("5月26日，参观者……体验VR设备"): its
        # own clause is often the date alone, so the words it goes with are the sentence's.
        in_date = any(a <= figure.span[0] and figure.span[1] <= b for a, b in dates)
        clauses = [
            quote if in_date else _clause(quote, *q.span)
            for quote in quotes
            for q in _figures(quote)
            if set(q.values()) & set(figure.values()) and not written_as_year(q)
        ]
        if clauses and not any(holds_a_term(clause, terms) for clause in clauses):
            return figure.raw
    return None


def miscounted_figure(sentence: AnswerSentence, evidence: list[Evidence], asked: str) -> str | None:
    """For a "how many" question (`asked`, in the asker's words and Chinese): the first figure of `sentence`
    that in every cited source counts a thing the question does not name (3000名工程师 for 多少名学生), else
    None. A figure without a noun after its measure word is not judged (`counts_asked_thing`)."""
    quotes = [evidence[n - 1].quote for n in sentence.citations if 1 <= n <= len(evidence)]
    for figure in _figures(sentence.claim):
        judged = [
            counts_asked_thing(q, quote, asked)
            for quote in quotes
            for q in find_quantities(quote)
            if q.value in figure.values()
        ]
        if judged and not any(judged):
            return figure.raw
    return None
