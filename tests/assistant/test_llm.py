"""LocalGGUFLLM on the real packaged 0.5B model (xllamacpp), and the OpenAI-compatible path against a real
server: xllamacpp's own key-protected HTTP listener."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from llama_index.core.llms import ChatMessage, MessageRole

from assistant.llm.factory import make_guest_llm, make_llm
from assistant.llm.local import LocalGGUFLLM
from kernel.errors import BadInputError, LLMTimeoutError, ModelError, UnavailableError
from kernel.settings import Settings
from tests.support import free_port

SOURCE = "此外，今年中关村论坛还举办了55场平行论坛。"
LONG_TASK = "Write a long story about a cat who travels around the world, with many details."

# `llm` (tests/conftest.py) is the session's one loaded 0.5B model, shared with the other test modules.


@pytest.mark.llm
def test_chat_answers_from_the_given_sentence(llm: LocalGGUFLLM) -> None:
    response = llm.chat(
        [
            ChatMessage(role=MessageRole.SYSTEM, content="只根据资料回答，回答要简短。"),
            ChatMessage(role=MessageRole.USER, content=f"资料：{SOURCE}\n问题：今年举办了多少场平行论坛？"),
        ],
        max_tokens=64,
    )
    assert "55" in (response.message.content or "")
    assert llm.last_info["timings"]["predicted_n"] >= 1


@pytest.mark.llm
def test_stream_yields_deltas_that_join_to_the_full_text(llm: LocalGGUFLLM) -> None:
    prompt = "Count from 1 to 12, separated by commas."
    chunks = list(llm.stream_complete(prompt, max_tokens=64))
    deltas = [c.delta or "" for c in chunks]
    assert len(deltas) >= 5
    assert "".join(deltas) == chunks[-1].text
    # temperature 0: the blocking call gives the very same text
    assert llm.complete(prompt, max_tokens=64).text == chunks[-1].text
    assert "12" in chunks[-1].text


@pytest.mark.llm
def test_stream_chat_yields_growing_messages(llm: LocalGGUFLLM) -> None:
    messages = [ChatMessage(role=MessageRole.USER, content="Name three colours.")]
    chunks = list(llm.stream_chat(messages, max_tokens=64))
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
    answered: list[str] = []

    def wait_in_line() -> None:
        answered.append(llm.complete("Say OK.", max_tokens=4).text)

    # The shared model has the default queue: fill every place in it, then one more request is refused.
    waiters = [threading.Thread(target=wait_in_line) for _ in range(llm.queue_size)]
    for waiter in waiters:
        waiter.start()
    try:
        for _ in range(500):  # bounded: until every waiter has entered the queue
            if llm.waiting == llm.queue_size:
                break
            threading.Event().wait(0.01)
        assert llm.waiting == llm.queue_size
        with pytest.raises(UnavailableError, match="busy"):
            llm.complete("Say OK.")
    finally:
        running.close()  # cancels the running generation at its next token
        for waiter in waiters:
            waiter.join(timeout=120)
    assert len(answered) == llm.queue_size and all(answered), answered


@pytest.mark.llm
def test_a_prompt_longer_than_the_context_is_bad_input(llm: LocalGGUFLLM) -> None:
    with pytest.raises(BadInputError, match="context"):
        llm.complete("中关村论坛 " * 5000)


@pytest.mark.llm
def test_make_llm_loads_the_packaged_model(
    model_path: Path, make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    # Its own instance on purpose: what is tested is that make_llm loads the model with the settings' limits.
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


def test_the_guest_model_follows_the_answer_model_where_it_cannot_be_loaded(
    make_settings: Callable[..., Settings],
) -> None:
    # No LLM means none for guests either (the packaged 1.5B default is not loaded behind the user's back).
    assert make_guest_llm(make_settings(llm_model="none"), None) is None
    # A remote server does not serve the packaged default's name: guests get the remote model itself ...
    remote_settings = make_settings(llm_base_url=f"http://127.0.0.1:{free_port()}/v1")
    remote = make_llm(remote_settings)
    assert remote is not None and make_guest_llm(remote_settings, remote) is remote
    # ... unless a guest model was named for it, which is then asked of the same server by that name.
    named = make_settings(llm_base_url=remote_settings.llm_base_url, guest_model="qwen2.5-7b-instruct")
    guest = make_guest_llm(named, make_llm(named))
    assert guest is not None and guest is not remote and guest.metadata.model_name == "qwen2.5-7b-instruct"
    # An empty guest model serves everyone with the answer model.
    same = make_settings(llm_base_url=remote_settings.llm_base_url, guest_model="")
    one = make_llm(same)
    assert make_guest_llm(same, one) is one


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
    remote = make_llm(make_settings(llm_base_url=f"http://127.0.0.1:{free_port()}/v1", llm_timeout_s=5))
    assert remote is not None
    with pytest.raises(UnavailableError, match="FORUM_LLM_BASE_URL"):
        remote.complete("hi")
    with pytest.raises(UnavailableError):
        list(remote.stream_complete("hi"))
