"""Sentence vectors: one per document sentence, embedded at ingest and stored in the catalog.

Evidence selection scores the sentences of the retrieved chunks against the question. With their vectors
stored, question time only embeds the question. Format: the `vector` column of the catalog's `sentences`
table, keyed by (doc_id, start, end) like the sentence itself, holding the L2-normalised vector as
little-endian float16 bytes (768 bytes for 384 dimensions). float16 halves the disk and reads of float32;
it moves a cosine by less than 1e-3, far below the differences evidence selection acts on.

Because the vectors live in the same rows as the sentences, they are written in the same transaction
as their document's chunks, deleted with them, cleared by a reset, and never out of step after a crash.
A NULL vector means "not embedded yet" (an index built before sentence vectors, or with
FORUM_SENTENCE_VECTORS=false): readers embed such sentences on first sight, and ingest fills them in.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from kernel.domain import Chunk, Sentence

DTYPE = np.dtype("<f2")
SentenceKey = tuple[str, int, int]


def key_of(sentence: Sentence) -> SentenceKey:
    """The catalog key of a sentence: (doc_id, start, end)."""
    return (sentence.doc_id, sentence.start, sentence.end)


def document_sentences(chunks: Iterable[Chunk]) -> list[Sentence]:
    """The distinct sentences of a document's chunks (overlapping chunks share some), in reading order."""
    seen: dict[tuple[int, int], Sentence] = {}
    for chunk in chunks:
        for sentence in chunk.sentences:
            seen.setdefault((sentence.start, sentence.end), sentence)
    return [seen[span] for span in sorted(seen)]


def encode(vector: np.ndarray | list[float]) -> bytes:
    """A vector as stored: L2-normalised, float16 bytes."""
    array = np.asarray(vector, dtype=np.float32).ravel()
    norm = float(np.linalg.norm(array))
    if norm:
        array = array / norm
    return array.astype(DTYPE).tobytes()


def decode(blobs: list[bytes | None]) -> np.ndarray:
    """Stored vectors as float32 rows, re-normalised; a row of NaN for each None.

    The shape is (len(blobs), dim), or (len(blobs), 0) when no blob is given at all.
    """
    present = [b for b in blobs if b is not None]
    if not present:
        return np.zeros((len(blobs), 0), dtype=np.float32)
    dim = len(present[0]) // DTYPE.itemsize
    out = np.full((len(blobs), dim), np.nan, dtype=np.float32)
    for row, blob in enumerate(blobs):
        if blob is not None and len(blob) == dim * DTYPE.itemsize:
            out[row] = np.frombuffer(blob, dtype=DTYPE)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out


def missing_rows(vectors: np.ndarray) -> np.ndarray:
    """Boolean mask of the rows `decode` left without a vector."""
    if vectors.shape[1] == 0:
        return np.ones(vectors.shape[0], dtype=bool)
    return np.isnan(vectors[:, 0])
