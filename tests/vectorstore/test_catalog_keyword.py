"""The SQLite catalog and the BM25 keyword index."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ingest.chunking import chunk_document
from kernel.domain import Chunk, Document
from vectorstore.catalog import Catalog, StoredChunk
from vectorstore.keyword import KeywordIndex, tokenize

TEXT = "2023中关村论坛在京举行。此外，今年还举办了55场平行论坛。\n\n技术交易板块举办26场活动。"


def _doc(doc_id: str = "a/doc", text: str = TEXT, sha: str = "1") -> Document:
    return Document(doc_id=doc_id, source=f"{doc_id}.txt", text=text, sha256=sha, title="标题", year=2023)


def _stored(doc: Document, chunk_size: int = 30) -> list[StoredChunk]:
    return [StoredChunk(c, tokenize(c.text)) for c in chunk_document(doc, chunk_size, 0)]


def test_catalog_round_trip_keeps_offsets_and_sentences(tmp_path: Path) -> None:
    catalog = Catalog.open(tmp_path)
    doc = _doc()
    stored = _stored(doc)
    catalog.put_documents([(doc, stored)])
    assert catalog.document("a/doc") == doc
    assert catalog.hashes() == {"a/doc": "1"}
    loaded = catalog.stored_chunks()
    assert [s.chunk for s in loaded] == [s.chunk for s in stored]
    for s in loaded:
        assert doc.text[s.chunk.start : s.chunk.end] == s.chunk.text
        assert s.chunk.sentences and all(doc.text[t.start : t.end] == t.text for t in s.chunk.sentences)
        assert s.tokens == tokenize(s.chunk.text)
    assert catalog.counts() == {"documents": 1, "chunks": len(stored), "sentences": 3, "sentence_vectors": 0}


def test_replacing_a_document_replaces_exactly_its_rows(tmp_path: Path) -> None:
    catalog = Catalog.open(tmp_path)
    other = _doc("b", "另一篇文章。只有两句话。", "b1")
    catalog.put_documents([(_doc(), _stored(_doc())), (other, _stored(other))])
    new = _doc(text="全新的内容。", sha="2")
    catalog.put_documents([(new, _stored(new))])
    assert catalog.hashes() == {"a/doc": "2", "b": "b1"}
    texts = {s.chunk.doc_id: [] for s in catalog.stored_chunks()}
    for s in catalog.stored_chunks():
        texts[s.chunk.doc_id].append(s.chunk.text)
    assert texts["a/doc"] == ["全新的内容。"]
    assert texts["b"] == [c.chunk.text for c in _stored(other)]
    catalog.remove_documents(["a/doc"])
    assert catalog.hashes() == {"b": "b1"}
    assert {s.chunk.doc_id for s in catalog.stored_chunks()} == {"b"}


def test_a_failed_write_leaves_the_previous_version(tmp_path: Path) -> None:
    catalog = Catalog.open(tmp_path)
    doc = _doc()
    catalog.put_documents([(doc, _stored(doc))])
    before = catalog.stored_chunks()
    changed = _doc(text="改过的文本。第二句。", sha="2")
    chunk = _stored(changed)[0]
    with pytest.raises(sqlite3.IntegrityError):  # the same chunk id twice violates the primary key
        catalog.put_documents([(changed, [chunk, chunk])])
    assert catalog.hashes() == {"a/doc": "1"}
    assert catalog.stored_chunks() == before


def test_meta_and_clear(tmp_path: Path) -> None:
    catalog = Catalog.open(tmp_path)
    catalog.set_meta({"embedder": "x"})
    assert catalog.get_meta("embedder") == "x"
    catalog.put_documents([(_doc(), _stored(_doc()))])
    catalog.clear()
    assert catalog.get_meta("embedder") is None
    assert catalog.counts() == {"documents": 0, "chunks": 0, "sentences": 0, "sentence_vectors": 0}


def test_tokenize_lowercases_and_drops_punctuation() -> None:
    tokens = tokenize("2023中关村论坛举办了55场平行论坛！ Open-Source AI，")
    assert "中关村" in tokens and "论坛" in tokens and "平行" in tokens
    assert "open" in tokens and "ai" in tokens
    assert not any(t in {"！", "，", "-", " "} for t in tokens)
    assert tokenize("。，！ ？") == []


def test_bm25_finds_the_chunk_sharing_rare_words() -> None:
    texts = ["中关村论坛举办了55场平行论坛。", "服务机器人在展区内平稳穿梭。", "技术交易板块举办26场活动。"]
    chunks = [Chunk(f"d#{i}", "d", 0, len(t), t) for i, t in enumerate(texts)]
    index = KeywordIndex([c.chunk_id for c in chunks], [tokenize(c.text) for c in chunks])
    hits = index.search("今年有多少场平行论坛？", 3)
    assert hits[0][0] == "d#0"
    assert all(score > 0 for _, score in hits)
    assert [cid for cid, _ in index.search("机器人", 1)] == ["d#1"]
    assert index.search("完全无关的词汇", 3) == []
    assert index.search("！？", 3) == []
    assert KeywordIndex([], []).search("论坛", 3) == []
