"""The chat page's event handlers: asking (streamed), citation clicks, thumbs, fact checks, gradio_client API."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import gradio as gr

from assistant.schema import Question, Turn
from kernel.errors import ForumError
from ui import render, render_sources
from ui.feedback import Feedback, FeedbackStore
from ui.validation import check_text, normalise_language

if TYPE_CHECKING:
    from assistant.engine import ForumEngine

log = logging.getLogger(__name__)

MAX_TURNS = 30  # turns kept on the page per browser session


class ChatPage:
    """The page's event handlers, bound to one engine and one feedback store."""

    def __init__(self, engine: ForumEngine, feedback: FeedbackStore) -> None:
        self.engine = engine
        self.feedback = feedback
        self.settings = engine.settings

    # ----- asking ----------------------------------------------------------------------------------
    def _history(self, turns: list[dict[str, Any]]) -> list[Turn]:
        history: list[Turn] = []
        for turn in turns:
            if turn.get("answer"):
                history += [
                    Turn(role="user", content=turn["question"]),
                    Turn(role="assistant", content=turn["answer"]["answer"]),
                ]
        return history[-self.settings.max_history_turns :] if self.settings.max_history_turns else []

    def _check(self, message: str) -> str | None:
        if len(message) > self.settings.max_message_chars:
            return (
                f"The question has {len(message)} characters; "
                f"the limit is {self.settings.max_message_chars}. "
                "Please ask a shorter question. 问题太长，请缩短后再问。"
            )
        try:
            check_text(message, "question")
        except ValueError as exc:
            return f"The question cannot be used: {exc}."
        return None

    def ask(
        self, message: str, language: str, turns: list[dict[str, Any]] | None
    ) -> Iterator[tuple[Any, ...]]:
        """Stream one answer into the conversation: draft text first, then the verified answer."""
        turns = list(turns or [])[-(MAX_TURNS - 1) :]  # the page re-renders every turn: keep it bounded
        message = (message or "").strip()
        if not message:
            gr.Warning("请先输入问题 Type a question first")
            yield render.render_transcript(turns), turns, gr.skip()
            return
        turn: dict[str, Any] = {
            "question": message,
            "draft": "",
            "answer": None,
            "error": None,
            "rating": None,
        }
        history = self._history(turns)
        turns.append(turn)
        problem = self._check(message)
        if problem:
            turn["error"] = problem
            yield render.render_transcript(turns), turns, ""
            return
        yield render.render_transcript(turns), turns, ""
        try:
            lang = normalise_language(language or "auto")
            question = Question(message=message, history=history, language=lang)
            last = 0.0
            for event in self.engine.stream(question):
                if event.kind == "delta" and event.delta:
                    turn["draft"] += event.delta
                    if time.monotonic() - last > 0.15:  # no need to re-render on every token
                        last = time.monotonic()
                        yield render.render_transcript(turns), turns, gr.skip()
                elif event.kind == "answer" and event.answer is not None:
                    turn["answer"] = event.answer.model_dump(mode="json")
        except (ForumError, ValueError) as exc:
            turn["error"] = f"{exc}"
        except Exception:
            log.exception("The page failed to answer %r", message[:80])
            turn["error"] = "出错了，请重试。Something went wrong while answering; please try again."
        if not turn["answer"] and not turn["error"]:
            turn["error"] = "没有生成答案，请重试。No answer was produced; please try again."
        yield render.render_transcript(turns), turns, gr.skip()

    # ----- clicks in the conversation --------------------------------------------------------------
    def on_click(
        self, turns: list[dict[str, Any]] | None, comment: str, evt: gr.EventData
    ) -> tuple[Any, ...]:
        """A click on [n] opens the source; a thumb stores feedback (payloads come from the browser)."""
        data: dict[str, Any] = getattr(evt, "_data", None) or {}
        turns = turns or []
        try:
            index = int(data.get("turn", -1))
        except (TypeError, ValueError):
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        if not 0 <= index < len(turns) or not turns[index].get("answer"):
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        turn = turns[index]
        if data.get("action") == "cite":
            return self._source(turn["answer"], data.get("n")), gr.skip(), gr.skip(), gr.skip()
        if data.get("action") == "rate" and data.get("rating") in ("up", "down") and not turn.get("rating"):
            try:
                self.feedback.add(
                    Feedback(
                        rating=data["rating"],
                        comment=(comment or "")[:2000],
                        question=turn["question"],
                        answer=turn["answer"]["answer"],
                        language=turn["answer"].get("language"),
                        answer_json=turn["answer"],
                    ),
                    origin="page",
                )
            except ForumError as exc:
                gr.Warning(str(exc))
                return gr.skip(), gr.skip(), gr.skip(), gr.skip()
            turn["rating"] = data["rating"]
            return gr.skip(), render.render_transcript(turns), turns, ""
        return gr.skip(), gr.skip(), gr.skip(), gr.skip()

    def _source(self, answer: dict[str, Any], n: Any) -> str:
        citation = next((c for c in answer.get("citations", []) if str(c["n"]) == str(n)), None)
        if citation is None:
            return render.render_error("That source is not part of this answer.")
        try:
            doc = self.engine.index.document(citation["doc_id"])
        except ForumError as exc:
            return render.render_error(str(exc))
        claim = next(
            (s for s in render.sentences(answer["answer"]) if int(citation["n"]) in render.cited_in(s)), None
        )
        return render_sources.render_source(doc, citation, claim, answer.get("language", "zh"))

    # ----- fact check --------------------------------------------------------------------------------
    def fact_check(self, claim: str, language: str) -> str:
        """Verdict and source sentences for a staff member's claim."""
        claim = (claim or "").strip()
        if not claim:
            return render.render_error("请先输入要核查的说法。Paste a claim to check first.")
        problem = self._check(claim)
        if problem:
            return render.render_error(problem)
        try:
            result = self.engine.fact_check(claim, normalise_language(language or "auto"))
        except (ForumError, ValueError) as exc:
            return render.render_error(str(exc))
        except Exception:
            log.exception("Fact check failed for %r", claim[:80])
            return render.render_error("Something went wrong while checking; please try again.")
        docs: dict[str, Any] = {}
        for c in result.supporting + result.contradicting:
            if c.doc_id not in docs:
                try:
                    docs[c.doc_id] = self.engine.index.document(c.doc_id)
                except ForumError:
                    docs[c.doc_id] = None
        return render_sources.render_fact_check(result.model_dump(mode="json"), docs)

    # ----- programmatic (gradio_client) --------------------------------------------------------------
    def answer_api(self, message: str, language: str = "auto") -> dict[str, Any]:
        """The verified answer object for one question (for gradio_client)."""
        problem = self._check(message or "") or (None if (message or "").strip() else "The message is empty.")
        if problem:
            raise gr.Error(problem)
        try:
            question = Question(message=message.strip(), language=normalise_language(language or "auto"))
            return self.engine.answer(question).model_dump(mode="json")
        except (ForumError, ValueError) as exc:
            raise gr.Error(str(exc)) from exc
