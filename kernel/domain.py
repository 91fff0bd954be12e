"""Small domain objects shared by ingest, the vector store and the answer engine.

Offsets: every `start`/`end` is a character offset into `Document.text`, the cleaned text that the
catalog stores and `GET /api/documents/{doc_id}` returns, so `document.text[start:end] == quote`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Sentence:
    """One sentence of a document, located by offsets."""

    doc_id: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Chunk:
    """A retrievable span of whole sentences; `sentences` are the sentences inside it."""

    chunk_id: str
    doc_id: str
    start: int
    end: int
    text: str
    heading: str = ""
    sentences: tuple[Sentence, ...] = ()


@dataclass
class Document:
    """A cleaned document with its metadata. `doc_id` is the path relative to the corpus root, no extension."""

    doc_id: str
    source: str
    text: str
    sha256: str
    title: str = ""
    date: str | None = None  # ISO date (YYYY-MM-DD or YYYY-MM or YYYY) the text states
    year: int | None = None  # the forum edition the document is about
    outlet: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
