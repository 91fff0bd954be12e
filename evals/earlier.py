"""What an eval run keeps of earlier runs: its own checkpoint while it runs (`records.partial.jsonl`),
a stopped run's answers to resume (`eval --resume`), and another run's configurations to reuse
(`eval --reuse`, e.g. the hour-long llama-index baseline, which engine changes do not affect)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evals.runner import ConfigResult, ItemRecord
from kernel.errors import BadInputError

PARTIAL_RECORDS = "records.partial.jsonl"  # one line per finished item, while a run is under way
BASELINE_NOTE = (
    "The baseline is asked only the last message of a follow-up (a query engine keeps no history) and "
    "its hit@k is over its 3 source chunks; it never refuses by design."
)
NO_BASELINE_NOTE = "No baseline in this run."  # replaced by BASELINE_NOTE when a reused run brings one


def partial_writer(checkpoint: Path | None) -> Callable[[ItemRecord], None] | None:
    """A callback appending each finished record as a JSON line to `records.partial.jsonl` (None without a
    checkpoint folder): an hours-long run stopped midway keeps every answer it got."""
    if checkpoint is None:
        return None
    checkpoint.mkdir(parents=True, exist_ok=True)
    path = checkpoint / PARTIAL_RECORDS
    path.write_text("", encoding="utf-8")  # a new run starts a new file

    def append(record: ItemRecord) -> None:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record.as_dict(), ensure_ascii=False, default=str) + "\n")

    return append


def load_records(folder: Path) -> list[ItemRecord]:
    """Every record of a run in `folder`, finished (`records.jsonl`) or stopped (`records.partial.jsonl`),
    to resume it: `eval --resume <folder>` asks only what it has not answered."""
    files = [folder / name for name in ("records.jsonl", PARTIAL_RECORDS) if (folder / name).is_file()]
    if not files:
        raise BadInputError(
            f"{folder} holds no records.jsonl or {PARTIAL_RECORDS}; pass the --out folder of the run to resume."
        )
    records: dict[tuple[str, str], ItemRecord] = {}
    for path in files:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = ItemRecord(**json.loads(line))
            except (ValueError, TypeError) as exc:
                raise BadInputError(
                    f"{path}:{n} is not an eval record ({exc}); remove that line or resume from another run."
                ) from exc
            records[(record.config, record.id)] = record
    return list(records.values())


def reuse_configs(
    report: dict[str, Any], records: list[dict[str, Any]], source: Path, skip: set[str]
) -> list[str]:
    """Copy into `report` and `records` the configurations of an earlier forum run in `source` that this run
    did not repeat (e.g. the hour-long llama-index baseline, which our engine changes do not affect).

    Returns the names copied. The earlier run must have asked exactly the same questions.
    """
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
    # An xquad-answers run's per-language table travels with its configurations.
    tables = earlier.get("extra", {}).get("xquad_languages", {})
    for name in names:
        report["configs"][name] = earlier["configs"][name]
        report["failures"][name] = earlier["failures"].get(name, [])
        if name in tables:
            report["extra"].setdefault("xquad_languages", {})[name] = tables[name]
    with (source / "records.jsonl").open(encoding="utf-8") as fh:
        records += [r for line in fh if line.strip() and (r := json.loads(line))["config"] in names]
    if "baseline" in names and NO_BASELINE_NOTE in report["notes"]:
        report["notes"].remove(NO_BASELINE_NOTE)
        report["notes"].append(BASELINE_NOTE)
    if names:
        report["notes"].append(
            f"{', '.join(names)}: reused from the run of {earlier.get('created', '?')} ({source.name}), "
            "same questions, same corpus and models."
        )
    return names


def resumed_note(results: list[ConfigResult], earlier: list[ItemRecord], folder: Path) -> str:
    """Which answers came from the resumed run, said in the report (their latencies were measured then)."""
    kept = {(r.config, r.id) for r in earlier}
    counts = [
        f"{result.spec.name} {sum((result.spec.name, r.id) in kept for r in result.records)} of "
        f"{len(result.records)}"
        for result in results
    ]
    return (
        f"Resumed from {folder}: answers kept from that run ({', '.join(counts)}); their latencies are the "
        "ones measured then, under that run's machine load."
    )
