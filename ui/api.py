"""The HTTP API: one FastAPI app around one engine (see the API contract in DESIGN.md).

`create_app(engine, settings)` builds the app; the Gradio page is mounted on it separately
(`ui.page.mount_chat`) so that API tests need not import Gradio.
Engine calls are blocking (retrieval, the LLM): every one runs in a worker thread, never on the event loop;
`/health` has thread tokens of its own so that it never waits behind answers.
"""

from __future__ import annotations

import hmac
import logging
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, FastAPI, HTTPException, Query, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from assistant.schema import Answer, FactCheck, StreamEvent
from kernel.domain import Document
from kernel.errors import ForumError, NotFoundError, PayloadTooLargeError, UnauthorizedError
from kernel.settings import Settings
from ui.feedback import Feedback, FeedbackStore
from ui.http import (
    ERROR_RESPONSES,
    BodyLimitMiddleware,
    forum_error_payload,
    install_error_handlers,
)
from ui.openai_compat import openai_router
from ui.streaming import SSE_HEADERS, drain, first_event, sse, stream_error_payload
from ui.validation import ChatRequest, FactCheckRequest, check_text, to_question

if TYPE_CHECKING:
    from assistant.engine import ForumEngine

log = logging.getLogger(__name__)


def _event_payload(event: StreamEvent) -> tuple[str, Any]:
    if event.kind == "citations":
        return "citations", {"citations": [c.model_dump(mode="json") for c in event.citations or []]}
    if event.kind == "delta":
        return "delta", {"delta": event.delta or ""}
    assert event.answer is not None
    return "answer", event.answer.model_dump(mode="json")


def document_summary(doc: Document) -> dict[str, Any]:
    """Metadata of a document, without its text."""
    return {
        "doc_id": doc.doc_id,
        "source": doc.source,
        "title": doc.title,
        "date": doc.date,
        "year": doc.year,
        "outlet": doc.outlet,
        "chars": len(doc.text),
    }


def check_doc_id(doc_id: str) -> str:
    """Refuse ids that could only be attempts to leave the corpus (`..`, absolute, backslashes, controls)."""
    parts = doc_id.split("/")
    if (
        not doc_id
        or len(doc_id) > 512
        or doc_id.startswith("/")
        or "\\" in doc_id
        or any(p in ("", ".", "..") for p in parts)
    ):
        raise NotFoundError(
            f"There is no document {doc_id[:80]!r}; GET /api/documents lists the document ids."
        )
    try:
        check_text(doc_id, "document id")
    except ValueError as exc:
        raise NotFoundError(f"There is no such document ({exc}).") from exc
    return doc_id


def _admin_guard(settings: Settings) -> Callable[[Request], None]:
    def require_admin(request: Request) -> None:
        token = settings.admin_token
        if not token:
            # 403, not 404: the endpoint exists but is switched off on this server.
            raise HTTPException(
                403,
                "Admin endpoints are disabled on this server because no admin token is configured; "
                "set FORUM_ADMIN_TOKEN and restart to enable them.",
            )
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
            raise UnauthorizedError(
                "This endpoint needs the header 'Authorization: Bearer <FORUM_ADMIN_TOKEN>'."
            )

    return require_admin


def _docs_routes(app: FastAPI) -> None:
    """Swagger UI and ReDoc from packaged assets: /docs must work without a CDN."""
    import fastapi_offline

    static = Path(fastapi_offline.__file__).parent / "static"
    assets = "/api-docs-static"
    app.mount(assets, StaticFiles(directory=static), name="api-docs-static")
    # Both pages read our schema and load their script and icon from the packaged assets mounted above.
    page: dict[str, Any] = {"openapi_url": "/openapi.json", "title": "Forum Assistant API"}
    icon = f"{assets}/favicon.png"

    @app.get("/docs", include_in_schema=False)
    async def swagger() -> HTMLResponse:
        js, css = f"{assets}/swagger-ui-bundle.js", f"{assets}/swagger-ui.css"
        return get_swagger_ui_html(**page, swagger_js_url=js, swagger_css_url=css, swagger_favicon_url=icon)

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        js = f"{assets}/redoc.standalone.js"
        return get_redoc_html(**page, redoc_js_url=js, redoc_favicon_url=icon, with_google_fonts=False)


def create_app(engine: ForumEngine, settings: Settings, feedback: FeedbackStore | None = None) -> FastAPI:
    """The FastAPI app serving the JSON, SSE and OpenAI-compatible APIs over `engine`."""
    app = FastAPI(
        title="Forum Assistant API",
        version="0.1.0",
        description="Grounded answers about the Zhongguancun Forum, with citations. Errors: "
        '`{"error": {"message", "type", "code", "status"}}`.',
        docs_url=None,
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.settings = settings
    store = feedback or FeedbackStore.in_data_dir(settings.data_dir)
    app.state.feedback = store
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type"],
        )
    _docs_routes(app)
    require_admin = _admin_guard(settings)
    ingest_lock = threading.Lock()
    # /health gets its own thread tokens: in the shared threadpool it queued behind answers (up to 6.9 s
    # under load) and a load balancer would have marked a busy but healthy service down.
    health_limiter = anyio.CapacityLimiter(2)
    api = APIRouter(responses=ERROR_RESPONSES)

    @api.post("/api/chat", response_model=Answer, tags=["chat"])
    async def chat(body: ChatRequest) -> Answer:
        """Answer one question (with optional history) and return the verified answer object."""
        question = to_question(body.message, body.history, body.language, body.mode, settings)
        return await run_in_threadpool(engine.answer, question)

    @api.post(
        "/api/chat/stream",
        tags=["chat"],
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}, "description": "citations, delta…, answer"}},
    )
    async def chat_stream(body: ChatRequest) -> StreamingResponse:
        """Server-Sent Events: `citations`, then `delta` events, then `answer` (or `error`)."""
        question = to_question(body.message, body.history, body.language, body.mode, settings)
        events = engine.stream(question)
        first = await first_event(events)

        async def body_iter() -> AsyncIterator[str]:
            try:
                async for event in drain(events, first):
                    name, payload = _event_payload(event)
                    yield sse(name, payload)
            except Exception as exc:
                yield sse("error", stream_error_payload(exc))

        return StreamingResponse(body_iter(), media_type="text/event-stream", headers=SSE_HEADERS)

    @api.post("/api/fact-check", response_model=FactCheck, tags=["chat"])
    async def fact_check(body: FactCheckRequest) -> FactCheck:
        """Check a claim against the sources: supporting and contradicting sentences and a verdict."""
        if len(body.claim) > settings.max_message_chars:
            raise PayloadTooLargeError(
                f"The claim has {len(body.claim)} characters; the limit is {settings.max_message_chars}."
            )
        return await run_in_threadpool(engine.fact_check, body.claim, body.language)

    @api.get("/api/documents", tags=["documents"])
    async def documents() -> dict[str, Any]:
        """All indexed documents (metadata only)."""
        docs = await run_in_threadpool(engine.index.documents)
        return {"documents": [document_summary(d) for d in docs], "count": len(docs)}

    @api.get("/api/documents/{doc_id:path}", tags=["documents"])
    async def document(
        doc_id: str,
        start: int | None = Query(default=None, ge=0, description="Highlight start offset."),
        end: int | None = Query(default=None, ge=0, description="Highlight end offset."),
    ) -> dict[str, Any]:
        """One document's text and metadata; with `start` and `end`, the highlighted range too."""
        doc = await run_in_threadpool(engine.index.document, check_doc_id(doc_id))
        result = document_summary(doc) | {"text": doc.text, "highlight": None}
        if start is not None or end is not None:
            if start is None or end is None or not 0 <= start <= end <= len(doc.text):
                raise HTTPException(
                    422,
                    "Invalid request: start and end must both be given, with "
                    f"0 <= start <= end <= {len(doc.text)}.",
                )
            result["highlight"] = {"start": start, "end": end, "text": doc.text[start:end]}
        return result

    @api.get("/health", tags=["admin"])
    async def health() -> JSONResponse:
        """200 with document/chunk counts and the active models when ready, 503 otherwise."""
        try:
            info = await anyio.to_thread.run_sync(engine.health, limiter=health_limiter)
        except ForumError as exc:
            _, body = forum_error_payload(exc)
            return JSONResponse({"ready": False, **body}, status_code=503)
        return JSONResponse(info, status_code=200 if info.get("ready") else 503)

    @api.post("/api/feedback", status_code=201, tags=["feedback"])
    async def add_feedback(item: Feedback) -> dict[str, Any]:
        """Store a thumbs up/down (with an optional comment) on an answer."""
        feedback_id = await run_in_threadpool(store.add, item)
        return {"id": feedback_id, "stored": True}

    @api.get("/api/feedback", tags=["admin"])
    async def list_feedback(
        request: Request, limit: int = Query(default=100, ge=1, le=1000)
    ) -> dict[str, Any]:
        """Recent feedback (admin token required)."""
        require_admin(request)
        items = await run_in_threadpool(store.recent, limit)
        counts = await run_in_threadpool(store.counts)
        return {"counts": counts, "items": items}

    @api.post("/api/ingest", tags=["admin"])
    async def ingest(request: Request) -> dict[str, Any]:
        """Re-ingest the configured corpus (admin token required)."""
        require_admin(request)
        if not ingest_lock.acquire(blocking=False):
            raise HTTPException(409, "An ingest is already running; wait for it to finish.")
        try:
            report = await run_in_threadpool(_reingest, engine, settings)
        finally:
            ingest_lock.release()
        return {"status": "done", "report": report}

    openai = openai_router(engine, settings)
    app.include_router(api)
    app.include_router(openai)
    _json_fallback(app, [api, openai])
    return app


def _reingest(engine: ForumEngine, settings: Settings) -> dict[str, object]:
    """Re-ingest the configured corpus into the engine's open index, then let the engine see the change."""
    from ingest.pipeline import ingest

    report = ingest(settings, settings.corpus_dir, engine.index, progress=False)
    engine.refresh()
    return asdict(report)


def _json_fallback(app: FastAPI, routers: list[APIRouter]) -> None:
    """404/405 as JSON for unknown /api and /v1 paths: otherwise the page mounted at / would answer them."""
    own = [r for router in routers for r in router.routes if isinstance(r, APIRoute)]
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

    async def no_route(request: Request) -> None:
        path, method = request.url.path, request.method
        allowed = sorted({m for r in own if r.path_regex.match(path) for m in r.methods or ()})
        if allowed:
            raise HTTPException(
                405,
                f"{method} is not allowed on {path}; use {', '.join(allowed)}.",
                {"Allow": ", ".join(allowed)},
            )
        raise HTTPException(404, f"There is no {method} {path}; see /docs for the API.")

    for prefix in ("/api", "/v1"):
        app.add_api_route(f"{prefix}/{{rest:path}}", no_route, methods=methods, include_in_schema=False)
