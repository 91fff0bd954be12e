"""The benchmark questions: Chinese and English fact questions from the forum eval set, and the foreign
questions of the foreign-guest row (issue 14) from the parity suite's dev split.

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


# The eight foreign languages of the parity suite, in the order the foreign row asks them.
FOREIGN_LANGUAGES = ("en", "fr", "es", "de", "ja", "ko", "ru", "ar")


def pick_foreign_questions(count: int) -> list[dict[str, str]]:
    """`count` foreign fact questions ({"language", "question", "id"}) from the parity suite's DEV split.

    Never the test split: the bench is a tuning tool, and the test split is kept for reporting quality.
    Single questions of kind `fact` only (no follow-ups, nothing unanswerable). The languages take turns
    (en, fr, es, de, ja, ko, ru, ar, en, …) and the facts rotate under them, so each language gets a
    different fact and no (fact, language) pair repeats until every one has been used: a fixed,
    deterministic handful across languages.
    """
    from evals.dataset import items_for

    by_fact: dict[str, dict[str, str]] = {}
    ids: dict[tuple[str, str], str] = {}
    for item in items_for("dev", "parity"):
        if item.kind == "fact" and not item.history and item.language in FOREIGN_LANGUAGES:
            by_fact.setdefault(item.fact_id, {})[item.language] = item.message
            ids[item.fact_id, item.language] = item.id
    facts = sorted(by_fact)
    # Language i starts at fact i (mod the number of facts): one round of the languages touches every fact.
    queues = (
        {
            lang: [f for f in facts[i % len(facts) :] + facts[: i % len(facts)] if lang in by_fact[f]]
            for i, lang in enumerate(FOREIGN_LANGUAGES)
        }
        if facts
        else {}
    )
    picked: list[dict[str, str]] = []
    while len(picked) < count and any(queues.values()):
        for lang, queue in queues.items():
            if queue and len(picked) < count:
                fact = queue.pop(0)
                picked.append(
                    {"language": lang, "question": by_fact[fact][lang], "id": ids[fact, lang], "fact": fact}
                )
    return picked
