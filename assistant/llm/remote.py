"""An OpenAI-compatible LLM server (vLLM, Ollama, llama.cpp server) as a llama-index LLM.

llama-index's OpenAILike does the talking; what is ours is the error mapping: the openai client's
exceptions become our own (LLMTimeoutError, UnavailableError, BadInputError, ModelError), also while a
stream is being read, so that callers handle one exception tree whichever LLM is configured.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseGen,
)
from llama_index.llms.openai_like import OpenAILike

from kernel.errors import BadInputError, ForumError, LLMTimeoutError, ModelError, UnavailableError

if TYPE_CHECKING:
    from kernel.settings import Settings


def _remote_error(exc: Exception, base_url: str | None) -> Exception:
    """Map the openai client's exceptions onto ours so callers handle one exception tree."""
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return LLMTimeoutError(
            f"The LLM server at {base_url} did not answer in time; try again or raise FORUM_LLM_TIMEOUT_S."
        )
    if isinstance(exc, openai.APIConnectionError):
        return UnavailableError(
            f"Cannot reach the LLM server at {base_url}; check FORUM_LLM_BASE_URL and the server."
        )
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code in (429, 502, 503, 504):
            return UnavailableError(
                f"The LLM server at {base_url} is busy ({exc.status_code}); try again shortly."
            )
        if exc.status_code in (401, 403):
            return ModelError(f"The LLM server at {base_url} refused the API key; set FORUM_LLM_API_KEY.")
        if exc.status_code == 400:
            return BadInputError(f"The LLM server at {base_url} rejected the request ({exc.message}).")
        return ModelError(
            f"The LLM server at {base_url} failed ({exc.status_code}: {exc.message}); try again."
        )
    return exc


@contextmanager
def _remote_errors(base_url: str | None) -> Iterator[None]:
    try:
        yield
    except ForumError:
        raise
    except Exception as exc:
        mapped = _remote_error(exc, base_url)
        if mapped is exc:
            raise
        raise mapped from exc


def _guarded(gen: Generator[Any, None, None], base_url: str | None) -> Generator[Any, None, None]:
    with _remote_errors(base_url):
        yield from gen


class RemoteLLM(OpenAILike):
    """llama-index's OpenAILike with our error mapping, and the `ChatModel` methods the engine calls."""

    @classmethod
    def class_name(cls) -> str:
        return "RemoteLLM"

    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        with _remote_errors(self.api_base):
            return super().chat(messages, **kwargs)

    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        with _remote_errors(self.api_base):
            return super().complete(prompt, formatted=formatted, **kwargs)

    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        with _remote_errors(self.api_base):
            return _guarded(super().stream_chat(messages, **kwargs), self.api_base)

    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        with _remote_errors(self.api_base):
            return _guarded(super().stream_complete(prompt, formatted=formatted, **kwargs), self.api_base)

    def stream_text(
        self,
        messages: Sequence[ChatMessage],
        *,
        budget_s: float | None = None,
        max_tokens: int | None = None,
        stop: list[str] | None = None,
        grammar: str | None = None,
    ) -> Iterator[str]:
        """`ChatModel`: text deltas; the HTTP request times out when `budget_s` seconds have passed.

        `grammar` goes in the request body as llama.cpp's server reads it; other servers ignore it."""
        extra: dict[str, Any] = {"timeout": budget_s} if budget_s else {}
        if max_tokens:
            extra["max_tokens"] = max_tokens
        if stop:
            extra["stop"] = stop
        if grammar:
            extra["extra_body"] = {"grammar": grammar}
        for response in self.stream_chat(messages, **extra):
            if response.delta:
                yield response.delta

    def warm_up(self) -> float:
        """`ChatModel`: a server keeps its own model warm."""
        return 0.0


def make_remote_llm(settings: Settings) -> RemoteLLM:
    """An OpenAI-compatible server (vLLM, Ollama, llama.cpp server) at settings.llm_base_url.

    llama-index's OpenAILike, with the openai client's errors mapped to ours (LLMTimeoutError,
    UnavailableError, BadInputError, ModelError), also while a stream is being read.
    """
    return RemoteLLM(
        model=settings.llm_model,
        api_base=settings.llm_base_url,
        api_key=settings.llm_api_key,
        is_chat_model=True,
        context_window=settings.llm_context,
        max_tokens=settings.llm_max_tokens,
        temperature=0.0,
        timeout=settings.llm_timeout_s,
        max_retries=1,
    )
