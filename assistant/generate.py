"""Prompting the local LLM with numbered evidence sentences, and the extractive answer that needs no LLM.

The prompt holds only the evidence sentences (not whole chunks): on two CPU cores reading the prompt is most
of the latency, and short prompts also keep a small model on topic.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Generator
from dataclasses import dataclass

from llama_index.core.base.llms.types import ChatMessage, MessageRole

from assistant.calibration import MIN_LLM_SECONDS
from assistant.language.detect import language_name
from assistant.language.gate import script_grammar
from assistant.language.kanji import chinese_forms
from assistant.language.loops import draft_loop, loop_start
from assistant.language.messages import ANSWER_IN, say
from assistant.language.terms import GenericWords, content_terms, function_words
from assistant.language.written import LANGUAGES
from assistant.llm.protocol import Budget, ChatModel
from assistant.schema import Evidence, Mode
from kernel.errors import UnavailableError

log = logging.getLogger(__name__)

NOT_FOUND = "NOT_FOUND"

# The same for every question, so that llama.cpp's prompt cache serves it (with the worked example) and
# only the sources and the question are read: the answer language is named at the end of the user turn.
SYSTEM_PROMPT = (
    "You answer questions about the Zhongguancun Forum using only the numbered sources. "
    "Answer in the language the last line asks for, in one or two short sentences. "
    "Copy figures and dates exactly from the sources. "
    "Put the source number in square brackets after each sentence, for example: ... [2]. "
    "If two sources give different figures, give both, each with its number. "
    "If the sources do not answer the question, reply exactly NOT_FOUND."
)

# One worked example: it teaches a small model the marker format better than any instruction. It is
# invented, on purpose about nothing in the forum's documents or the eval questions.
_EXAMPLE_SOURCES = (
    "[1] (2024) 市图书馆位于河边，共有7层阅览室。\n[2] (2024) 6月3日至9日，图书节在市图书馆举行。"
)
_EXAMPLE_QUESTION = "When was the book festival held?"
_EXAMPLE_ANSWER = "The book festival was held from June 3 to 9, 2024 [2]."


def _user_turn(sources: str, question: str, language: str, context: str | None = None) -> str:
    earlier = f"Earlier question (context only): {context}\n" if context else ""
    english, native = f"Answer in {language_name(language)}.", say(ANSWER_IN, language)
    answer_in = native if native == english else f"{english} {native}"  # English once, not twice
    return f"Sources (edition year in brackets):\n{sources}\n\n{earlier}Question: {question}\n{answer_in}"


def _source_line(n: int, ev: Evidence) -> str:
    edition = f"{ev.year}" if ev.year else "?"
    return f"[{n}] ({edition}) {ev.quote}"


def build_messages(
    question: str, evidence: list[Evidence], language: str, *, context: str | None = None
) -> list[ChatMessage]:
    """Chat messages for the answer: rules, one worked example, then the sources and the question.

    `context` is the earlier question a follow-up leans on ("它位于哪个公园？" after "主会场在哪里？")."""
    sources = "\n".join(_source_line(i, ev) for i, ev in enumerate(evidence, start=1))
    return [
        ChatMessage(role=MessageRole.SYSTEM, content=SYSTEM_PROMPT),
        ChatMessage(role=MessageRole.USER, content=_user_turn(_EXAMPLE_SOURCES, _EXAMPLE_QUESTION, "en")),
        ChatMessage(role=MessageRole.ASSISTANT, content=_EXAMPLE_ANSWER),
        ChatMessage(role=MessageRole.USER, content=_user_turn(sources, question, language, context)),
    ]


@dataclass(frozen=True)
class Draft:
    """Stage 4's output: the model's text, or why there is none (then the answer is extractive)."""

    text: str = ""
    used_llm: bool = False
    fallback: str | None = None  # why the answer is not (or no longer) a generated one
    not_found: bool = False  # the model said the sources do not answer


def draft_answer(
    llm: ChatModel | None,
    question: str,
    evidence: list[Evidence],
    language: str,
    *,
    mode: Mode,
    budget: Budget,
    context: str | None = None,
) -> Generator[str, None, Draft]:
    """Stage 4, generate: yields the answer's text deltas and returns the whole `Draft`."""
    if llm is None or mode == "extract" or not evidence:
        no_llm = "No LLM is configured; extractive answer given instead."
        return Draft(fallback=no_llm if mode == "generate" and llm is None else None)
    if budget.remaining() < MIN_LLM_SECONDS:
        return Draft(
            fallback="The time for this answer was used up before generation; extractive answer given instead."
        )
    text, checked_at = "", 0
    try:
        messages = build_messages(question, evidence, language, context=context)
        budget_s, grammar = max(budget.remaining(), MIN_LLM_SECONDS), script_grammar(language)
        deltas = llm.stream_text(messages, budget_s=budget_s, grammar=grammar)
        for delta in deltas:
            text += delta
            yield delta
            end = loop_start(text)
            if end is not None:
                log.warning("the model looped on %r; its draft ends before the loop", text[end:][:40])
            elif len(text) - checked_at >= _PHRASE_LOOP_STEP:
                checked_at = len(text)
                # A phrase said three times is kept: verification removes its sentence (`loops`). A model
                # caught in a loop seldom leaves it, so what follows until the token limit is only time lost.
                if (phrase := draft_loop(text)) is not None:
                    log.warning("the model looped on %r; its draft stops there", phrase[:40])
                    end = len(text)
            if end is not None:
                text = text[:end]
                getattr(deltas, "close", lambda: None)()  # stops the request: the model is free at once
                break
    except UnavailableError as exc:
        fallback = f"LLM unavailable ({exc}); extractive answer given instead."
        log.warning(fallback)
        return Draft(text=text, used_llm=True, fallback=fallback)
    return Draft(text=text, used_llm=True, not_found=is_not_found(text))


_PHRASE_LOOP_STEP = 24  # characters between two looks for a phrase loop (a look costs about 1.5 ms)


def is_not_found(text: str) -> bool:
    """True when the model said the sources do not hold the answer."""
    return NOT_FOUND.lower().replace("_", "") in text.lower().replace("_", "").replace(" ", "")


_MARKER = re.compile(r"\[(\d+)\]")


def cited_numbers(text: str) -> list[int]:
    """The distinct [n] numbers in an answer, in order of first use."""
    return list(dict.fromkeys(int(n) for n in _MARKER.findall(text)))


def extractive_answer(evidence: list[Evidence], numbers: list[int] | None = None) -> str:
    """Evidence sentences quoted verbatim with their citation markers: the best one, or the 1-based `numbers`."""
    chosen = numbers or [1]
    return " ".join(f"{evidence[n - 1].quote}[{n}]" for n in chosen if 0 < n <= len(evidence))


_WORD = re.compile(r"[^\W_\u3400-\u9fff]+")  # words of other scripts; Chinese goes through jieba
_YEARLIKE = re.compile(r"^(?:19|20)\d\d$")
# A Korean word of three syllables or more is the question's when its first two are: Korean turns a question
# into a statement by its endings (있습니까 → 있습니다, 콘셉트카는 → 콘셉트카입니다), which add no answer.
_HANGUL_WORD = re.compile(r"^[\uac00-\ud7af]{3,}$")


@functools.cache
def _answer_function_words() -> frozenset[str]:
    """The function words of every language an answer is written in (stopwords-iso), read once."""
    return function_words(LANGUAGES)


def restates_question(answer: str, questions: list[str]) -> bool:
    """True when the answer, markers and years aside, only repeats the question ("It was held on [1].").

    Chinese is compared by jieba words, other scripts by words; a figure, a name or any other word that the
    question does not hold makes it an answer (a Korean word is the question's when its first two syllables
    are); function words of the answer languages (stopwords-iso) never count. (The corpus's
    common words do: they can be the answer, as in "the theme was 科技创新".)
    """
    # Kanji in Japanese forms (評価協同) are compared as the simplified words jieba knows (评价协同), not as
    # single characters, which count for nothing.
    asked = chinese_forms(" ".join(questions)).lower()
    text = chinese_forms(_MARKER.sub(" ", answer)).lower()
    generic = GenericWords(function=_answer_function_words())
    words = set(content_terms(text, generic)) | set(_WORD.findall(text))
    new = [
        w
        for w in words
        if w not in asked
        and w not in generic
        and not _YEARLIKE.match(w)
        and (len(w) > 1 or w.isdigit())
        and not (_HANGUL_WORD.match(w) and w[:2] in asked)
    ]
    return not new
