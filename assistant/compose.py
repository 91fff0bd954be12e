"""Stage 7, compose: the answer object the user gets: the text (generated, quoted, or a refusal), the
citations its markers point at, a note when sources disagree, and the audit list of removed sentences."""

from __future__ import annotations

from assistant.checks.conflicts import find_conflicts
from assistant.checks.measures import Measures
from assistant.decide import NO_FAITHFUL_ANSWER, Decision, confidence_label
from assistant.evidence import EvidenceSet
from assistant.figures.quantities import find_quantities, render_quantity
from assistant.generate import cited_numbers, extractive_answer
from assistant.language import messages
from assistant.schema import Answer, Citation, Conflict, Evidence, Removal
from assistant.understand import Understanding


def compose(
    understood: Understanding,
    found: EvidenceSet,
    decision: Decision,
    text: str,
    removed: list[Removal],
    timings: dict[str, float],
    measures: Measures,
) -> Answer:
    """Stage 7: the `Answer`. `text` is the verified generated text, or a quoted answer rendered for the
    reader (stage 6b); a Chinese quoted answer is composed here from the evidence. `measures`: what the
    corpus counts, for conflicts between sources (`CorpusMeasures.get()`)."""
    evidence = found.evidence
    conflicts = find_conflicts(evidence, measures)
    if decision.refused:
        unwritten = decision.refusal_reason == NO_FAITHFUL_ANSWER
        text = messages.say(messages.UNWRITTEN if unwritten else messages.REFUSAL, understood.language)
    elif decision.mode == "extract" and not decision.rendered:
        # With conflicting sources, quote each side so both figures are in front of the reader.
        sides = sorted({n for c in conflicts for n in c.citations})
        text = extractive_answer(evidence, [1, *[n for n in sides if n != 1]])
    if conflicts and not decision.refused:
        text = mention_conflicts(text, conflicts, understood.language)
    cited = set(cited_numbers(text))
    citations = [
        citation(n, ev)
        for n, ev in enumerate(evidence, start=1)
        if decision.refused or n in cited  # a refusal lists the closest sources
    ]
    return Answer(
        answer=text,
        language=understood.language,
        mode=decision.mode,
        refused=decision.refused,
        confidence=round(decision.confidence, 3),
        confidence_label=confidence_label(decision.confidence),
        question=understood.question.message,
        standalone_question=understood.standalone,
        citations=citations,
        conflicts=conflicts,
        removed=removed,
        timings_ms=timings,
        fallback_reason=decision.fallback,
        refusal_reason=decision.refusal_reason if decision.refused else None,
    )


def mention_conflicts(text: str, conflicts: list[Conflict], language: str) -> str:
    """Append a note naming disagreeing sources the text does not already cite."""
    cited = set(cited_numbers(text))
    missing = [c for c in conflicts if not set(c.citations) <= cited]
    if not missing:
        return text
    notes = "; ".join(
        f"{conflict_for_reader(c, language)} {''.join(f'[{n}]' for n in c.citations)}" for c in missing
    )
    return f"{text} {messages.say(messages.CONFLICT, language)} {notes}"


def conflict_for_reader(conflict: Conflict, language: str) -> str:
    """What disagrees, for the reader: in Chinese the measure and the figures as the sources write them
    (国家数: 50余 vs 100多); in another language each figure written for that reader, with the source's words
    for it beside it, which say what is counted: more than 50 (50余个国家) vs more than 100 (100多个国家).
    Without them a note on countries beside an answer about events read as if the events were disputed."""
    if language == "zh" or not conflict.figures:
        return conflict.about
    written = []
    for figure in conflict.figures:
        found = find_quantities(figure)
        written.append(f"{render_quantity(found[0], language)} ({figure})" if found else figure)
    return " vs ".join(written)


def citation(n: int, ev: Evidence) -> Citation:
    """Evidence as the user sees it, numbered `n`."""
    return Citation(n=n, **ev.model_dump(exclude={"year"}))
