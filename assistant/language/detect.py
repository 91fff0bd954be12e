"""Which language a question is in, and how to name it in a prompt."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from kernel.errors import BadInputError

LANGUAGE_NAMES = {
    "zh": "简体中文",
    "en": "English",
    "fr": "French",
    "es": "Spanish",
    "de": "German",
    "ja": "Japanese",
    "ko": "Korean",
    "ru": "Russian",
    "ar": "Arabic",
    "it": "Italian",
    "pt": "Portuguese",
}

_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
HAN = re.compile(r"[\u4e00-\u9fff]")  # a Han character (CJK Unified Ideographs): the one copy
_LATIN = re.compile(r"[A-Za-zÀ-ÿ]")


@lru_cache(maxsize=1)
def _latin_detector() -> Any:
    # Built lazily: lingua loads its models on first use, never at import time.
    from lingua import Language, LanguageDetectorBuilder

    languages = [Language.ENGLISH, Language.FRENCH, Language.SPANISH, Language.GERMAN]
    languages += [Language.ITALIAN, Language.PORTUGUESE]
    return LanguageDetectorBuilder.from_languages(*languages).build()


def detect_language(text: str) -> str:
    """ISO 639-1 code of `text`; scripts decide first (cheap and exact), lingua tells Latin languages apart."""
    if _HANGUL.search(text):
        return "ko"
    if _KANA.search(text):
        return "ja"
    if _ARABIC.search(text):
        return "ar"
    if _CYRILLIC.search(text):
        return "ru"
    han = len(HAN.findall(text))
    latin = len(_LATIN.findall(text))
    if han and han * 2 >= latin:
        return "zh"
    if not latin:
        return "zh" if han else "en"
    values = _latin_detector().compute_language_confidence_values(text)
    if not values:
        return "en"
    best = values[0]
    # One unknown word ("asdfgh", "hello") is no evidence of a language: English is the safest reply.
    if len(text.split()) < 2 and best.value < 0.6:
        return "en"
    return str(best.language.iso_code_639_1.name.lower())


def resolve_language(requested: str, text: str) -> str:
    """The answer language: the caller's explicit choice, or the question's language for `auto`."""
    code = (requested or "auto").strip().lower()
    if code == "auto":
        return detect_language(text)
    if not re.fullmatch(r"[a-z]{2}", code):
        raise BadInputError(
            f"Language '{requested}' is not an ISO 639-1 code; use 'auto' or a two-letter code such as 'en'."
        )
    return code


def language_name(code: str) -> str:
    """Name of the language for prompts (falls back to the code itself)."""
    return LANGUAGE_NAMES.get(code, code)


def is_chinese(code: str) -> bool:
    """True for Chinese, the language of the sources."""
    return code == "zh"
