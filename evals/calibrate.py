"""Re-calibrate the refusal settings on the dev split, and only there.

For every dev item the engine runs stages 1–3 (understand, retrieve, choose evidence: no answer is
written, so a whole grid of settings is scored from one pass). An item counts as *won* under a setting
when an unanswerable question is refused, or when an answerable one is answered and its best two evidence
sentences hold the accepted answer (what an answer can at best be built from). A grid over
`refusal_threshold`, `min_coverage` and `min_coverage_rendered` is scored by the won rate; ties go to the
better refusal accuracy. The test split is never read here.

The items come from two corpora, each with its own index: the forum's articles (the forum and parity
suites) and XQuAD's paragraphs (news and encyclopedia text the engine was not written for). Each corpus
counts as much as the other in the won rate: settings fitted to the forum's articles alone refused Chinese
XQuAD questions whose best sentence answers them (their words paraphrase the paragraph), so they would not
carry to documents we have not seen. XQuAD has no unanswerable questions; the forum's suites hold those.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from assistant.decide import Thresholds, confidence_of, min_coverage, refusal_reason
from assistant.engine import ForumEngine
from evals import metrics
from evals.configs import LLMPool, open_eval_index
from evals.dataset import EvalItem, items_for
from evals.markdown import table
from evals.report import new_report, write_report
from kernel.settings import Settings

REFUSAL_GRID = tuple(round(0.30 + 0.02 * i, 2) for i in range(21))  # 0.30 … 0.70
COVERAGE_GRID = tuple(round(0.05 * i, 2) for i in range(13))  # 0.00 … 0.60


@dataclass(frozen=True)
class Observed:
    """What stages 1–3 found for one dev item."""

    id: str
    kind: str
    language: str
    should_refuse: bool
    evidence_holds_answer: bool
    coverage: float | None
    rendered: bool
    confidence: float  # before any answer is written (all generated sentences kept)
    fixed_rule: str | None  # a refusal rule that no threshold changes (no evidence, other edition, …)
    understood: Any = None
    found: Any = None


def observe(engine: ForumEngine, item: EvalItem) -> Observed:
    """Run stages 1–3 for the item and keep what the refusal rules look at."""
    understood, found = engine.look_up(item.to_question())
    quotes = " ".join(ev.quote for ev in found.evidence[:2])
    open_limits = Thresholds(refusal=0.0, min_coverage=0.0, min_coverage_rendered=0.0)
    return Observed(
        id=item.id,
        kind=item.kind,
        language=item.language,
        should_refuse=item.kind == "unanswerable",
        evidence_holds_answer=bool(item.answers) and metrics.answer_matches(quotes, item.answers, "zh"),
        coverage=found.signals.coverage,
        rendered=understood.rendered,
        confidence=confidence_of(found, 1.0),
        fixed_rule=refusal_reason(understood, found, 1.0, open_limits),
        understood=understood,
        found=found,
    )


def refuses(seen: Observed, limits: Thresholds) -> bool:
    """Whether the engine's refusal rules refuse this item under `limits` (`refusal_reason`, with the
    rules no threshold moves evaluated once in `observe`)."""
    return (
        seen.fixed_rule is not None
        or (seen.coverage is not None and seen.coverage < min_coverage(seen.rendered, limits))
        or seen.confidence < limits.refusal
    )


def score(observed: list[Observed], limits: Thresholds) -> dict[str, Any]:
    """Won rate, refusal accuracy and the counts behind them, for one setting."""
    won = refused_right = refused_wrong = answered_holding = refused_lacking = 0
    for seen in observed:
        refused = refuses(seen, limits)
        if seen.should_refuse:
            won += refused
            refused_right += refused
        else:
            won += (not refused) and seen.evidence_holds_answer
            answered_holding += (not refused) and seen.evidence_holds_answer
            refused_wrong += refused
            refused_lacking += refused and not seen.evidence_holds_answer
    n = len(observed) or 1
    correct_decisions = sum(refuses(s, limits) == s.should_refuse for s in observed)
    return {
        **asdict(limits),
        "won": round(won / n, 3),
        "refusal_accuracy": round(correct_decisions / n, 3),
        "unanswerable_refused": refused_right,
        "answerable_refused": refused_wrong,
        "answerable_refused_lacking_answer": refused_lacking,
        "answered_with_answer_in_evidence": answered_holding,
    }


def score_corpora(observed: dict[str, list[Observed]], limits: Thresholds) -> dict[str, Any]:
    """One setting scored on each corpus apart, and their mean won rate and refusal accuracy (each corpus
    weighs the same, whatever its number of items)."""
    rows = {corpus: score(seen, limits) for corpus, seen in observed.items() if seen}
    return {
        **asdict(limits),
        "won": round(sum(r["won"] for r in rows.values()) / (len(rows) or 1), 3),
        "refusal_accuracy": round(sum(r["refusal_accuracy"] for r in rows.values()) / (len(rows) or 1), 3),
        **{f"won {corpus}": r["won"] for corpus, r in rows.items()},
        "answerable_refused": sum(r["answerable_refused"] for r in rows.values()),
        "unanswerable_refused": sum(r["unanswerable_refused"] for r in rows.values()),
    }


def sweep(observed: list[Observed] | dict[str, list[Observed]]) -> list[dict[str, Any]]:
    """Every setting of the grid, best first (by the mean over corpora when given a dict of them)."""
    by_corpus = observed if isinstance(observed, dict) else {"all": observed}
    rows = [
        score_corpora(by_corpus, Thresholds(refusal=r, min_coverage=c, min_coverage_rendered=cr))
        for r, c, cr in itertools.product(REFUSAL_GRID, COVERAGE_GRID, COVERAGE_GRID)
    ]
    return sorted(rows, key=lambda row: (-row["won"], -row["refusal_accuracy"]))


def dev_items(settings: Settings) -> dict[str, tuple[list[EvalItem], Any]]:
    """Each corpus's dev items and the eval index they are asked over (opened here; the caller closes it)."""
    from evals import xquad_answers as xa

    forum = [item for suite in ("forum", "parity") for item in items_for("dev", suite)]
    return {
        "forum": (forum, open_eval_index(settings, "forum", settings.corpus_dir)[0]),
        "xquad": (
            xa.xquad_items(settings.benchmarks_dir, "dev"),
            open_eval_index(settings, xa.INDEX_NAME, xa.prepare_corpus(settings))[0],
        ),
    }


def run_calibration(settings: Settings, out: Path) -> Path:
    """Observe every dev item, sweep the grid, write report.md/report.json into `out`; returns `out`."""
    from assistant.llm.factory import separate_guest_model  # loads llama.cpp bindings: only when calibrating

    started = time.perf_counter()
    corpora = dev_items(settings)
    pool = LLMPool(settings)
    by_corpus: dict[str, list[Observed]] = {}
    try:
        # The guests' model renders foreign questions for search, so it is the one whose renderings the
        # coverage thresholds are calibrated on (loaded through the pool, by the engine's own rule).
        llm = pool.get(settings.llm_model)
        guest = separate_guest_model(settings) if llm is not None else None
        for corpus, (items, index) in corpora.items():
            engine = ForumEngine(settings, index, llm, guest_llm=pool.get(guest))
            by_corpus[corpus] = [observe(engine, item) for item in items]
    finally:
        pool.close()
        for _, index in corpora.values():
            index.close()
    observed = [seen for seen_in_corpus in by_corpus.values() for seen in seen_in_corpus]
    current = Thresholds(settings.refusal_threshold, settings.min_coverage, settings.min_coverage_rendered)
    rows = sweep(by_corpus)
    now, best = score_corpora(by_corpus, current), rows[0]
    report = new_report("calibration", settings, split="dev")
    report["extra"] = {"current": now, "best": best, "top": rows[:10], "items": len(observed)}
    report["extra"]["rendered_by"] = guest or settings.llm_model  # whose renderings the coverage was read on
    report["extra"]["fixed_rules"] = dict(Counter(s.fixed_rule for s in observed if s.fixed_rule))
    report["extra"]["answerable_refused_now"] = [
        {"id": s.id, "rule": refusal_reason(s.understood, s.found, s.confidence, current)}
        for s in observed
        if not s.should_refuse and refuses(s, current)
    ]
    report["runtime_s"] = round(time.perf_counter() - started, 1)
    columns = list(best)
    section = [
        f"## Refusal settings on the dev split ({len(observed)} items: "
        + ", ".join(f"{corpus} {len(seen)}" for corpus, seen in by_corpus.items())
        + ")",
        "",
        table(columns, [[row[c] for c in columns] for row in [now, *rows[:10]]]),
        "",
        "First row: the current settings; then the grid's best ten. `won`: the mean of the corpora's won "
        "rates (forum: the forum and parity suites over the forum's articles; xquad: XQuAD's paragraphs).",
    ]
    records = [asdict(replace(s, understood=None, found=None)) for s in observed]
    write_report(out, report, records, suite_sections=section)
    return out
