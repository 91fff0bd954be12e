"""Small helpers shared by the UI tests."""

from __future__ import annotations

import json
from typing import Any

import httpx


def parse_sse(text: str) -> list[tuple[str | None, str]]:
    """Split an SSE body into (event name, data) pairs; comment lines are skipped."""
    events: list[tuple[str | None, str]] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        name, data = None, []
        for line in block.splitlines():
            if line.startswith(":"):
                continue
            if line.startswith("event:"):
                name = line[len("event:") :].strip()
            elif line.startswith("data:"):
                data.append(line[len("data:") :].strip())
        if data:
            events.append((name, "\n".join(data)))
    return events


def assert_json_error(response: httpx.Response, status: int) -> dict[str, Any]:
    """The response is a JSON error of our shape with `status`, a readable message and no stack trace."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert error["status"] == status
    assert isinstance(error["message"], str) and len(error["message"]) > 10
    assert error["type"] and error["code"]
    assert "Traceback" not in response.text and 'File "' not in response.text
    return error


def json_events(text: str) -> list[tuple[str | None, Any]]:
    """Like parse_sse, with the data decoded from JSON (except the OpenAI `[DONE]` marker)."""
    return [(name, data if data == "[DONE]" else json.loads(data)) for name, data in parse_sse(text)]
