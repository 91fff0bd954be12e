"""The OpenAI-compatible stream sends the draft as it is written and ends on the verified answer.

Live: uvicorn on 127.0.0.1 and the official `openai` client, over the real engine and corpus index; the
scripted LLM only sets what the model writes and how slowly (design: ui/openai_stream.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from assistant.engine import ForumEngine
from kernel.settings import Settings
from tests.support import LiveServer, ScriptedLLM
from ui.api import create_app
from ui.labels import label
from ui.openai_stream import ContentRelay
from vectorstore.index import ForumIndex

pytestmark = pytest.mark.server

QUESTION = "2023年中关村论坛举办了多少场平行论坛？"
# Two sentences the sources support ([1] is the sentence about the 55 parallel forums), written slowly.
SUPPORTED = "2023年 中关村论坛 举办了 55场 平行论坛[1]。 这些 平行论坛 在 2023年 举办[1]。"
# The second sentence invents a figure: verification removes it after it has been streamed.
INVENTED = "2023年 中关村论坛 举办了 55场 平行论坛[1]。 论坛 共 吸引了 5000名 诺贝尔奖得主 参加[1]。"
PIECE_DELAY_S = 0.25


@pytest.fixture
def scripted_server(ui_settings: Settings, corpus_index: ForumIndex) -> Iterator[tuple[str, ScriptedLLM]]:
    """The API over the real engine whose model is a slow scripted one; the test sets its reply."""
    llm = ScriptedLLM(piece_delay_s=PIECE_DELAY_S)
    with LiveServer(create_app(ForumEngine(ui_settings, corpus_index, llm), ui_settings)) as server:
        yield server.url, llm


def _stream(url: str) -> list[tuple[float, Any]]:
    """Each chunk of one streamed completion with the second it arrived, through the openai client."""
    from openai import OpenAI

    client = OpenAI(base_url=f"{url}/v1", api_key="not-needed", max_retries=0, timeout=120)
    started = time.monotonic()
    stream = client.chat.completions.create(
        model="forum-assistant", messages=[{"role": "user", "content": QUESTION}], stream=True
    )
    return [(time.monotonic() - started, chunk) for chunk in stream]


def _content(chunks: list[tuple[float, Any]]) -> list[tuple[float, str]]:
    return [(t, c.choices[0].delta.content) for t, c in chunks if c.choices and c.choices[0].delta.content]


def test_the_draft_arrives_while_the_model_writes_and_equals_the_verified_answer(
    scripted_server: tuple[str, ScriptedLLM],
) -> None:
    url, llm = scripted_server
    llm.reply = SUPPORTED
    chunks = _stream(url)
    content = _content(chunks)
    last_at, last = chunks[-1]
    extra = last.model_extra or {}
    answer = extra["forum_answer"]
    assert answer["mode"] == "generate" and not answer["removed"], answer
    assert content[0][1].strip().startswith("2023年"), "the first sentence is sent on its own"
    # The second sentence takes 5 more pieces to write: the first is on screen well before the end.
    assert last_at - content[0][0] >= 4 * PIECE_DELAY_S, [t for t, _ in content]
    assert "".join(text for _, text in content).strip() == answer["answer"]
    assert extra["forum_draft_replaced"] is False
    assert last.choices[0].finish_reason == "stop"
    assert extra["citations"] == answer["citations"] and extra["citations"]
    assert all("citations" not in (c.model_extra or {}) for _, c in chunks[:-1])


def test_a_draft_that_verification_changed_ends_with_a_marked_correction(
    scripted_server: tuple[str, ScriptedLLM],
) -> None:
    url, llm = scripted_server
    llm.reply = INVENTED
    chunks = _stream(url)
    text = "".join(part for _, part in _content(chunks))
    extra = chunks[-1][1].model_extra or {}
    answer = extra["forum_answer"]
    assert "5000" not in answer["answer"] and any("5000" in r["reason"] for r in answer["removed"])
    assert extra["forum_draft_replaced"] is True
    # What the client read: the draft, then a rule, the note in the answer's language, the verified answer.
    draft, correction = text.split("\n\n---\n\n")
    assert "5000" in draft
    assert correction == f"{label('zh', 'corrected')}\n\n{answer['answer']}"


def test_the_relay_sends_whole_words_and_never_the_not_found_signal() -> None:
    relay = ContentRelay()
    sent = [
        relay.draft(d)
        for d in ["The 2023", " forum held", " 55 forums [1", "].", " Growth was 6", ".", "5%."]
    ]
    assert sent == ["The ", "2023 forum ", "held 55 forums ", "[1].", " Growth was ", "", "6.5%."]
    assert relay.final(
        "The 2023 forum held 55 forums [1]. Growth was 6.5%. Note: two sources differ.", "en"
    ) == (
        [" Note: two sources differ."],
        False,
    )

    quiet = ContentRelay()
    assert [quiet.draft(d) for d in ["NOT_", "FOUND", ".", " More text."]] == ["", "", "", ""]
    spaced = (
        ContentRelay()
    )  # a signal written with a space is held back too, a word that only starts alike not
    assert [spaced.draft(d) for d in ["NOT ", "FOUND ", "[1]."]] == ["", "", ""]
    alike = ContentRelay()
    assert [alike.draft(d) for d in ["Not ", "only ", "that."]] == ["", "Not only ", "that."]
    refusal = "Sorry, the sources do not contain an answer to this question."
    assert quiet.final(refusal, "en") == ([refusal], False)  # nothing was shown, so nothing to correct


def test_the_correction_note_is_in_the_answers_language() -> None:
    relay = ContentRelay()
    relay.draft("Il y a eu 99 forums [1]. ")
    ending, replaced = relay.final("Les sources disent : 55 forums [1].", "fr")
    assert replaced and ending[0] == f"\n\n---\n\n{label('fr', 'corrected')}\n\n"
    assert "".join(ending[1:]) == "Les sources disent : 55 forums [1]."
