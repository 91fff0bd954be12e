"""OpenAI-compatible routes: `POST /v1/chat/completions` and `GET /v1/models`.

The last user message is the question, earlier user/assistant messages are the history, and system or
developer messages are ignored (the assistant's own grounding rules are not negotiable). The verified
citations travel in a top-level `citations` field beside `choices` (and on the last chunk when streaming),
and the whole answer object in `forum_answer`. When streaming, the draft is sent sentence by sentence as
the model writes it, and the verified answer completes or corrects it at the end: `ui.openai_stream`
explains how and why.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter, HTTPException
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.concurrency import run_in_threadpool

from assistant.schema import Answer, Mode, StreamEvent
from kernel.errors import NotFoundError
from kernel.settings import Settings
from ui.http import ERROR_RESPONSES
from ui.openai_stream import ContentRelay
from ui.streaming import SSE_HEADERS, drain, first_event, sse, stream_error_payload
from ui.validation import TurnIn, check_text, normalise_language, to_question

if TYPE_CHECKING:
    from assistant.engine import ForumEngine

# Model ids a client may ask for, and the answer mode each one selects.
MODELS: dict[str, Mode] = {"forum-assistant": "auto", "forum-assistant-extract": "extract"}
_CREATED = 1767225600  # 2026-01-01: a fixed "created" for /v1/models, so the listing is stable


class ContentPart(BaseModel):
    """A part of a multi-part message; only text parts are supported."""

    model_config = ConfigDict(extra="allow")
    type: Literal["text"]
    text: str


class ChatMessage(BaseModel):
    """One OpenAI chat message."""

    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        """The message's text, with multi-part text joined by newlines."""
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "\n".join(part.text for part in self.content)


class ChatCompletionRequest(BaseModel):
    """The part of the OpenAI request we use; other OpenAI fields (temperature, …) are accepted, ignored."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "model": "forum-assistant",
                    "messages": [
                        {"role": "user", "content": "How many parallel sessions did the 2023 forum hold?"}
                    ],
                }
            ]
        },
    )
    model: str = Field(description="`forum-assistant`, or `forum-assistant-extract` for quoted answers only.")
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    language: str = Field(default="auto", description="Extension: answer language (ISO 639-1) or `auto`.")

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        return normalise_language(value)


def _split(messages: list[ChatMessage]) -> tuple[str, list[TurnIn]]:
    last = messages[-1]
    if last.role != "user":
        raise HTTPException(
            422, f"Invalid request: messages: the last message must be from the user, not {last.role!r}."
        )
    question = last.text()
    if not question.strip():
        raise HTTPException(
            422, "Invalid request: messages: the last user message is empty; send a question."
        )
    try:
        check_text(question, "message")
        history = [
            TurnIn(role=m.role, content=check_text(m.text(), "history message"))
            for m in messages[:-1]
            if m.role in ("user", "assistant")
        ]
    except ValueError as exc:
        raise HTTPException(422, f"Invalid request: messages: {exc}.") from exc
    return question, history


class UnknownModelError(NotFoundError):
    """The request names a model this server does not serve (OpenAI code `model_not_found`)."""

    code = "model_not_found"
    param = "model"


def _check_model(name: str) -> Mode:
    if name not in MODELS:
        raise UnknownModelError(
            f"The model {name[:60]!r} does not exist; use one of: {', '.join(MODELS)} (see GET /v1/models).",
        )
    return MODELS[name]


def _completion(answer: Answer, model: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": answer.answer},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": None,
        "citations": [c.model_dump(mode="json") for c in answer.citations],
        "forum_answer": answer.model_dump(mode="json"),
    }


def _chunk(
    cid: str, created: int, model: str, delta: dict[str, Any], finish: str | None = None
) -> dict[str, Any]:
    return {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
    }


def openai_router(engine: ForumEngine, settings: Settings) -> APIRouter:
    """The /v1 routes over `engine`."""
    router = APIRouter(prefix="/v1", tags=["openai"], responses=ERROR_RESPONSES)

    @router.get("/models")
    async def models() -> dict[str, Any]:
        """The model ids this server answers to."""
        return {
            "object": "list",
            "data": [
                {"id": m, "object": "model", "created": _CREATED, "owned_by": "forum-assistant"}
                for m in MODELS
            ],
        }

    @router.post("/chat/completions", response_model=None)
    async def chat_completions(body: ChatCompletionRequest) -> dict[str, Any] | StreamingResponse:
        """OpenAI chat completions; `stream: true` sends `chat.completion.chunk` events and `data: [DONE]`."""
        mode = _check_model(body.model)
        message, history = _split(body.messages)
        question = to_question(message, history, body.language, mode, settings)
        if not body.stream:
            answer = await run_in_threadpool(engine.answer, question)
            return _completion(answer, body.model)

        events = engine.stream(question)
        first = await first_event(events)
        cid, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())

        async def body_iter() -> AsyncIterator[str]:
            yield sse(None, _chunk(cid, created, body.model, {"role": "assistant", "content": ""}))
            relay = ContentRelay()  # draft sentences as they are written, then the verified answer
            try:
                async for event in drain(events, first):
                    assert isinstance(event, StreamEvent)
                    if event.kind == "delta":
                        piece = relay.draft(event.delta or "")
                        if piece:
                            yield sse(None, _chunk(cid, created, body.model, {"content": piece}))
                        else:  # mid-sentence: an SSE comment keeps the connection visibly alive
                            yield ": drafting\n\n"
                    elif event.kind == "answer" and event.answer is not None:
                        ending, replaced = relay.final(event.answer.answer, event.answer.language)
                        for piece in ending:
                            yield sse(None, _chunk(cid, created, body.model, {"content": piece}))
                        last = _chunk(cid, created, body.model, {}, finish="stop")
                        last["citations"] = [c.model_dump(mode="json") for c in event.answer.citations]
                        last["forum_answer"] = event.answer.model_dump(mode="json")
                        last["forum_draft_replaced"] = replaced
                        yield sse(None, last)
            except Exception as exc:
                yield sse(None, stream_error_payload(exc))
            yield "data: [DONE]\n\n"

        return StreamingResponse(body_iter(), media_type="text/event-stream", headers=SSE_HEADERS)

    return router
