"""Sources that disagree: different figures for the same measured thing in the same edition.

The measured thing is read from the measure word and the noun right after a figure (50余个国家和地区,
千余名嘉宾, 12场平行论坛): only the measures in `MEASURES` are compared, so that two unrelated counts
that share a measure word (个项目 vs 个国家) never clash. Two figures conflict when they come from
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

from assistant.figures.dates import extract_dates
from assistant.figures.numbers import Quantity, extract_quantities
from assistant.figures.numerals import regex
from assistant.schema import Conflict, Evidence


@dataclass(frozen=True)
class Measure:
    """A measured thing: the measure words that count it and the noun that must follow."""

    key: str
    label: str
    units: frozenset[str]
    noun: str  # a regular expression matched right after the measure word


def _measure(key: str, label: str, units: str, noun: str) -> Measure:
    return Measure(key, label, frozenset(units.split()), rf"\s*(?:{noun})")


MEASURES = (
    _measure("countries", "国家和地区数 / number of countries and regions", "个",
             "国家和地区|国家与地区|国家及地区|国家/地区|国家(?![级自重实])"),
    _measure("participants", "参会人数 / number of participants", "名 位 人",
             "科学家|嘉宾|参会者|与会者|参会嘉宾|与会嘉宾|来宾|参会代表|代表|参与者|观众"),
    _measure("parallel_forums", "平行论坛数 / number of parallel forums", "场", "平行论坛"),
    _measure("events", "活动场数 / number of events", "场", "活动|论坛活动|配套活动"),
    _measure("trade_sessions", "技术交易专场数 / number of technology trading sessions", "场",
             "技术交易专场"),
    _measure("achievements", "成果数 / number of achievements shown", "项",
             "前沿成果|重大成果|科技成果|成果"),
    _measure("projects", "项目数 / number of projects", "个 项", "科技项目|创新项目|项目"),
    _measure("companies", "企业数 / number of companies", "家", "企业|科技企业|企业机构|机构"),
    _measure("speakers", "演讲嘉宾数 / number of keynote speakers", "位", "顶尖专家"),
)  # fmt: skip


@dataclass(frozen=True)
class Figure:
    n: int  # 1-based citation number
    doc_id: str
    year: int | None
    measure: Measure
    quantity: Quantity
    low: float
    high: float


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


def figures(evidence: list[Evidence]) -> list[Figure]:
    """Every figure of a known measure in the evidence sentences, with its range."""
    found = []
    for n, ev in enumerate(evidence, start=1):
        year = _year(ev)
        for q in extract_quantities(ev.quote):
            if q.unit is None or q.unit_end is None:
                continue
            for measure in MEASURES:
                if q.unit in measure.units and regex(measure.noun).match(ev.quote, q.unit_end):
                    found.append(Figure(n, ev.doc_id, year, measure, q, *_range(q)))
                    break
    return found


def _clash(a: Figure, b: Figure) -> bool:
    same_edition = a.year is None or b.year is None or a.year == b.year
    overlap = a.low <= b.high * (1 + 1e-9) and b.low <= a.high * (1 + 1e-9)
    return a.doc_id != b.doc_id and a.measure.key == b.measure.key and same_edition and not overlap


def _label(group: list[Figure]) -> str:
    shown: list[Figure] = []
    for f in sorted(group, key=lambda f: (f.n, f.quantity.span)):
        if not any(f.low <= s.high and s.low <= f.high for s in shown):  # one label per agreeing cluster
            shown.append(f)
    values = " vs ".join(f.quantity.raw + ("%" if f.quantity.unit == "%" else "") for f in shown)
    return f"{group[0].measure.label}: {values}"


def find_conflicts(evidence: list[Evidence]) -> list[Conflict]:
    """Conflicts between evidence sentences of different documents, one per measured thing and clash group.

    `citations` are 1-based positions in `evidence` (the `[n]` numbers); `about` names the measure in
    Chinese and English with the disagreeing figures, e.g. "国家和地区数 / number of countries and
    regions: 50余 vs 100多".
    """
    items = figures(evidence)
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
    conflicts = [Conflict(about=_label(g), citations=sorted({f.n for f in g})) for g in groups.values()]
    return sorted(conflicts, key=lambda c: c.citations)
