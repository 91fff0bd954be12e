"""CI quality gate: the smoke dozen through the real engine (hybrid retrieval, extractive, no LLM) on the
real corpus. Thresholds sit just under what was measured; a regression below them fails the build.

Measured on 2026-11-23 (engine as of 07:20, 2-core machine): accuracy 5/12 = 0.42 (earlier the same day
0.33 and 0.50 while the engine changed), hit@5 10/10 = 1.00 (hit@1 0.80), refusal recall 2/2 = 1.00.
Raise the constants, with the new measurement, when the engine gets better; never lower them to make a
failing build pass without saying why.
"""

from __future__ import annotations

import pytest

from evals.configs import SMOKE_CONFIGS, LLMPool, get_spec
from evals.dataset import smoke_items
from evals.runner import run_configs, summarize

MIN_ACCURACY = 0.40  # measured 0.42
MIN_HIT_AT_5 = 0.90  # measured 1.00; one miss of the 10 answerable items is tolerated
MIN_REFUSAL_RECALL = 1.0  # measured 1.00: both smoke unanswerables (Wi-Fi, 2027 dates) refused


@pytest.fixture(scope="module")
def smoke_summary(corpus_settings, corpus_index):
    specs = [get_spec(name) for name in SMOKE_CONFIGS]
    results = run_configs(specs, corpus_settings, corpus_index, smoke_items(), LLMPool(corpus_settings),
                          progress=False)  # fmt: skip
    return results[0].records, summarize(results[0].records)


def test_smoke_runs_every_item_without_errors(smoke_summary):
    records, summary = smoke_summary
    assert summary["n"] == 12
    assert [r.error for r in records if r.error] == []


def test_answer_accuracy_does_not_regress(smoke_summary):
    records, summary = smoke_summary
    wrong = [r.id for r in records if not r.correct]
    assert summary["accuracy"] >= MIN_ACCURACY, f"accuracy {summary['accuracy']:.2f}; wrong: {wrong}"


def test_retrieval_does_not_regress(smoke_summary):
    records, summary = smoke_summary
    missed = [r.id for r in records if r.gold_docs and (r.gold_rank is None or r.gold_rank > 5)]
    assert summary["retrieval"]["hit@5"] >= MIN_HIT_AT_5, f"hit@5 {summary['retrieval']['hit@5']}; {missed}"


def test_unanswerable_questions_are_refused(smoke_summary):
    records, summary = smoke_summary
    answered = [r.id for r in records if r.kind == "unanswerable" and not r.refused]
    assert summary["refusal"]["recall"] >= MIN_REFUSAL_RECALL, f"answered instead of refusing: {answered}"


def test_refusals_are_in_the_askers_language(smoke_summary):
    """A refusal counts as correct in language only in the asker's language (Wi-Fi: en, 2027 dates: ar)."""
    records, summary = smoke_summary
    refusals = [r for r in records if r.kind == "unanswerable" and r.refused]
    assert refusals and [r.id for r in refusals if not r.correct_in_language] == []
    assert summary["correct_in_language"] <= summary["accuracy"]
    assert summary["languages"]["zh"]["correct_in_language"] == summary["languages"]["zh"]["correct"]


def test_citations_point_into_documents(smoke_summary, corpus_index):
    records, _ = smoke_summary
    for record in records:
        for c in record.citations:
            assert corpus_index.document(c["doc_id"]).text[c["start"] : c["end"]] == c["quote"]
