"""Security on the real server (uvicorn on 127.0.0.1, API + Gradio page in one process).

Extends tests/ui/test_api.py (TestClient: bearer token required, 403 without a configured token,
`..`-ids refused, body limit, CORS default and `cors_origins`) with what only a real server shows: raw
request lines that no client normalises, every mounted route (Swagger assets, Gradio files), token
edge cases, the limits configured from the environment. The planted-<script> browser test is
tests/ui/test_browser.py::test_planted_script_in_a_document_never_runs.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from assistant.engine import ForumEngine
from kernel.settings import Settings, load_settings
from tests.reliability.conftest import ADMIN_TOKEN, raw_http
from tests.support import LiveServer, assert_json_error
from ui.api import create_app

pytestmark = [pytest.mark.reliability, pytest.mark.server]

DOC_ID = "001_ac7e4f98f3743c27"


def _port(server: Any) -> int:
    return int(server.url.rsplit(":", 1)[1])


def _get(server: Any, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return raw_http(_port(server), ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))


# ----- admin endpoints ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        f"Bearer {ADMIN_TOKEN[:-1]}",  # one character short
        f"Bearer {ADMIN_TOKEN}x",  # one character long
        f"Bearer {ADMIN_TOKEN.upper()}",
        f"Bearer {ADMIN_TOKEN[::-1]}",
        f"Token {ADMIN_TOKEN}",
        f"Basic {base64.b64encode(f'admin:{ADMIN_TOKEN}'.encode()).decode()}",
        f"Bearer {'a' * 8000}",
        f"Bearer {ADMIN_TOKEN}\u00e9",  # latin-1 byte on the wire
    ],
)
def test_admin_endpoints_refuse_anything_but_the_exact_token(
    live_app: Any, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    for method, path in (("POST", "/api/ingest"), ("GET", "/api/feedback")):
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", "Content-Length: 0"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        status, response_headers, body = raw_http(
            _port(live_app), ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        )
        assert status == 401, (path, status, body[:200])
        assert response_headers.get("www-authenticate") == "Bearer"
        assert "Bearer" in json.loads(body)["error"]["message"]


def test_the_exact_token_opens_the_admin_read_endpoint(live_app: Any) -> None:
    response = httpx.get(
        f"{live_app.url}/api/feedback", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=60
    )
    assert response.status_code == 200 and "counts" in response.json()


@pytest.mark.parametrize("token_env", [None, ""])
def test_admin_endpoints_are_off_without_a_token_even_for_an_empty_bearer(
    rel_engine: ForumEngine, rel_settings: Settings, monkeypatch: pytest.MonkeyPatch, token_env: str | None
) -> None:
    # From the environment, as an operator sets it: unset, or set to the empty string.
    if token_env is None:
        monkeypatch.delenv("FORUM_ADMIN_TOKEN", raising=False)
    else:
        monkeypatch.setenv("FORUM_ADMIN_TOKEN", token_env)
    settings = load_settings(data_dir=rel_settings.data_dir)
    assert not settings.admin_token
    with LiveServer(create_app(rel_engine, settings)) as server:
        for header in ({}, {"Authorization": "Bearer"}, {"Authorization": "Bearer None"}):
            error = assert_json_error(httpx.post(f"{server.url}/api/ingest", headers=header, timeout=60), 403)
            assert "FORUM_ADMIN_TOKEN" in error["message"]
            assert_json_error(httpx.get(f"{server.url}/api/feedback", headers=header, timeout=60), 403)


# ----- path traversal -----------------------------------------------------------------------------
TRAVERSALS = [
    "/api/documents/../../../../etc/passwd",
    "/api/documents/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/api/documents/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/api/documents/%252e%252e%252f%252e%252e%252fetc%252fpasswd",  # double-encoded
    "/api/documents/..%c0%af..%c0%afetc%c0%afpasswd",  # overlong UTF-8 slash
    "/api/documents//etc/passwd",
    "/api/documents/%2Fetc%2Fpasswd",
    "/api/documents/~root/.bashrc",
    "/api/documents/C:%5Cwindows%5Cwin.ini",
    f"/api/documents/{DOC_ID}/../../../etc/passwd",
    f"/api/documents/x/../{DOC_ID}",  # even a path that would resolve to a real id is refused
    "/api/documents/..",
    "/api/documents/.%00./etc/passwd",
    "/api-docs-static/../../../../etc/passwd",
    "/api-docs-static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/api-docs-static/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/gradio_api/file=/etc/passwd",
    "/gradio_api/file=../../../../etc/passwd",
    "/gradio_api/file=%2Fetc%2Fpasswd",
    "/static/../../../../etc/passwd",
    "/assets/../../../../etc/passwd",
    "/../../../../etc/passwd",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_path_leaves_the_corpus_or_the_packaged_assets(live_app: Any, path: str) -> None:
    status, _, body = _get(live_app, path)
    assert status in (400, 403, 404), (status, body[:200])
    # Contents of /etc/passwd, win.ini, .bashrc: never. (The refused id itself may be echoed.)
    assert b"root:x:0:0" not in body and b"[fonts]" not in body and b"PS1=" not in body


@pytest.mark.parametrize(
    "path",
    ["/gradio_api/file={data}/index/catalog.sqlite3", "/gradio_api/file={data}/feedback.sqlite3"],
)
def test_gradio_does_not_serve_the_data_dir(live_app: Any, rel_settings: Settings, path: str) -> None:
    status, _, body = _get(live_app, path.format(data=rel_settings.data_dir))
    assert status in (403, 404) and b"SQLite format" not in body


def test_a_real_document_id_still_works_on_the_same_route(live_app: Any) -> None:
    status, _, body = _get(live_app, f"/api/documents/{DOC_ID}")  # the control for the cases above
    assert status == 200 and json.loads(body)["doc_id"] == DOC_ID


# ----- request body size --------------------------------------------------------------------------
def test_a_declared_oversize_body_is_refused_before_it_is_sent(live_app: Any, rel_settings: Settings) -> None:
    # Only the headers go out: the 413 must come back without the server waiting for 1 GB.
    request = (
        b"POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n"
    )
    status, _, body = raw_http(_port(live_app), request, timeout_s=30)
    assert status == 413 and str(rel_settings.max_body_bytes) in json.loads(body)["error"]["message"]


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/api/chat", "application/json"),
        ("/v1/chat/completions", "application/json"),
        ("/api/feedback", "application/json"),
        ("/gradio_api/upload", "multipart/form-data; boundary=x"),  # the page's upload route too
    ],
)
def test_a_chunked_body_over_the_limit_is_cut_off_with_413(
    live_app: Any, rel_settings: Settings, path: str, content_type: str
) -> None:
    body = b'{"message": "' + b"x" * (rel_settings.max_body_bytes + 50_000) + b'"}'
    if content_type.startswith("multipart"):
        body = (
            b'--x\r\nContent-Disposition: form-data; name="files"; filename="a.bin"\r\n\r\n'
            + body
            + b"\r\n--x--\r\n"
        )
    chunks = b"".join(
        b"%x\r\n%s\r\n" % (len(part), part)
        for part in (body[i : i + 65536] for i in range(0, len(body), 65536))
    )
    request = (
        (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            f"Content-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n\r\n"
        ).encode()
        + chunks
        + b"0\r\n\r\n"
    )
    try:
        status, _, _ = raw_http(_port(live_app), request, timeout_s=60)
    except (ConnectionResetError, BrokenPipeError):
        pytest.fail("the server dropped the connection instead of answering 413")
    assert status == 413


def test_the_body_limit_comes_from_the_settings(rel_engine: ForumEngine, rel_settings: Settings) -> None:
    small = rel_settings.model_copy(update={"max_body_bytes": 2048})
    with LiveServer(create_app(rel_engine, small)) as server:
        fits = httpx.post(f"{server.url}/api/chat", json={"message": "2026年会是哪几天举办的？"}, timeout=120)
        over = httpx.post(f"{server.url}/api/chat", json={"message": "2026" * 600}, timeout=60)
    assert fits.status_code == 200
    assert "2048" in assert_json_error(over, 413)["message"]


# ----- CORS ---------------------------------------------------------------------------------------
def _preflight(url: str, path: str, origin: str) -> httpx.Response:
    return httpx.options(
        f"{url}{path}",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        timeout=60,
    )


@pytest.mark.parametrize("path", ["/api/chat", "/api/chat/stream", "/v1/chat/completions", "/api/ingest"])
def test_cors_is_closed_by_default_on_every_api_route(live_app: Any, path: str) -> None:
    for origin in ("http://evil.example", "null", "http://localhost:3000"):
        response = _preflight(live_app.url, path, origin)
        assert "access-control-allow-origin" not in response.headers, (origin, dict(response.headers))
    simple = httpx.get(f"{live_app.url}/health", headers={"Origin": "http://evil.example"}, timeout=60)
    assert "access-control-allow-origin" not in simple.headers


def test_gradio_routes_do_not_open_to_other_sites(live_app: Any) -> None:
    # Gradio's own middleware answers localhost origins (its default); any other site gets nothing.
    for path in ("/config", "/gradio_api/info"):
        response = httpx.get(f"{live_app.url}{path}", headers={"Origin": "http://evil.example"}, timeout=60)
        assert response.headers.get("access-control-allow-origin") in (None, ""), dict(response.headers)


def test_cors_origins_are_configurable_from_the_environment(
    rel_engine: ForumEngine, rel_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORUM_CORS_ORIGINS", '["http://kiosk.example"]')
    settings = load_settings(data_dir=rel_settings.data_dir)
    assert settings.cors_origins == ["http://kiosk.example"]
    with LiveServer(create_app(rel_engine, settings)) as server:
        allowed = _preflight(server.url, "/api/chat", "http://kiosk.example")
        other = _preflight(server.url, "/api/chat", "http://evil.example")
        posted = httpx.post(
            f"{server.url}/api/chat",
            json={"message": "2026年会是哪几天举办的？"},
            headers={"Origin": "http://kiosk.example"},
            timeout=120,
        )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "http://kiosk.example"
    assert "access-control-allow-origin" not in other.headers
    assert posted.headers["access-control-allow-origin"] == "http://kiosk.example"
    assert "access-control-allow-credentials" not in allowed.headers  # no cookies are ever needed
