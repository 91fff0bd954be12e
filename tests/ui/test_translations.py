"""Machine translations of source sentences in the page's handlers, with the real packaged guest model.

A foreign reader sees a source sentence in Chinese first; its translation follows as a second update of
the same view (the source panel in the browser test, the fact-check result here), labelled as one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.engine import ForumEngine
from assistant.llm.local import LocalGGUFLLM
from kernel.settings import Settings
from tests.support import ScriptedLLM
from ui.feedback import FeedbackStore
from ui.handlers import ChatPage
from ui.labels import label
from vectorstore.index import ForumIndex


@pytest.mark.llm
def test_a_foreign_claims_source_sentences_get_their_translations(
    ui_settings: Settings, corpus_index: ForumIndex, guest_llm: LocalGGUFLLM, tmp_path: Path
) -> None:
    engine = ForumEngine(ui_settings, corpus_index, None, guest_llm=guest_llm)
    page = ChatPage(engine, FeedbackStore(tmp_path / "feedback.db"))
    updates = list(page.fact_check("The 2023 forum held 55 parallel forums.", "en"))
    first, last = updates[0][0], updates[-1][0]
    assert "55场平行论坛" in first and label("en", "machine_translation") not in first  # at once, in Chinese
    assert len(updates) > 1 and label("en", "machine_translation") in last
    translated = last.split(label("en", "machine_translation"), 1)[1]
    assert "55" in translated and "parallel" in translated.lower(), translated


def test_a_chinese_claim_gets_one_update(
    ui_settings: Settings, corpus_index: ForumIndex, tmp_path: Path
) -> None:
    scripted = ScriptedLLM(reply="The forum held 55 parallel forums.")  # would be a faithful translation
    engine = ForumEngine(ui_settings, corpus_index, None, guest_llm=scripted)
    page = ChatPage(engine, FeedbackStore(tmp_path / "feedback.db"))
    updates = list(page.fact_check("2023年中关村论坛举办了55场平行论坛", "zh"))
    assert len(updates) == 1 and "55场平行论坛" in updates[0][0]
    assert scripted.calls == 0  # a Chinese reader reads the sources themselves


class _Click:
    """What Gradio hands the click handler: the browser's payload in `_data`."""

    def __init__(self, **data: object) -> None:
        self._data = data


def test_a_source_without_a_faithful_translation_says_so_once(
    ui_settings: Settings, corpus_index: ForumIndex, tmp_path: Path
) -> None:
    doc = next(d for d in corpus_index.documents() if "55场平行论坛" in d.text)
    sentence = next(s for s in corpus_index.sentences_of(doc.doc_id) if "55场平行论坛" in s.text)
    cited = {
        "n": 1,
        "doc_id": doc.doc_id,
        "quote": sentence.text,
        "start": sentence.start,
        "end": sentence.end,
    }
    turns = [
        {
            "question": "How many parallel forums?",
            "answer": {
                "answer": "There were 55 parallel forums [1].",
                "language": "en",
                "citations": [cited],
            },
        }
    ]
    scripted = ScriptedLLM(reply="The forum held 56 parallel forums.")  # another figure: not faithful
    engine = ForumEngine(ui_settings, corpus_index, None, guest_llm=scripted)
    page = ChatPage(engine, FeedbackStore(tmp_path / "feedback.db"))
    updates = [u[0] for u in page.on_click(turns, "", None, _Click(action="cite", turn=0, n=1))]  # type: ignore[arg-type]
    assert label("en", "translating") in updates[0]
    assert label("en", "no_translation") in updates[-1] and "56 parallel" not in updates[-1]
    assert (
        label("en", "machine_translation") not in updates[-1]
        and label("en", "translating") not in updates[-1]
    )
    calls = scripted.calls
    again = [u[0] for u in page.on_click(turns, "", None, _Click(action="cite", turn=0, n=1))]  # type: ignore[arg-type]
    assert len(again) == 1 and label("en", "no_translation") in again[0]
    assert scripted.calls == calls  # not asked again


def test_a_foreign_claims_sentence_without_a_faithful_translation_says_so(
    ui_settings: Settings, corpus_index: ForumIndex, tmp_path: Path
) -> None:
    scripted = ScriptedLLM(reply="Das Forum hatte viele Foren.")  # German for an English reader, no figure
    engine = ForumEngine(ui_settings, corpus_index, None, guest_llm=scripted)
    page = ChatPage(engine, FeedbackStore(tmp_path / "feedback.db"))
    last = list(page.fact_check("The 2023 forum held 55 parallel forums.", "en"))[-1][0]
    assert "55场平行论坛" in last and label("en", "no_translation") in last
    assert "Foren" not in last and label("en", "machine_translation") not in last
