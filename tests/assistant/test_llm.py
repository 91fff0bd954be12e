"""LocalGGUFLLM on the real packaged 0.5B model (xllamacpp), and the OpenAI-compatible path against a real
server: xllamacpp's own key-protected HTTP listener."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from llama_index.core.llms import ChatMessage, MessageRole

from assistant.llm.local import LocalGGUFLLM, make_llm
from assistant.llm.packaged import PACKAGED_MODELS, ensure_packaged_model, find_parts
from kernel.errors import BadInputError, LLMTimeoutError, ModelError, UnavailableError
from kernel.settings import Settings

SOURCE = "此外，今年中关村论坛还举办了55场平行论坛。"
LONG_TASK = "Write a long story about a cat who travels around the world, with many details."


@pytest.fixture(scope="module")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    model = PACKAGED_MODELS["qwen-0.5b"]
    if find_parts(model) is None:
        pytest.skip("the qwen-0.5b part packages are not installed")
    return ensure_packaged_model(model, tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def llm(model_path: Path) -> Iterator[LocalGGUFLLM]:
    """One loaded model for the whole module; a queue of one waiting request makes 'busy' easy to reach."""
    model = LocalGGUFLLM(model_path=str(model_path), model_name="qwen-0.5b", max_tokens=64, queue_size=1)
    model.warm_up()
    yield model
    model.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.llm
def test_chat_answers_from_the_given_sentence(llm: LocalGGUFLLM) -> None:
    response = llm.chat(
        [
            ChatMessage(role=MessageRole.SYSTEM, content="只根据资料回答，回答要简短。"),
            ChatMessage(role=MessageRole.USER, content=f"资料：{SOURCE}\n问题：今年举办了多少场平行论坛？"),
        ]
    )
    assert "55" in (response.message.content or "")
    assert llm.last_info["timings"]["predicted_n"] >= 1


@pytest.mark.llm
def test_stream_yields_deltas_that_join_to_the_full_text(llm: LocalGGUFLLM) -> None:
    prompt = "Count from 1 to 12, separated by commas."
    chunks = list(llm.stream_complete(prompt))
    deltas = [c.delta or "" for c in chunks]
    assert len(deltas) >= 5
    assert "".join(deltas) == chunks[-1].text
    # temperature 0: the blocking call gives the very same text
    assert llm.complete(prompt).text == chunks[-1].text
    assert "12" in chunks[-1].text


@pytest.mark.llm
def test_stream_chat_yields_growing_messages(llm: LocalGGUFLLM) -> None:
    messages = [ChatMessage(role=MessageRole.USER, content="Name three colours.")]
    chunks = list(llm.stream_chat(messages))
    assert len(chunks) >= 3
    assert "".join(c.delta or "" for c in chunks) == chunks[-1].message.content


@pytest.mark.llm
def test_timeout_raises_and_frees_the_model(llm: LocalGGUFLLM) -> None:
    with pytest.raises(LLMTimeoutError, match="FORUM_LLM_TIMEOUT_S"):
        llm.complete(LONG_TASK, max_tokens=400, timeout_s=0.3)
    # the cancelled generation stops at its next token; the next request is served normally
    assert llm.complete("Say OK.", max_tokens=4).text


@pytest.mark.llm
def test_a_full_queue_answers_busy_at_once(llm: LocalGGUFLLM) -> None:
    running = llm.stream_complete(LONG_TASK, max_tokens=300)
    next(running)  # the first delta proves this one is generating, not waiting
    waiting_result: list[str] = []
    waiter = threading.Thread(
        target=lambda: waiting_result.append(llm.complete("Say OK.", max_tokens=4).text)
    )
    waiter.start()
    try:
        for _ in range(200):  # bounded: until the waiter has entered the queue
            if llm.waiting == 1:
                break
            threading.Event().wait(0.01)
        with pytest.raises(UnavailableError, match="busy"):
            llm.complete("Say OK.")
    finally:
        running.close()  # cancels the running generation at its next token
        waiter.join(timeout=60)
    assert waiting_result and waiting_result[0]


@pytest.mark.llm
def test_a_prompt_longer_than_the_context_is_bad_input(llm: LocalGGUFLLM) -> None:
    with pytest.raises(BadInputError, match="context"):
        llm.complete("中关村论坛 " * 5000)


@pytest.mark.llm
def test_make_llm_loads_the_packaged_model(
    model_path: Path, make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = make_settings(llm_model=str(model_path), llm_max_tokens=16, llm_queue_size=2)
    llm = make_llm(settings)
    assert isinstance(llm, LocalGGUFLLM)
    try:
        assert llm.metadata.num_output == 16
        assert llm.metadata.is_chat_model
        assert llm.warm_up() > 0
    finally:
        llm.close()


def test_make_llm_none(make_settings: Callable[..., Settings]) -> None:
    assert make_llm(make_settings(llm_model="none")) is None


def test_a_broken_model_file_is_a_model_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\x00" * 64)
    with pytest.raises(ModelError, match=str(broken)):
        LocalGGUFLLM(model_path=str(broken))


@pytest.mark.llm
def test_openai_compatible_server(llm: LocalGGUFLLM, make_settings: Callable[..., Settings]) -> None:
    base_url, key = llm.http_endpoint
    remote = make_llm(make_settings(llm_base_url=base_url, llm_api_key=key, llm_max_tokens=32))
    assert remote is not None and not isinstance(remote, LocalGGUFLLM)
    question = f"资料：{SOURCE}\n问题：今年举办了多少场平行论坛？"
    messages = [ChatMessage(role=MessageRole.USER, content=question)]
    assert "55" in (remote.chat(messages).message.content or "")
    deltas = [c.delta or "" for c in remote.stream_chat(messages)]
    assert len(deltas) >= 2 and "55" in "".join(deltas)

    wrong_key = make_llm(make_settings(llm_base_url=base_url, llm_api_key="wrong", llm_max_tokens=16))
    assert wrong_key is not None
    with pytest.raises(ModelError, match="FORUM_LLM_API_KEY"):
        wrong_key.complete("hi")


def test_an_unreachable_server_is_unavailable(make_settings: Callable[..., Settings]) -> None:
    remote = make_llm(make_settings(llm_base_url=f"http://127.0.0.1:{_free_port()}/v1", llm_timeout_s=5))
    assert remote is not None
    with pytest.raises(UnavailableError, match="FORUM_LLM_BASE_URL"):
        remote.complete("hi")
    with pytest.raises(UnavailableError):
        list(remote.stream_complete("hi"))
