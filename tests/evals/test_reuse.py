"""Joining an earlier run's configurations (the hour-long baseline) to a new report, and resuming a run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evals.configs import get_spec
from evals.earlier import PARTIAL_RECORDS, load_records, resumed_note, reuse_configs
from evals.runner import ConfigResult, ItemRecord
from kernel.errors import BadInputError


def _earlier(tmp_path: Path, ids: list[str]) -> Path:
    folder = tmp_path / "earlier"
    folder.mkdir()
    report = {
        "created": "2026-11-23T08:00:00+00:00",
        "configs": {"baseline": {"accuracy": 0.24}, "hybrid-extract": {"accuracy": 0.61}},
        "failures": {"baseline": [{"id": "a"}]},
        "extra": {"dataset": {"ids": ids}},
    }
    (folder / "report.json").write_text(json.dumps(report), encoding="utf-8")
    lines = [{"config": c, "id": i} for c in ("baseline", "hybrid-extract") for i in ids]
    (folder / "records.jsonl").write_text("\n".join(json.dumps(r) for r in lines) + "\n", encoding="utf-8")
    return folder


def _new(ids: list[str]) -> dict[str, Any]:
    return {
        "configs": {"hybrid-extract": {"accuracy": 0.7}},
        "failures": {},
        "notes": ["No baseline in this run."],
        "extra": {"dataset": {"ids": ids}},
    }


def test_other_configurations_join_and_ours_are_kept(tmp_path: Path) -> None:
    report, records = _new(["a", "b"]), [{"config": "hybrid-extract", "id": "a"}]
    names = reuse_configs(report, records, _earlier(tmp_path, ["a", "b"]), skip={"hybrid-extract"})
    assert names == ["baseline"]
    assert report["configs"]["hybrid-extract"] == {"accuracy": 0.7}  # this run's numbers win
    assert report["configs"]["baseline"] == {"accuracy": 0.24}
    assert [r["config"] for r in records] == ["hybrid-extract", "baseline", "baseline"]
    assert "No baseline in this run." not in report["notes"]
    assert "never refuses" in report["notes"][0]
    assert "reused" in report["notes"][1] and "baseline" in report["notes"][1]


def test_a_run_over_other_questions_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="different questions"):
        reuse_configs(_new(["a"]), [], _earlier(tmp_path, ["a", "b"]), skip=set())


def test_a_folder_without_a_report_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="earlier run"):
        reuse_configs(_new(["a"]), [], tmp_path, skip=set())


def test_an_xquad_run_brings_its_per_language_table(tmp_path: Path) -> None:
    folder = _earlier(tmp_path, ["a"])
    earlier = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    earlier["extra"]["xquad_languages"] = {"baseline": {"zh": {"n": 1, "correct": 0.0}}}
    (folder / "report.json").write_text(json.dumps(earlier), encoding="utf-8")
    report = _new(["a"])
    report["extra"]["xquad_languages"] = {"hybrid-extract": {"zh": {"n": 1, "correct": 1.0}}}
    reuse_configs(report, [], folder, skip={"hybrid-extract"})
    assert report["extra"]["xquad_languages"] == {
        "hybrid-extract": {"zh": {"n": 1, "correct": 1.0}},
        "baseline": {"zh": {"n": 1, "correct": 0.0}},
    }


def _record(config: str, item_id: str, answer: str = "") -> dict[str, Any]:
    fields = {name: None for name in ItemRecord.__dataclass_fields__}
    return {**fields, "config": config, "id": item_id, "answer": answer, "history": [], "timings_ms": {}}


def test_a_stopped_run_is_loaded_from_both_record_files(tmp_path: Path) -> None:
    (tmp_path / "records.jsonl").write_text(
        json.dumps(_record("baseline", "a", "old")) + "\n", encoding="utf-8"
    )
    partial = [_record("baseline", "a", "newer"), _record("baseline", "b")]
    (tmp_path / PARTIAL_RECORDS).write_text(
        "\n".join(json.dumps(r) for r in partial) + "\n\n", encoding="utf-8"
    )
    records = load_records(tmp_path)
    assert [(r.id, r.answer) for r in records] == [("a", "newer"), ("b", "")]
    result = ConfigResult(get_spec("baseline"), [*records, ItemRecord(**_record("baseline", "c"))])
    assert "baseline 2 of 3" in resumed_note([result], records, tmp_path)


def test_resuming_from_a_folder_without_records_or_with_a_broken_line_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="--out folder of the run to resume"):
        load_records(tmp_path)
    (tmp_path / PARTIAL_RECORDS).write_text('{"config": "baseline"}\n', encoding="utf-8")
    with pytest.raises(BadInputError, match=f"{PARTIAL_RECORDS}:1 is not an eval record"):
        load_records(tmp_path)
