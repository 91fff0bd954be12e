"""The chat page's event handlers: asking (streamed), citation clicks, thumbs, fact checks, gradio_client API.

`view` is the browser session's page state: `lang`, the page language (the browser's at first, then the
language of the latest question), and `source_open`, whether the source panel shows a document.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import gradio as gr

from assistant.language.detect import resolve_language
from assistant.schema import Question, Turn
from kernel.errors import ForumError
from ui import render, render_sources
from ui.feedback import Feedback, FeedbackStore
from ui.labels import DEFAULT, label, page_language
from ui.validation import check_text, normalise_language

if TYPE_CHECKING:
    from assistant.engine import ForumEngine

log = logging.getLogger(__name__)

MAX_TURNS = 30  # turns kept on the page per browser session


def new_view(lang: str = DEFAULT) -> dict[str, Any]:
    """A fresh page state in `lang`."""
    return {"lang": lang, "source_open": False}


def _lang(view: dict[str, Any] | None) -> str:
    return page_language((view or {}).get("lang"))


def _translate(engine: ForumEngine, cited: dict[str, Any], language: str) -> None:
    """Give a shown citation its machine translation for a reader of `language`, or mark that none could be
    trusted (the page then says so, and does not ask again)."""
    translation = engine.translate_quote(cited["quote"], language)
    if translation:
        cited["translation"] = translation
    else:
        cited[render.UNTRANSLATED] = True


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

    def _check(self, message: str, lang: str) -> str | None:
        if len(message) > self.settings.max_message_chars:
            return label(lang, "too_long", n=len(message), limit=self.settings.max_message_chars)
        try:
            check_text(message, "question")
        except ValueError as exc:
            return label(lang, "unusable", reason=exc)
        return None

    def ask(
        self,
        message: str,
        language: str,
        turns: list[dict[str, Any]] | None,
        view: dict[str, Any] | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        """Stream one answer into the conversation: draft text first, then the verified answer.

        Yields (transcript, turns, message box, view); the page switches to the question's language at
        once and to the answer's language (the engine's decision) when the answer arrives."""
        view = dict(view or new_view())
        turns = list(turns or [])[-(MAX_TURNS - 1) :]  # the page re-renders every turn: keep it bounded
        message = (message or "").strip()
        if not message:
            gr.Warning(label(_lang(view), "empty_question"))
            yield render.render_transcript(turns, _lang(view)), turns, gr.skip(), view
            return
        try:
            requested = normalise_language(language or "auto")
        except ValueError:
            requested = "auto"  # the menu offers only valid codes: a tampered value is answered as auto
        view["lang"] = page_language(resolve_language(requested, message), fallback=_lang(view))
        turn: dict[str, Any] = {
            "question": message,
            "draft": "",
            "answer": None,
            "error": None,
            "rating": None,
        }
        history = self._history(turns)
        turns.append(turn)
        problem = self._check(message, _lang(view))
        if problem:
            turn["error"] = problem
            yield render.render_transcript(turns, _lang(view)), turns, "", view
            return
        yield render.render_transcript(turns, _lang(view)), turns, "", view
        try:
            question = Question(message=message, history=history, language=requested)
            last = 0.0
            for event in self.engine.stream(question):
                if event.kind == "delta" and event.delta:
                    turn["draft"] += event.delta
                    if time.monotonic() - last > 0.15:  # no need to re-render on every token
                        last = time.monotonic()
                        yield render.render_transcript(turns, _lang(view)), turns, gr.skip(), view
                elif event.kind == "answer" and event.answer is not None:
                    turn["answer"] = event.answer.model_dump(mode="json")
                    view["lang"] = page_language(event.answer.language, fallback=_lang(view))
        except (ForumError, ValueError) as exc:
            turn["error"] = f"{exc}"
        except Exception:
            log.exception("The page failed to answer %r", message[:80])
            turn["error"] = label(_lang(view), "failed")
        if not turn["answer"] and not turn["error"]:
            turn["error"] = label(_lang(view), "no_answer")
        yield render.render_transcript(turns, _lang(view)), turns, gr.skip(), view

    # ----- clicks in the conversation --------------------------------------------------------------
    def on_click(
        self,
        turns: list[dict[str, Any]] | None,
        comment: str,
        view: dict[str, Any] | None,
        evt: gr.EventData,
    ) -> Iterator[tuple[Any, ...]]:
        """A click on [n] opens the source; a thumb stores feedback (payloads come from the browser).

        Yields (source panel, transcript, turns, comment box, view): once, or for a source of an answer not in
        Chinese twice, the second time with the quote's machine translation under the original."""
        data: dict[str, Any] = getattr(evt, "_data", None) or {}
        turns = turns or []
        nothing = gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        try:
            index = int(data.get("turn", -1))
        except (TypeError, ValueError):
            yield nothing
            return
        if not 0 <= index < len(turns) or not turns[index].get("answer"):
            yield nothing
            return
        turn = turns[index]
        if data.get("action") == "cite":
            shown = {**new_view(_lang(view)), "source_open": True}
            for panel in self._source(turn["answer"], data.get("n"), _lang(view)):
                yield panel, gr.skip(), turns, gr.skip(), shown
            return
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
                yield nothing
                return
            turn["rating"] = data["rating"]
            yield gr.skip(), render.render_transcript(turns, _lang(view)), turns, "", gr.skip()
            return
        yield nothing

    def _source(self, answer: dict[str, Any], n: Any, lang: str) -> Iterator[str]:
        """The source panel for citation `n` of `answer`; for an answer not in Chinese, then the same panel
        with the quote's machine translation, kept in the citation (a second click shows it at once)."""
        citation = next((c for c in answer.get("citations", []) if str(c["n"]) == str(n)), None)
        if citation is None:
            yield render.render_error(label(lang, "not_in_answer"), lang)
            return
        try:
            doc = self.engine.index.document(citation["doc_id"])
        except ForumError as exc:
            yield render.render_error(str(exc), lang)
            return
        claim = next(
            (s for s in render.sentences(answer["answer"]) if int(citation["n"]) in render.cited_in(s)), None
        )
        language = answer.get("language", "zh")
        tried = citation.get("translation") or citation.get(render.UNTRANSLATED)
        wanted = not tried and self.engine.translates_for(language)
        yield render_sources.render_source(doc, citation, claim, language, lang, translating=wanted)
        if wanted:
            _translate(self.engine, citation, language)
            yield render_sources.render_source(doc, citation, claim, language, lang)

    # ----- fact check --------------------------------------------------------------------------------
    def fact_check(
        self, claim: str, language: str, view: dict[str, Any] | None = None
    ) -> Iterator[tuple[str, Any]]:
        """Verdict and source sentences for a staff member's claim; the page follows the claim's language.

        Yields (verdict HTML, view): the result, then, for a claim not in Chinese, the result again as each
        of its source sentences gets its machine translation (`ForumEngine.translate_quote`)."""
        view = dict(view or new_view())
        lang = _lang(view)
        claim = (claim or "").strip()
        if not claim:
            yield render.render_error(label(lang, "empty_claim"), lang), view
            return
        problem = self._check(claim, lang)
        if problem:
            yield render.render_error(problem, lang), view
            return
        try:
            result = self.engine.fact_check(claim, normalise_language(language or "auto"))
        except (ForumError, ValueError) as exc:
            yield render.render_error(str(exc), lang), view
            return
        except Exception:
            log.exception("Fact check failed for %r", claim[:80])
            yield render.render_error(label(lang, "check_failed"), lang), view
            return
        view["lang"] = page_language(result.language, fallback=lang)
        docs: dict[str, Any] = {}
        for c in result.supporting + result.contradicting:
            if c.doc_id not in docs:
                try:
                    docs[c.doc_id] = self.engine.index.document(c.doc_id)
                except ForumError:
                    docs[c.doc_id] = None
        shown = result.model_dump(mode="json")
        yield render_sources.render_fact_check(shown, docs, lang), view
        if not self.engine.translates_for(result.language):
            return
        for cited in shown["supporting"] + shown["contradicting"]:
            _translate(self.engine, cited, result.language)
            yield render_sources.render_fact_check(shown, docs, lang), view

    # ----- programmatic (gradio_client) --------------------------------------------------------------
    def answer_api(self, message: str, language: str = "auto") -> dict[str, Any]:
        """The verified answer object for one question (for gradio_client)."""
        problem = self._check(message or "", DEFAULT) or (
            None if (message or "").strip() else "The message is empty."
        )
        if problem:
            raise gr.Error(problem)
        try:
            question = Question(message=message.strip(), language=normalise_language(language or "auto"))
            return self.engine.answer(question).model_dump(mode="json")
        except (ForumError, ValueError) as exc:
            raise gr.Error(str(exc)) from exc
