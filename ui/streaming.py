"""Server-Sent Events over the engine's blocking event iterator, without blocking the event loop."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

from starlette.concurrency import run_in_threadpool

from kernel.errors import ForumError
from ui.http import error_payload, forum_error_payload

log = logging.getLogger(__name__)

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
_END = object()


def sse(event: str | None, data: Any) -> str:
    """One Server-Sent Event; `data` is JSON on a single line (no `event:` line when `event` is None)."""
    line = f"data: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"
    return f"event: {event}\n{line}" if event else line


def _next(events: Iterator[Any]) -> Any:
    return next(events, _END)


async def first_event(events: Iterator[Any]) -> Any:
    """Pull the first event before the response starts, so that early errors get a real HTTP status."""
    return await run_in_threadpool(_next, events)


async def drain(events: Iterator[Any], first: Any) -> AsyncIterator[Any]:
    """Yield the events of a blocking iterator, each `next` in the threadpool; close it at the end."""
    try:
        item = first
        while item is not _END:
            yield item
            item = await run_in_threadpool(_next, events)
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            # ValueError: still running in a worker thread (the client went away); it ends by itself.
            with contextlib.suppress(ValueError):
                close()


def stream_error_payload(exc: Exception) -> dict[str, Any]:
    """The JSON error body for a failure after the response has started."""
    if isinstance(exc, ForumError):
        return forum_error_payload(exc)[1]
    log.exception("Streaming answer failed")
    return error_payload(500, "Internal error while streaming the answer; the server log has the details.")
