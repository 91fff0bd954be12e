"""`forum-assistant serve`: the chat page and the HTTP API in one uvicorn process over one engine."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from kernel.settings import Settings, load_settings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from assistant.engine import ForumEngine

log = logging.getLogger("forum.serve")


def build_app(engine: ForumEngine, settings: Settings) -> FastAPI:
    """The API routes with the Gradio page mounted at `/` (what `serve` runs; tests use it too)."""
    from ui.api import create_app
    from ui.page import mount_chat

    app = create_app(engine, settings)
    return mount_chat(app, engine)


def ensure_ingested(engine: ForumEngine) -> ForumEngine:
    """On first start (empty index) ingest the configured corpus, logging progress; returns a ready engine.

    Also when a first ingest was killed part way: the index then holds some documents but no embedder
    record (ingest writes it only once it has finished), and the incremental ingest completes it.
    """
    from vectorstore.index import META_EMBEDDER

    unfinished = engine.index.catalog.get_meta(META_EMBEDDER) is None
    if not engine.index.is_empty() and not unfinished:
        return engine
    from assistant.engine import ForumEngine
    from ingest.pipeline import ingest

    settings = engine.settings
    if engine.index.is_empty():
        log.info("The index is empty: ingesting %s first (this happens once).", settings.corpus_dir)
    else:
        log.info("An earlier ingest of %s did not finish: completing it first.", settings.corpus_dir)
    report = ingest(settings, settings.corpus_dir, engine.index, progress=True)
    log.info("Ingest done:\n%s", report.render() if hasattr(report, "render") else report)
    # A fresh engine over the filled index, so retrieval sees the new documents and keyword index.
    return ForumEngine(settings, engine.index, engine.llm, guest_llm=engine.guest_llm)


def run_serve(host: str | None, port: int | None) -> None:
    """Load settings, build the engine (ingesting on first start), and serve until interrupted."""
    # Before Gradio is imported anywhere: the page must never call home.
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    import uvicorn

    from assistant.engine import ForumEngine

    settings = load_settings()
    host = host or settings.host
    port = port or settings.port
    log.info("Loading the index (%s) and models (LLM: %s)…", settings.index_dir, settings.llm_model)
    engine = ensure_ingested(ForumEngine.build(settings))
    log.info("Warming up: embedded %s sentences ahead of the first question.", engine.warm_up())
    health = engine.health()
    log.info(
        "Ready: %s documents, %s chunks, embedder %s, LLM %s.",
        health.get("documents"),
        health.get("chunks"),
        health.get("embedder"),
        health.get("llm"),
    )
    if not settings.admin_token:
        log.info("Admin endpoints (POST /api/ingest) are off: set FORUM_ADMIN_TOKEN to enable them.")
    app = build_app(engine, settings)
    log.info("Chat page: http://%s:%s/   API docs: http://%s:%s/docs", host, port, host, port)
    uvicorn.run(app, host=host, port=port, log_level="info")
