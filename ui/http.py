"""The one place where errors become JSON, plus the request-body size limit.

Every error body has the same shape, which is also the OpenAI error shape, so the official client shows
our message:  {"error": {"message": "...", "type": "invalid_request_error", "code": "payload_too_large",
"status": 413}}. No stack trace is ever sent; unexpected errors are logged and answered with a 500.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kernel.errors import ForumError

log = logging.getLogger(__name__)

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "invalid_request",
    500: "internal_error",
    503: "unavailable",
}


class ErrorDetail(BaseModel):
    """What went wrong and what to do about it."""

    message: str
    type: str
    code: str
    status: int
    param: str | None = None


class ErrorBody(BaseModel):
    """Body of every error response."""

    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in [
        (400, "Bad input"),
        (413, "Message, history or body over the limit"),
        (422, "Invalid request body"),
        (503, "Index or models not ready"),
    ]
}


def error_type(status: int) -> str:
    """The OpenAI error `type` for an HTTP status."""
    if status == 401:
        return "authentication_error"
    if status == 403:
        return "permission_error"
    if status >= 500:
        return "server_error"
    return "invalid_request_error"


def error_payload(
    status: int, message: str, code: str | None = None, param: str | None = None
) -> dict[str, Any]:
    """The JSON body for an error (also used inside SSE `error` events)."""
    detail = ErrorDetail(
        message=message,
        type=error_type(status),
        code=code or _CODES.get(status, "error"),
        status=status,
        param=param,
    )
    return {"error": detail.model_dump(exclude_none=True)}


def error_response(status: int, message: str, code: str | None = None, **extra: Any) -> JSONResponse:
    """A JSON error response."""
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(
        error_payload(status, message, code, extra.get("param")), status_code=status, headers=headers
    )


def forum_error_payload(exc: ForumError) -> tuple[int, dict[str, Any]]:
    """Status and body for one of our own errors (an error class may name its own `code` and `param`)."""
    status = getattr(exc, "status_code", 500)
    message = str(exc) or type(exc).__name__
    return status, error_payload(status, message, getattr(exc, "code", None), getattr(exc, "param", None))


def _validation_message(exc: RequestValidationError) -> tuple[str, str | None]:
    parts = []
    first_field = None
    for err in exc.errors()[:5]:
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        where = ".".join(loc) or "body"
        first_field = first_field or where
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        if err.get("type") == "json_invalid":
            msg = "the body is not valid JSON"
        parts.append(f"{where}: {msg}")
    return "Invalid request: " + "; ".join(parts) + ".", first_field


def install_error_handlers(app: FastAPI) -> None:
    """Map every exception to a JSON error body with the right status."""

    @app.exception_handler(ForumError)
    async def _forum(request: Request, exc: ForumError) -> JSONResponse:
        status, body = forum_error_payload(exc)
        if status >= 500:
            log.error("%s on %s: %s", type(exc).__name__, request.url.path, exc)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        message, param = _validation_message(exc)
        return error_response(422, message, param=param)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "The request failed."
        if message == "There was an error parsing the body":  # FastAPI's text for undecodable bodies
            # Also raised for valid UTF-8 that Python's json cannot take: deep nesting, 4300+ digit numbers.
            message = (
                "The request body could not be read: send one JSON object encoded as UTF-8, "
                "without deeply nested arrays or objects and without numbers of thousands of digits."
            )
        if exc.status_code == 404 and message == "Not Found":
            message = f"There is no {request.method} {request.url.path}; see /docs for the API."
        response = error_response(exc.status_code, message)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("Unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, "Internal error while answering; the server log has the details.")


class BodyTooLarge(StarletteHTTPException):
    """Raised from inside `receive` when a body without Content-Length grows over the limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is over the limit of {limit} bytes; send less.")


class BodyLimitMiddleware:
    """Refuse request bodies over `max_bytes` with 413, by Content-Length or while reading."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await error_response(400, "The Content-Length header is not a number.")(scope, receive, send)
                return
            if declared > self.max_bytes:
                message = f"The request body has {declared} bytes; the limit is {self.max_bytes}. Send less."
                await error_response(413, message)(scope, receive, send)
                return

        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge as exc:
            if started:
                raise
            await error_response(413, str(exc.detail))(scope, receive, send)
