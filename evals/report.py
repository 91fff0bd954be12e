"""Eval reports: `report.json` (stable keys), `report.md` (tables people read, evals.markdown), a PNG chart
(evals.chart), records.jsonl.

The JSON is the source of truth; the markdown is rendered from it. Every report carries its date, the
split it ran on (dev/test, evals/data/split.json), the machine (cores, memory, CPU model, load average at
start and end: the CPU may be shared) and the settings it ran with. With `--split all` each configuration
appears twice, `name [test]` first and `name [dev]` beside it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from evals.chart import write_chart
from evals.markdown import render_markdown
from kernel.settings import Settings

SCHEMA_VERSION = 2  # 2: `split`, correct in the asker's language, parity ratios
REPORT_KEYS = (
    "schema_version",
    "suite",
    "split",
    "created",
    "machine",
    "settings",
    "runtime_s",
    "configs",
    "failures",
    "notes",
    "extra",
)


def machine_info() -> dict[str, Any]:
    """Cores, memory, CPU model, OS, Python and the load average when the run started."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "nproc": os.cpu_count(),
        "ram_gib": ram_gib,
        "cpu_model": cpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "loadavg_at_start": [round(x, 2) for x in load],
    }


def settings_info(settings: Settings) -> dict[str, Any]:
    """The settings that change eval numbers."""
    keys = (
        "embed_backend",
        "embed_model",
        "llm_model",
        "llm_threads",
        "llm_context",
        "llm_max_tokens",
        "llm_timeout_s",
        "top_k",
        "evidence_sentences",
        "guest_sources",
        "refusal_threshold",
        "min_coverage",
        "min_coverage_rendered",
        "chunk_size",
        "chunk_overlap_sentences",
    )
    return {key: getattr(settings, key) for key in keys}


def new_report(suite: str, settings: Settings, split: str | None = None) -> dict[str, Any]:
    """An empty report with the header filled in; suites fill `configs`, `failures`, `extra`.

    `split`: dev, test, all, or None for suites that are not split (xquad, distractor, the smoke dozen).
    """
    return {
        "schema_version": SCHEMA_VERSION,
        "suite": suite,
        "split": split,
        "created": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine_info(),
        "settings": settings_info(settings),
        "runtime_s": 0.0,
        "configs": {},
        "failures": {},
        "notes": [],
        "extra": {},
    }


# ---------------------------------------------------------------- writing


def write_report(
    out: Path,
    report: dict[str, Any],
    records: Iterable[dict[str, Any]] = (),
    suite_sections: Sequence[str] = (),
) -> dict[str, Path]:
    """Write report.json, report.md, the chart and records.jsonl into `out`; returns their paths.

    `suite_sections`: the suite's own markdown lines (the xquad and distractor tables), which the suite's
    module renders: this module stays below the suites that use it.
    """
    out.mkdir(parents=True, exist_ok=True)
    report["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    paths = {
        "json": out / "report.json",
        "md": out / "report.md",
        "chart": out / "accuracy.png",
        "records": out / "records.jsonl",
    }
    paths["json"].write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n", "utf-8")
    with paths["records"].open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
    chart = write_chart(paths["chart"], report)
    if chart is None:
        paths.pop("chart")
    paths["md"].write_text(
        render_markdown(
            report, chart_name=paths["chart"].name if chart else None, suite_sections=suite_sections
        ),
        "utf-8",
    )
    return paths
