"""Small translations with the loaded LLM: a foreign question into Chinese (for keyword search over the
Chinese sources) and a Chinese quote into the user's language (shown beside the original).

The prompts are fixed prefixes (system rules, few-shot turns) followed by the text, so after the
first call llama.cpp's prompt cache serves the prefix and only the new text is read. Results are cached in
a bounded LRU keyed on (model, direction, text): greedy decoding makes them deterministic.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

from llama_index.core.base.llms.types import ChatMessage, MessageRole

from assistant.language.counters import in_chinese_measure_words
from assistant.language.detect import HAN
from assistant.language.gate import rendering_grammar
from assistant.llm.protocol import complete_text

if TYPE_CHECKING:
    from assistant.llm.protocol import ChatModel

LANGUAGE_NAMES = {
    "en": "English",
    "fr": "French",
    "de": "German",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "ja": "Japanese",
    "ko": "Korean",
    "ru": "Russian",
    "ar": "Arabic",
    "zh": "Simplified Chinese",
}

# The forum's name in the languages we serve. The model's rendering is rewritten with it (the name left in
# the source language) and appended when the rendering lacks it: a 0.5B model left "Zhongguancun Forum" in
# English, which keyword search over Chinese text cannot use (docs/llm.md). Only the name: a hand-written
# list of topic words (parks, guests, parallel forums …) was fitted to the eval questions and is gone.
_TERMS: list[tuple[str, str]] = [
    (
        "中关村论坛",
        r"zhongguancun[- ]?(forum|forums|論壇)|forums? (de |von |del )?zhongguancun|foro (de )?zhongguancun"
        r"|中関村フォーラム|중관촌 ?포럼|чжунгуаньцун\w* форум\w*|форум\w* «?чжунгуаньцун\w*"
        r"|منتدى (تشونغ ?قوان ?تسون|تشونغقوانتسون|جونغقوانتسون)",
    ),
    ("中关村", r"zhongguancun|中関村|중관촌|чжунгуаньцун\w*|تشونغ ?قوان ?تسون"),
]
_TERM_PATTERNS = [(zh, re.compile(pattern, re.IGNORECASE)) for zh, pattern in _TERMS]


def glossary_terms(text: str) -> list[str]:
    """Chinese forms of the forum terms that `text` mentions in any served language (no model needed)."""
    found: list[str] = []
    for zh, pattern in _TERM_PATTERNS:
        if pattern.search(text) and not any(zh in f for f in found):
            found.append(zh)
    return found


def _with_glossary(text: str) -> str:
    for zh, pattern in _TERM_PATTERNS:
        text = pattern.sub(zh, text)
    return text


_TO_ZH_SYSTEM = (
    "You translate questions into Simplified Chinese for a search engine about the Zhongguancun Forum "
    "(中关村论坛). Output only the Chinese question, on one line, with no quotes, notes or explanations. "
    "Keep every number, year, date and name."
)
# Invented examples, on purpose about nothing in the forum's documents or the eval questions.
_TO_ZH_SHOTS = [
    ("How many people visited the city museum in 2019?", "2019年有多少人参观了市博物馆？"),
    ("Quelle entreprise a construit le nouveau pont ?", "哪家公司建造了这座新桥？"),
    ("Wann wurde die Stadtbibliothek eröffnet?", "市图书馆是什么时候开放的？"),
]
_FROM_ZH_SYSTEM = (
    "You translate Chinese news sentences about the Zhongguancun Forum (中关村论坛) into {language}. "
    "Output only the translation, with no quotes, notes or explanations. Keep every number, date and name; "
    "write 中关村 as Zhongguancun."
)

_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")
_LABEL = re.compile(
    r"^\s*(translation|chinese|中文翻译|中文|翻译|译文|简体中文|answer|问题)\s*[:：]\s*", re.IGNORECASE
)
_QUOTES = "\"'“”‘’「」『』《》`"
_NOTE = re.compile(r"\s*[（(](注|note|translation|翻译|译)[^）)]*[）)]\s*$", re.IGNORECASE)
# A word of small Latin letters in a Chinese rendering is one the model left untranslated (2023中关村论坛
# lasted多少天？): no Chinese source holds it, so as a subject word it made the question look unanswerable.
# Names keep their capitals (NEO, Quafu) and stay.
_UNTRANSLATED = re.compile(r"(?<![A-Za-z])[a-z]{3,}(?![A-Za-z])")


class _LRU:
    """A thread-safe bounded mapping; the oldest entry goes first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[tuple[str, ...], str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...]) -> str | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: tuple[str, ...], value: str) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


# One process-wide cache: translations depend only on (model, text), never on the caller.
_CACHE = _LRU(2048)


def clear_cache() -> None:
    """Forget cached translations (tests; or after swapping a model with the same name)."""
    _CACHE.clear()


def _model_key(llm: ChatModel) -> str:
    try:
        name = llm.metadata.model_name  # type: ignore[attr-defined]
    except Exception:  # a remote model's metadata may need the network; the class is enough then
        name = "?"
    return f"{type(llm).__name__}:{name}"


def is_chinese_text(text: str) -> bool:
    """True when the text is written in Chinese (Han characters, and no kana or hangul)."""
    return bool(HAN.search(text)) and not _KANA_HANGUL.search(text)


def clean_output(text: str) -> str:
    """First meaningful line of a model reply, without labels, wrapping quotes or trailing notes."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    line = lines[0] if lines else ""
    line = _LABEL.sub("", line)
    line = _NOTE.sub("", line)
    if len(line) >= 2 and line[0] in _QUOTES and line[-1] in _QUOTES:
        line = line[1:-1]
    return line.strip().strip(_QUOTES).strip()


def to_chinese(llm: ChatModel, question: str, *, budget_s: float | None = None) -> str:
    """The question rendered in Simplified Chinese for keyword search; Chinese input comes back unchanged.

    Falls back to the original question when the model's reply holds no Chinese. LLM errors
    (UnavailableError, LLMTimeoutError) propagate: the caller decides to search without the rendering.
    """
    question = question.strip()
    if not question or is_chinese_text(question):
        return question
    key = (_model_key(llm), "zh", question)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    messages = [ChatMessage(role=MessageRole.SYSTEM, content=_TO_ZH_SYSTEM)]
    for source, target in _TO_ZH_SHOTS:
        messages.append(ChatMessage(role=MessageRole.USER, content=source))
        messages.append(ChatMessage(role=MessageRole.ASSISTANT, content=target))
    # The model reads the forum's name in Chinese: a transliteration it does not know (منتدى تشونغ قوان تسون)
    # sent the 1.5B off to another meeting's name, and the rest of its rendering with it.
    # A Japanese 何 + counter is written as the Chinese count it is (何日間 → 多少天): the 1.5B read it as "when".
    messages.append(
        ChatMessage(role=MessageRole.USER, content=_with_glossary(in_chinese_measure_words(question)))
    )
    reply = complete_text(
        llm,
        messages,
        budget_s=budget_s,
        max_tokens=min(160, 2 * len(question) + 24),
        stop=["\n"],
        grammar=rendering_grammar(question),
    )
    rendered = " ".join(_UNTRANSLATED.sub(" ", _with_glossary(clean_output(reply))).split())
    result = rendered if HAN.search(rendered) else question
    missing = [term for term in glossary_terms(question) if term not in result]
    if missing:  # the model dropped a forum term: search needs it more than a fluent sentence does
        result = f"{result} {' '.join(missing)}"
    _CACHE.put(key, result)
    return result


def translate(
    llm: ChatModel, text: str, target_lang: str, *, budget_s: float | None = None, grammar: str | None = None
) -> str:
    """`text` (a Chinese quote) in the language with ISO 639-1 code `target_lang`; zh returns it unchanged."""
    text = text.strip()
    code = target_lang.lower().split("-")[0]
    if not text or code == "zh":
        return text
    language = LANGUAGE_NAMES.get(code, code)
    key = (_model_key(llm), code, text)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    messages = [
        ChatMessage(role=MessageRole.SYSTEM, content=_FROM_ZH_SYSTEM.format(language=language)),
        ChatMessage(role=MessageRole.USER, content=text),
    ]
    reply = complete_text(
        llm, messages, budget_s=budget_s, max_tokens=min(512, 3 * len(text) + 32), grammar=grammar
    )
    result = clean_output(reply) or text
    if code not in ("ja", "ko"):  # small models leave the name in Han characters inside Latin text
        named = result.replace("中关村论坛", " Zhongguancun Forum ").replace("中关村", " Zhongguancun ")
        result = re.sub(r"\s+([,.;:!?])", r"\1", re.sub(r"\s+", " ", named)).strip()
    _CACHE.put(key, result)
    return result
