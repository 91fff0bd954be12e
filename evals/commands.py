"""`forum-assistant eval --suite forum|parity|xquad-answers|xquad|distractor|smoke [--split dev|test|all]`:
run a suite, write the report, summarize.

The fact suites (forum, parity) are split by fact (evals/data/split.json), xquad-answers by question id
(evals/data/xquad_split.json): reports are on `test` by default; `dev` is for tuning; `all` runs both and
shows each configuration as `name [test]` with `name [dev]` beside it. The smoke dozen is fixed and not
split; xquad (retrieval) and distractor have their own samples. Records are appended to
`records.partial.jsonl` as items finish, and report.json is rewritten after each configuration, so a
stopped run leaves what it measured.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from evals.configs import (
    EVAL_LLM_TIMEOUT_S,
    FORUM_CONFIGS,
    SMOKE_CONFIGS,
    LLMPool,
    get_spec,
    open_eval_index,
)
from evals.dataset import EvalItem, items_for, smoke_items, split_counts
from evals.earlier import (
    BASELINE_NOTE,
    NO_BASELINE_NOTE,
    PARTIAL_RECORDS,
    load_records,
    partial_writer,
    resumed_note,
    reuse_configs,
)
from evals.report import new_report, write_report
from evals.runner import ConfigResult, ItemRecord, run_configs, worst_failures
from kernel.errors import BadInputError
from kernel.settings import Settings, load_settings

SUITES = ("forum", "parity", "xquad-answers", "xquad", "distractor", "smoke")
SPLIT_SUITES = ("forum", "parity", "xquad-answers", "distractor")
RECORD_SUITES = ("forum", "parity", "smoke", "xquad-answers")  # answered item by item: resumable
SPLIT_CHOICES = ("dev", "test", "all")
WRONG_LANGUAGE_EXAMPLES = 5


def default_out(suite: str, settings: Settings, split: str | None = None) -> Path:
    """<results_dir>/evals/<suite>[-<split>]-<date>/ for the full suites; a fresh temp folder for smoke."""
    if suite == "smoke":
        return Path(tempfile.mkdtemp(prefix="forum-eval-smoke-"))
    name = f"{suite}-{split}" if split else suite
    return settings.results_dir / "evals" / f"{name}-{dt.date.today().isoformat()}"


def spread(items: list[EvalItem], limit: int) -> list[EvalItem]:
    """At most `limit` items, evenly spaced over the dataset (it is grouped by fact, so the first N
    would all be about the same few facts); deterministic."""
    if limit >= len(items):
        return items
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]


def forum_report(
    settings: Settings,
    items: list[EvalItem],
    configs: list[str],
    *,
    suite: str = "forum",
    split: str | None = None,
    index_name: str = "forum",
    corpus: Path | None = None,
    progress: bool = True,
    checkpoint: Path | None = None,
    earlier: list[ItemRecord] | None = None,
) -> tuple[dict[str, Any], list[ConfigResult]]:
    """Run the configurations over the items on an eval index of `corpus` (default: the forum corpus);
    returns the report.

    `split`: recorded in the report; with `all`, every configuration's results are reported per side
    (`name [test]`, then `name [dev]`). With `checkpoint`, every record is appended to
    `records.partial.jsonl` there as its item finishes and a partial report is written after each
    configuration; the partial file is removed once the run completes. `earlier`: the records of a stopped
    run (`load_records`); what they answered is not asked again.
    """
    specs = [get_spec(name) for name in configs]
    started = time.perf_counter()
    report = new_report(suite, settings, split=split)
    index, ingest_info = open_eval_index(
        settings, index_name, corpus or settings.corpus_dir, progress=progress
    )
    pool = LLMPool(settings)
    done: list[ConfigResult] = []
    partial = partial_writer(checkpoint)

    def save(result: ConfigResult) -> None:
        done.append(result)
        if checkpoint is not None:
            fill_report(report, by_split([result], split, items))
            report["runtime_s"] = round(time.perf_counter() - started, 1)
            write_report(checkpoint, report, _records(done))

    try:
        results = run_configs(
            specs, settings, index, items, pool, progress=progress, on_result=save, on_item=partial,
            earlier=earlier or [],
        )  # fmt: skip
        if checkpoint is not None:
            (checkpoint / PARTIAL_RECORDS).unlink(missing_ok=True)  # records.jsonl now holds them all
    finally:
        pool.close()
        index.close()
    results = by_split(results, split, items)
    fill_report(report, results)
    report["extra"]["index"] = ingest_info
    report["extra"]["dataset"] = {"items": len(items), "ids": [item.id for item in items]}
    if split is not None:
        report["extra"]["dataset"]["split_counts"] = split_counts(items)
    report["runtime_s"] = round(time.perf_counter() - started, 1)
    report["notes"].append(
        f"LLM calls may take up to {EVAL_LLM_TIMEOUT_S:.0f} s in evals (serving uses llm_timeout_s), so that "
        "a loaded machine slows answers down instead of turning them into fallbacks or errors."
    )
    report["notes"].append(
        BASELINE_NOTE if any(s.pipeline == "baseline" for s in specs) else NO_BASELINE_NOTE
    )
    return report, results


def by_split(results: list[ConfigResult], split: str | None, items: list[EvalItem]) -> list[ConfigResult]:
    """With `--split all`: each result as two, its test items (`name [test]`) and its dev items
    (`name [dev]`), test first; otherwise the results unchanged. The run time is shared in proportion."""
    if split != "all":
        return results
    side_of = {item.id: item.split for item in items}
    out: list[ConfigResult] = []
    for result in results:
        for side in ("test", "dev"):
            records = [r for r in result.records if side_of.get(r.id) == side]
            share = len(records) / len(result.records) if result.records else 0.0
            spec = replace(result.spec, name=f"{result.spec.name} [{side}]")
            out.append(ConfigResult(spec, records, result.seconds * share))
    return out


def fill_report(report: dict[str, Any], results: list[ConfigResult], suffix: str = "") -> None:
    """Put each configuration's summary, worst failures and a few correct answers in the wrong language
    into the report."""
    wrong_language = report["extra"].setdefault("wrong_language", {})
    for result in results:
        name = result.spec.name + suffix
        report["configs"][name] = result.summary()
        report["failures"][name] = [r.as_dict() for r in worst_failures(result.records)]
        wrong_language[name] = [
            r.as_dict() for r in result.records if r.correct and not r.correct_in_language
        ][:WRONG_LANGUAGE_EXAMPLES]


def _records(results: list[ConfigResult]) -> list[dict[str, Any]]:
    return [record.as_dict() for result in results for record in result.records]


def select_items(
    suite: str, split: str | None, limit: int | None, benchmarks_dir: Path | None = None
) -> list[EvalItem]:
    """The items a run asks: the smoke dozen, or the suite's side of the split, spread down to `limit`.

    xquad-answers: the sampled question ids of the side (test first with `all`), each in six languages;
    `limit` counts ids, not items, so every id keeps its six languages. `benchmarks_dir` defaults to the
    settings' one.
    """
    if suite == "xquad-answers":
        from evals.xquad_answers import xquad_items

        bench = benchmarks_dir or load_settings().benchmarks_dir
        return xquad_items(bench, split or "test", limit)
    if suite == "smoke":
        items = smoke_items()
    else:
        items = items_for(split or "test", suite)
        if split == "all":  # test first, as the report leads with it
            items = [i for i in items if i.split == "test"] + [i for i in items if i.split == "dev"]
    return spread(items, limit) if limit else items


def run_eval(
    suite: str,
    configs: list[str],
    out: Path | None,
    limit: int | None,
    reuse: list[Path] | None = None,
    split: str | None = None,
    chunks: int | None = None,
    resume: Path | None = None,
) -> None:
    """Run `suite` with `configs` (default per suite), at most `limit` questions, writing into `out`.

    `resume` (forum, parity, smoke, xquad-answers): the folder of a stopped or smaller run; the items its
    records answered for a configuration are not asked again (e.g. the rest of a `--limit` run).

    `chunks` (distractor only): size the mixed index by chunks, e.g. 60,000 (see evals.distractor).

    `split` (forum, parity): dev, test (the default) or all. `reuse`: folders of earlier runs whose other
    configurations join this report (first one wins).
    """
    if suite not in SUITES:
        raise BadInputError(f"Unknown suite {suite!r}; choose one of {', '.join(SUITES)}.")
    if limit is not None and limit < 1:
        raise BadInputError("--limit must be a positive number of questions.")
    if split is not None and split not in SPLIT_CHOICES:
        raise BadInputError(f"Unknown split {split!r}; choose one of {', '.join(SPLIT_CHOICES)}.")
    if split is not None and suite not in (*SPLIT_SUITES, "xquad"):
        raise BadInputError(
            f"--split applies to the {' and '.join(SPLIT_SUITES)} suites; {suite} has a fixed sample."
        )
    if suite in SPLIT_SUITES:
        split = split or "test"
    if resume is not None and suite not in RECORD_SUITES:
        raise BadInputError(f"--resume applies to the {', '.join(RECORD_SUITES)} suites.")
    earlier = load_records(resume) if resume is not None else None
    settings = load_settings()
    target = out or default_out(suite, settings, split)
    sections: list[str] = []  # the suite's own tables in report.md (xquad, distractor, xquad-answers)
    if suite in RECORD_SUITES:
        items = select_items(suite, split, limit, settings.benchmarks_dir)
        if suite == "xquad-answers":
            report, results, sections = xquad_answers_report(
                settings, items, configs, split, target, earlier=earlier
            )
        else:
            chosen = configs or (SMOKE_CONFIGS if suite == "smoke" else FORUM_CONFIGS)
            report, results = forum_report(
                settings, items, chosen, suite=suite, split=split, checkpoint=target, earlier=earlier
            )
        if resume is not None:
            report["notes"].append(resumed_note(results, earlier or [], resume))
        if limit and suite != "smoke":
            total = len(select_items(suite, split, None, settings.benchmarks_dir))
            report["notes"].append(
                f"--limit {limit}: {len(items)} of the {total} items of the split, evenly spread over the file "
                "(a sample: not the suite's figure)."
            )
        records = _records(results)
        taken = {r.spec.name for r in results}
        for folder in reuse or []:
            taken |= set(reuse_configs(report, records, folder, skip=taken))
        if suite == "xquad-answers" and reuse:
            from evals.xquad_answers import xquad_answer_sections

            sections = xquad_answer_sections(report["extra"]["xquad_languages"])
    elif suite == "xquad":
        from evals.xquad import run_xquad, xquad_sections

        report, records = run_xquad(settings, configs, limit, split=split)
        sections = xquad_sections(report["extra"])
    else:
        from evals.distractor import distractor_sections, run_distractor

        # The forum items of the split; --limit counts news articles here, --chunks sizes by chunks.
        asked = select_items("forum", split, None, settings.benchmarks_dir)
        report, records = run_distractor(settings, configs, limit, items=asked, chunks=chunks)
        report["notes"].append(f"Forum items of the {split} split: {len(asked)}.")
        sections = distractor_sections(report["extra"])
    paths = write_report(target, report, records, suite_sections=sections)
    print_summary(report, paths)


def xquad_answers_report(
    settings: Settings,
    items: list[EvalItem],
    configs: list[str],
    split: str | None,
    target: Path,
    *,
    corpus: Path | None = None,
    progress: bool = True,
    earlier: list[ItemRecord] | None = None,
) -> tuple[dict[str, Any], list[ConfigResult], list[str]]:
    """XQuAD questions through each configuration on the paragraphs' eval index (built on first use),
    checkpointed into `target`: the fact-suite report with the per-language XQuAD table in
    `extra.xquad_languages`, the results, and that table as markdown. `corpus`: another paragraph folder
    (tests index a few)."""
    from evals import xquad_answers as xa

    report, results = forum_report(
        settings, items, configs or xa.DEFAULT_CONFIGS, suite="xquad-answers", split=split,
        index_name=xa.INDEX_NAME, corpus=corpus or xa.prepare_corpus(settings), progress=progress,
        checkpoint=target, earlier=earlier,
    )  # fmt: skip
    report["extra"]["xquad_languages"] = xa.xquad_extra(results)
    report["notes"].append(xa.NOTE)
    return report, results, xa.xquad_answer_sections(report["extra"]["xquad_languages"])


def _cell(value: float | int | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, int):
        return str(value)
    return f"{value:.2f}" if value < 10 else f"{value:.0f}"


def print_summary(report: dict[str, Any], paths: dict[str, Path]) -> None:
    """A short table on the terminal and where the files went."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if report["configs"]:
        split = f", {report['split']} split" if report.get("split") else ""
        table = Table(title=f"{report['suite']} suite{split}")
        columns = ("config", "n", "accuracy", "in language", "parity", "hit@5", "cit. precision",
                   "refusal recall", "p50 ms", "p95 ms")  # fmt: skip
        for col in columns:
            table.add_column(col)
        for name, s in report["configs"].items():
            total = s.get("latency_ms", {}).get("total", {})
            cells = [
                s.get("n"),
                s.get("accuracy"),
                s.get("correct_in_language"),
                s.get("parity_ratio"),
                s["retrieval"].get("hit@5"),
                s["citation"].get("precision"),
                s["refusal"].get("recall"),
                total.get("p50"),
                total.get("p95"),
            ]
            table.add_row(name, *(_cell(c) for c in cells))
        console.print(table)
    retrieval = report["extra"].get("retrieval") if report["suite"] == "xquad" else None
    if retrieval:
        langs = sorted({lang for per in retrieval.values() for lang in per})
        table = Table(title="XQuAD recall@5 of the gold paragraph")
        for col in ("configuration", *langs):
            table.add_column(col)
        for name, per in retrieval.items():
            table.add_row(name, *(f"{per[lang]['recall@5']:.2f}" if lang in per else "–" for lang in langs))
        console.print(table)
    console.print(f"Runtime {report['runtime_s'] / 60:.1f} min. Report: {paths['md']}")
    for kind, path in paths.items():
        if kind != "md":
            console.print(f"  {kind}: {path}")
