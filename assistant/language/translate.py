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

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

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

# The forum's own vocabulary in the languages we serve. The model's rendering is rewritten with it (terms
# left in the source language) and the Chinese terms the question mentions but the rendering lacks are
# appended: a 0.5B model left "Zhongguancun Forum" in English or wrote 年次総会 for 年会, which keyword
# search over Chinese text cannot use (docs/llm.md). Feeding the model pre-substituted, mixed-language
# questions was tried and made it copy a few-shot answer instead of translating.
_TERMS: list[tuple[str, str]] = [
    (
        "中关村论坛",
        r"zhongguancun[- ]?(forum|forums|論壇)|forums? (de |von |del )?zhongguancun|foro (de )?zhongguancun"
        r"|中関村フォーラム|중관촌 ?포럼|чжунгуаньцун\w* форум\w*|форум\w* «?чжунгуаньцун\w*"
        r"|منتدى (تشونغ ?قوان ?تسون|تشونغقوانتسون|جونغقوانتسون)",
    ),
    ("中关村", r"zhongguancun|中関村|중관촌|чжунгуаньцун\w*|تشونغ ?قوان ?تسون"),
    (
        "平行论坛",
        r"parallel ?(sub-?)?forums?|forums? parall[eè]les?|parallelforen|parallelforum|foros? paralelos?"
        r"|並行フォーラム|分科会|평행 ?포럼|병행 ?포럼|параллельн\w* форум\w*"
        r"|(ال)?منتديات (ال)?موازية|منتدى مواز\w*",
    ),
    (
        "年会",
        r"annual (meeting|conference|session)|r[ée]union annuelle|jahrestagung|jahrestreffen|reuni[oó]n anual"
        r"|年次総会|年次会議|年会|연차 ?총회|연례 ?회의|ежегодн\w* (встреч|собрани|конференци|сесси)\w*"
        r"|(ال)?اجتماع (ال)?سنوي",
    ),
    (
        "国家和地区",
        r"countries and regions|pays et r[ée]gions|l[äa]nder und regionen|pa[ií]ses y regiones|国と地域"
        r"|국가(와| 및) ?지역|стран\w* и регион\w*|(ال)?دول (و)?(ال)?مناطق|دولة ومنطقة",
    ),
    (
        "嘉宾",
        r"guests?|invit[ée]s?|g[äa]ste|invitados?|ゲスト|来賓|귀빈|내빈|게스트|гост(ей|и|ь)\b|(ال)?ضيوف",
    ),
    ("主题", r"\btheme|th[èe]me|\bthema|motto|\btema\b|テーマ|주제|테마|\bтема\b|(ال)?موضوع|(ال)?شعار"),
    (
        "科学家",
        r"scientists?|scientifiques?|wissenschaftler\w*|cient[ií]ficos?|科学者|과학자|уч[её]н\w+|(ال)?علماء",
    ),
    (
        "开幕式",
        r"opening ceremony|c[ée]r[ée]monie d.ouverture|er[öo]ffnungs(feier|zeremonie)|ceremonia de apertura"
        r"|開幕式|개막식|церемони\w* открыти\w*|حفل (ال)?افتتاح",
    ),
    ("成果", r"achievements?|r[ée]sultats?|ergebnisse?|logros?|成果|성과|достижени\w*|(ال)?إنجازات"),
    (
        "技术交易",
        r"technology (trading|transactions?|trade)|技術取引|기술 ?거래|технологическ\w* (торг|сделк)\w*",
    ),
    ("公园", r"\bparks?\b|\bparcs?\b|parques?|公園|공원|\bпарк|حديقة"),
    ("活动", r"\bactivit(y|ies|és?)|veranstaltungen|actividades|イベント|행사|мероприяти\w*|(ال)?فعاليات"),
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
    "Keep every number, year, date and name. Use the forum's terms: parallel forum = 平行论坛, "
    "annual meeting = 年会, countries and regions = 国家和地区, guests = 嘉宾, theme = 主题."
)
_TO_ZH_SHOTS = [
    ("How many guests attended the opening ceremony in 2025?", "2025年开幕式有多少位嘉宾出席？"),
    ("Quels pays et régions ont participé à la réunion annuelle ?", "哪些国家和地区参加了年会？"),
    ("Wie viele Parallelforen gab es beim Zhongguancun Forum?", "中关村论坛举办了多少场平行论坛？"),
]
_FROM_ZH_SYSTEM = (
    "You translate Chinese news sentences about the Zhongguancun Forum (中关村论坛) into {language}. "
    "Output only the translation, with no quotes, notes or explanations. Keep every number, date and name; "
    "write 中关村 as Zhongguancun."
)

_CJK = re.compile(r"[\u4e00-\u9fff]")
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")
_LABEL = re.compile(
    r"^\s*(translation|chinese|中文翻译|中文|翻译|译文|简体中文|answer|问题)\s*[:：]\s*", re.IGNORECASE
)
_QUOTES = "\"'“”‘’「」『』《》`"
_NOTE = re.compile(r"\s*[（(](注|note|translation|翻译|译)[^）)]*[）)]\s*$", re.IGNORECASE)


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


def _model_key(llm: LLM) -> str:
    try:
        name = llm.metadata.model_name
    except Exception:  # a remote model's metadata may need the network; the class is enough then
        name = "?"
    return f"{type(llm).__name__}:{name}"


def is_chinese_text(text: str) -> bool:
    """True when the text is written in Chinese (Han characters, and no kana or hangul)."""
    return bool(_CJK.search(text)) and not _KANA_HANGUL.search(text)


def clean_output(text: str) -> str:
    """First meaningful line of a model reply, without labels, wrapping quotes or trailing notes."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    line = lines[0] if lines else ""
    line = _LABEL.sub("", line)
    line = _NOTE.sub("", line)
    if len(line) >= 2 and line[0] in _QUOTES and line[-1] in _QUOTES:
        line = line[1:-1]
    return line.strip().strip(_QUOTES).strip()


def to_chinese(llm: LLM, question: str) -> str:
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
    messages.append(ChatMessage(role=MessageRole.USER, content=question))
    reply = llm.chat(messages, max_tokens=min(160, 2 * len(question) + 24), stop=["\n"])
    rendered = _with_glossary(clean_output(reply.message.content or ""))
    result = rendered if _CJK.search(rendered) else question
    missing = [term for term in glossary_terms(question) if term not in result]
    if missing:  # the model dropped a forum term: search needs it more than a fluent sentence does
        result = f"{result} {' '.join(missing)}"
    _CACHE.put(key, result)
    return result


def translate(llm: LLM, text: str, target_lang: str) -> str:
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
    reply = llm.chat(messages, max_tokens=min(512, 3 * len(text) + 32))
    result = clean_output(reply.message.content or "") or text
    if code not in ("ja", "ko"):  # small models leave the name in Han characters inside Latin text
        named = result.replace("中关村论坛", " Zhongguancun Forum ").replace("中关村", " Zhongguancun ")
        result = re.sub(r"\s+([,.;:!?])", r"\1", re.sub(r"\s+", " ", named)).strip()
    _CACHE.put(key, result)
    return result
