"""Is a text written in a given language? The check behind "correct *in the asker's language*".

`written_in(text, language)` is pure and cheap: scripts decide first, and function words and lingua (built
lazily, once, over the nine supported languages) tell languages of the same script apart: a German question answered in
English is not answered in German. What a foreign reader needs to see around the answer does not count
against it: `[n]` markers, digits and punctuation are dropped, and for the alphabetic languages Chinese
(Han) runs (a quoted name, the original term) are set aside before the language is judged, as long as they
stay a minority of the letters. "The sources say: <a Chinese sentence>" is a Chinese answer with an English
label, not an English answer.

Rules per language (letters are Unicode letters; a CJK character counts as one letter):
- zh: Han characters are more than half the letters; kana and Hangul at most a trace (a Japanese sentence
  is not Chinese).
- ja: Han and kana together are at least half the letters, and kana is at least `MIN_KANA_SHARE` of them
  (kanji alone, or a Chinese sentence behind a short Japanese label, is not Japanese); and at most a trace
  of the Han characters are simplified Chinese forms that Japanese does not use (论坛 where Japanese writes
  論壇 or フォーラム): a character outside Japanese's own character set (Shift_JIS, cp932) is Chinese.
- ko: Han is at most `MAX_HAN_SHARE_KO` of the letters; Hangul is present and at least `MIN_HANGUL_SHARE`
  of the rest (Latin names may fill the remainder).
- en fr es de / ru / ar: CJK characters are at most `MAX_CJK_SHARE` of the letters; of the rest, the
  expected script (Latin / Cyrillic / Arabic) is at least half; then, when at least `MIN_LETTERS` letters of
  that script remain, a clear vote of function words that only one Latin-script language uses decides
  ("the", "und", "selon", "según": short answers full of names fool n-gram models), else lingua must rank
  the language first or within `MARGIN` of the first (a close call on a short sentence is not held
  against the answer), trying once more with name-like capitalised words removed, so that a French answer
  full of English names stays French. Shorter texts are judged by script alone.
A text with no letters at all ("55 [1]") reads the same in every language and passes; an empty one fails.

The product uses the same function to check the language of its own answers; keep this module free of
project imports.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import cache
from typing import Any

LANGUAGES = ("zh", "en", "fr", "es", "de", "ja", "ko", "ru", "ar")
_EXPECTED_SCRIPT = {
    "en": "latin",
    "fr": "latin",
    "es": "latin",
    "de": "latin",
    "ru": "cyrillic",
    "ar": "arabic",
}
_CJK_SCRIPTS = ("han", "kana", "hangul")

MIN_LETTERS = 12  # fewer letters of the expected script than this: judge by script alone
MAX_CJK_SHARE = 0.30  # alphabetic languages: more Han/kana/Hangul than this is not an answer in them
MAX_HAN_SHARE_KO = 0.50  # Korean may quote more Hanja/Chinese, but a Chinese sentence is not Korean
MIN_HANGUL_SHARE = 0.25  # of the non-Han letters of a Korean answer
MIN_KANA_SHARE = 0.20  # of the Han + kana letters of a Japanese answer
MIN_SCRIPT_SHARE = 0.50  # the expected script among the non-CJK letters
TRACE = 0.10  # "at most a trace" for zh
MARGIN = 0.05  # lingua confidence: within this of the first choice is a close call, and counts

# Frequent function words that only one of the four Latin-script languages uses (words two of them share,
# such as de, la, en, que, des, es, y, was, an, are left out): a clear vote of these decides before lingua.
_FUNCTION_WORDS = {
    "en": "the of and is were are it its this that these with from for by at on to which has have had "
    "there they their than been be not or",
    "fr": "le et est une au aux sur dans pour par avec qui sont ont été il elle ils sa ses pas ne leur "
    "selon lors cette ce",
    "es": "el los las del fue una por para con al su sus más como este esta fueron hay también según lo "
    "muy ha han",
    "de": "der die das und ist war wurde wurden sind ein eine einen einem einer dem den mit von auf für im "
    "zu zum zur nicht auch sich bei aus nach über wie dass hat haben fand statt",
}
_FUNCTION_WORD_LANGUAGE = {word: lang for lang, words in _FUNCTION_WORDS.items() for word in words.split()}

_MARKER = re.compile(r"\[\d+\]")
_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_SENTENCE_ENDS = ".!?:;。！？：；"


@cache
def _script(char: str) -> str | None:
    """The script of one letter: han, kana, hangul, latin, cyrillic, arabic, other; None for non-letters."""
    if not char.isalpha():
        return None
    code = ord(char)
    if 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9F:
        return "kana"  # hiragana, katakana (ー included), half-width katakana
    if 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
        return "hangul"
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF or char in "々〆":
        return "han"
    if 0x20000 <= code <= 0x3FFFF:
        return "han"
    name = unicodedata.name(char, "")
    for script in ("LATIN", "CYRILLIC", "ARABIC"):
        if name.startswith(script):
            return script.lower()
    return "other"


def _clean(text: str) -> str:
    """NFKC (full-width letters and digits to ASCII) without the `[n]` citation markers."""
    return _MARKER.sub(" ", unicodedata.normalize("NFKC", text))


def script_counts(text: str) -> Counter[str]:
    """Letters per script in `text` (markers removed; digits and punctuation are not letters)."""
    return Counter(script for char in _clean(text) if (script := _script(char)) is not None)


@cache
def _detector() -> Any:
    """A lingua detector over the nine languages, built on first use (never at import time)."""
    from lingua import Language, LanguageDetectorBuilder

    languages = [
        Language.CHINESE,
        Language.ENGLISH,
        Language.FRENCH,
        Language.SPANISH,
        Language.GERMAN,
        Language.JAPANESE,
        Language.KOREAN,
        Language.RUSSIAN,
        Language.ARABIC,
    ]
    return LanguageDetectorBuilder.from_languages(*languages).build()


def language_confidences(text: str) -> dict[str, float]:
    """lingua's confidence per language (ISO 639-1) among the nine; they sum to 1 (empty: no letters)."""
    values = _detector().compute_language_confidence_values(text)
    return {str(v.language.iso_code_639_1.name.lower()): float(v.value) for v in values}


def _ranks_first(text: str, language: str) -> bool:
    """The language is lingua's first choice, or within `MARGIN` of it (a close call counts for both)."""
    confidences = language_confidences(text)
    if not confidences:
        return False
    return confidences.get(language, 0.0) >= max(confidences.values()) - MARGIN


def _words_in(text: str, script: str) -> list[tuple[str, bool]]:
    """The words written in `script`, each with whether it starts a sentence (digits, CJK and other
    scripts left out)."""
    words = []
    for match in _WORD.finditer(text):
        word = match.group(0)
        letters = [s for c in word if (s := _script(c)) is not None]
        if letters and sum(s == script for s in letters) * 2 > len(letters):
            before = text[: match.start()].rstrip(" \t\n\"'“«„(¿¡")
            starts = not before or before[-1] in _SENTENCE_ENDS
            words.append((word, starts))
    return words


def _name_like(word: str, starts_sentence: bool) -> bool:
    """Capitalised inside a sentence, or an all-caps acronym: probably a name, not the language."""
    if len(word) > 1 and word.isupper():
        return True
    return word[:1].isupper() and not starts_sentence


def function_word_vote(words: list[str]) -> str | None:
    """The Latin-script language whose function words the text uses, when the vote is clear (at least one
    hit, and at least twice as many as any other language); None otherwise."""
    votes = Counter(
        _FUNCTION_WORD_LANGUAGE[w] for word in words if (w := word.casefold()) in _FUNCTION_WORD_LANGUAGE
    )
    ranked = votes.most_common(2)
    if not ranked:
        return None
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    return ranked[0][0] if ranked[0][1] >= 2 * runner_up else None


def _language_agrees(text: str, language: str, script: str) -> bool:
    words = _words_in(text, script)
    if sum(len(w) for w, _ in words) < MIN_LETTERS:
        return True  # too short to judge: the script decided
    if script == "latin" and (vote := function_word_vote([w for w, _ in words])) is not None:
        return vote == language
    if _ranks_first(" ".join(w for w, _ in words), language):
        return True
    # Names in another language can outvote a short sentence: judge once more without them, if enough is
    # left (German nouns are capitalised too: German judged for English leaves too little, and fails).
    plain = [w for w, starts in words if not _name_like(w, starts)]
    return sum(len(w) for w in plain) >= MIN_LETTERS and _ranks_first(" ".join(plain), language)


def _not_japanese_han(text: str) -> int:
    """Han characters Japanese does not write (simplified Chinese forms: 论, 场, 关), counted by the one
    test a standard offers: the character is outside Japanese's own character set (cp932)."""

    def japanese(char: str) -> bool:
        try:
            char.encode("cp932")
        except UnicodeEncodeError:
            return False
        return True

    return sum(1 for char in _clean(text) if _script(char) == "han" and not japanese(char))


def written_in(text: str, language: str) -> bool:
    """Whether `text` is written in `language` (ISO 639-1: zh en fr es de ja ko ru ar); see the module
    docstring for the rules. Raises ValueError for another language code."""
    code = language.strip().lower().split("-")[0]
    if code not in LANGUAGES:
        raise ValueError(f"written_in knows {', '.join(LANGUAGES)}; not {language!r}")
    counts = script_counts(text)
    total = sum(counts.values())
    if total == 0:
        return bool(_clean(text).strip())  # digits and symbols only: language-neutral
    han, kana, hangul = counts["han"], counts["kana"], counts["hangul"]
    if code == "zh":
        return han * 2 > total and kana <= TRACE * (han + kana) and hangul <= TRACE * total
    if code == "ja":
        japanese = (han + kana) * 2 >= total and kana > 0 and kana >= MIN_KANA_SHARE * (han + kana)
        return japanese and _not_japanese_han(text) <= TRACE * han
    if code == "ko":
        rest = total - han
        return han <= MAX_HAN_SHARE_KO * total and hangul > 0 and hangul >= MIN_HANGUL_SHARE * rest
    script = _EXPECTED_SCRIPT[code]
    if sum(counts[s] for s in _CJK_SCRIPTS) > MAX_CJK_SHARE * total:
        return False
    rest = total - sum(counts[s] for s in _CJK_SCRIPTS)
    if counts[script] == 0 or counts[script] < MIN_SCRIPT_SHARE * rest:
        return False
    return _language_agrees(_clean(text), code, script)
