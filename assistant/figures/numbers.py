"""Figures in text, in any of the product's languages: quantities with their units and qualifiers.

Verification, conflict detection and fact checks compare figures across languages, so "3,000", "3 000",
"３０００", "三千", "超3000" and "about 3,000" must all read as 3000 and "619.91亿元" as 61_991_000_000.
Every `span` points into the ORIGINAL text (normalisation keeps an offset map). How digits, separators and
Chinese numerals are read is in `numerals.py`; dates are in `dates.py`.

Choices (documented because they decide what verification accepts):
- A single ambiguous thousands group ("3.000", "3,000", "61.991") keeps its other reading in
  `Quantity.alt_values`.
- A lone Chinese numeral counts only before a measure word or with 余/多/超...: 千余名 and 两场 are figures,
  统一, 十分, 一带一路 and 万维易源 are not. Other languages' number words are read in English only
  ("fifty-five", "a thousand"); bare mille/Tausend/mil/тысяча read as 1000.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

# Re-exported for their old importers: verify.py (dates, normalize, regex) and evals/ (normalize).
from assistant.figures.dates import DateMention as DateMention
from assistant.figures.dates import extract_dates as extract_dates
from assistant.figures.dates import month_number as month_number
from assistant.figures.numerals import (
    CJK,
    CN_BIG,
    CN_DIGIT,
    CN_SMALL,
    COMMA_DECIMAL_LANGS,
    cn_value,
    normalize_map,
)
from assistant.figures.numerals import normalize as normalize
from assistant.figures.numerals import regex as regex
from assistant.figures.quantities import tenths

Qualifier = Literal["over", "under", "about"]


@dataclass(frozen=True)
class Quantity:
    """A figure: `raw` is the figure with its approximation words but without the unit."""

    value: float
    unit: str | None
    approx: bool
    raw: str
    span: tuple[int, int]
    qualifier: Qualifier | None = None  # over (超/余/多/more than), under (近/nearly), about (约/about)
    alt_values: tuple[float, ...] = ()  # other readings of an ambiguous separator ("3.000": 3.0 or 3000)
    unit_end: int | None = None  # offset just after the unit in the original text

    def values(self) -> tuple[float, ...]:
        """Every reading of the figure, the preferred one first."""
        return (self.value, *self.alt_values)


_RECENT_YEARS = range(1990, 2100)


def is_recent_year(q: Quantity) -> bool:
    """A whole number from 1990 to 2099, whatever follows it: a year (an edition, a date), not an amount."""
    return q.value in _RECENT_YEARS and float(q.value).is_integer()


def written_as_year(q: Quantity) -> bool:
    """A figure written as a year (1887年, 1000-2099): it says when, not how many."""
    return float(q.value).is_integer() and q.unit == "年" and 1000 <= q.value < 2100


# --------------------------------------------------------------------------------------------- quantities
_CN_RUN = f"[{''.join(CN_DIGIT)}{''.join(CN_SMALL)}{''.join(CN_BIG)}]+"
_MAG_CHARS = {"百": 100, "千": 1000, "万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_MAG_CHARS |= {"만": 10**4, "억": 10**8, "천": 1000, "백": 100, "k": 1000, "K": 1000}  # _MAG matches k or K
_SCALES = {
    "thousand": 10**3, "million": 10**6, "millions": 10**6, "billion": 10**9, "billions": 10**9,
    "trillion": 10**12, "bn": 10**9, "mn": 10**6, "mln": 10**6, "mille": 10**3, "milliers": 10**3,
    "milliard": 10**9, "milliards": 10**9, "tausend": 10**3, "mio": 10**6, "millionen": 10**6,
    "milliarde": 10**9, "milliarden": 10**9, "mrd": 10**9, "mil millones": 10**9, "mil": 10**3,
    "millón": 10**6, "millones": 10**6, "mila": 10**3, "milioni": 10**6, "miliardi": 10**9,
    "milhões": 10**6, "тыс": 10**3, "тысяча": 10**3, "тысячи": 10**3, "тысяч": 10**3, "млн": 10**6,
    "миллион": 10**6, "миллиона": 10**6, "миллионов": 10**6, "млрд": 10**9, "миллиард": 10**9,
    "миллиарда": 10**9, "миллиардов": 10**9,
}  # fmt: skip
_LONG_SCALE = {"fr", "de", "es", "it", "nl", "pl"}  # "billion" = 10^12 there
_SCALE_ALT = "|".join(sorted(map(re.escape, _SCALES), key=len, reverse=True))

# After digits: 619.91亿, 2.7万, 3千万, 3k, "3 thousand", "61.991 billion" (十 never follows digits).
_MAG = rf"(?i)([百千万萬亿億만억천백]+|k(?![A-Za-z]))|\s*({_SCALE_ALT})\.?(?!\w)"
_NUM_DOT, _NUM_COMMA = r"(?<![0-9])[0-9]+(?:\.[0-9]+)?", r"(?<![0-9])[0-9]+(?:[.,][0-9]+)?"
_EN_SMALL = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
_EN_SMALL += "sixteen seventeen eighteen nineteen"
_EN_WORDS = {w: i for i, w in enumerate(_EN_SMALL.split())}
_EN_WORDS |= {
    w: 10 * i
    for i, w in enumerate(["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"], 2)
}
_EN_SCALE = {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9}
_EN_ANY = "|".join([*_EN_WORDS, *_EN_SCALE])
_EN_RE = rf"(?i)\b(?:an?|{_EN_ANY})(?:(?:[\s-]+and)?[\s-]+(?:{_EN_ANY}))*\b"
_BARE_THOUSAND = r"(?i)(?<!\w)(?:(?:un|une|ein|eine|одна)\s+)?(?:mille|tausend|mil|тысяч[аи]?)(?!\w)"

_OVER = "超过|超出|超|逾|多于|高于|多达|more than|over|above|exceeding|in excess of|at least|upwards of|"
_OVER += "plus de|au moins|mehr als|über|mindestens|más de|al menos|более|свыше|больше|не менее|以上"
_UNDER = "不超过|不到|不足|将近|接近|近|nearly|almost|close to|up to|under|fewer than|less than|no more than|"
_UNDER += "près de|presque|quasi|fast|knapp|beinahe|bis zu|casi|cerca de|hasta|почти|менее"
_ABOUT = "大约|约有|约为|约|大概|about|around|approximately|approx\\.|roughly|some|circa|ca\\.|~|≈|environ|"
_ABOUT += "autour de|quelque|etwa|rund|ungefähr|unos|unas|alrededor de|aproximadamente|около|примерно|約|약"
_PREFIX = rf"(?i)(?<![A-Za-zА-яЁё])(?:(?P<under>{_UNDER})|(?P<over>{_OVER})|(?P<about>{_ABOUT}))\s*\Z"
_SUFFIX = r"(?i)\s*(?:(?P<over>余|多|\+|以上|余り|여|이상|-?plus\b|or more\b)|(?P<about>来|左右|前后))"
_CJK_UNITS = (  # noqa: SIM905
    "平方公里 平方米 公里 公斤 小时 分钟 人次 美元 欧元 元 个 名 位 场 项 家 所 人 次 届 天 倍 笔 "
    "款 座 条 篇 份 台 件 年 月 日 号 周 秒 岁 核 层 种 批 类 支 颗 只 辆 架 艘 部 本 张 "
    "块 亩 吨 克 米 度 成 期 轮 円 社 回 명 개 원 년 월 일 회 건"
).split()
_UNIT_NAMES = {
    "percent": "%", "per cent": "%", "pour cent": "%", "prozent": "%", "por ciento": "%", "‰": "‰",
    "yuan": "元", "rmb": "元", "cny": "元", "юаней": "元", "usd": "美元", "dollars": "美元", "dollar": "美元",
    "euros": "欧元", "euro": "欧元", "€": "欧元", "$": "美元", "¥": "元", "£": "英镑",
}  # fmt: skip
_LATIN_UNITS = "|".join(sorted((re.escape(k) + (r"\b" if k[0].isalpha() else "")) for k in _UNIT_NAMES))
_CJK_UNIT_ALT = "|".join(sorted(_CJK_UNITS, key=len, reverse=True))
_UNIT = rf"(?i)[ \t]*(?P<u>%|процент\w*|{_CJK_UNIT_ALT}|{_LATIN_UNITS})"
_AFTER_UNIT = r"(?P<over>以上|余)|(?P<about>左右)|(?P<more>多)"
_TIME_UNITS = {"年", "月", "天", "小时", "周", "倍", "个"}


def _qualifier(match: re.Match[str] | None) -> Qualifier | None:
    if match is None:
        return None
    kind = match.lastgroup
    return "over" if kind in ("over", "more") else "under" if kind == "under" else "about"


def _build(
    text: str, norm: str, index: list[int], start: int, end: int, value: Decimal, alts: tuple[float, ...] = ()
) -> tuple[Quantity, bool]:
    """The quantity at norm[start:end] with its qualifiers and unit; the flag says whether it has either."""
    unit: str | None = None
    head = start
    if start and norm[start - 1] in "$€¥£":  # "$3 billion", "more than €2m"
        head, unit = start - 1, _UNIT_NAMES.get(norm[start - 1], norm[start - 1])
    prefix = regex(_PREFIX).search(norm, max(0, head - 24), head)
    qualifier = _qualifier(prefix)
    raw_start = prefix.start() if prefix else head
    suffix = regex(_SUFFIX).match(norm, end)
    raw_end = suffix.end() if suffix else end
    qualifier = qualifier or _qualifier(suffix)
    if norm[max(0, raw_start - 3) : raw_start] == "百分之":
        unit, raw_start = "%", raw_start - 3
    unit_end = None
    found = regex(_UNIT).match(norm, raw_end)
    if found and unit is None:
        word = found.group("u")
        unit = "%" if word.lower().startswith("процент") else _UNIT_NAMES.get(word.lower(), word)
        if unit == "成" and tenths(norm, start, found.end()):  # 四成 is 40%
            unit, value = "%", value * 10
        unit_end = found.end()
        after = regex(_AFTER_UNIT).match(norm, unit_end)
        if after and (after.lastgroup != "more" or unit in _TIME_UNITS):
            qualifier = qualifier or _qualifier(after)
    orig = (index[raw_start], index[raw_end - 1] + 1)
    quantity = Quantity(
        value=float(value), unit=unit, approx=qualifier is not None, raw=text[orig[0] : orig[1]].strip(),
        span=orig, qualifier=qualifier, alt_values=alts,
        unit_end=index[unit_end - 1] + 1 if unit_end else None,
    )  # fmt: skip
    return quantity, unit is not None or qualifier is not None


def _digit_quantities(
    text: str, norm: str, index: list[int], lang: str | None, taken: list[bool]
) -> list[Quantity]:
    comma_decimal = lang in COMMA_DECIMAL_LANGS or (lang is None and not regex(CJK).search(norm))
    out = []
    for m in regex(_NUM_COMMA if comma_decimal else _NUM_DOT).finditer(norm):
        digits = m.group().replace(",", ".")
        if "," in m.group() and lang not in COMMA_DECIMAL_LANGS and len(digits.split(".")[1]) == 3:
            continue  # "1,234,5": an ambiguous list, not a number
        value, end, mult = Decimal(digits), m.end(), 1
        mag = regex(_MAG).match(norm, end)
        if mag and mag.group(1):
            for ch in mag.group(1):
                mult *= _MAG_CHARS[ch]
        elif mag:
            word = mag.group(2).lower()
            mult = 10**12 if word.startswith("billion") and lang in _LONG_SCALE else _SCALES[word]
        end = mag.end() if mag else end
        alts: list[float] = []
        if mag and mag.group(2) and mag.group(2).lower().startswith("billion") and lang is None:
            alts.append(float(value * 10**12))
        raw_digits = text[index[m.start()] : index[m.end() - 1] + 1]
        if regex(r"[0-9]{1,3}[.,][0-9]{3}").fullmatch(raw_digits):  # one group: the other convention too
            other = Decimal(raw_digits.replace(",", "").replace(".", ""))
            alts.insert(0, float((other if "." in digits else value / 1000) * mult))
        for i in range(m.start(), end):
            taken[i] = True
        alts = [a for a in dict.fromkeys(alts) if a != float(value * mult)]
        out.append(_build(text, norm, index, m.start(), end, value * mult, tuple(alts))[0])
    return out


def _well_formed(piece: str) -> bool:
    """三千, 五十五, 一百五十, 十五: a digit then a unit (not "一十": 统一十分), or 十 then a digit."""
    if len(piece) < 2 or piece.startswith("一十"):
        return False
    if piece[0] == "十":
        return len(piece) == 2 and piece[1] in CN_DIGIT
    return piece[0] in CN_DIGIT and CN_DIGIT[piece[0]] > 0 and (piece[1] in CN_SMALL or piece[1] in CN_BIG)


def _cn_quantities(text: str, norm: str, index: list[int], taken: list[bool]) -> list[Quantity]:
    out = []
    for m in regex(_CN_RUN).finditer(norm):
        start = m.start()
        while start < m.end() and taken[start]:
            start += 1
        run = norm[start : m.end()]
        if not run or (run == "百" and norm.startswith("分之", m.end())):
            continue
        for a, b, value in cn_value(run):
            if not any(c in CN_SMALL or c in CN_BIG for c in run[a:b]) and b - a > 1:
                spelled = (
                    "〇" in run[a:b] or "零" in run[a:b] or (b - a == 4 and norm.startswith("年", start + b))
                )
                if not spelled:  # "唯一一个": only the numeral next to the measure word counts
                    a, value = b - 1, CN_DIGIT[run[b - 1]]
            quantity, marked = _build(text, norm, index, start + a, start + b, Decimal(value))
            # Chinese numerals are figures with a measure word or 余/多/超 (两场, 千余名), when well formed
            # (三千, 五十五, 十五) or spelled digit by digit (二〇二六): 统一, 十分, 一带一路, 万一 are words.
            if marked or _well_formed(run[a:b]) or (b - a > 1 and ("〇" in run[a:b] or "零" in run[a:b])):
                out.append(quantity)
    return out


def _word_quantities(text: str, norm: str, index: list[int], taken: list[bool]) -> list[Quantity]:
    out = []
    for m in regex(_EN_RE).finditer(norm):
        words = [w for w in re.split(r"[\s-]+", m.group().lower()) if w != "and"]
        total, current, scaled = 0, 0, False
        for w in words:
            if w in _EN_WORDS:
                current += _EN_WORDS[w]
            elif w == "hundred":
                current, scaled = (current or 1) * 100, True
            elif w in _EN_SCALE:
                total, current, scaled = total + (current or 1) * _EN_SCALE[w], 0, True
        value = total + current
        if any(taken[m.start() : m.end()]) or (value <= 1 and not scaled) or words in (["a"], ["an"]):
            continue  # "one", "a" and "zero" are words, not figures
        out.append(_build(text, norm, index, m.start(), m.end(), Decimal(value))[0])
    for m in regex(_BARE_THOUSAND).finditer(norm):
        if not any(taken[m.start() : m.end()]) and not any(
            q.span[0] <= index[m.start()] < q.span[1] for q in out
        ):
            out.append(_build(text, norm, index, m.start(), m.end(), Decimal(1000))[0])
    return out


def extract_quantities(text: str, lang: str | None = None) -> list[Quantity]:
    """Every figure in `text` (digits, Chinese numerals, English number words), in reading order.

    `lang` (ISO 639-1, optional) decides separators: "3.000" is 3000 in German, 3.0 in English. Years
    and date parts are figures too (2023, 3月25日 -> 3 and 25); `extract_dates` reads them as dates.
    """
    norm, index = normalize_map(text, lang)
    taken = [False] * len(norm)
    found = _digit_quantities(text, norm, index, lang, taken)
    found += _cn_quantities(text, norm, index, taken)
    found += _word_quantities(text, norm, index, taken)
    return sorted(found, key=lambda q: q.span)
