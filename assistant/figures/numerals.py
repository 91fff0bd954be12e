"""How figures are written, shared by `numbers.py` (quantities) and `dates.py` (dates).

Full-width and Arabic-Indic digits read as ASCII; thousands separators are removed where unambiguous (with
an offset map, so that every span can point into the ORIGINAL text); Chinese numerals read as integers.

Thousands separators: "," always (two or more groups in languages with a decimal comma); "." only with two or
more groups ("1.234.567"), or one group in languages that write "3.000" for 3000 (de, es, it, ...);
no-break/thin spaces always; a plain space only when `lang` is unknown or a space-grouping language.
"""

from __future__ import annotations

import re
from functools import cache


@cache
def regex(pattern: str) -> re.Pattern[str]:
    """`pattern` compiled once, on first use: compiling the figure and date patterns at import took ~0.1 s."""
    return re.compile(pattern)


# ---------------------------------------------------------------------------------------------- normalise
_TRANSLATE = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_TRANSLATE |= {0x0660 + i: 0x30 + i for i in range(10)} | {0x06F0 + i: 0x30 + i for i in range(10)}
# Languages that write 3,5 for 3.5, and those among them that write 3.000 for 3000.
COMMA_DECIMAL_LANGS = frozenset(
    "fr de es it pt ru nl pl cs sk sv da nb no fi uk tr id ro hu el bg hr sl sr lt lv et ca vi".split()  # noqa: SIM905
)
DOT_THOUSANDS_LANGS = frozenset("de es it pt nl da id tr ro el hr sl sr ca vi".split())  # noqa: SIM905
_NO_SPACE_GROUPS = frozenset({"en", "zh", "ja", "ko"})
_L = r"(?<![0-9])(?<![0-9][.,])"
_COMMA_1, _COMMA_2 = (_L + rf"[0-9]{{1,3}}(?:,[0-9]{{3}}){{{k},}}(?![0-9])(?!,[0-9])" for k in (1, 2))
_DOT_1, _DOT_2 = (_L + rf"[0-9]{{1,3}}(?:\.[0-9]{{3}}){{{k},}}(?![0-9])(?!\.[0-9])" for k in (1, 2))
_NBSP = _L + r"[0-9]{1,3}(?:[\u00a0\u202f\u2009][0-9]{3})+(?![0-9])"
_SPACE = _L + r"[0-9]{1,3}(?:[ \u00a0\u202f\u2009][0-9]{3})+(?![0-9])"
CJK = r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]"


def _group_patterns(lang: str | None) -> list[str]:
    patterns = [_COMMA_2 if lang in COMMA_DECIMAL_LANGS else _COMMA_1]
    patterns.append(_DOT_1 if lang in DOT_THOUSANDS_LANGS else _DOT_2)
    patterns.append(_NBSP if lang in _NO_SPACE_GROUPS else _SPACE)
    return patterns


def normalize_map(text: str, lang: str | None) -> tuple[str, list[int]]:
    """Normalised text and, for each of its characters (plus the end), the offset in `text`."""
    norm = text.translate(_TRANSLATE)
    index = list(range(len(text) + 1))
    for pattern in _group_patterns(lang):
        drop = {i for m in regex(pattern).finditer(norm) for i in range(*m.span()) if not norm[i].isdigit()}
        if drop:
            keep = [i for i in range(len(norm)) if i not in drop]
            norm, index = "".join(norm[i] for i in keep), [index[i] for i in keep] + [index[-1]]
    return norm, index


def normalize(text: str, lang: str | None = None) -> str:
    """Full-width (and Arabic-Indic) characters to ASCII, thousands separators removed where unambiguous."""
    return normalize_map(text, lang)[0]


# ----------------------------------------------------------------------------------------- Chinese numerals
CN_DIGIT = dict(
    zip(
        "〇零一壹二贰两三叁四肆五伍六陆七柒八捌九玖",
        [0, 0, 1, 1, 2, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9],
        strict=True,
    )
)
CN_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
CN_BIG = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}


def cn_value(run: str) -> list[tuple[int, int, int]]:
    """Chinese numerals in `run` as (start, end, value) pieces ("十五五" -> 15 and 5, "二〇二六" -> 2026)."""
    if not any(c in CN_SMALL or c in CN_BIG for c in run):
        return [(0, len(run), int("".join(str(CN_DIGIT[c]) for c in run)))]
    pieces: list[tuple[int, int, int]] = []
    start, total, section, digit, mult, prev = 0, 0, 0, 0, 1, ""
    for i, ch in enumerate(run):
        if ch in CN_DIGIT:
            if prev == "digit":  # two digits in a row: a new number begins
                pieces.append((start, i, total + section + digit * mult))
                start, total, section, digit, mult, prev = i, 0, 0, 0, 1, ""
            if CN_DIGIT[ch] == 0 and prev:  # 零 as a placeholder (一百零五)
                mult, prev = 1, "zero"
                continue
            digit, prev = CN_DIGIT[ch], "digit"
        elif ch in CN_SMALL:
            section += (digit if prev == "digit" else 1) * CN_SMALL[ch]
            digit, mult, prev = 0, CN_SMALL[ch] // 10, "small"
        elif ch in ("亿", "億"):
            total = ((total + section + digit) or 1) * 10**8
            section, digit, mult, prev = 0, 0, 10**7, "big"
        else:
            total = total * 10**4 if prev == "big" and not section and not digit else total
            total += ((section + digit) or (0 if prev == "big" else 1)) * 10**4
            section, digit, mult, prev = 0, 0, 1000, "big"
    pieces.append((start, len(run), total + section + digit * (mult if prev == "digit" else 1)))
    return pieces
