"""Request bodies of the HTTP API and the checks every question passes before it reaches the engine.

Shape errors (wrong types, unknown roles, empty messages) are pydantic errors and become 422; limits that
depend on settings (message length, history length) are checked in `to_question` and become 413.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from assistant.schema import Mode, Question, Turn
from kernel.errors import BadInputError, PayloadTooLargeError
from kernel.settings import Settings

# C0 controls except tab/newline/carriage return, DEL, and UTF-16 surrogates (JSON can smuggle lone
# surrogates in as \ud800; they cannot be encoded as UTF-8 further down, so refuse them here).
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_LANGUAGE = re.compile(r"^[A-Za-z]{2}(?:[-_][A-Za-z0-9]{1,8})*$")


def check_text(value: str, what: str) -> str:
    """Refuse control characters and lone surrogates with a message that names the first one."""
    bad = _BAD_CHARS.search(value)
    if bad:
        raise ValueError(
            f"the {what} contains the control character U+{ord(bad.group()):04X} at position {bad.start()}; "
            "send plain text"
        )
    return value


def normalise_language(value: str) -> str:
    """`auto` or an ISO 639-1 code; regional tags such as `zh-CN` or `en_US` are cut to the language."""
    value = value.strip()
    if value.lower() == "auto":
        return "auto"
    if not _LANGUAGE.match(value):
        raise ValueError(
            f"language must be 'auto' or an ISO 639-1 code such as 'zh' or 'en', not {value[:20]!r}"
        )
    return value[:2].lower()


class TurnIn(BaseModel):
    """One earlier message: `role` is `user` or `assistant`."""

    role: Literal["user", "assistant"]
    content: str

    @field_validator("content")
    @classmethod
    def _content(cls, value: str) -> str:
        return check_text(value, "history message")


class ChatRequest(BaseModel):
    """Body of `POST /api/chat` and `POST /api/chat/stream` (DESIGN.md)."""

    message: str = Field(description="The question, in any language.")
    history: list[TurnIn] = Field(default_factory=list, description="Earlier turns, oldest first.")
    language: str = Field(default="auto", description="`auto` or the ISO 639-1 code of the answer language.")
    mode: Mode = Field(
        default="auto", description="`auto`, `generate` (LLM) or `extract` (quoted sentences)."
    )

    model_config = {
        "json_schema_extra": {
            "examples": [
                {"message": "2026年会是哪几天举办的？", "history": [], "language": "auto", "mode": "auto"}
            ]
        }
    }

    @field_validator("message")
    @classmethod
    def _message(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the message is empty; send a question such as '2026年会是哪几天举办的？'")
        return check_text(value, "message")

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        return normalise_language(value)


def to_question(
    message: str, history: list[TurnIn], language: str, mode: Mode, settings: Settings
) -> Question:
    """Apply the size limits from settings and build the engine's Question.

    Raises PayloadTooLargeError (413) when the message or the history is over its limit.
    """
    if len(message) > settings.max_message_chars:
        raise PayloadTooLargeError(
            f"The message has {len(message)} characters; the limit is {settings.max_message_chars}. "
            "Ask a shorter question."
        )
    if len(history) > settings.max_history_turns:
        raise PayloadTooLargeError(
            f"The history has {len(history)} turns; the limit is {settings.max_history_turns}. "
            "Send only the most recent turns."
        )
    too_long = next((t for t in history if len(t.content) > 4 * settings.max_message_chars), None)
    if too_long is not None:
        raise PayloadTooLargeError(
            f"A history message has {len(too_long.content)} characters; the limit is "
            f"{4 * settings.max_message_chars}. Shorten or drop it."
        )
    if not message.strip():
        raise BadInputError("The message is empty; send a question.")
    return Question(
        message=message.strip(),
        history=[Turn(role=t.role, content=t.content) for t in history],
        language=language,
        mode=mode,
    )


class FactCheckRequest(BaseModel):
    """Body of `POST /api/fact-check`: a claim to check against the sources."""

    claim: str = Field(description="The statement to check, in any language.")
    language: str = Field(default="auto", description="`auto` or the ISO 639-1 code of the explanation.")

    model_config = {
        "json_schema_extra": {
            "examples": [{"claim": "2026年会有50个国家的3000位嘉宾参加", "language": "auto"}]
        }
    }

    @field_validator("claim")
    @classmethod
    def _claim(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the claim is empty; send the statement to check")
        return check_text(value, "claim").strip()

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        return normalise_language(value)
