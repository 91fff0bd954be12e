"""`ForumIndex`: the one object the answer engine reads, and the ingest pipeline writes.

Three stores kept in step: the SQLite catalog (documents, chunks, sentences with their stored vectors,
keyword tokens; the source of truth for text and offsets), Chroma (one vector per chunk, id = chunk id)
and an in-memory BM25 index rebuilt from the catalog's tokens. Writes go Chroma first, catalog second,
so that after a crash the catalog never names a chunk that has no vector unless `reconcile()` repairs it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from llama_index.vector_stores.chroma import ChromaVectorStore

from kernel.domain import Chunk, Document, Sentence
from kernel.errors import BadInputError, ConfigurationError, NotFoundError
from kernel.settings import Settings
from vectorstore.catalog import Catalog, StoredChunk
from vectorstore.chroma import ChromaStore
from vectorstore.embedders import PackagedEmbedding, make_embedder
from vectorstore.keyword import KeywordIndex, tokenize
from vectorstore.sentence_vectors import SentenceKey, decode, encode, key_of

META_EMBEDDER = "embedder"
META_CHUNKING = "chunking"
_MAX_ID = 512
_BAD_ID = re.compile(r"[\x00-\x1f\\:]|^/|^~")


def passage_text(chunk: Chunk) -> str:
    """What is embedded and keyword-indexed for a chunk: its text, led by its section heading."""
    if chunk.heading and chunk.heading not in chunk.text[: len(chunk.heading) + 8]:
        return f"{chunk.heading}\n{chunk.text}"
    return chunk.text


def check_doc_id(doc_id: str) -> str:
    """Reject ids that are not plain relative paths (`..`, absolute paths, control characters)."""
    if (
        not isinstance(doc_id, str)
        or not doc_id
        or len(doc_id) > _MAX_ID
        or _BAD_ID.search(doc_id)
        or any(part in ("", ".", "..") for part in doc_id.split("/"))
    ):
        raise BadInputError(
            f"{str(doc_id)[:80]!r} is not a valid document id. Document ids are paths relative to the "
            "corpus folder without extension, such as '004_ee9741430f072f91'."
        )
    return doc_id


class ForumIndex:
    """Catalog + Chroma + BM25 behind one small read/write interface. Thread-safe for reads."""

    def __init__(
        self, settings: Settings, embedder: PackagedEmbedding, catalog: Catalog, store: ChromaStore
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.catalog = catalog
        self.store = store
        self._lock = threading.RLock()
        self._chunks: dict[str, Chunk] = {}
        self._by_doc: dict[str, list[Chunk]] = {}
        self._keyword = KeywordIndex([], [])
        self.refresh()

    @classmethod
    def open(cls, settings: Settings, embedder: PackagedEmbedding | None = None) -> ForumIndex:
        """Open (creating if needed) the index under `settings.index_dir`, or on the Chroma server.

        The embedding model loads lazily, on the first query. Raises UnavailableError when the Chroma
        server (FORUM_CHROMA_HOST) cannot be reached.
        """
        embedder = embedder if embedder is not None else make_embedder(settings)
        catalog = Catalog.open(settings.index_dir)
        try:
            store = ChromaStore(settings)
        except BaseException:
            catalog.close()
            raise
        return cls(settings, embedder, catalog, store)

    def close(self) -> None:
        """Release the catalog connection."""
        self.catalog.close()

    @property
    def vector_store(self) -> ChromaVectorStore:
        """The llama-index view of the Chroma collection (what the baseline pipeline queries)."""
        return self.store.vector_store

    def refresh(self) -> None:
        """Reload chunks and rebuild BM25 from the catalog (after every ingest)."""
        stored = self.catalog.stored_chunks()
        chunks = {s.chunk.chunk_id: s.chunk for s in stored}
        by_doc: dict[str, list[Chunk]] = {}
        for s in stored:
            by_doc.setdefault(s.chunk.doc_id, []).append(s.chunk)
        keyword = KeywordIndex([s.chunk.chunk_id for s in stored], [s.tokens for s in stored])
        with self._lock:  # swap all three at once so a reader never sees a mix
            self._chunks, self._by_doc, self._keyword = chunks, by_doc, keyword

    # -- read side (what the engine calls) ------------------------------------------------------
    def dense_search(self, query: str, k: int) -> list[tuple[Chunk, float]]:
        """Top-k chunks by cosine similarity of embeddings (higher is better)."""
        chunks = self._chunks
        if not chunks or k <= 0 or not query.strip():
            return []
        self._check_embedder()
        vector = self.embedder.get_query_embedding(query)
        hits = self.store.query(vector, k)
        return [(chunks[cid], score) for cid, score in hits if cid in chunks]

    def keyword_search(self, query: str, k: int) -> list[tuple[Chunk, float]]:
        """Top-k chunks by BM25 over jieba tokens (only chunks sharing a token with the query)."""
        with self._lock:
            chunks, keyword = self._chunks, self._keyword
        return [(chunks[cid], score) for cid, score in keyword.search(query, k) if cid in chunks]

    def common_terms(self) -> frozenset[str]:
        """Keyword tokens in more than half of the indexed chunks: they tell no passage from another
        (`KeywordIndex.common_terms`; recomputed after every ingest)."""
        with self._lock:
            keyword = self._keyword
        return keyword.common_terms()

    def document(self, doc_id: str) -> Document:
        """The stored document (cleaned text and metadata). Raises NotFoundError or BadInputError."""
        doc = self.catalog.document(check_doc_id(doc_id))
        if doc is None:
            raise NotFoundError(
                f"There is no document {doc_id!r} in the index. List documents with `forum-assistant stats`."
            )
        return doc

    def documents(self) -> list[Document]:
        """Every document, ordered by doc_id."""
        return self.catalog.documents()

    def chunk(self, chunk_id: str) -> Chunk:
        """One chunk by id, with its sentences. Raises NotFoundError."""
        chunk = self._chunks.get(chunk_id)
        if chunk is None:
            raise NotFoundError(f"There is no chunk {chunk_id!r} in the index; it may have been re-ingested.")
        return chunk

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        """The chunks of one document in reading order. Raises NotFoundError for an unknown document."""
        chunks = self._by_doc.get(check_doc_id(doc_id))
        if chunks is None:
            self.document(doc_id)  # raises NotFoundError with the usual message
            return []
        return list(chunks)

    def sentences_of(self, doc_id: str) -> list[Sentence]:
        """Every sentence of one document (union of its chunks' sentences), in order."""
        seen: dict[tuple[int, int], Sentence] = {}
        for chunk in self.chunks_of(doc_id):
            for s in chunk.sentences:
                seen.setdefault((s.start, s.end), s)
        return [seen[key] for key in sorted(seen)]

    def sentence_vectors(self, sentences: Sequence[Sentence]) -> np.ndarray:
        """Stored vectors of `sentences`: float32, L2-normalised, one row each; NaN where none is stored.

        Reads only the rows asked for (primary-key lookups in the catalog). The shape is (n, dim), or (n, 0) when none is stored, and also when
        the configured embedder is not the one the index was built with (its vectors would not compare);
        `vectorstore.sentence_vectors.missing_rows` gives the mask of rows to embed.
        """
        if not sentences or self.catalog.get_meta(META_EMBEDDER) != self.embedder.identity:
            return np.zeros((len(sentences), 0), dtype=np.float32)
        return decode(self.catalog.sentence_vectors([key_of(s) for s in sentences]))

    def is_empty(self) -> bool:
        """True when no chunk is indexed."""
        return not self._chunks

    def stats(self) -> dict[str, Any]:
        """What the index holds: counts, embedder, Chroma mode, and one line per document."""
        counts = self.catalog.counts()
        docs = self.catalog.documents(with_text=False)
        return {
            "documents": counts["documents"],
            "chunks": counts["chunks"],
            "sentences": counts["sentences"],
            "sentence_vectors": counts["sentence_vectors"],
            "vectors": self.store.count(),
            "keyword_chunks": len(self._keyword),
            "embedder": self.embedder.identity,
            "index_embedder": self.catalog.get_meta(META_EMBEDDER),
            "chunking": self.catalog.get_meta(META_CHUNKING),
            "chroma": self.store.mode,
            "collection": self.settings.collection,
            "index_dir": str(self.settings.index_dir),
            "document_list": [
                {"doc_id": d.doc_id, "title": d.title, "year": d.year, "date": d.date, "source": d.source,
                 "chunks": len(self._by_doc.get(d.doc_id, []))}
                for d in docs
            ],
        }  # fmt: skip

    def _check_embedder(self) -> None:
        built_with = self.catalog.get_meta(META_EMBEDDER)
        if built_with and built_with != self.embedder.identity:
            raise ConfigurationError(
                f"The index was built with the embedder {built_with!r} but {self.embedder.identity!r} is "
                "configured. Set FORUM_EMBED_BACKEND back, or rebuild with `forum-assistant ingest --reset`."
            )

    # -- write side (the ingest pipeline) -------------------------------------------------------
    def hashes(self) -> dict[str, str]:
        """doc_id -> content hash of every indexed document."""
        return self.catalog.hashes()

    def write(
        self,
        items: list[tuple[Document, list[Chunk], list[list[float]]]],
        sentence_vectors: dict[SentenceKey, np.ndarray] | None = None,
    ) -> tuple[int, int]:
        """Insert or replace documents with their chunks and vectors; returns (chunks added, removed).

        Chroma first (upsert by deterministic id, then the old version's leftover ids), catalog second
        in one transaction, which also stores `sentence_vectors` ((doc_id, start, end) -> vector; a
        sentence without one is stored as not embedded). Call `refresh()` afterwards for the keyword index.
        """
        if not items:
            return 0, 0
        old = self.catalog.chunk_ids_of([doc.doc_id for doc, _, _ in items])
        chunks = [c for _, doc_chunks, _ in items for c in doc_chunks]
        vectors = [v for _, _, doc_vectors in items for v in doc_vectors]
        self.store.upsert(chunks, {doc.doc_id: doc for doc, _, _ in items}, vectors)
        new_ids = {c.chunk_id for c in chunks}
        stale = {cid for ids in old.values() for cid in ids} - new_ids
        self.store.delete(stale)
        stored: dict[str, dict[tuple[int, int], bytes]] = {}
        for (doc_id, start, end), vector in (sentence_vectors or {}).items():
            stored.setdefault(doc_id, {})[(start, end)] = encode(vector)
        self.catalog.put_documents(
            [
                (doc, [StoredChunk(c, tokenize(passage_text(c))) for c in doc_chunks])
                for doc, doc_chunks, _ in items
            ],
            stored,
        )
        added = len(new_ids - {cid for ids in old.values() for cid in ids})
        return added, len(stale)

    def sentences_missing_vectors(self, doc_ids: list[str]) -> list[Sentence]:
        """The sentences of `doc_ids` that have no stored vector (what ingest fills in)."""
        out: list[Sentence] = []
        for doc_id in doc_ids:
            spans = self.catalog.spans_missing_vectors(doc_id)
            text = self.document(doc_id).text if spans else ""
            out.extend(Sentence(doc_id, start, end, text[start:end]) for start, end in spans)
        return out

    def documents_missing_sentence_vectors(self) -> list[str]:
        """Documents with at least one sentence without a stored vector."""
        return self.catalog.documents_missing_sentence_vectors()

    def store_sentence_vectors(self, vectors: dict[SentenceKey, np.ndarray]) -> None:
        """Store vectors for sentences already in the catalog, in one transaction (a backfill step)."""
        self.catalog.put_sentence_vectors(
            [(doc_id, start, end, encode(vector)) for (doc_id, start, end), vector in vectors.items()]
        )

    def remove(self, doc_ids: list[str]) -> int:
        """Delete documents with all their vectors (chunk and sentence); returns the number of chunks removed."""
        if not doc_ids:
            return 0
        ids = [cid for chunk_ids in self.catalog.chunk_ids_of(doc_ids).values() for cid in chunk_ids]
        self.store.delete(ids)
        self.store.delete_documents(doc_ids)  # also vectors an interrupted run left behind
        self.catalog.remove_documents(doc_ids)
        return len(ids)

    def reconcile(self) -> tuple[int, set[str]]:
        """Bring Chroma and the catalog back in step after a crash.

        Deletes vectors the catalog does not know (a run died between the Chroma write and the catalog
        commit) and returns the documents whose vectors are missing, which the caller re-embeds. Sentence
        vectors need no repair: they commit with their document's catalog rows or not at all.
        Returns (orphan vectors deleted, doc_ids to re-embed).
        """
        vector_ids = self.store.ids()
        owners = self.catalog.chunk_owners()
        orphans = vector_ids - set(owners)
        self.store.delete(orphans)
        broken = {doc_id for chunk_id, doc_id in owners.items() if chunk_id not in vector_ids}
        return len(orphans), broken

    def reset(self) -> None:
        """Drop every vector (chunk and sentence) and every catalog row."""
        self.store.reset()
        self.catalog.clear()
        self.refresh()

    def set_meta(self, values: dict[str, str]) -> None:
        """Record how the index was built (embedder identity, chunking parameters)."""
        self.catalog.set_meta(values)
