"""Stage 6, decide: a generated answer, a fall-back to quoting the sources, or a refusal, with a confidence.

A generated answer falls back to quotes when it states no figure although one was asked, when nothing of
it survived verification, when it cites nothing, or when it only repeats the question. The answer is
refused when there is no evidence, nothing was asked, the model said the sources do not answer, the
question's subject words are missing from the evidence, the best sentence is from another edition, or
the confidence is below the threshold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from assistant import calibration as cal
from assistant.checks.answer import Checked
from assistant.checks.measures import counts_asked_thing
from assistant.checks.names import asked_role, asks_for_person, holds_role, names_a_person
from assistant.clause import counted_in_best_clause
from assistant.evidence import EvidenceSet, names_edition
from assistant.figures.dates import date_ranges, extract_dates
from assistant.figures.quantities import figure_values, find_quantities
from assistant.generate import Draft, cited_numbers, restates_question
from assistant.language.asking import asks_for_count, asks_for_figure
from assistant.language.messages import ANSWER_IN, say
from assistant.language.terms import chinese_queries
from assistant.language.written import LANGUAGES, written_in
from assistant.understand import Understanding

_MARKER_ONLY = re.compile(r"\[\d+\]|NOT_FOUND")
# An answer that ends with a question, read with its markers removed: Latin, full-width and Arabic marks.
_ENDS_ASKING = re.compile(r"[?？؟]\s*[.。]?\s*$")
_ANY_FIGURE = re.compile(r"\d|[一二两三四五六七八九十百千万亿]")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


# Stage 6b's refusal, when no draft or rendering in the asker's language was faithful (the sources may hold
# the answer: the refusal says so, `messages.UNWRITTEN`).
NO_FAITHFUL_ANSWER = "no faithful answer in the asker's language"


@dataclass(frozen=True)
class Thresholds:
    """The operator's refusal settings (FORUM_REFUSAL_THRESHOLD, FORUM_MIN_COVERAGE[_RENDERED])."""

    refusal: float
    min_coverage: float
    min_coverage_rendered: float


@dataclass(frozen=True)
class Decision:
    """How the answer is given."""

    mode: Literal["generate", "extract"]
    refused: bool
    confidence: float
    fallback: str | None = None  # why a generated answer was replaced by quotes
    rendered: bool = False  # a quoted answer written in the asker's language from its clause
    refusal_reason: str | None = None  # the refusal rule that fired (shown to staff, counted by the evals)


def decide(
    understood: Understanding, found: EvidenceSet, draft: Draft, checked: Checked | None, limits: Thresholds
) -> Decision:
    """Stage 6: answer as generated, fall back to quotes, or refuse."""
    fallback = draft.fallback
    if checked is not None and fallback is None:
        fallback = _fallback_reason(understood, found, checked.text)
    confidence = confidence_of(found, checked.kept_ratio if checked else 1.0)
    why = refusal_reason(understood, found, confidence, limits, not_found=draft.not_found)
    mode: Literal["generate", "extract"] = "generate" if draft.used_llm and fallback is None else "extract"
    return Decision(
        mode=mode, refused=why is not None, confidence=confidence, fallback=fallback, refusal_reason=why
    )


def refusal_reason(
    understood: Understanding,
    found: EvidenceSet,
    confidence: float,
    limits: Thresholds,
    *,
    not_found: bool = False,
) -> str | None:
    """The first refusal rule the question and its evidence break, or None when it may be answered."""
    coverage = found.signals.coverage
    rules = (
        (not asks_about_something(understood, found), "nothing specific asked"),
        (not found.evidence, "no evidence"),
        (not_found, "the model found no answer in the sources"),
        (
            coverage is not None and coverage < min_coverage(understood.rendered, limits),
            "subject words missing",
        ),
        (not year_matches(found), "best sentence from another edition"),
        (not person_found(understood, found), "no person named"),
        (not figure_found(understood, found), "no figure for what is counted"),
        (confidence < limits.refusal, "confidence below the threshold"),
    )
    return next((why for broken, why in rules if broken), None)


def _fallback_reason(understood: Understanding, found: EvidenceSet, text: str) -> str | None:
    """Why a verified generated answer is still not good enough to show, or None."""
    unmarked = _MARKER_ONLY.sub("", text)
    if not unmarked.strip(" .。,，;；"):
        # Checked first: an answer whose every sentence was removed states nothing, and the removals say why.
        return "No generated sentence survived verification; extractive answer given instead."
    asked = " ".join(found.retrieval.asked)
    stated = _YEAR.sub("", unmarked)  # an edition year answers no "when"
    if asks_for_figure(asked) and not _ANY_FIGURE.search(stated):
        # "The forum was held [1]." answers nothing: a figure or date was asked for.
        return "The generated answer did not state the figure or date asked for; extractive answer given instead."
    if _misses_the_count(text, found):
        return "The generated answer cited the best source but not the figure it counts; extractive answer given instead."
    if not in_language(text, understood.language):
        return "The generated answer was not in the asker's language; extractive answer given instead."
    if _half_a_range(text, found):
        return "The generated answer gave only one end of a date range; extractive answer given instead."
    if not cited_numbers(text):
        # Sentences with no figure pass verification, but an answer that cites nothing is not grounded.
        return "The generated answer cited no source; extractive answer given instead."
    if _ENDS_ASKING.search(unmarked):
        # The guest model sometimes hands the question back ("…, فما موضوعه؟ [1]"): a question answers nothing.
        return "The generated answer ended with a question instead of an answer; extractive answer given instead."
    # The prompt's last line, echoed ("한국어로 답하세요. [1]"), is no more an answer than the question is.
    instruction = say(ANSWER_IN, understood.language)
    if restates_question(text, [*found.retrieval.queries, understood.focus, instruction]):
        return "The generated answer only repeated the question or the instruction; extractive answer given instead."
    return None


def _misses_the_count(text: str, found: EvidenceSet) -> bool:
    """True when the answer cites the best sentence for a "how many" but states another figure of it, or
    none ("256核芯片每秒处理100万笔交易" asked for cores, answered with the transactions)."""
    counted = counted_in_best_clause(found)
    return counted is not None and 1 in cited_numbers(text) and counted.value not in figure_values(text)


def in_language(text: str, language: str) -> bool:
    """The eval's check of the asker's language (`written_in`); languages it does not know pass."""
    return language not in LANGUAGES or written_in(text, language)


def _half_a_range(text: str, found: EvidenceSet) -> bool:
    """True when the answer states the first day of a range its cited source gives, but not the last."""
    stated = {(d.month, d.day) for d in extract_dates(text) if d.month is not None and d.day is not None}
    cited = [found.evidence[n - 1] for n in cited_numbers(text) if 0 < n <= len(found.evidence)]
    return any(
        first in stated and last not in stated for ev in cited for first, last in date_ranges(ev.quote, "zh")
    )


def confidence_of(found: EvidenceSet, kept_ratio: float) -> float:
    """Keyword coverage, embedding similarity and the share of verified sentences, weighted."""
    signals = found.signals
    coverage = cal.COVERAGE_WHEN_NO_SUBJECT if signals.coverage is None else signals.coverage
    dense = min(1.0, max(0.0, (signals.dense - cal.DENSE_FLOOR) / cal.DENSE_SPAN))
    return (
        cal.CONFIDENCE_WEIGHT_COVERAGE * coverage
        + cal.CONFIDENCE_WEIGHT_DENSE * dense
        + cal.CONFIDENCE_WEIGHT_KEPT * kept_ratio
    )


def confidence_label(confidence: float) -> Literal["high", "medium", "low"]:
    """The label shown beside the answer."""
    if confidence >= cal.HIGH_CONFIDENCE:
        return "high"
    return "medium" if confidence >= cal.MEDIUM_CONFIDENCE else "low"


def min_coverage(rendered: bool, limits: Thresholds) -> float:
    """The share of subject words the evidence must hold; looser for an LLM rendering of the question,
    whose words differ from the article's more often than a visitor's own Chinese."""
    return limits.min_coverage_rendered if rendered else limits.min_coverage


def asks_about_a_person(understood: Understanding) -> bool:
    """Whether the asker's own words ask who someone is. A model's Chinese rendering is not asked: a small
    model turns "At which place…" or "In which patients…" into a 谁 question (dev split)."""
    return asks_for_person(understood.standalone)


def role_asked(understood: Understanding, found: EvidenceSet) -> str | None:
    """The role a question about a person asks for (科技部党组书记是谁 → 党组书记), read from the asked Chinese
    (a foreign guest's rendering); None for another question, or one that names no role."""
    return asked_role(" ".join(found.retrieval.asked)) if asks_about_a_person(understood) else None


def person_found(understood: Understanding, found: EvidenceSet) -> bool:
    """A question about a person needs a best sentence that names one, and the role asked for if any."""
    if not asks_about_a_person(understood):
        return True
    role = role_asked(understood, found)
    return any(
        names_a_person(ev.quote) and (role is None or holds_role(ev.quote, role)) for ev in found.evidence[:2]
    )


def figure_found(understood: Understanding, found: EvidenceSet) -> bool:
    """A "how many" question, in the asker's own words, needs a figure of the thing it counts in its best
    sentences (`counts_asked_thing`: 3000名科学家 counts no 青年); a year or a date is no count, and an
    ordinal (第几, "which place") is no count either."""
    if not asks_for_count(understood.standalone):
        return True
    asked = " ".join(found.retrieval.asked)
    return any(
        q.unit not in ("year", "date") and counts_asked_thing(q, ev.quote, asked)
        for ev in found.evidence[:2]
        for q in find_quantities(ev.quote)
    )


def year_matches(found: EvidenceSet) -> bool:
    """A question about an edition needs its best sentence from that edition (or naming that year)."""
    years = found.retrieval.years
    return not years or any(names_edition(ev, years) for ev in found.evidence[:1])


def asks_about_something(understood: Understanding, found: EvidenceSet) -> bool:
    """False for a greeting or noise ("hi", "asdfgh"): no specific word, no edition, not even the forum."""
    if understood.nothing_asked:
        return False
    if found.signals.terms:
        return True
    text, generic = " ".join(found.retrieval.queries), found.retrieval.generic
    topic = [w for w in generic.corpus if len(w) > 1 and w not in generic.function]
    if _YEAR.search(text) or any(word in text for word in topic):
        return True  # an edition, or the corpus's own common words (中关村, 论坛): "When was it held?"
    if chinese_queries(found.retrieval.queries):
        return False  # Chinese words were there to look for, and none of them is specific
    if understood.chinese is not None:
        return False  # the LLM rendered it and found nothing Chinese to say: nothing was asked
    # No LLM to render a foreign question: a single word ("hi", "asdfgh") is not a question about the forum.
    return len(understood.focus.split()) >= 2
