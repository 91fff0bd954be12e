"""One streaming answer through the real packaged LLM, end to end over SSE (slow: marked llm)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from assistant.engine import ForumEngine
from assistant.schema import Answer
from kernel.settings import Settings, load_settings
from tests.ui.helpers import json_events
from ui.api import create_app
from vectorstore.index import ForumIndex

pytestmark = pytest.mark.llm


@pytest.fixture(scope="module")
def llm_engine(ui_settings: Settings, corpus_index: ForumIndex) -> Iterator[ForumEngine]:
    from assistant.llm.local import make_llm

    # `forum-assistant models` (make setup) assembles the model under the user's data dir; reuse that copy,
    # else let the engine assemble it into this session's temp data dir.
    cached = load_settings().models_dir / "qwen-0.5b.gguf"
    settings = ui_settings.model_copy(update={"llm_model": str(cached) if cached.exists() else "qwen-0.5b"})
    llm = make_llm(settings)
    assert llm is not None
    yield ForumEngine(settings, corpus_index, llm)
    close = getattr(llm, "close", None)
    if close is not None:
        close()


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
