"""Sources that disagree: different figures for the same measured thing in the same edition.

The measured thing is read from the measure word and the noun phrase right after a figure (50余个国家,
千余名嘉宾, 12场平行论坛): only the corpus's measures are compared (`assistant.checks.measures`: pairs
that follow figures in at least two documents), each with the same pair only, so that two unrelated
counts that share a measure word (个项目 vs 个国家) never clash. Two figures conflict when they come from
DIFFERENT documents, about the same edition (equal `Evidence.year`, or a year unknown on either side;
a missing `year` falls back to the one year a quote names), and their ranges do not overlap:
- exact N is [N, N]; "over" (余/多/超/more than) is [N, N + 10^k] where 10^k is N's leading place
  (50余 -> 50-60, 100多 -> 100-200, 千余 -> 1000-2000, 超3000 -> 3000-4000);
- "under" (近/nearly) is [0.9N, N]; "about" (约/左右) is [0.9N, 1.1N].
So 百余场 and 150场 agree (150 lies in 100-200), 50余 and 100多 do not, 超3000 and 千余 do not.
A document that contradicts itself is not reported (same-document figures often count different subsets).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from assistant.checks.measures import Measure, Measures
from assistant.figures.dates import extract_dates
from assistant.figures.numbers import Quantity, extract_quantities
from assistant.schema import Conflict, Evidence


@dataclass(frozen=True)
class Figure:
    n: int  # 1-based citation number
    doc_id: str
    year: int | None
    measure: Measure
    quantity: Quantity
    low: float
    high: float

    @property
    def written(self) -> str:
        """The figure and what it counts, as the sources write them: 50余个国家, 千余名嘉宾."""
        return f"{self.quantity.raw}{self.measure.key}"


def _range(q: Quantity) -> tuple[float, float]:
    v = q.value
    if q.qualifier == "over" and v > 0:
        return v, v + 10 ** math.floor(math.log10(v))
    if q.qualifier == "under":
        return 0.9 * v, v
    if q.qualifier == "about":
        return 0.9 * v, 1.1 * v
    return v, v


def _year(ev: Evidence) -> int | None:
    if ev.year is not None:
        return ev.year
    years = {d.year for d in extract_dates(ev.quote) if d.year is not None and d.month is None}
    return years.pop() if len(years) == 1 else None


def figures(evidence: list[Evidence], measures: Measures) -> list[Figure]:
    """Every figure of a known measure in the evidence sentences, with its range."""
    found: list[Figure] = []
    if not measures:
        return found
    for n, ev in enumerate(evidence, start=1):
        year = _year(ev)
        for q in extract_quantities(ev.quote):
            measure = measures.measure_at(ev.quote, q)
            if measure is not None:
                found.append(Figure(n, ev.doc_id, year, measure, q, *_range(q)))
    return found


def _clash(a: Figure, b: Figure) -> bool:
    same_edition = a.year is None or b.year is None or a.year == b.year
    overlap = a.low <= b.high * (1 + 1e-9) and b.low <= a.high * (1 + 1e-9)
    return a.doc_id != b.doc_id and a.measure.key == b.measure.key and same_edition and not overlap


def _shown(group: list[Figure]) -> list[Figure]:
    """One figure per agreeing cluster of a clash group, in citation order."""
    shown: list[Figure] = []
    for f in sorted(group, key=lambda f: (f.n, f.quantity.span)):
        if not any(f.low <= s.high and s.low <= f.high for s in shown):
            shown.append(f)
    return shown


def _conflict(group: list[Figure]) -> Conflict:
    shown = _shown(group)
    values = " vs ".join(f.quantity.raw + ("%" if f.quantity.unit == "%" else "") for f in shown)
    return Conflict(
        about=f"{group[0].measure.label}: {values}",
        citations=sorted({f.n for f in group}),
        figures=[f.written for f in shown],
    )


def find_conflicts(evidence: list[Evidence], measures: Measures) -> list[Conflict]:
    """Conflicts between evidence sentences of different documents, one per measured thing and clash group.

    `measures`: the corpus's (`CorpusMeasures.get()`). `citations` are 1-based positions in `evidence` (the
    `[n]` numbers); `about` names the measure by its Chinese noun phrase with the disagreeing figures, e.g.
    "国家数: 50余 vs 100多"; `figures` are those figures with what they count, as the sources write them
    (50余个国家, 100多个国家).
    """
    items = figures(evidence, measures)
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    clashing: set[int] = set()
    for i, a in enumerate(items):
        for j in range(i + 1, len(items)):
            if _clash(a, items[j]):
                parent[root(j)] = root(i)
                clashing |= {i, j}
    groups: dict[int, list[Figure]] = {}
    for i in sorted(clashing):
        groups.setdefault(root(i), []).append(items[i])
    conflicts = [_conflict(g) for g in groups.values()]
    return sorted(conflicts, key=lambda c: c.citations)
