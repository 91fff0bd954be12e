"""ForumIndex over the real corpus: dense and keyword search, documents, chunks, errors, llama-index view."""

from __future__ import annotations

import errno
import sqlite3

import pytest
from llama_index.core import VectorStoreIndex
from llama_index.core.vector_stores.types import VectorStoreQuery

from kernel.domain import Chunk, Document
from kernel.errors import BadInputError, ConfigurationError, NotFoundError, UnavailableError
from vectorstore.chroma import ChromaStore
from vectorstore.embedders import USEEmbedding
from vectorstore.index import ForumIndex

DOC_2023 = "004_ee9741430f072f91"


def _assert_located(index: ForumIndex, hits: list) -> None:
    for chunk, _ in hits:
        text = index.document(chunk.doc_id).text
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.sentences, "chunks returned to the engine must carry their sentences"
        for sentence in chunk.sentences:
            assert text[sentence.start : sentence.end] == sentence.text
            assert chunk.start <= sentence.start and sentence.end <= chunk.end


def test_corpus_is_indexed_consistently(corpus_index: ForumIndex, corpus_report) -> None:
    stats = corpus_index.stats()
    assert stats["documents"] == 3 and corpus_report.added and not corpus_report.skipped
    assert stats["chunks"] == stats["vectors"] == stats["keyword_chunks"] == corpus_report.embedded
    chunk_ids = {c.chunk_id for d in corpus_index.documents() for c in corpus_index.chunks_of(d.doc_id)}
    assert corpus_index.store.ids() == chunk_ids
    assert stats["embedder"] == stats["index_embedder"] == corpus_index.embedder.identity
    assert {d["year"] for d in stats["document_list"]} == {2023, 2026}
    assert not corpus_index.is_empty()


def test_dense_search_crosses_languages(corpus_index: ForumIndex) -> None:
    hits = corpus_index.dense_search("How many parallel forums were held at the 2023 Zhongguancun Forum?", 5)
    assert len(hits) == 5
    scores = [score for _, score in hits]
    assert scores == sorted(scores, reverse=True) and all(-1.0 <= s <= 1.0 for s in scores)
    assert DOC_2023 in {chunk.doc_id for chunk, _ in hits}
    _assert_located(corpus_index, hits)


def test_keyword_search_finds_the_chinese_fact(corpus_index: ForumIndex) -> None:
    hits = corpus_index.keyword_search("北京量子信息科学研究院发布的量子计算云平台叫什么？", 3)
    assert hits and hits[0][0].doc_id == DOC_2023
    assert "Quafu" in hits[0][0].text
    _assert_located(corpus_index, hits)
    assert corpus_index.keyword_search("", 3) == [] and corpus_index.dense_search("  ", 3) == []


def test_documents_chunks_and_sentences(corpus_index: ForumIndex) -> None:
    docs = corpus_index.documents()
    assert [d.doc_id for d in docs] == sorted(d.doc_id for d in docs)
    chunks = corpus_index.chunks_of(DOC_2023)
    assert chunks == sorted(chunks, key=lambda c: c.start)
    assert corpus_index.chunk(chunks[0].chunk_id) == chunks[0]
    sentences = corpus_index.sentences_of(DOC_2023)
    assert any("55场平行论坛" in s.text for s in sentences)


@pytest.mark.parametrize("bad", ["../etc/passwd", "/etc/passwd", "a/../../b", "a\\b", "x\x00y", "", "C:/x"])
def test_path_traversal_ids_are_rejected(corpus_index: ForumIndex, bad: str) -> None:
    with pytest.raises(BadInputError, match="not a valid document id"):
        corpus_index.document(bad)


def test_unknown_ids_are_not_found(corpus_index: ForumIndex) -> None:
    with pytest.raises(NotFoundError, match="no document 'nope'"):
        corpus_index.document("nope")
    with pytest.raises(NotFoundError):
        corpus_index.chunks_of("nope")
    with pytest.raises(NotFoundError):
        corpus_index.chunk("nope#0000-00000000")


def test_searching_with_another_embedder_is_refused(corpus_settings) -> None:
    index = ForumIndex.open(corpus_settings, embedder=USEEmbedding())
    try:
        with pytest.raises(ConfigurationError, match="ingest --reset"):
            index.dense_search("forum dates", 3)
    finally:
        index.close()


def test_llama_index_reads_our_vectors(corpus_index: ForumIndex) -> None:
    query = corpus_index.embedder.get_query_embedding("2023中关村论坛举办了多少场平行论坛")
    result = corpus_index.vector_store.query(VectorStoreQuery(query_embedding=query, similarity_top_k=3))
    assert len(result.nodes) == 3
    node = result.nodes[0]
    assert node.ref_doc_id == node.metadata["doc_id"]
    assert node.metadata["chunk_id"] == node.node_id
    assert corpus_index.chunk(node.node_id).text == node.get_content()
    # The whole llama-index stack works on top of it (what the baseline pipeline does).
    retriever = VectorStoreIndex.from_vector_store(
        corpus_index.vector_store, embed_model=corpus_index.embedder
    ).as_retriever(similarity_top_k=2)
    assert len(retriever.retrieve("parallel forums 2023")) == 2


def test_empty_index(make_settings, embedder) -> None:
    index = ForumIndex.open(make_settings(), embedder=embedder)
    try:
        assert index.is_empty()
        assert index.dense_search("anything", 5) == [] and index.keyword_search("论坛", 5) == []
        assert index.stats()["documents"] == 0
    finally:
        index.close()


def test_unreachable_chroma_server_is_unavailable(make_settings) -> None:
    settings = make_settings(chroma_host="127.0.0.1", chroma_port=9)  # discard port: nothing listens
    with pytest.raises(UnavailableError, match=r"Chroma server at 127\.0\.0\.1:9 cannot be reached"):
        ChromaStore(settings)


class _FailingCollection:
    """Scripted stand-in for the Chroma collection: every write raises the given error."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def upsert(self, **_: object) -> None:
        raise self.error


def _write_failure(store: ChromaStore, error: Exception) -> str:
    """The message of the UnavailableError a write gets when Chroma raises `error`."""
    store._collection = _FailingCollection(error)  # the one seam: the write that hits the fault
    doc = Document(doc_id="d", source="d.txt", text="一句话。", sha256="0" * 64)
    chunk = Chunk(chunk_id="d#0", doc_id="d", start=0, end=4, text="一句话。")
    with pytest.raises(UnavailableError) as caught:
        store.upsert([chunk], {"d": doc}, [[0.1] * 8])
    return str(caught.value)


@pytest.mark.parametrize(
    "error",
    [
        sqlite3.OperationalError("database or disk is full"),
        OSError(errno.ENOSPC, "No space left on device"),
        RuntimeError(
            "Error executing plan: Internal error: database or disk is full"
        ),  # chromadb's Rust text
    ],
)
def test_a_full_disk_says_free_space_and_never_reset(make_settings, error: Exception) -> None:
    settings = make_settings()
    message = _write_failure(ChromaStore(settings), error)
    assert "disk is full" in message and "Free disk space" in message and "run ingest again" in message
    assert "previous index is kept" in message and str(settings.data_dir) in message
    assert "--reset" not in message  # --reset would drop the index that still serves


def test_other_embedded_failures_still_name_the_rebuild(make_settings) -> None:
    message = _write_failure(
        ChromaStore(make_settings()), sqlite3.DatabaseError("database disk image is malformed")
    )
    assert "ingest --reset" in message and "disk is full" not in message
