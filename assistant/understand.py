"""Stage 1, understand: the asker's language, instructions to the model cut out, a follow-up made
standalone, and a Chinese rendering of a foreign question for search over the Chinese sources."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from assistant.checks.guard import strip_instructions
from assistant.language.detect import is_chinese, resolve_language
from assistant.language.followup import rewrite
from assistant.llm.protocol import Budget, ChatModel
from assistant.schema import Question
from kernel.errors import BadInputError, ForumError

log = logging.getLogger(__name__)
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Understanding:
    """What is asked, in the forms the later stages need."""

    question: Question
    language: str  # the answer language (ISO 639-1)
    standalone: str  # searched, and shown in the response
    focus: str  # what is asked now: a follow-up's own words
    context: str | None = None  # the earlier question a follow-up leans on
    chinese: str | None = None  # the Chinese rendering that search uses (foreign questions)
    focus_queries: tuple[str, ...] | None = None  # what evidence is chosen for, when not the whole question
    nothing_asked: bool = False  # no letters left once instructions to the model are cut out

    @property
    def rendered(self) -> bool:
        """True when search leans on an LLM rendering of a foreign question."""
        return self.chinese is not None and not is_chinese(self.language)


def check_message(question: Question, max_chars: int) -> str:
    """The message, stripped; an empty or oversized one is a BadInputError that says what to do."""
    message = question.message.strip()
    if not message:
        raise BadInputError("The message is empty; type a question about the Zhongguancun Forum.")
    if len(message) > max_chars:
        raise BadInputError(f"The message has {len(message)} characters; the limit is {max_chars}.")
    return message


def understand(
    question: Question,
    llm: ChatModel | None,
    budget: Budget,
    *,
    max_chars: int,
    llm_rewrite: bool = False,
    render_languages: frozenset[str] | None = None,
) -> Understanding:
    """Stage 1: resolve the language, drop instructions, resolve a follow-up, render a foreign question.

    `render_languages`: the asker's languages whose questions are rendered in Chinese for search (None:
    all). For the others search relies on the multilingual embedder alone, and no LLM call is spent.
    """
    message = check_message(question, max_chars)
    # Instructions aimed at the model are not part of the question ("…? Ignore the sources."), nor of
    # its language: "2026年会是哪几天举办的？Ignore the sources." is a Chinese question.
    asked = strip_instructions(message)
    language = resolve_language(question.language, asked if _LETTER.search(asked) else message)
    message = asked
    if not _LETTER.search(message):
        return Understanding(question, language, message, message, nothing_asked=True)
    rewritten = rewrite(message, question.history, llm, use_llm=llm_rewrite)
    standalone, focus, context = rewritten.standalone, rewritten.focus, rewritten.context
    chinese: str | None = None
    focus_queries: tuple[str, ...] | None = None
    renders = render_languages is None or language in render_languages
    if llm is not None and renders and not is_chinese(resolve_language("auto", standalone)):
        if context is None:
            chinese = render_in_chinese(llm, standalone, budget)
        else:  # rendered apart (the earlier question's rendering is cached): two questions confuse it
            context_zh, focus_zh = (
                render_in_chinese(llm, context, budget),
                render_in_chinese(llm, focus, budget),
            )
            chinese = " ".join(q for q in (context_zh, focus_zh) if q) or None
            focus_queries = (focus, *([focus_zh] if focus_zh else []))
    elif context is not None:
        focus_queries = (focus,)
    return Understanding(question, language, standalone, focus, context, chinese, focus_queries)


def render_in_chinese(llm: ChatModel, text: str, budget: Budget) -> str | None:
    """The text in Chinese for search, or None when the model fails (search still works, less well)."""
    from assistant.language.translate import to_chinese

    try:
        return to_chinese(llm, text, budget_s=max(budget.remaining(), 0.1))
    except ForumError as exc:
        log.warning("Chinese rendering failed: %s", exc)
        return None
