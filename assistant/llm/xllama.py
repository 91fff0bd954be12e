"""Loading a GGUF model into xllamacpp (llama.cpp in-process), and the small pieces of its request protocol."""

from __future__ import annotations

import os
import queue
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from llama_index.core.base.llms.types import ChatMessage, MessageRole

from kernel.errors import BadInputError, ModelError

# Prompt-eval batch: llama.cpp reports progress once per batch, so this bounds how long a timed-out request
# keeps the model busy; 128 read as fast as the default 2048 here (docs/llm.md).
_BATCH_TOKENS = 128
# Host-RAM cache of earlier prompt states (llama.cpp's default is 8 GiB); a few answers' worth is enough.
_PROMPT_CACHE_MIB = 256


WARM_UP_TIMEOUT_S = 120.0


@dataclass
class Job:
    """One chat request: its payload, deadline, the queue the worker answers on, and a cancel flag."""

    payload: dict[str, Any]
    deadline: float
    out: queue.Queue[tuple[str, Any]] = field(default_factory=queue.Queue)
    cancelled: threading.Event = field(default_factory=threading.Event)
    info: dict[str, Any] = field(default_factory=dict)  # timings and finish_reason, filled by the worker


def load_server(model_path: str, context_window: int, n_threads: int) -> tuple[Any, str]:
    """The xllamacpp server for the model, and the random API key that locks its 127.0.0.1 listener."""
    # llama.cpp's threads are OpenMP threads, and libgomp reads its wait policy once, when it loads.
    # Spinning threads made generation 4-30x slower whenever another process used a core of this
    # 2-core machine (docs/llm.md); sleeping at barriers keeps it usable. An operator's value wins.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = model_path
    params.n_ctx = context_window
    params.n_parallel = 1
    params.cpuparams.n_threads = n_threads
    params.cpuparams_batch.n_threads = n_threads
    params.n_batch = _BATCH_TOKENS
    params.n_ubatch = _BATCH_TOKENS
    params.cache_ram_mib = _PROMPT_CACHE_MIB
    params.verbosity = -1  # llama.cpp logs every request to stderr otherwise
    params.ui = False
    api_key = secrets.token_urlsafe(24)
    params.api_keys = [api_key]
    try:
        return xllamacpp.Server(params), api_key
    except Exception as exc:  # xllamacpp raises RuntimeError with no detail
        raise ModelError(
            f"The model file {model_path} could not be loaded ({exc}). Check that it is a complete "
            f"GGUF file (run `forum-assistant models`) and that {context_window} tokens of context "
            f"fit in memory, or set FORUM_LLM_MODEL=none for extractive answers."
        ) from exc


def to_openai(message: ChatMessage) -> dict[str, str]:
    """A llama-index chat message in the OpenAI shape xllamacpp reads."""
    role = message.role.value if isinstance(message.role, MessageRole) else str(message.role)
    return {"role": role, "content": message.content or ""}


def server_error(chunk: dict[str, Any], context_window: int) -> Exception:
    """Our exception for an error chunk from llama.cpp."""
    error = chunk.get("error", chunk)
    message = str(error.get("message", error)) if isinstance(error, dict) else str(error)
    if "context" in message.lower() or "exceed" in message.lower():
        return BadInputError(
            f"The prompt does not fit the model's {context_window}-token context ({message}); "
            f"send less evidence or raise FORUM_LLM_CONTEXT."
        )
    return ModelError(f"The local model rejected the request ({message}). Try again.")
