"""The local LLM as a llama-index LLM and a `ChatModel`: a GGUF file run in-process by xllamacpp
(`xllama.py` loads it; `factory.make_llm` picks local or remote from the settings).

`LocalGGUFLLM` runs one generation at a time on a single worker thread, because two generations on two
cores only slow each other down. Callers wait in a bounded queue; when it is full they get a 'busy'
UnavailableError at once instead of piling up. Every request has a deadline; the worker stops the
generation at the next token (or prompt-progress event) once it has passed, and the caller gets
LLMTimeoutError without waiting for that.
"""

from __future__ import annotations

import atexit
import queue
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from pydantic import PrivateAttr

from assistant.llm.packaged import PACKAGED_MODELS
from assistant.llm.xllama import WARM_UP_TIMEOUT_S, Job, load_server, server_error, to_openai
from kernel.errors import LLMTimeoutError, ModelError, UnavailableError

if TYPE_CHECKING:
    from kernel.settings import Settings


class LocalGGUFLLM(CustomLLM):
    """A GGUF chat model run in this process by xllamacpp (llama.cpp), greedy decoding (temperature 0).

    Extra keyword arguments accepted by `complete`/`chat` and their streaming forms:
    `max_tokens`, `timeout_s` and `stop` (a list of strings), overriding the defaults for one call.
    """

    model_path: str
    model_name: str = "local-gguf"
    context_window: int = 4096
    max_tokens: int = 256
    n_threads: int = 2
    timeout_s: float = 60.0
    queue_size: int = 8

    _server: Any = PrivateAttr(default=None)
    _api_key: str = PrivateAttr(default="")
    _jobs: queue.Queue[Job | None] = PrivateAttr()
    _worker: threading.Thread | None = PrivateAttr(default=None)
    _closed: bool = PrivateAttr(default=False)
    _current: Job | None = PrivateAttr(default=None)
    _last_info: dict[str, Any] = PrivateAttr(default_factory=dict)

    def __init__(self, **data: Any) -> None:
        super().__init__(**data)
        self._jobs = queue.Queue(maxsize=self.queue_size)
        self._server = self._load()
        self._worker = threading.Thread(target=self._work, name=f"llm-{self.model_name}", daemon=True)
        self._worker.start()
        # A daemon thread still inside llama.cpp when the interpreter exits aborts the process
        # ("FATAL: exception not rethrown"); closing first stops the generation and joins the thread.
        atexit.register(_close_if_alive, weakref.ref(self))

    @classmethod
    def class_name(cls) -> str:
        return "LocalGGUFLLM"

    @classmethod
    def from_settings(cls, model_path: Path, settings: Settings) -> LocalGGUFLLM:
        """Load `model_path` with the threads, context, limits and queue size from `settings`."""
        return cls(
            model_path=str(model_path),
            model_name=settings.llm_model if settings.llm_model in PACKAGED_MODELS else model_path.stem,
            context_window=settings.llm_context,
            max_tokens=settings.llm_max_tokens,
            n_threads=settings.llm_threads,
            timeout_s=settings.llm_timeout_s,
            queue_size=settings.llm_queue_size,
        )

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(
            context_window=self.context_window,
            num_output=self.max_tokens,
            is_chat_model=True,
            model_name=self.model_name,
        )

    @property
    def last_info(self) -> dict[str, Any]:
        """`timings` (llama.cpp speeds) and `finish_reason` of the last finished call of any caller.

        For one request's own figures use the `raw` field of the response `chat`/`complete` return.
        """
        return dict(self._last_info)

    @property
    def waiting(self) -> int:
        """Requests queued behind the running generation (at most queue_size)."""
        return self._jobs.qsize()

    @property
    def http_endpoint(self) -> tuple[str, str]:
        """(base URL, API key) of the OpenAI-compatible listener xllamacpp opens on 127.0.0.1.

        xllamacpp always starts one; we lock it with a random key so that nothing else on the host can use it.
        """
        return f"{self._server.listening_address}/v1", self._api_key

    # -- loading and the worker ------------------------------------------------------------------------

    def _load(self) -> Any:
        server, self._api_key = load_server(self.model_path, self.context_window, self.n_threads)
        return server

    def close(self) -> None:
        """Stop the worker and free the model. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        current = self._current
        if current is not None:
            current.cancelled.set()  # stops at the next token or prompt-progress event
        while True:  # fail whatever is still waiting, then wake the worker with the stop marker
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                job.out.put(("error", UnavailableError("The language model was shut down; try again.")))
        self._jobs.put(None)
        if self._worker is not None:
            self._worker.join(timeout=30.0)
        self._server = None  # the xllamacpp destructor stops its loop thread and frees the weights

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            if job.cancelled.is_set() or time.monotonic() >= job.deadline:
                job.out.put(("done", {"finish_reason": "cancelled"}))  # the caller has given up already
                continue
            self._current = job
            try:
                self._run(job)
            finally:
                self._current = None

    def _run(self, job: Job) -> None:
        info = job.info

        def on_chunk(chunk: dict[str, Any]) -> bool:
            # Returning True makes xllamacpp stop reading, which cancels the llama.cpp task.
            if job.cancelled.is_set() or time.monotonic() >= job.deadline:
                info["finish_reason"] = "cancelled"
                return True
            if "error" in chunk or ("message" in chunk and "choices" not in chunk):
                job.out.put(("error", server_error(chunk, self.context_window)))
                info["finish_reason"] = "error"
                return True
            for choice in chunk.get("choices") or []:
                content = (choice.get("delta") or {}).get("content")
                if content:
                    job.out.put(("delta", content))
                if choice.get("finish_reason"):
                    info["finish_reason"] = choice["finish_reason"]
            if "timings" in chunk:
                info["timings"] = chunk["timings"]
            return False

        try:
            self._server.handle_chat_completions(job.payload, on_chunk)
        except Exception as exc:
            job.out.put(("error", ModelError(f"The local model failed while generating ({exc}). Try again.")))
        self._last_info = info
        job.out.put(("done", info))

    # -- requests ---------------------------------------------------------------------------------------

    def _submit(self, messages: Sequence[ChatMessage], kwargs: dict[str, Any]) -> Job:
        if self._closed:
            raise UnavailableError("The language model has been shut down; restart the service.")
        timeout_s = float(kwargs.get("timeout_s") or self.timeout_s)
        payload: dict[str, Any] = {
            "messages": [to_openai(m) for m in messages],
            "max_tokens": int(kwargs.get("max_tokens") or self.max_tokens),
            "temperature": 0.0,  # deterministic: the same evidence gives the same answer
            "seed": 0,
            "stream": True,
            "return_progress": True,  # progress events during prompt reading let a timeout stop it early
            "cache_prompt": True,
        }
        if kwargs.get("stop"):
            payload["stop"] = list(kwargs["stop"])
        if kwargs.get("grammar"):
            payload["grammar"] = kwargs["grammar"]
        job = Job(payload=payload, deadline=time.monotonic() + timeout_s)
        try:
            self._jobs.put_nowait(job)
        except queue.Full:
            raise UnavailableError(
                f"The language model is busy ({self.queue_size} requests already waiting); try again shortly."
            ) from None
        return job

    def _deltas(self, job: Job) -> Iterator[str]:
        try:
            while True:
                remaining = job.deadline - time.monotonic()
                try:
                    kind, value = job.out.get(timeout=max(remaining, 0.0))
                except queue.Empty:
                    raise LLMTimeoutError(
                        "The language model did not answer in time; try again, ask a shorter question, "
                        "or raise FORUM_LLM_TIMEOUT_S."
                    ) from None
                if kind == "delta":
                    yield value
                elif kind == "error":
                    raise value
                else:
                    if value.get("finish_reason") == "cancelled":
                        raise LLMTimeoutError(
                            "The language model did not answer in time; try again, ask a shorter question, "
                            "or raise FORUM_LLM_TIMEOUT_S."
                        )
                    return
        finally:
            job.cancelled.set()  # a consumer that stops early or times out frees the model at the next token

    def generate(self, messages: Sequence[ChatMessage], **kwargs: Any) -> str:
        """Blocking chat generation: the whole answer text."""
        return self._generate(messages, kwargs)[0]

    def _generate(
        self, messages: Sequence[ChatMessage], kwargs: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        job = self._submit(messages, kwargs)
        text = "".join(self._deltas(job))
        return text, dict(job.info)

    def stream_deltas(self, messages: Sequence[ChatMessage], **kwargs: Any) -> Iterator[str]:
        """Text deltas as they are generated. The request is queued now, so 'busy' raises here, not later."""
        return self._deltas(self._submit(messages, kwargs))

    def stream_text(
        self,
        messages: Sequence[ChatMessage],
        *,
        budget_s: float | None = None,
        max_tokens: int | None = None,
        stop: list[str] | None = None,
        grammar: str | None = None,
    ) -> Iterator[str]:
        """`ChatModel`: text deltas, the request cancelled when `budget_s` seconds have passed."""
        return self.stream_deltas(
            messages, timeout_s=budget_s, max_tokens=max_tokens, stop=stop, grammar=grammar
        )

    def warm_up(self) -> float:
        """Run one tiny prompt so the weights page in before the first user waits; returns its seconds."""
        started = time.perf_counter()
        # Not a user's request: paging the weights in on a busy machine may take longer than an answer may.
        timeout = max(self.timeout_s, WARM_UP_TIMEOUT_S)
        self.generate([ChatMessage(role=MessageRole.USER, content="你好")], max_tokens=2, timeout_s=timeout)
        return time.perf_counter() - started

    # -- llama-index interface --------------------------------------------------------------------------

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        text, info = self._generate(messages, kwargs)
        return ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text), raw=info)

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        deltas = self.stream_deltas(messages, **kwargs)

        def gen() -> ChatResponseGen:
            text = ""
            for delta in deltas:
                text += delta
                yield ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text), delta=delta)

        return gen()

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        text, info = self._generate([ChatMessage(role=MessageRole.USER, content=prompt)], kwargs)
        return CompletionResponse(text=text, raw=info)

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        deltas = self.stream_deltas([ChatMessage(role=MessageRole.USER, content=prompt)], **kwargs)

        def gen() -> CompletionResponseGen:
            text = ""
            for delta in deltas:
                text += delta
                yield CompletionResponse(text=text, delta=delta)

        return gen()


def _close_if_alive(ref: weakref.ref[LocalGGUFLLM]) -> None:
    llm = ref()
    if llm is not None:
        llm.close()
