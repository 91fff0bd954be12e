"""The one narrow interface the answer engine needs of a language model, and the time budget it runs under.

Anything that streams text for chat messages within a time budget and can warm up is a `ChatModel`: the
local llama.cpp model, an OpenAI-compatible server, or a scripted fake in tests. The llama-index `LLM`
classes stay the implementation; the engine only ever calls these two methods.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from llama_index.core.base.llms.types import ChatMessage


class ChatModel(Protocol):
    """Streams a chat answer within a budget; raises LLMTimeoutError or UnavailableError, never hangs."""

    def stream_text(
        self,
        messages: Sequence[ChatMessage],
        *,
        budget_s: float | None = None,
        max_tokens: int | None = None,
        stop: list[str] | None = None,
        grammar: str | None = None,
    ) -> Iterator[str]:
        """Text deltas of the reply as they are generated, stopping when `budget_s` seconds have passed
        (None: the model's configured timeout). `grammar` (GBNF) constrains what the model may write;
        a server that does not know it ignores it."""
        ...

    def warm_up(self) -> float:
        """Page the weights in before the first user waits; returns the seconds it took."""
        ...


def complete_text(
    model: ChatModel,
    messages: Sequence[ChatMessage],
    *,
    budget_s: float | None = None,
    max_tokens: int | None = None,
    stop: list[str] | None = None,
    grammar: str | None = None,
) -> str:
    """The whole reply as one string."""
    deltas = model.stream_text(messages, budget_s=budget_s, max_tokens=max_tokens, stop=stop, grammar=grammar)
    return "".join(deltas)


@dataclass
class Budget:
    """The time one request may spend on the model: every LLM call gets what the earlier ones left."""

    seconds: float
    started: float = field(default_factory=time.perf_counter)

    @property
    def deadline(self) -> float:
        """perf_counter time at which the budget ends."""
        return self.started + self.seconds

    def remaining(self) -> float:
        """Seconds left (negative when overdrawn)."""
        return self.deadline - time.perf_counter()
