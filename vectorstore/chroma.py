"""Chroma: the vectors. Embedded `PersistentClient` under the data dir, or a `chroma run` server.

We always supply our own vectors (`embedding_function=None`: Chroma's default function would try to
download a model). Vectors are written in llama-index's node format, so the llama-index
`ChromaVectorStore` (`.vector_store`, used by the baseline pipeline) reads them as ordinary nodes; we
write through the raw collection because `ChromaVectorStore.add` calls `collection.add`, which
silently ignores ids that already exist, and idempotent re-ingest needs `upsert`.
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
from llama_index.core.vector_stores.utils import node_to_metadata_dict
from llama_index.vector_stores.chroma import ChromaVectorStore

from kernel.domain import Chunk, Document
from kernel.errors import ForumError, UnavailableError
from kernel.settings import Settings

T = TypeVar("T")
_PAGE = 5000  # ids per get/delete call, well under Chroma's max batch size
# How a full disk shows up: SQLite's SQLITE_FULL text, and the OS's ENOSPC text (Rust errors keep only the text).
_DISK_FULL_TEXTS = ("disk is full", "no space left")


def _is_disk_full(exc: BaseException) -> bool:
    """True when `exc`, or any exception behind it, says the disk is full."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno == errno.ENOSPC:
            return True
        if any(text in str(current).lower() for text in _DISK_FULL_TEXTS):
            return True
        current = current.__cause__ or current.__context__
    return False


def _client_settings() -> Any:
    import chromadb

    return chromadb.Settings(anonymized_telemetry=False)


class ChromaStore:
    """One Chroma collection (cosine space) holding one vector per chunk."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.mode = (
            f"server http://{settings.chroma_host}:{settings.chroma_port}"
            if settings.chroma_host
            else f"embedded {settings.index_dir / 'chroma'}"
        )
        self._client = self._guard(self._connect)
        self._collection = self._guard(self._open_collection)
        self.vector_store = ChromaVectorStore(chroma_collection=self._collection)

    def _connect(self) -> Any:
        import chromadb

        if self._settings.chroma_host:
            return chromadb.HttpClient(
                host=self._settings.chroma_host, port=self._settings.chroma_port, settings=_client_settings()
            )
        path = self._settings.index_dir / "chroma"
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=_client_settings())

    def _open_collection(self) -> Any:
        return self._client.get_or_create_collection(
            name=self._settings.collection,
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )

    def _guard(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a Chroma call; turn connection failures into UnavailableError with what to do."""
        try:
            return call(*args, **kwargs)
        except ForumError:
            raise
        except Exception as exc:  # chromadb raises ValueError, httpx errors, its own errors, OSError
            if self._settings.chroma_host:
                raise UnavailableError(
                    f"The Chroma server at {self._settings.chroma_host}:{self._settings.chroma_port} "
                    f"cannot be reached ({type(exc).__name__}: {exc}). Start it (`chroma run --path DIR "
                    f"--port {self._settings.chroma_port}`) or unset FORUM_CHROMA_HOST to use the "
                    "embedded index."
                ) from exc
            where = f"The embedded Chroma index at {self._settings.index_dir / 'chroma'} failed"
            if _is_disk_full(exc):
                # Not --reset: that would drop the index that is still serving, and rebuilding needs space too.
                raise UnavailableError(
                    f"{where} because the disk is full ({type(exc).__name__}: {exc}). Free disk space on "
                    f"the drive of {self._settings.data_dir} and run ingest again; the previous index is "
                    "kept and still answers."
                ) from exc
            raise UnavailableError(
                f"{where} ({type(exc).__name__}: {exc}). Check the data dir, or rebuild with "
                "`forum-assistant ingest --reset`."
            ) from exc

    # -- reads ------------------------------------------------------------------------------------
    def count(self) -> int:
        """Number of vectors."""
        return int(self._guard(self._collection.count))

    def ids(self) -> set[str]:
        """Every vector id, paged."""
        out: set[str] = set()
        offset = 0
        while True:
            page = self._guard(self._collection.get, include=[], limit=_PAGE, offset=offset)
            out.update(page["ids"])
            if len(page["ids"]) < _PAGE:
                return out
            offset += _PAGE

    def query(self, vector: list[float], k: int) -> list[tuple[str, float]]:
        """Nearest chunk ids with cosine similarity (1 - cosine distance), best first."""
        n = min(k, self.count())
        if n <= 0:
            return []
        result = self._guard(
            self._collection.query, query_embeddings=[vector], n_results=n, include=["distances"]
        )
        return [
            (cid, 1.0 - float(dist))
            for cid, dist in zip(result["ids"][0], result["distances"][0], strict=True)
        ]

    # -- writes -----------------------------------------------------------------------------------
    def upsert(self, chunks: list[Chunk], documents: dict[str, Document], vectors: list[list[float]]) -> None:
        """Insert or overwrite the vectors of `chunks` (ids are the deterministic chunk ids)."""
        for i in range(0, len(chunks), _PAGE):
            part = chunks[i : i + _PAGE]
            metadatas = [self._metadata(c, documents[c.doc_id]) for c in part]
            self._guard(
                self._collection.upsert,
                ids=[c.chunk_id for c in part],
                embeddings=vectors[i : i + len(part)],
                metadatas=metadatas,
                documents=[c.text for c in part],
            )

    def delete(self, ids: Iterable[str]) -> None:
        """Delete vectors by id (unknown ids are ignored)."""
        id_list = sorted(ids)
        for i in range(0, len(id_list), _PAGE):
            self._guard(self._collection.delete, ids=id_list[i : i + _PAGE])

    def delete_documents(self, doc_ids: Iterable[str]) -> None:
        """Delete every vector of the given documents (by the doc_id metadata)."""
        for doc_id in doc_ids:
            self._guard(self._collection.delete, where={"doc_id": doc_id})

    def reset(self) -> None:
        """Drop and recreate the collection."""

        def drop() -> None:
            try:
                self._client.delete_collection(self._settings.collection)
            except Exception as exc:  # a missing collection is fine; anything else is re-raised
                if "does not exist" not in str(exc).lower() and "not found" not in str(exc).lower():
                    raise

        self._guard(drop)
        self._collection = self._guard(self._open_collection)
        self.vector_store = ChromaVectorStore(chroma_collection=self._collection)

    @staticmethod
    def _metadata(chunk: Chunk, doc: Document) -> dict[str, Any]:
        # A llama-index TextNode, so that ChromaVectorStore.query() rebuilds proper nodes.
        node = TextNode(
            id_=chunk.chunk_id,
            text=chunk.text,
            start_char_idx=chunk.start,
            end_char_idx=chunk.end,
            metadata={
                "doc_id": doc.doc_id,
                "source": doc.source,
                "title": doc.title,
                "year": doc.year if doc.year is not None else 0,
                "start": chunk.start,
                "end": chunk.end,
                "chunk_id": chunk.chunk_id,
                "heading": chunk.heading,
            },
            relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=doc.doc_id)},
        )
        # Offsets and ids are ours; keep them out of what an LLM sees in the baseline pipeline.
        node.excluded_llm_metadata_keys = ["start", "end", "chunk_id", "year", "heading"]
        # node_to_metadata_dict also sets doc_id/document_id/ref_doc_id to the source document id.
        return node_to_metadata_dict(node, remove_text=True, flat_metadata=True)
