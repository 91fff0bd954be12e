"""One test against a real `chroma run` server on 127.0.0.1, started and stopped here."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ingest.pipeline import ingest
from kernel.errors import UnavailableError
from vectorstore.index import ForumIndex


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(port: int, process: subprocess.Popen, log: Path, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"chroma run exited with {process.returncode}: {log.read_text(errors='replace')[-2000:]}"
            )
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"chroma run did not answer within {seconds} s: {log.read_text(errors='replace')[-2000:]}")


@pytest.mark.server
def test_ingest_and_search_through_a_chroma_server(tmp_path: Path, make_settings, embedder) -> None:
    chroma = Path(sys.executable).parent / "chroma"
    if not chroma.exists():
        pytest.skip(f"{chroma} not found")
    port = _free_port()
    log = tmp_path / "chroma.log"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "dates.txt").write_text("2026中关村论坛年会\n\n3月25日至29日，2026中关村论坛年会在北京举办。\n")
    (corpus / "robots.txt").write_text("展区见闻\n\n服务机器人在展区内平稳穿梭，精准完成配送。\n")
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(chroma),
                "run",
                "--path",
                str(tmp_path / "server-db"),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(port, process, log)
        settings = make_settings(chroma_host="127.0.0.1", chroma_port=port)
        index = ForumIndex.open(settings, embedder=embedder)
        report = ingest(settings, corpus, index, progress=False)
        assert sorted(report.added) == ["dates", "robots"]
        assert index.stats()["chroma"] == f"server http://127.0.0.1:{port}"
        assert index.store.count() == report.embedded > 0
        hits = index.dense_search("When is the 2026 forum held?", 1)
        assert hits[0][0].doc_id == "dates"
        assert ingest(settings, corpus, index, progress=False).embedded == 0
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)
    # The server is gone: a clear UnavailableError, not a raw connection error.
    with pytest.raises(UnavailableError, match="cannot be reached"):
        index.dense_search("another question", 1)
    index.close()
