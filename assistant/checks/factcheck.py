"""Checking a staff member's claim against the sources: supporting and contradicting sentences, a verdict.

Figures decide. Figures of one of the corpus's measures (`assistant.checks.measures`: 个国家, 场平行论坛 …)
are compared by measure: the same measure with overlapping ranges supports, a different figure for it in
the same edition contradicts.
A claim with no measured figure falls back to plain values: a sentence holding all of them supports.
"""

from __future__ import annotations

from typing import Literal

from assistant.checks.conflicts import Figure, figures
from assistant.checks.measures import Measures
from assistant.figures.numbers import Quantity, extract_quantities, is_recent_year
from assistant.schema import Citation, Evidence


def _values(text: str) -> list[Quantity]:
    # Years only place a claim in time; editions are compared separately, not as figures.
    return [q for q in extract_quantities(text) if not is_recent_year(q)]


def _same_value(a: Quantity, b: Quantity) -> bool:
    if a.value == b.value:
        return True
    if a.approx or b.approx:  # "超3000" and "3,000" name the same order of figure
        low, high = sorted((a.value, b.value))
        return high > 0 and low / high >= 0.9
    return False


def _measured(text: str, year: int | None, measures: Measures) -> list[Figure]:
    probe = Evidence(
        doc_id="__claim__",
        source="",
        title="",
        date=None,
        quote=text,
        start=0,
        end=len(text),
        score=0.0,
        year=year,
    )
    return figures([probe], measures)


def _overlaps(a: Figure, b: Figure) -> bool:
    return a.measure.key == b.measure.key and a.low <= b.high * (1 + 1e-9) and b.low <= a.high * (1 + 1e-9)


def judge(
    claim: str, claim_zh: str | None, evidence: list[Evidence], measures: Measures
) -> tuple[list[int], list[int]]:
    """1-based numbers of the evidence sentences that support and that contradict the claim
    (`measures`: the corpus's, `CorpusMeasures.get()`)."""
    text = claim_zh or claim
    years = {int(q.value) for q in extract_quantities(text) if is_recent_year(q)}
    year = next(iter(years)) if len(years) == 1 else None
    claimed = _measured(text, year, measures) or _measured(claim, year, measures)
    plain = _values(claim) or (_values(claim_zh) if claim_zh else [])
    supporting, contradicting = [], []
    for n, ev in enumerate(evidence, start=1):
        same_edition = year is None or ev.year is None or ev.year == year
        if claimed:
            found = figures([ev], measures)
            agree = [c for c in claimed if any(_overlaps(c, f) for f in found)]
            clash = [
                c for c in claimed if c not in agree and any(f.measure.key == c.measure.key for f in found)
            ]
            if clash and same_edition:
                contradicting.append(n)
            elif agree and same_edition:
                supporting.append(n)
        elif plain and same_edition:
            values = _values(ev.quote)
            if values and all(any(_same_value(c, f) for f in values) for c in plain):
                supporting.append(n)
    return supporting, contradicting


def verdict(
    supporting: list[Citation], contradicting: list[Citation]
) -> Literal["supported", "contradicted", "disputed", "not_found"]:
    """supported / contradicted / disputed (sources disagree) / not_found."""
    if supporting and contradicting:
        return "disputed"
    if supporting:
        return "supported"
    if contradicting:
        return "contradicted"
    return "not_found"
