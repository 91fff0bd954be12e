"""Thumbs up/down on answers, kept in a small SQLite file under the data dir.

One connection per call: SQLite connections must not cross threads, and FastAPI and Gradio both call
from worker threads. WAL mode lets readers and the single writer work side by side.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from kernel.errors import UnavailableError

Rating = Literal["up", "down"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL DEFAULT '',
    answer TEXT NOT NULL DEFAULT '',
    language TEXT,
    answer_json TEXT,
    origin TEXT NOT NULL DEFAULT 'api'
)
"""


class Feedback(BaseModel):
    """One rating of one answer, as the page or an API caller sends it."""

    rating: Rating
    comment: str = Field(default="", max_length=2000)
    question: str = Field(default="", max_length=20_000)
    answer: str = Field(default="", max_length=50_000)
    language: str | None = Field(default=None, max_length=16)
    answer_json: dict[str, Any] | None = None

    @field_validator("comment", "question", "answer")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        # NUL bytes are legal JSON but truncate text in many SQLite tools; drop them.
        return value.replace("\x00", "")


class FeedbackStore:
    """Append-only feedback table in `<data_dir>/feedback.sqlite3` (created on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._ready = False

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> FeedbackStore:
        """The store at the standard place under the data dir."""
        return cls(data_dir / "feedback.sqlite3")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=10)
        except (OSError, sqlite3.Error) as exc:
            raise UnavailableError(
                f"The feedback database {self.path} cannot be opened ({exc}). "
                "Check that the data dir (FORUM_DATA_DIR) is writable."
            ) from exc
        try:
            if not self._ready:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute(_SCHEMA)
                self._ready = True
            yield conn
            conn.commit()
        except sqlite3.Error as exc:
            raise UnavailableError(
                f"The feedback database {self.path} failed ({exc}). "
                "Check free disk space and that the data dir is writable."
            ) from exc
        finally:
            conn.close()

    def add(self, item: Feedback, origin: str = "api") -> int:
        """Store one rating and return its id."""
        with self._connect() as conn:
            cur = conn.execute(
                "INSERT INTO feedback (created, rating, comment, question, answer, language, answer_json,"
                " origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    time.time(),
                    item.rating,
                    item.comment,
                    item.question,
                    item.answer,
                    item.language,
                    json.dumps(item.answer_json, ensure_ascii=False)
                    if item.answer_json is not None
                    else None,
                    origin,
                ),
            )
            return int(cur.lastrowid or 0)

    def recent(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest ratings first (without the stored answer objects)."""
        with self._connect() as conn:
            conn.row_factory = sqlite3.Row
            rows = conn.execute(
                "SELECT id, created, rating, comment, question, answer, language, origin"
                " FROM feedback ORDER BY id DESC LIMIT ?",
                (max(1, min(limit, 1000)),),
            ).fetchall()
        return [dict(row) for row in rows]

    def counts(self) -> dict[str, int]:
        """How many up and down ratings are stored."""
        with self._connect() as conn:
            rows = conn.execute("SELECT rating, COUNT(*) FROM feedback GROUP BY rating").fetchall()
        found = {str(rating): int(n) for rating, n in rows}
        return {"up": found.get("up", 0), "down": found.get("down", 0)}
