"""Calibration on the dev split (evals/calibrate.py): observation with the real extractive engine, the
grid's scoring on hand-made observations, and the guarantee that only dev items are read."""

from __future__ import annotations

import pytest

from assistant.decide import Thresholds
from assistant.engine import ForumEngine
from evals.calibrate import (
    COVERAGE_GRID,
    REFUSAL_GRID,
    Observed,
    observe,
    refuses,
    score,
    score_corpora,
    sweep,
)
from evals.dataset import items_for
from evals.xquad_answers import sample_ids
from kernel.settings import Settings
from vectorstore.index import ForumIndex


def seen(
    should_refuse: bool,
    holds: bool,
    *,
    coverage: float | None = 0.8,
    confidence: float = 0.8,
    rendered: bool = False,
    fixed_rule: str | None = None,
) -> Observed:
    """A hand-made observation."""
    return Observed("x", "fact", "en", should_refuse, holds, coverage, rendered, confidence, fixed_rule)


def test_the_rules_no_threshold_moves_always_refuse() -> None:
    open_limits = Thresholds(0.0, 0.0, 0.0)
    assert refuses(seen(True, False, fixed_rule="no evidence"), open_limits)
    assert not refuses(seen(True, False), open_limits)


def test_a_rendering_is_held_to_its_own_coverage() -> None:
    limits = Thresholds(refusal=0.5, min_coverage=0.6, min_coverage_rendered=0.2)
    assert refuses(seen(False, True, coverage=0.3), limits)
    assert not refuses(seen(False, True, coverage=0.3, rendered=True), limits)
    assert refuses(seen(False, True, confidence=0.4, rendered=True), limits)


def test_score_counts_wins_and_refusal_accuracy() -> None:
    observed = [
        seen(True, False, confidence=0.3),  # unanswerable, refused at 0.5: won
        seen(False, True, confidence=0.7),  # answerable, answered, evidence holds it: won
        seen(False, False, confidence=0.6),  # answered, evidence lacks it: not won, right decision
        seen(False, True, confidence=0.45),  # answerable but refused at 0.5: lost
    ]
    row = score(observed, Thresholds(0.5, 0.5, 0.1))
    assert row["won"] == 0.5 and row["refusal_accuracy"] == 0.75
    assert row["answerable_refused"] == 1 and row["unanswerable_refused"] == 1


def test_sweep_puts_the_best_setting_first() -> None:
    observed = [seen(True, False, confidence=0.35), seen(False, True, confidence=0.45)]
    rows = sweep(observed)
    assert len(rows) == len(REFUSAL_GRID) * len(COVERAGE_GRID) ** 2
    best = rows[0]
    assert best["won"] == 1.0 and 0.35 < best["refusal"] <= 0.45


def test_each_corpus_weighs_the_same_whatever_its_size() -> None:
    limits = Thresholds(0.5, 0.5, 0.1)
    nine_won = [seen(False, True)] * 9  # answerable, answered, the evidence holds the answer
    one_lost = [seen(False, True, coverage=0.3)]  # refused for its coverage: lost
    row = score_corpora({"big": nine_won, "small": one_lost}, limits)
    assert row["won big"] == 1.0 and row["won small"] == 0.0 and row["won"] == 0.5
    assert score(nine_won + one_lost, limits)["won"] == 0.9  # pooled, the big corpus would decide
    best = sweep({"big": nine_won, "small": one_lost})[0]
    assert best["won"] == 1.0 and best["min_coverage"] <= 0.3  # so the small corpus moves the setting


def test_only_dev_items_are_calibrated_on() -> None:
    dev = {item.id for suite in ("forum", "parity") for item in items_for("dev", suite)}
    test = {item.id for suite in ("forum", "parity") for item in items_for("test", suite)}
    assert dev and test and not dev & test
    assert sample_ids("dev") and not set(sample_ids("dev")) & set(sample_ids("test"))  # XQuAD's sides


@pytest.fixture(scope="module")
def engine(corpus_settings: Settings, corpus_index: ForumIndex) -> ForumEngine:
    return ForumEngine(corpus_settings.model_copy(update={"llm_model": "none"}), corpus_index, None)


def test_observe_runs_stages_one_to_three(engine: ForumEngine) -> None:
    item = next(i for i in items_for("dev", "forum") if i.language == "zh" and i.kind == "fact")
    observed = observe(engine, item)
    assert observed.id == item.id and not observed.should_refuse
    assert observed.found is not None and observed.found.evidence
    assert 0.0 <= observed.confidence <= 1.0
