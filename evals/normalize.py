"""Text normalisation for deterministic answer matching: one canonical form for numbers and scripts.

`normalize` starts from the product's figure normaliser (`assistant/numbers.normalize`: full-width and
Arabic-Indic digits to ASCII, thousands separators removed per language), then folds case and accents,
writes Chinese numerals and small number words as digits and turns decimal commas into points. Both the
answer and the accepted alternatives go through it, so the two sides always agree on form; the fact itself
stays strict. (numbers.py extracts figures but does not rewrite text, which substring matching needs.)
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from assistant.figures import numbers

_CN_DIGITS = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
_CN_RUN = re.compile("[零〇一二两三四五六七八九十百千万亿]+")
_CJK = r"\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u1100-\u11ff\uf900-\ufaff"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d{1,2}(?!\d))")
_SPACES = re.compile(r"\s+")
_CJK_LANGUAGES = {"zh", "ja", "ko"}

# Small number words per language, "word=value" (the value defaults to the previous one plus one);
# "one"/"un"/"ein" are left out because they are also articles.
_NUMBER_WORDS = {
    "en": "two=2 three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty=30 forty=40 fifty=50 sixty=60 seventy=70 eighty=80 ninety=90 "
    "hundred=100 thousand=1000",
    "fr": "deux=2 trois quatre cinq six sept huit dix=10 onze douze treize quatorze quinze seize dix-sept "
    "vingt=20 trente=30 quarante=40 cinquante=50 soixante=60 quatre-vingts=80 mille=1000",
    "es": "dos=2 tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince dieciséis "
    "diecisiete veinte=20 treinta=30 cuarenta=40 cincuenta=50 sesenta=60 setenta=70 ochenta=80 noventa=90 "
    "cien=100 ciento=100",
    "de": "zwei=2 drei vier fünf sechs sieben acht neun zehn elf zwölf dreizehn vierzehn fünfzehn sechzehn "
    "siebzehn zwanzig=20 dreißig=30 vierzig=40 fünfzig=50 sechzig=60 siebzig=70 achtzig=80 neunzig=90 "
    "hundert=100 tausend=1000",
    "ru": "два=2 две=2 три трёх=3 четыре пять пяти=5 шесть шести=6 семь восемь восьми=8 девять десять "
    "двенадцать=12 двенадцати=12 семнадцать=17 семнадцати=17 пятьдесят=50 пятидесяти=50 восемьдесят=80 "
    "восьмидесяти=80 сто=100 ста=100 тысяча=1000 тысячи=1000",
    "ar": "ثلاثة=3 ثلاث=3 خمسة=5 خمس=5 ستة=6 ست=6 ثمانية=8 ثماني=8 عشرة=10 خمسين=50 خمسون=50 ثمانين=80 "
    "ثمانون=80 مئة=100 مائة=100 ألف=1000",
}


def _fold(text: str) -> str:
    """Width, case and accents: NFKC, casefold, then drop combining marks."""
    text = unicodedata.normalize("NFKC", text)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def chinese_to_int(run: str) -> int | None:
    """Value of a Chinese numeral ("五十五" -> 55, "三千" -> 3000); None for digit strings ("二三")."""
    total = section = 0
    number: int | None = None
    for char in run:
        if char in "零〇":
            continue  # "一百零五": a zero only marks a skipped place
        if char in _CN_DIGITS:
            if number is not None:
                return None  # two digits in a row only make sense digit-by-digit ("二〇二三")
            number = _CN_DIGITS[char]
        elif char in _CN_SMALL_UNITS:
            section += (1 if number is None else number) * _CN_SMALL_UNITS[char]
            number = None
        else:
            section += number or 0
            total += (section or 1) * _CN_BIG_UNITS[char]
            section, number = 0, None
    return total + section + (number or 0)


def _replace_chinese_numeral(match: re.Match[str]) -> str:
    run = match.group(0)
    before = match.string[match.start() - 1] if match.start() else ""
    # "2.7万", "3千": a unit after Arabic digits is a magnitude word; keep it as written.
    if before.isdigit() and run[0] not in _CN_DIGITS:
        return run
    if all(char in _CN_DIGITS for char in run):
        return "".join(str(_CN_DIGITS[char]) for char in run)
    value = chinese_to_int(run)
    if value is None:  # irregular run such as "十五五": convert character by character
        return "".join(str(_CN_DIGITS.get(c, _CN_SMALL_UNITS.get(c, _CN_BIG_UNITS.get(c)))) for c in run)
    return str(value)


@lru_cache(maxsize=16)
def _number_word_pattern(language: str) -> tuple[re.Pattern[str], dict[str, int]] | None:
    spec = _NUMBER_WORDS.get(language)
    if not spec:
        return None
    folded: dict[str, int] = {}
    value = 0
    for token in spec.split():
        word, _, given = token.partition("=")
        value = int(given) if given else value + 1
        folded[_fold(word)] = value
    alternatives = "|".join(sorted((re.escape(word) for word in folded), key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])"), folded


def normalize(text: str, language: str = "zh", *, keep_spaces: bool = False) -> str:
    """Canonical form of `text` for matching (see the module docstring).

    For zh/ja/ko all whitespace goes (CJK text has no word spaces); `keep_spaces` keeps single spaces
    between non-CJK words instead, so "the 2023 forum" stays three tokens.
    """
    code = language.lower()[:2]
    # Width, Arabic-Indic digits and thousands separators: the product's own rules (assistant/figures/numbers.py).
    text = numbers.normalize(text.replace("\u066c", ""), code or None).replace("\u066b", ".")
    text = _fold(text)
    text = _CN_RUN.sub(_replace_chinese_numeral, text)
    pattern = _number_word_pattern(code)
    if pattern is not None:
        regex, values = pattern
        text = regex.sub(lambda m: str(values[m.group(0)]), text)
    text = _DECIMAL_COMMA.sub(".", text)
    text = _SPACE_NEAR_CJK.sub("", text)
    if code in _CJK_LANGUAGES and not keep_spaces:
        return _SPACES.sub("", text)
    return _SPACES.sub(" ", text).strip()


def contains(haystack: str, needle: str) -> bool:
    """Whether normalised `needle` occurs in normalised `haystack`, respecting number and short-word edges.

    A needle starting or ending with a digit must not touch other digits there ("80" is not in "180" or
    "80.5"); a short Latin needle ("ai", "neo", "may") must be a whole word.
    """
    if not needle:
        return False
    left = r"(?<!\d)(?<!\d\.)" if needle[0].isdigit() else ""
    right = r"(?!\.?\d)" if needle[-1].isdigit() else ""
    if needle.isascii() and needle.isalpha() and len(needle) <= 3:
        left, right = r"(?<![a-z0-9])", r"(?![a-z0-9])"
    return re.search(left + re.escape(needle) + right, haystack) is not None
