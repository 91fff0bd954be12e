"""`forum-assistant eval --suite forum|xquad|distractor|smoke`: run a suite, write the report, summarize."""

from __future__ import annotations

import datetime as dt
import tempfile
import time
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
from evals.dataset import EvalItem, load_items, smoke_items
from evals.report import new_report, write_report
from evals.runner import ConfigResult, run_configs, worst_failures
from kernel.errors import BadInputError
from kernel.settings import Settings, load_settings

SUITES = ("forum", "xquad", "distractor", "smoke")
BASELINE_NOTE = (
    "The baseline is asked only the last message of a follow-up (a query engine keeps no history) and "
    "its hit@k is over its 3 source chunks; it never refuses by design."
)


def default_out(suite: str, settings: Settings) -> Path:
    """<results_dir>/evals/<suite>-<date>/ for the full suites; a fresh temp folder for smoke."""
    if suite == "smoke":
        return Path(tempfile.mkdtemp(prefix="forum-eval-smoke-"))
    return settings.results_dir / "evals" / f"{suite}-{dt.date.today().isoformat()}"


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
    index_name: str = "forum",
    progress: bool = True,
    checkpoint: Path | None = None,
) -> tuple[dict[str, Any], list[ConfigResult]]:
    """Run the configurations over the items on an eval index of the forum corpus; returns the report.

    With `checkpoint`, a partial report is written there after each configuration.
    """
    specs = [get_spec(name) for name in configs]
    started = time.perf_counter()
    report = new_report(suite, settings)
    index, ingest_info = open_eval_index(settings, index_name, settings.corpus_dir, progress=progress)
    pool = LLMPool(settings)
    done: list[ConfigResult] = []

    def save(result: ConfigResult) -> None:
        done.append(result)
        if checkpoint is not None:
            fill_report(report, [result])
            report["runtime_s"] = round(time.perf_counter() - started, 1)
            write_report(checkpoint, report, _records(done))

    try:
        results = run_configs(specs, settings, index, items, pool, progress=progress, on_result=save)
    finally:
        pool.close()
        index.close()
    fill_report(report, results)
    report["extra"]["index"] = ingest_info
    report["extra"]["dataset"] = {"items": len(items), "ids": [item.id for item in items]}
    report["runtime_s"] = round(time.perf_counter() - started, 1)
    report["notes"].append(
        f"LLM calls may take up to {EVAL_LLM_TIMEOUT_S:.0f} s in evals (serving uses llm_timeout_s), so that "
        "a loaded machine slows answers down instead of turning them into fallbacks or errors."
    )
    report["notes"].append(
        BASELINE_NOTE if any(s.pipeline == "baseline" for s in specs) else "No baseline in this run."
    )
    return report, results


def fill_report(report: dict[str, Any], results: list[ConfigResult], suffix: str = "") -> None:
    """Put each configuration's summary and worst failures into the report."""
    for result in results:
        name = result.spec.name + suffix
        report["configs"][name] = result.summary()
        report["failures"][name] = [r.as_dict() for r in worst_failures(result.records)]


def _records(results: list[ConfigResult]) -> list[dict[str, Any]]:
    return [record.as_dict() for result in results for record in result.records]


def reuse_configs(
    report: dict[str, Any], records: list[dict[str, Any]], source: Path, skip: set[str]
) -> list[str]:
    """Copy into `report` and `records` the configurations of an earlier forum run in `source` that this run
    did not repeat (e.g. the hour-long llama-index baseline, which our engine changes do not affect).

    Returns the names copied. The earlier run must have asked exactly the same questions.
    """
    import json

    path = source / "report.json"
    if not path.is_file() or not (source / "records.jsonl").is_file():
        raise BadInputError(
            f"{source} holds no report.json and records.jsonl; pass the folder of an earlier run."
        )
    earlier = json.loads(path.read_text(encoding="utf-8"))
    ids = earlier.get("extra", {}).get("dataset", {}).get("ids")
    if ids != report["extra"].get("dataset", {}).get("ids"):
        raise BadInputError(
            f"The run in {source} asked different questions; rerun its configurations instead."
        )
    names = [name for name in earlier["configs"] if name not in skip]
    for name in names:
        report["configs"][name] = earlier["configs"][name]
        report["failures"][name] = earlier["failures"].get(name, [])
    with (source / "records.jsonl").open(encoding="utf-8") as fh:
        records += [r for line in fh if line.strip() and (r := json.loads(line))["config"] in names]
    if "baseline" in names and "No baseline in this run." in report["notes"]:
        report["notes"].remove("No baseline in this run.")
        report["notes"].append(BASELINE_NOTE)
    if names:
        report["notes"].append(
            f"{', '.join(names)}: reused from the run of {earlier.get('created', '?')} ({source.name}), "
            "same questions, same corpus and models."
        )
    return names


def run_eval(
    suite: str, configs: list[str], out: Path | None, limit: int | None, reuse: list[Path] | None = None
) -> None:
    """Run `suite` with `configs` (default per suite), at most `limit` questions, writing into `out`.

    `reuse`: folders of earlier forum runs whose other configurations join this report (first one wins).
    """
    if suite not in SUITES:
        raise BadInputError(f"Unknown suite {suite!r}; choose one of {', '.join(SUITES)}.")
    if limit is not None and limit < 1:
        raise BadInputError("--limit must be a positive number of questions.")
    settings = load_settings()
    target = out or default_out(suite, settings)
    if suite in ("forum", "smoke"):
        items = smoke_items() if suite == "smoke" else load_items()
        items = spread(items, limit) if limit else items
        chosen = configs or (SMOKE_CONFIGS if suite == "smoke" else FORUM_CONFIGS)
        report, results = forum_report(settings, items, chosen, suite=suite, checkpoint=target)
        records = _records(results)
        taken = set(chosen)
        for folder in reuse or []:
            taken |= set(reuse_configs(report, records, folder, skip=taken))
    elif suite == "xquad":
        from evals.xquad import run_xquad

        report, records = run_xquad(settings, configs, limit)
    else:
        from evals.distractor import run_distractor

        report, records = run_distractor(settings, configs, limit)
    paths = write_report(target, report, records)
    print_summary(report, paths)


def print_summary(report: dict[str, Any], paths: dict[str, Path]) -> None:
    """A short table on the terminal and where the files went."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if report["configs"]:
        table = Table(title=f"{report['suite']} suite")
        for col in ("config", "accuracy", "hit@5", "cit. precision", "refusal recall", "p50 ms", "p95 ms"):
            table.add_column(col)
        for name, s in report["configs"].items():
            total = s.get("latency_ms", {}).get("total", {})
            cells = [
                s.get("accuracy"),
                s["retrieval"].get("hit@5"),
                s["citation"].get("precision"),
                s["refusal"].get("recall"),
                total.get("p50"),
                total.get("p95"),
            ]
            table.add_row(name, *("–" if c is None else f"{c:.2f}" if c < 10 else f"{c:.0f}" for c in cells))
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
