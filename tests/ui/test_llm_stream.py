"""One streaming answer through the real packaged LLM, end to end over SSE (slow: marked llm)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.engine import ForumEngine
from assistant.llm.local import LocalGGUFLLM
from assistant.schema import Answer
from kernel.settings import Settings
from tests.support import json_events
from ui.api import create_app
from vectorstore.index import ForumIndex

pytestmark = pytest.mark.llm


@pytest.fixture(scope="module")
def llm_engine(ui_settings: Settings, corpus_index: ForumIndex, llm: LocalGGUFLLM) -> ForumEngine:
    """The real engine over the shared corpus index with the session's shared 0.5B model."""
    settings = ui_settings.model_copy(update={"llm_model": "qwen-0.5b"})
    return ForumEngine(settings, corpus_index, llm)


def test_llm_answer_streams_over_sse(llm_engine: ForumEngine) -> None:
    with TestClient(create_app(llm_engine, llm_engine.settings)) as client:
        response = client.post("/api/chat/stream", json={"message": "2026中关村论坛年会是哪几天举办的？"})
    assert response.status_code == 200
    events = json_events(response.text)
    names = [name for name, _ in events]
    assert names[0] == "citations" and names[-1] == "answer"
    assert set(names[1:-1]) == {"delta"}, "the LLM's draft arrives as delta events"
    assert "".join(data["delta"] for name, data in events if name == "delta").strip()
    answer = Answer.model_validate(events[-1][1])
    assert answer.citations and not answer.refused
    if answer.fallback_reason is None:
        assert answer.mode == "generate"
