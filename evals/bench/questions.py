"""The benchmark questions: Chinese and English fact questions from the forum eval set.

Only facts asked in both languages are used, spread evenly over the set (so the questions touch all three
articles), alternating Chinese and English, each fact at most once per list.
"""

from __future__ import annotations

from evals.dataset import load_items

_KINDS = ("fact", "year-trap", "conflict")


def _pairs() -> list[dict[str, str]]:
    by_fact: dict[str, dict[str, str]] = {}
    for item in load_items():
        if item.kind in _KINDS and item.language in ("zh", "en"):
            by_fact.setdefault(item.fact_id, {})[item.language] = item.message
    return [pair for pair in by_fact.values() if len(pair) == 2]


def _spread(pairs: list[dict[str, str]], count: int) -> list[str]:
    if count <= 0 or not pairs:
        return []
    step = max(1, len(pairs) // count)
    chosen = [pairs[(i * step) % len(pairs)] for i in range(count)]
    return [pair["zh" if i % 2 == 0 else "en"] for i, pair in enumerate(chosen)]


def pick_questions(answers: int, retrieval: int) -> tuple[list[str], list[str]]:
    """(questions for answer latency, questions for retrieval latency), half Chinese, half English."""
    pairs = _pairs()
    return _spread(pairs, answers), _spread(pairs[1:] + pairs[:1], retrieval)
