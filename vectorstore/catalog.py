"""The document catalog: a small SQLite database beside the Chroma index.

It holds what Chroma should not: the cleaned document text (quotes are offsets into it), the chunks
with their sentences and keyword tokens, each sentence's stored vector (`vectorstore.sentence_vectors`),
and the content hash that makes ingest incremental. Every write is one transaction, so a crash never
leaves half a document behind.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kernel.domain import Chunk, Document, Sentence
from kernel.errors import UnavailableError

CATALOG_FILE = "catalog.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, source TEXT NOT NULL, sha256 TEXT NOT NULL, title TEXT NOT NULL,
    date TEXT, year INTEGER, outlet TEXT, extra TEXT NOT NULL DEFAULT '{}', text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, ord INTEGER NOT NULL, start INTEGER NOT NULL,
    "end" INTEGER NOT NULL, heading TEXT NOT NULL, text TEXT NOT NULL, tokens TEXT NOT NULL,
    spans TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks (doc_id, ord);
CREATE TABLE IF NOT EXISTS sentences (
    doc_id TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, vector BLOB,
    PRIMARY KEY (doc_id, start, "end"));
"""
# Catalogs written before sentence vectors lack the column: it is added, NULL (= not embedded yet).
_MIGRATE_VECTOR = "ALTER TABLE sentences ADD COLUMN vector BLOB"
SentenceVectors = dict[tuple[int, int], bytes]  # (start, end) -> stored vector of one document


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as stored: the domain object plus its keyword tokens."""

    chunk: Chunk
    tokens: list[str]


class Catalog:
    """SQLite catalog of documents, chunks and sentences. Thread-safe (one connection, one lock)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(_SCHEMA)
            columns = {row[1] for row in self._conn.execute("PRAGMA table_info(sentences)")}
            if "vector" not in columns:
                self._conn.execute(_MIGRATE_VECTOR)
        except (OSError, sqlite3.Error) as exc:
            raise UnavailableError(
                f"The document catalog at {path} cannot be opened ({exc}). Check that the data dir "
                "(FORUM_DATA_DIR) exists and is writable."
            ) from exc
        self._lock = threading.RLock()

    @classmethod
    def open(cls, index_dir: Path) -> Catalog:
        """Open (creating if needed) the catalog in `index_dir`."""
        return cls(index_dir / CATALOG_FILE)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _rows(self, sql: str, params: Iterable[object] = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, tuple(params)).fetchall()

    # -- meta -------------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        """A stored setting of the index (embedder identity, chunking parameters), or None."""
        rows = self._rows("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, values: dict[str, str]) -> None:
        """Store index settings in one transaction."""
        with self._transaction() as conn:
            conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", list(values.items()))

    # -- reads ------------------------------------------------------------------------------------
    def hashes(self) -> dict[str, str]:
        """doc_id -> content hash of every stored document."""
        return dict(self._rows("SELECT doc_id, sha256 FROM documents"))

    def document(self, doc_id: str) -> Document | None:
        """The stored document, or None."""
        rows = self._rows(
            "SELECT doc_id, source, sha256, title, date, year, outlet, extra, text FROM documents "
            "WHERE doc_id = ?",
            (doc_id,),
        )
        return _document(rows[0]) if rows else None

    def documents(self, with_text: bool = True) -> list[Document]:
        """Every stored document, ordered by doc_id (`with_text=False`: metadata only, text empty)."""
        text = "text" if with_text else "''"
        rows = self._rows(
            f"SELECT doc_id, source, sha256, title, date, year, outlet, extra, {text} FROM documents "
            "ORDER BY doc_id"
        )
        return [_document(row) for row in rows]

    def chunk_owners(self) -> dict[str, str]:
        """chunk_id -> doc_id of every stored chunk."""
        return dict(self._rows("SELECT chunk_id, doc_id FROM chunks"))

    def chunk_ids_of(self, doc_ids: Iterable[str]) -> dict[str, list[str]]:
        """doc_id -> its chunk ids, for the given documents."""
        out: dict[str, list[str]] = {}
        for doc_id in doc_ids:
            out[doc_id] = [
                r[0] for r in self._rows("SELECT chunk_id FROM chunks WHERE doc_id = ?", (doc_id,))
            ]
        return out

    def stored_chunks(self) -> list[StoredChunk]:
        """Every chunk with its sentences and tokens, ordered by document and position."""
        with self._lock:
            texts = dict(self._conn.execute("SELECT doc_id, text FROM documents").fetchall())
            rows = self._conn.execute(
                'SELECT chunk_id, doc_id, start, "end", heading, text, tokens, spans FROM chunks '
                "ORDER BY doc_id, ord"
            ).fetchall()
        out = []
        for chunk_id, doc_id, start, end, heading, text, tokens, spans in rows:
            doc_text = texts.get(doc_id, "")
            sentences = tuple(Sentence(doc_id, s, e, doc_text[s:e]) for s, e in json.loads(spans))
            chunk = Chunk(chunk_id, doc_id, start, end, text, heading, sentences)
            out.append(StoredChunk(chunk, json.loads(tokens)))
        return out

    def counts(self) -> dict[str, int]:
        """Numbers of documents, chunks, sentences, and sentences with a stored vector."""
        out = {
            table: self._rows(f"SELECT COUNT(*) FROM {table}")[0][0]
            for table in ("documents", "chunks", "sentences")
        }
        out["sentence_vectors"] = self._rows("SELECT COUNT(vector) FROM sentences")[0][0]
        return out

    def sentence_vectors(self, keys: list[tuple[str, int, int]]) -> list[bytes | None]:
        """The stored vector of each (doc_id, start, end), or None (unknown sentence or not embedded)."""
        sql = 'SELECT vector FROM sentences WHERE doc_id = ? AND start = ? AND "end" = ?'
        with self._lock:  # point reads on the primary key: only the rows asked for are read
            rows = [self._conn.execute(sql, key).fetchone() for key in keys]
        return [row[0] if row else None for row in rows]

    def documents_missing_sentence_vectors(self) -> list[str]:
        """Documents with at least one sentence that has no stored vector, ordered by doc_id."""
        rows = self._rows("SELECT DISTINCT doc_id FROM sentences WHERE vector IS NULL ORDER BY doc_id")
        return [row[0] for row in rows]

    def spans_missing_vectors(self, doc_id: str) -> list[tuple[int, int]]:
        """(start, end) of the sentences of `doc_id` that have no stored vector."""
        rows = self._rows(
            'SELECT start, "end" FROM sentences WHERE doc_id = ? AND vector IS NULL ORDER BY start, "end"',
            (doc_id,),
        )
        return [(start, end) for start, end in rows]

    # -- writes -----------------------------------------------------------------------------------
    def put_documents(
        self,
        items: list[tuple[Document, list[StoredChunk]]],
        vectors: dict[str, SentenceVectors] | None = None,
    ) -> None:
        """Insert or replace documents with all their chunks and sentences, in one transaction.

        `vectors` maps doc_id -> {(start, end): stored sentence vector}; sentences without one get NULL.
        """
        vectors = vectors or {}
        with self._transaction() as conn:
            for doc, chunks in items:
                _delete(conn, [doc.doc_id])
                conn.execute(
                    "INSERT INTO documents (doc_id, source, sha256, title, date, year, outlet, extra, text) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (doc.doc_id, doc.source, doc.sha256, doc.title, doc.date, doc.year, doc.outlet,
                     json.dumps(doc.extra, ensure_ascii=False), doc.text),
                )  # fmt: skip
                conn.executemany(
                    'INSERT INTO chunks (chunk_id, doc_id, ord, start, "end", heading, text, tokens, spans) '
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (s.chunk.chunk_id, doc.doc_id, i, s.chunk.start, s.chunk.end, s.chunk.heading,
                         s.chunk.text, json.dumps(s.tokens, ensure_ascii=False),
                         json.dumps([[t.start, t.end] for t in s.chunk.sentences]))
                        for i, s in enumerate(chunks)
                    ],
                )  # fmt: skip
                spans = {(sent.start, sent.end) for s in chunks for sent in s.chunk.sentences}
                stored = vectors.get(doc.doc_id, {})
                conn.executemany(
                    'INSERT INTO sentences (doc_id, start, "end", vector) VALUES (?, ?, ?, ?)',
                    [(doc.doc_id, start, end, stored.get((start, end))) for start, end in sorted(spans)],
                )

    def put_sentence_vectors(self, rows: list[tuple[str, int, int, bytes]]) -> None:
        """Store vectors for existing sentences, (doc_id, start, end, vector) each, in one transaction."""
        with self._transaction() as conn:
            conn.executemany(
                'UPDATE sentences SET vector = ? WHERE doc_id = ? AND start = ? AND "end" = ?',
                [(vector, doc_id, start, end) for doc_id, start, end, vector in rows],
            )

    def remove_documents(self, doc_ids: Iterable[str]) -> None:
        """Delete documents with their chunks and sentences, in one transaction."""
        with self._transaction() as conn:
            _delete(conn, list(doc_ids))

    def clear(self) -> None:
        """Delete everything (used by `ingest --reset`)."""
        with self._transaction() as conn:
            for table in ("documents", "chunks", "sentences", "meta"):
                conn.execute(f"DELETE FROM {table}")


def _delete(conn: sqlite3.Connection, doc_ids: list[str]) -> None:
    for table in ("documents", "chunks", "sentences"):
        conn.executemany(f"DELETE FROM {table} WHERE doc_id = ?", [(d,) for d in doc_ids])


def _document(row: tuple) -> Document:
    doc_id, source, sha256, title, date, year, outlet, extra, text = row
    return Document(
        doc_id=doc_id, source=source, text=text, sha256=sha256, title=title, date=date, year=year,
        outlet=outlet, extra=json.loads(extra),
    )  # fmt: skip
