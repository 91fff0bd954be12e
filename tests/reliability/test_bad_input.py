"""Bad input against the real server (uvicorn on 127.0.0.1, full app with the page): always a 4xx with a
clear JSON error, never a 500, and the server keeps answering afterwards.

tests/ui/test_api.py and tests/ui/test_openai_compat.py already cover, through TestClient, the basic
/api/chat cases (empty, whitespace, int/None message, `system` role, 4001 and 100k characters, 51 turns,
NUL/BEL, invalid UTF-8, a lone surrogate, non-JSON, a JSON list) and a few /v1 ones. This module covers
the rest: the SSE and fact-check routes, the OpenAI route in depth, unknown roles and wrong types in
history, 500-turn histories, bodies Python's json chokes on (deep nesting, huge numbers), wrong content
types, and HTTP-level abuse sent as raw bytes on a socket.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.reliability.conftest import ADMIN_TOKEN, raw_http
from tests.support import assert_json_error

pytestmark = [pytest.mark.reliability, pytest.mark.server]

QUESTION = "2026年会是哪几天举办的？"
_TURN = {"role": "user", "content": "2023中关村论坛是什么时候举行的？"}


def _chat_bodies() -> list[tuple[str, Any, int]]:
    """(case, JSON body, expected status) for the two chat routes."""
    return [
        ("empty", {"message": ""}, 422),
        ("whitespace incl. ideographic space", {"message": " \t\n\u3000 "}, 422),
        ("100k ASCII characters", {"message": "x" * 100_000}, 413),
        ("100k Chinese characters (body limit)", {"message": "问" * 100_000}, 413),
        ("NUL", {"message": "a\x00b"}, 422),
        ("ANSI escape", {"message": "\x1b[31mred\x1b[0m 2026年会"}, 422),
        ("DEL", {"message": "2026\x7f"}, 422),
        ("message is a list", {"message": ["2026"]}, 422),
        ("message is an object", {"message": {"text": "2026"}}, 422),
        ("message is a bool", {"message": True}, 422),
        ("history is an object", {"message": QUESTION, "history": {"role": "user"}}, 422),
        ("history item is a string", {"message": QUESTION, "history": ["hello"]}, 422),
        ("history item without content", {"message": QUESTION, "history": [{"role": "user"}]}, 422),
        (
            "history content is a number",
            {"message": QUESTION, "history": [{"role": "user", "content": 5}]},
            422,
        ),
        ("role tool", {"message": QUESTION, "history": [{"role": "tool", "content": "x"}]}, 422),
        ("role empty", {"message": QUESTION, "history": [{"role": "", "content": "x"}]}, 422),
        ("role USER (case)", {"message": QUESTION, "history": [{"role": "USER", "content": "x"}]}, 422),
        ("role admin", {"message": QUESTION, "history": [{"role": "admin", "content": "x"}]}, 422),
        (
            "control char in history",
            {"message": QUESTION, "history": [{"role": "user", "content": "\x1b"}]},
            422,
        ),
        ("500-turn history", {"message": QUESTION, "history": [_TURN] * 500}, 413),
        ("language is a number", {"message": QUESTION, "language": 5}, 422),
        ("language is too long", {"message": QUESTION, "language": "z" * 5000}, 422),
        ("mode is a list", {"message": QUESTION, "mode": ["extract"]}, 422),
    ]


def _openai_bodies() -> list[tuple[str, Any, int]]:
    user = {"role": "user", "content": QUESTION}
    base = {"model": "forum-assistant"}
    return [
        ("model empty", {"model": "", "messages": [user]}, 404),
        ("model in capitals", {"model": "FORUM-ASSISTANT", "messages": [user]}, 404),
        ("model with spaces", {"model": " forum-assistant ", "messages": [user]}, 404),
        ("model path-like", {"model": "../forum-assistant", "messages": [user]}, 404),
        ("model with NUL", {"model": "forum-assistant\x00", "messages": [user]}, 404),
        ("model 10k characters", {"model": "m" * 10_000, "messages": [user]}, 404),
        ("model gpt-4o streaming", {"model": "gpt-4o", "stream": True, "messages": [user]}, 404),
        ("model is a number", {"model": 4, "messages": [user]}, 422),
        ("model is null", {"model": None, "messages": [user]}, 422),
        ("model is a list", {"model": ["forum-assistant"], "messages": [user]}, 422),
        ("messages is a string", base | {"messages": QUESTION}, 422),
        ("message is a string", base | {"messages": [QUESTION]}, 422),
        ("content is a number", base | {"messages": [{"role": "user", "content": 2026}]}, 422),
        (
            "content part text is a number",
            base | {"messages": [{"role": "user", "content": [{"type": "text", "text": 1}]}]},
            422,
        ),
        ("role empty", base | {"messages": [{"role": "", "content": "x"}, user]}, 422),
        ("role SYSTEM (case)", base | {"messages": [{"role": "SYSTEM", "content": "x"}, user]}, 422),
        ("only a system message", base | {"messages": [{"role": "system", "content": QUESTION}]}, 422),
        ("empty user content", base | {"messages": [{"role": "user", "content": None}]}, 422),
        ("100k characters", base | {"messages": [{"role": "user", "content": "x" * 100_000}]}, 413),
        (
            "control char in history",
            base | {"messages": [{"role": "assistant", "content": "\x07"}, user]},
            422,
        ),
        ("500-turn history", base | {"messages": [_TURN] * 500 + [user]}, 413),
        ("stream is not a bool", base | {"stream": "maybe", "messages": [user]}, 422),
        ("language is a number", base | {"language": 7, "messages": [user]}, 422),
    ]


def _fact_check_bodies() -> list[tuple[str, Any, int]]:
    return [
        ("empty claim", {"claim": ""}, 422),
        ("claim is a number", {"claim": 3000}, 422),
        ("claim with NUL", {"claim": "3000人\x00"}, 422),
        ("claim 100k characters", {"claim": "x" * 100_000}, 413),
        ("no claim", {"message": "3000人"}, 422),
        ("language wrong", {"claim": "3000人", "language": "klingon"}, 422),
    ]


# Bodies that are not well-formed JSON objects, sent as raw bytes with a JSON content type.
RAW_BODIES: list[tuple[str, bytes, int]] = [
    ("invalid UTF-8 (overlong)", b'{"message": "\xc0\xaf"}', 400),
    ("latin-1 bytes", '{"message": "café"}'.encode("latin-1"), 400),
    (
        "deep nesting (50k arrays)",
        b'{"message": "hi", "history": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
        400,
    ),
    ("10k-digit number", b'{"message": ' + b"9" * 10_000 + b"}", 400),
    ("NaN", b'{"message": NaN}', 422),
    ("trailing garbage", b'{"message": "hi"} trailing', 422),
    ("empty body", b"", 422),
    ("JSON null", b"null", 422),
    ("JSON string", b'"2026\\u5e74"', 422),
    ("truncated", b'{"message": "20', 422),
]
ROUTES = ["/api/chat", "/api/chat/stream", "/v1/chat/completions", "/api/fact-check", "/api/feedback"]


def _cases() -> list[Any]:
    out = []
    for path in ("/api/chat", "/api/chat/stream"):
        out += [
            pytest.param(path, body, status, id=f"{path} {case}") for case, body, status in _chat_bodies()
        ]
    out += [pytest.param("/v1/chat/completions", b, s, id=f"/v1 {c}") for c, b, s in _openai_bodies()]
    out += [pytest.param("/api/fact-check", b, s, id=f"fact-check {c}") for c, b, s in _fact_check_bodies()]
    return out


@pytest.mark.parametrize(("path", "body", "status"), _cases())
def test_bad_json_bodies_get_a_clear_4xx(live_app: Any, path: str, body: Any, status: int) -> None:
    content = json.dumps(body, ensure_ascii=False).encode("utf-8")
    response = httpx.post(
        f"{live_app.url}{path}", content=content, headers={"content-type": "application/json"}, timeout=60
    )
    error = assert_json_error(response, status)
    assert "Invalid request" in error["message"] or error["code"] in {"payload_too_large", "model_not_found"}


@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize(("case", "raw", "status"), RAW_BODIES, ids=[c for c, _, _ in RAW_BODIES])
def test_undecodable_bodies_get_a_clear_4xx(
    live_app: Any, path: str, case: str, raw: bytes, status: int
) -> None:
    response = httpx.post(
        f"{live_app.url}{path}", content=raw, headers={"content-type": "application/json"}, timeout=60
    )
    error = assert_json_error(response, status)
    if status == 400:
        assert "JSON" in error["message"] and "UTF-8" in error["message"]


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"],
)
def test_a_body_that_is_not_declared_json_is_422(live_app: Any, content_type: str) -> None:
    response = httpx.post(
        f"{live_app.url}/api/chat",
        content=b"message=2026",
        headers={"content-type": content_type},
        timeout=60,
    )
    assert_json_error(response, 422)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/documents/001_ac7e4f98f3743c27?start=abc&end=3", 422),
        ("/api/documents/001_ac7e4f98f3743c27?start=1e99&end=3", 422),
        (f"/api/documents/001_ac7e4f98f3743c27?start=0&end={10**40}", 422),
        ("/api/documents/001_ac7e4f98f3743c27?start=-5&end=-1", 422),
        ("/api/documents/" + "a" * 5000, 404),
        ("/api/documents/%F0%9F%92%A5%00", 404),
    ],
)
def test_bad_query_values_and_ids_are_4xx(live_app: Any, path: str, status: int) -> None:
    assert_json_error(httpx.get(f"{live_app.url}{path}", timeout=60), status)


def test_bad_admin_query_values_are_4xx(live_app: Any) -> None:
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    for limit in ("abc", "0", "100000", "-1"):
        response = httpx.get(
            f"{live_app.url}/api/feedback", params={"limit": limit}, headers=auth, timeout=60
        )
        assert_json_error(response, 422)


def _request(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@pytest.mark.parametrize(
    "request_bytes",
    [
        pytest.param(
            _request("POST", "/api/chat", {"Content-Type": "application/json", "Content-Length": "abc"}),
            id="Content-Length not a number",
        ),
        pytest.param(
            _request("POST", "/api/chat", {"Content-Type": "application/json", "Content-Length": "-1"}),
            id="negative Content-Length",
        ),
        pytest.param(
            _request(
                "POST",
                "/api/chat",
                {"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
                b"zz\r\nnot hex\r\n0\r\n\r\n",
            ),
            id="malformed chunked body",
        ),
        pytest.param(
            _request(
                "POST",
                "/api/chat",
                {"Content-Type": "application/json", "Content-Length": "5"},
                b'{"message": "longer than five bytes"}',
            ),
            id="Content-Length shorter than the body",
        ),
        pytest.param(_request("GET", "/api/documents", {"X-Junk": "a" * 100_000}), id="100 kB header"),
        pytest.param(
            b"GET /api/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Bin: \xff\xfe\x00\r\n"
            b"Connection: close\r\n\r\n",
            id="binary header value",
        ),
        pytest.param(
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64, id="TLS hello on plain HTTP"
        ),
    ],
)
def test_http_level_abuse_is_refused_without_a_5xx(live_app: Any, request_bytes: bytes) -> None:
    port = int(live_app.url.rsplit(":", 1)[1])
    status, _, body = raw_http(port, request_bytes)  # uvicorn answers 400 to what it cannot parse
    assert status < 500, body[:300]
    assert b"Traceback" not in body


def test_the_server_still_answers_after_all_that(live_app: Any) -> None:
    health = httpx.get(f"{live_app.url}/health", timeout=60)
    assert health.status_code == 200 and health.json()["ready"] is True
    answer = httpx.post(f"{live_app.url}/api/chat", json={"message": QUESTION}, timeout=120).json()
    assert not answer["refused"] and any("3月25日" in c["quote"] for c in answer["citations"])
