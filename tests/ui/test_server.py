"""The real server (uvicorn, 127.0.0.1, random port) with the official `openai` client and `gradio_client`."""

from __future__ import annotations

import threading

import httpx
import openai
import pytest

from assistant.engine import ForumEngine
from assistant.schema import Answer, Question
from kernel.settings import Settings
from tests.support import LiveServer
from ui.api import create_app

pytestmark = pytest.mark.server

QUESTION = "2026中关村论坛年会是哪几天举办的？"


def _client(server: LiveServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key="not-needed", max_retries=0, timeout=120)


def test_openai_client_non_streaming(live_server: LiveServer) -> None:
    completion = _client(live_server).chat.completions.create(
        model="forum-assistant", messages=[{"role": "user", "content": QUESTION}]
    )
    content = completion.choices[0].message.content or ""
    citations = (completion.model_extra or {})["citations"]
    assert citations and all(f"[{c['n']}]" in content for c in citations)
    assert any("3月25日" in c["quote"] for c in citations)


def test_openai_client_streaming(live_server: LiveServer) -> None:
    stream = _client(live_server).chat.completions.create(
        model="forum-assistant", messages=[{"role": "user", "content": QUESTION}], stream=True
    )
    pieces, last = [], None
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
        last = chunk
    assert last is not None and last.choices[0].finish_reason == "stop"
    extra = last.model_extra or {}
    assert extra["citations"]
    assert "".join(pieces) == extra["forum_answer"]["answer"]


def test_openai_client_sees_our_error_message(live_server: LiveServer) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        _client(live_server).chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "hi"}]
        )
    assert "forum-assistant" in str(caught.value)
    assert _client(live_server).models.list().data[0].id == "forum-assistant"


def test_gradio_client_gets_the_answer_object(live_server: LiveServer) -> None:
    from gradio_client import Client

    client = Client(f"{live_server.url}/", verbose=False, download_files=False)
    result = client.predict("2026中关村论坛年会是哪几天举办的？", "auto", api_name="/answer")
    answer = Answer.model_validate(result)
    assert not answer.refused and answer.citations
    assert any("3月25日" in c.quote for c in answer.citations)


def test_page_and_api_are_served_by_one_process(live_server: LiveServer) -> None:
    page = httpx.get(f"{live_server.url}/", timeout=30)
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert httpx.get(f"{live_server.url}/health", timeout=30).json()["ready"] is True
    assert httpx.get(f"{live_server.url}/api/documents", timeout=30).json()["count"] == 3


class _HeldEngine(ForumEngine):
    """Scripted slow answer: holds until the test releases it (bounded), to show the loop stays free."""

    entered: threading.Event
    release: threading.Event

    def answer(self, question: Question) -> Answer:
        self.entered.set()
        self.release.wait(timeout=60)
        return super().answer(question)


def test_a_slow_answer_does_not_block_other_requests(engine: ForumEngine, ui_settings: Settings) -> None:
    held = _HeldEngine(ui_settings, engine.index, None)
    held.entered, held.release = threading.Event(), threading.Event()
    results: dict[str, int] = {}
    with LiveServer(create_app(held, ui_settings)) as server:

        def ask() -> None:
            results["chat"] = httpx.post(
                f"{server.url}/api/chat", json={"message": QUESTION}, timeout=120
            ).status_code

        worker = threading.Thread(target=ask)
        worker.start()
        assert held.entered.wait(timeout=60), "the chat request never reached the engine"
        try:
            # The answer is still held in a worker thread: the event loop must still serve this.
            assert httpx.get(f"{server.url}/health", timeout=30).status_code == 200
            assert held.release.is_set() is False
        finally:
            held.release.set()
            worker.join(timeout=120)
    assert results["chat"] == 200
