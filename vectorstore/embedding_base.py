"""The shared base of our embedders: a llama-index `BaseEmbedding` with numpy helpers and a query cache.

Every backend returns L2-normalised float vectors, so a dot product is the cosine similarity. BLAS is
pinned to one thread around every call (see `vectorstore.embedders` for the measurements).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding, Embedding
from pydantic import PrivateAttr

QUERY_CACHE_SIZE = 256


def _normalise(vectors: np.ndarray) -> np.ndarray:
    """Row-wise L2 normalisation (zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


class PackagedEmbedding(BaseEmbedding):
    """Shared machinery: a small LRU cache for queries, thread limits, normalisation.

    Subclasses implement `_encode_queries` and `_encode_passages` (numpy in, numpy out) and set
    `identity`, a string that names the model exactly; the catalog stores it so that an index is never
    searched with vectors from a different model.
    """

    identity: str = "unknown"
    _cache: OrderedDict[str, list[float]] = PrivateAttr(default_factory=OrderedDict)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _controller: Any = PrivateAttr(default=None)

    # -- subclass hooks -------------------------------------------------------------------------
    def _encode_queries(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def _encode_passages(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    # -- thread control -------------------------------------------------------------------------
    @contextmanager
    def _blas_threads(self, n: int) -> Iterator[None]:
        """Limit BLAS (OpenBLAS/MKL) threads for the duration of a call."""
        if self._controller is None:
            from threadpoolctl import ThreadpoolController

            # Scanning the loaded libraries costs milliseconds: do it once per embedder.
            self._controller = ThreadpoolController()
        with self._controller.limit(limits=n, user_api="blas"):
            yield

    # -- llama-index interface ------------------------------------------------------------------
    def embed_query(self, query: str) -> np.ndarray:
        """The normalised query vector as numpy (cached)."""
        return np.asarray(self._get_query_embedding(query), dtype=np.float32)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Normalised passage vectors, shape (len(texts), dim), using both cores."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        with self._blas_threads(1):
            return _normalise(self._encode_passages(list(texts)))

    def embed_queries(self, queries: list[str]) -> np.ndarray:
        """Normalised query vectors for many queries at once (no cache; for evals and benchmarks)."""
        if not queries:
            return np.zeros((0, 0), dtype=np.float32)
        with self._blas_threads(1):
            return _normalise(self._encode_queries(list(queries)))

    def _get_query_embedding(self, query: str) -> Embedding:
        with self._lock:
            hit = self._cache.get(query)
            if hit is not None:
                self._cache.move_to_end(query)
                return hit
        # Single short text: one BLAS thread (2 threads made small products ~40x slower here).
        with self._blas_threads(1):
            vector = _normalise(self._encode_queries([query]))[0].tolist()
        with self._lock:
            self._cache[query] = vector
            while len(self._cache) > QUERY_CACHE_SIZE:
                self._cache.popitem(last=False)
        return vector

    async def _aget_query_embedding(self, query: str) -> Embedding:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> Embedding:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        return self.embed_passages(texts).tolist()

    async def _aget_text_embedding(self, text: str) -> Embedding:
        return self._get_text_embedding(text)

    async def _aget_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        return self._get_text_embeddings(texts)
