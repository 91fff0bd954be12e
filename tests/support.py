"""Helpers shared by the tests, in one place (the fixtures are in the conftest files).

- `free_port()`             a port the kernel says is free on 127.0.0.1, for a subprocess to take.
- `LiveServer(app)`         (from evals/bench/answers.py, which the bench uses too) uvicorn serving an app on
                            127.0.0.1 in a thread; a context manager whose start-up
                            wait is bounded.
- `ChromaServer(path, log)` `chroma run` from the venv on 127.0.0.1; restartable on the same port.
- `stop_process(process)`   SIGTERM, then SIGKILL after a grace period; always reaps.
- `answers(process, url, deadline)`  poll a child's URL until 200, its exit, or the deadline.
- `parse_sse(text)`, `json_events(text)`   the events of a Server-Sent Events body.
- `assert_json_error(response, status)`    the response is one of our JSON errors.
- `ingested(settings, embedder, corpus, docs)`  a real index of a few invented documents, written into
                            `corpus` and ingested; closed at the end of the `with`.
- `ScriptedLLM`             the one fake LLM, for tests that must force a specific output or failure through
                            real code: scripted replies, recorded prompts, optional delay or error.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
)
from llama_index.core.llms import CustomLLM
from pydantic import Field

from evals.bench.answers import (
    LiveServer as LiveServer,  # re-exported: the one live server, the bench uses it too
)
from evals.bench.processes import BIN as BIN
from evals.bench.processes import ChromaServer as ChromaServer
from evals.bench.processes import answers as answers
from evals.bench.processes import free_port as free_port
from evals.bench.processes import stop_process as stop_process
from ingest.pipeline import ingest
from kernel.errors import LLMTimeoutError
from kernel.settings import Settings
from vectorstore.embedders import PackagedEmbedding
from vectorstore.index import ForumIndex

# ----- ports, servers and processes: in evals/bench/processes.py (the bench runs `chroma run` too)


# ----- a small real index --------------------------------------------------------------------------------


@contextmanager
def ingested(
    settings: Settings, embedder: PackagedEmbedding, corpus: Path, docs: Mapping[str, str]
) -> Iterator[ForumIndex]:
    """A real index of `docs` (file name -> text), written into `corpus` and ingested; closed afterwards."""
    corpus.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (corpus / name).write_text(text, encoding="utf-8")
    index = ForumIndex.open(settings, embedder=embedder)
    try:
        ingest(settings, corpus, index, progress=False)
        yield index
    finally:
        index.close()


# ----- responses ----------------------------------------------------------------------------------------
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


def json_events(text: str) -> list[tuple[str | None, Any]]:
    """Like parse_sse, with the data decoded from JSON (except the OpenAI `[DONE]` marker)."""
    return [(name, data if data == "[DONE]" else json.loads(data)) for name, data in parse_sse(text)]


class HTTPResponse(Protocol):
    """What the checks read of a response: httpx's, or the TestClient's (starlette may use httpx2)."""

    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def text(self) -> str: ...
    def json(self) -> Any: ...


def assert_json_error(response: HTTPResponse, status: int) -> dict[str, Any]:
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


# ----- the scripted LLM -----------------------------------------------------------------------------------
class ScriptedLLM(CustomLLM):
    """A llama-index LLM, like the real `LocalGGUFLLM`, that says exactly what the test scripts.

    Only for forcing a specific output (chatty, unsupported, injected) or a failure through the real engine;
    everything else uses the real packaged model (the `llm` fixture).

    - `reply`: the text of every answer; `replies`: answers given in turn, one per call, before `reply`.
    - `prompts`: each call's prompt (chat messages as "role: content" lines); `calls` counts them;
      `options`: each call's keyword arguments (`max_tokens`, `stop`, `timeout_s`, ...), recorded, not applied.
    - `delay_s`: seconds before the answer starts. A call whose time limit (its `budget_s` or `timeout_s`,
      else the `timeout_s` field) is shorter raises LLMTimeoutError when the limit is reached, as the real
      model does.
    - `error`: raised by every call (after the delay) instead of answering.
    Streaming yields the reply in space-separated pieces, as a model streams tokens; `piece_delay_s`: seconds
    before each piece after the first (a model that writes slowly).
    """

    reply: str = ""
    replies: list[str] = Field(default_factory=list)
    name: str = "scripted"
    delay_s: float = 0.0
    piece_delay_s: float = 0.0
    timeout_s: float = 60.0
    error: Exception | None = None
    prompts: list[str] = Field(default_factory=list)
    options: list[dict[str, Any]] = Field(default_factory=list)

    @classmethod
    def class_name(cls) -> str:
        return "ScriptedLLM"

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(model_name=self.name, is_chat_model=True)

    @property
    def calls(self) -> int:
        """How many requests the model got."""
        return len(self.prompts)

    # -- the script ------------------------------------------------------------------------------------

    def _answer(self, prompt: str, options: dict[str, Any]) -> str:
        """Record the request, wait `delay_s` (within its time limit), then raise `error` or reply."""
        self.prompts.append(prompt)
        self.options.append(dict(options))
        limit = float(options.get("budget_s") or options.get("timeout_s") or self.timeout_s)
        if self.delay_s > limit:
            time.sleep(limit)
            raise LLMTimeoutError(
                "The language model did not answer in time; try again, ask a shorter question, "
                "or raise FORUM_LLM_TIMEOUT_S."
            )
        if self.delay_s:
            time.sleep(self.delay_s)
        if self.error is not None:
            raise self.error
        return self.replies.pop(0) if self.replies else self.reply

    def _pieces(self, text: str) -> Iterator[str]:
        for i, word in enumerate(text.split(" ")):
            if i and self.piece_delay_s:
                time.sleep(self.piece_delay_s)
            yield word if i == 0 else " " + word

    @staticmethod
    def _render(messages: Sequence[ChatMessage]) -> str:
        return "\n".join(f"{_role(m)}: {m.content or ''}" for m in messages)

    # -- llama-index interface ---------------------------------------------------------------------------

    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return CompletionResponse(text=self._answer(prompt, kwargs))

    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        text = self._answer(prompt, kwargs)  # at call time, as the real model queues (and fails) at once

        def gen() -> CompletionResponseGen:
            so_far = ""
            for piece in self._pieces(text):
                so_far += piece
                yield CompletionResponse(text=so_far, delta=piece)

        return gen()

    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        text = self._answer(self._render(messages), kwargs)
        return ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text))

    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        text = self._answer(self._render(messages), kwargs)

        def gen() -> ChatResponseGen:
            so_far = ""
            for piece in self._pieces(text):
                so_far += piece
                yield ChatResponse(
                    message=ChatMessage(role=MessageRole.ASSISTANT, content=so_far), delta=piece
                )

        return gen()

    # -- the engine's narrow interface (text deltas within a time budget) ---------------------------------

    def stream_text(
        self,
        messages: Sequence[ChatMessage],
        *,
        budget_s: float | None = None,
        max_tokens: int | None = None,
        stop: list[str] | None = None,
        grammar: str | None = None,
    ) -> Iterator[str]:
        """Text deltas of the reply; `budget_s` None means the `timeout_s` field, as for the real model.
        `grammar` is recorded in `options`, not applied: the script says what the test needs."""
        options = {"budget_s": budget_s, "max_tokens": max_tokens, "stop": stop, "grammar": grammar}
        text = self._answer(self._render(messages), options)
        return self._pieces(text)

    def warm_up(self) -> float:
        """Nothing to page in."""
        return 0.0


def _role(message: ChatMessage) -> str:
    return message.role.value if isinstance(message.role, MessageRole) else str(message.role)
