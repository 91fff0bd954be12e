"""A model answer in the wrong language never reaches the user through the HTTP fronts.

The real engine over the real corpus index, behind the real app (TestClient), with the scripted model
writing its answer in another language than the asker's: a French question answered in German, an English
one in Chinese (the cases and the check are in tests/assistant/test_foreign_guests.py, where the same is
asserted on the engine). Every front must give the asker text in their language (a rendering or a refusal),
judged by `written_in`, the eval's own check.

The streams send the model's draft while it is written and the verified answer at the end. What the user
keeps is the verified answer: the `answer` event of our SSE, and, on the OpenAI stream, the answer after
the correction rule. Whether the wrong-language draft itself may be shown for those seconds is asserted
separately (`test_the_wrong_language_draft_is_never_streamed`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from assistant.engine import ForumEngine
from assistant.language.translate import clear_cache
from assistant.language.written import written_in
from assistant.schema import Answer
from kernel.settings import Settings
from tests.assistant.test_foreign_guests import WRONG_LANGUAGE, WrongLanguage, assert_in_the_askers_language
from tests.support import json_events
from ui.api import create_app
from ui.openai_stream import RULE
from vectorstore.index import ForumIndex

CASES = pytest.mark.parametrize(
    "case", WRONG_LANGUAGE, ids=lambda c: f"{c.language}-answered-in-{c.wrong_language}"
)


@pytest.fixture
def client_for(
    ui_settings: Settings, corpus_index: ForumIndex
) -> Iterator[Callable[[WrongLanguage], TestClient]]:
    """A TestClient over the app whose engine's model answers in `case`'s wrong language.

    The translation cache is cleared first: it is keyed by model name, and the scripted model's first
    reply (the Chinese search rendering) must be used for this request, not a rendering cached earlier."""
    clients: list[TestClient] = []

    def build(case: WrongLanguage) -> TestClient:
        clear_cache()
        client = TestClient(create_app(ForumEngine(ui_settings, corpus_index, case.llm()), ui_settings))
        clients.append(client.__enter__())
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@CASES
def test_api_chat(client_for: Callable[[WrongLanguage], TestClient], case: WrongLanguage) -> None:
    response = client_for(case).post("/api/chat", json={"message": case.question})
    assert response.status_code == 200, response.text
    assert_in_the_askers_language(Answer.model_validate(response.json()), case)


@CASES
def test_api_chat_stream_ends_on_an_answer_in_the_askers_language(
    client_for: Callable[[WrongLanguage], TestClient], case: WrongLanguage
) -> None:
    response = client_for(case).post("/api/chat/stream", json={"message": case.question})
    assert response.status_code == 200, response.text
    events = json_events(response.text)
    assert events[-1][0] == "answer", events[-1]
    assert_in_the_askers_language(Answer.model_validate(events[-1][1]), case)


@CASES
def test_openai_completion(client_for: Callable[[WrongLanguage], TestClient], case: WrongLanguage) -> None:
    body = {"model": "forum-assistant", "messages": [{"role": "user", "content": case.question}]}
    response = client_for(case).post("/v1/chat/completions", json=body)
    assert response.status_code == 200, response.text
    data = response.json()
    content = data["choices"][0]["message"]["content"]
    assert case.wrong not in content
    assert written_in(content, case.language), content
    assert_in_the_askers_language(Answer.model_validate(data["forum_answer"]), case)


@CASES
def test_openai_stream_ends_on_an_answer_in_the_askers_language(
    client_for: Callable[[WrongLanguage], TestClient], case: WrongLanguage
) -> None:
    body = {
        "model": "forum-assistant",
        "stream": True,
        "messages": [{"role": "user", "content": case.question}],
    }
    response = client_for(case).post("/v1/chat/completions", json=body)
    assert response.status_code == 200, response.text
    chunks = [data for _, data in json_events(response.text) if data != "[DONE]"]
    last = chunks[-1]
    answer = Answer.model_validate(last["forum_answer"])
    assert_in_the_askers_language(answer, case)
    content = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c.get("choices"))
    # What the client keeps as the message's end is the verified answer (after a correction, if any).
    kept = content.rsplit(RULE, 1)[-1]
    assert case.wrong not in kept and answer.answer in kept
    assert written_in(answer.answer, case.language)


@CASES
def test_the_wrong_language_draft_is_never_streamed(
    client_for: Callable[[WrongLanguage], TestClient], case: WrongLanguage
) -> None:
    client = client_for(case)
    sse = client.post("/api/chat/stream", json={"message": case.question})
    drafted = "".join(data["delta"] for name, data in json_events(sse.text) if name == "delta")
    clear_cache()  # the second request must consume the scripted rendering too
    client = client_for(case)
    body = {
        "model": "forum-assistant",
        "stream": True,
        "messages": [{"role": "user", "content": case.question}],
    }
    chunks = [data for _, data in json_events(client.post("/v1/chat/completions", json=body).text)]
    content = "".join(
        c["choices"][0]["delta"].get("content") or "" for c in chunks if c != "[DONE]" and c.get("choices")
    )
    assert case.wrong not in drafted, f"our SSE streamed the draft: {drafted!r}"
    assert case.wrong not in content, f"the OpenAI stream showed the draft: {content!r}"
