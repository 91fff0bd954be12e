"""The answer object: the response of /api/chat, the final SSE event and `ask --json` (see DESIGN.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Role = Literal["user", "assistant"]
Mode = Literal["auto", "generate", "extract"]


class Turn(BaseModel):
    """One earlier message of the conversation."""

    role: Role
    content: str


class Question(BaseModel):
    """What the engine is asked: the message, the history, and the caller's language and mode wishes."""

    message: str
    history: list[Turn] = Field(default_factory=list)
    language: str = "auto"
    mode: Mode = "auto"


class Evidence(BaseModel):
    """A sentence picked from a retrieved chunk as support for the answer."""

    doc_id: str
    source: str
    title: str
    date: str | None
    quote: str
    start: int
    end: int
    score: float
    year: int | None = None


class Citation(BaseModel):
    """Evidence as the user sees it, numbered to match the `[n]` markers in the answer."""

    n: int
    doc_id: str
    source: str
    title: str
    date: str | None
    quote: str
    start: int
    end: int
    score: float
    translation: str | None = None


class Conflict(BaseModel):
    """Two or more cited sources that give different figures for the same thing."""

    about: str
    citations: list[int]
    figures: list[str] = []  # the disagreeing figures with what they count, as written: 50余个国家


class Removal(BaseModel):
    """An answer sentence that verification removed, and why."""

    sentence: str
    reason: str


class Answer(BaseModel):
    """The verified answer with its citations."""

    answer: str
    language: str
    mode: Literal["generate", "extract"]
    refused: bool
    confidence: float
    confidence_label: Literal["high", "medium", "low"]
    question: str
    standalone_question: str
    citations: list[Citation] = Field(default_factory=list)
    conflicts: list[Conflict] = Field(default_factory=list)
    removed: list[Removal] = Field(default_factory=list)
    timings_ms: dict[str, float] = Field(default_factory=dict)
    fallback_reason: str | None = None
    refusal_reason: str | None = None  # the refusal rule that fired, for staff checking a refusal


class StreamEvent(BaseModel):
    """One event of the streaming answer: `citations` first, then `delta` text pieces, then `answer`."""

    kind: Literal["citations", "delta", "answer"]
    citations: list[Citation] | None = None
    delta: str | None = None
    answer: Answer | None = None


class FactCheck(BaseModel):
    """A staff member's claim checked against the sources."""

    claim: str
    language: str
    verdict: Literal["supported", "contradicted", "not_found", "disputed"]
    supporting: list[Citation] = Field(default_factory=list)
    contradicting: list[Citation] = Field(default_factory=list)
    conflicts: list[Conflict] = Field(default_factory=list)
    explanation: str = ""
