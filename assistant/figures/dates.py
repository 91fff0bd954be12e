"""Dates in text, in any of the product's languages: "2026年3月25日", "3月25日至29日", "March 25",
"25 mars", "25. März", "25 de marzo", "25 марта", "3/25", "2026-03-25" and bare years.

Verification and conflict detection compare dates across languages, so "March 25" must read as 3月25日.
Every `span` points into the ORIGINAL text (normalisation keeps an offset map, see `numerals.py`).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from assistant.figures.numerals import CJK, cn_value, normalize_map, regex


@dataclass(frozen=True)
class DateMention:
    """A calendar mention; missing parts are None ("3月25日" has no year, "2023" only a year)."""

    year: int | None
    month: int | None
    day: int | None
    raw: str
    span: tuple[int, int]


_MONTH_WORDS = {
    1: "january jan janvier januar jänner enero gennaio janeiro",
    2: "february feb février fevrier februar febrero febbraio fevereiro",
    3: "march mar mars märz maerz marzo março",
    4: "april apr avril abril aprile",
    5: "may mai mayo maggio maio",
    6: "june jun juin juni junio giugno junho",
    7: "july jul juillet juli julio luglio julho",
    8: "august aug août aout agosto",
    9: "september sep sept septembre septiembre setiembre settembre setembro",
    10: "october oct octobre oktober octubre ottobre outubro",
    11: "november nov novembre noviembre novembro",
    12: "december dec décembre decembre dezember diciembre dicembre dezembro",
}
_MONTHS = {w: m for m, words in _MONTH_WORDS.items() for w in words.split()}
_RU_MONTHS = [
    "январ",
    "феврал",
    "март",
    "апрел",
    "ма[йяе]",
    "июн",
    "июл",
    "август",
    "сентябр",
    "октябр",
    "ноябр",
    "декабр",
]
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True)) + "|" + "|".join(f"{s}[ьяеа]?" for s in _RU_MONTHS)
_CN_SMALL_NUM = "[一二三四五六七八九十]{1,3}"
_D = r"(?P<{0}>[0-9]{{1,2}})(?![0-9])(?:st|nd|rd|th|er|e|º)?\.?"
_Y = r"(?P<y>[0-9]{4})(?![0-9])"
_SEP = r"(?:\s*[-–—~]\s*|\s+(?:to|through|until|till|and|au|et|à|bis|und|al|a|y|hasta|по|до|и)\s+)"
_M = rf"(?P<{{0}}>{_MONTH})(?!\w)\.?"
_CJK_DAY = rf"(?:[0-9]{{1,2}}|{_CN_SMALL_NUM})"
# A decade as Chinese writes it: 20世纪70年代, 二十世纪七十年代, 上世纪80年代, 90年代. It is read as the decade's
# first year, as "the 1970s" / "1970er" / "1970-х" are: bare or 上世纪, the decade is of the 20th century.
_DECADE = r"(?:(?P<cent>[0-9]{2}|[一二]?十[一二三四五六七八九]?|上)\s*世纪\s*)?(?P<dec>[1-9]0|[一二三四五六七八九]十)\s*年代"
_DATE_PATTERNS = [
    _DECADE,
    r"(?<![0-9])(?P<y>[0-9]{4})[-/.](?P<m>[0-9]{1,2})[-/.](?P<d>[0-9]{1,2})(?![0-9])",
    (
        rf"(?:(?P<y>[0-9]{{4}}|[〇零一二三四五六七八九]{{4}})\s*[年년]\s*)?(?P<m>{_CJK_DAY})\s*[月월]\s*"
        rf"(?:(?P<d>{_CJK_DAY})\s*[日号일](?:\s*(?:至|到|から|부터|-|–|—|~|〜)\s*(?:(?P<m2>{_CJK_DAY})\s*[月월]\s*)?"
        rf"(?P<d2>{_CJK_DAY})\s*[日号일])?)?"
    ),
    (  # March 25 (to 29 / to April 2), 2026
        rf"(?i)(?<!\w){_M.format('m')}\s+{_D.format('d')}(?:{_SEP}(?:{_M.format('m2')}\s+)?{_D.format('d2')})?"
        rf"(?:,?\s+{_Y})?"
    ),
    (  # 25 (au 29) mars 2026, 25. März, 25 de marzo de 2026, 25 марта
        rf"(?i)(?<![\w.]){_D.format('d')}(?:{_SEP}{_D.format('d2')})?\s+(?:de\s+|of\s+)?{_M.format('m')}"
        rf"(?:,?\s+(?:de\s+|del\s+)?{_Y})?"
    ),
    r"(?<![0-9.])(?P<d>[0-9]{1,2})\.(?P<m>[0-9]{1,2})\.(?P<y>[0-9]{4})(?![0-9])",
    r"(?<![0-9/.])(?P<a>[0-9]{1,2})/(?P<b>[0-9]{1,2})(?:/(?P<y>[0-9]{4}))?(?![0-9/])",
    rf"(?i)(?<!\w){_M.format('m')}\s+(?:de\s+|del\s+)?{_Y}",
    r"(?P<y>[0-9]{4}|[〇零一二三四五六七八九]{4})\s*[年년]",
    r"(?<![0-9])(?<![0-9][.,])(?P<y>19[0-9]{2}|20[0-9]{2})(?![0-9]|[.,][0-9])",
]  # fmt: skip
_SEP_TAIL = (
    r"(?:\s*(?:[-–—~至到〜]|から|부터|to|through|until|till|and|au|et|à|bis|und|al|a|y|hasta|по|до|и))?\s*\Z"
)
# A four-digit figure followed by one of these is an amount or a count, not a year (2000亿元, 2500余个).
_NOT_A_YEAR = r"\s*(?:[万亿千百余多%‰+]|[个名位场项家所人次倍笔款座条篇份台件元]|亿元)"


def _small(value: str | None) -> int | None:
    if not value:
        return None
    if value.isdigit():
        return int(value)
    pieces = cn_value(value)
    return pieces[0][2] if len(pieces) == 1 else None


def month_number(word: str) -> int | None:
    """The month a month name means (English, French, German, Spanish, Italian, Portuguese, Russian)."""
    word = word.lower().rstrip(".")
    if word in _MONTHS:
        return _MONTHS[word]
    for i, stem in enumerate(_RU_MONTHS, start=1):
        if regex(f"{stem}[ьяеа]?").fullmatch(word):
            return i
    return None


def _decade_year(century: str | None, decade: str) -> int | None:
    """1970 for (20, 70); with no century, or 上世纪 ("last century"), the decade is of the 20th century."""
    tens = _small(decade)
    if tens is None:
        return None
    if century in (None, "上"):
        # A bare 10年代 could be the 1910s or the 2010s.
        return 1900 + tens if century or tens >= 20 else None
    hundreds = _small(century)
    return (hundreds - 1) * 100 + tens if hundreds else None


def _read_date(m: re.Match[str]) -> list[tuple[tuple[int, int], int | None, int | None, int | None]]:
    """(span, year, month, day) for each date in a match; a range gives two dates sharing month and year."""
    groups = m.groupdict()
    if "dec" in groups:
        decade = _decade_year(groups["cent"], groups["dec"])
        return [(m.span(), decade, None, None)] if decade else []
    year = _small(groups.get("y"))
    if "a" in groups:  # 3/25 reads month/day; 25/3 day/month
        first, other = int(groups["a"]), int(groups["b"])
        return [(m.span(), year, *((first, other) if first <= 12 else (other, first)))]

    def month_of(key: str) -> int | None:
        value = groups.get(key)
        if value is None:
            return None
        return _small(value) if value[0].isdigit() or regex(CJK).match(value) else month_number(value)

    month, month2 = month_of("m"), month_of("m2")
    day, day2 = _small(groups.get("d")), _small(groups.get("d2"))
    if day2 is None:
        return [(m.span(), year, month, day)]
    second = m.start("m2") if month2 is not None and m.start("m2") < m.start("d2") else m.start("d2")
    tail = regex(_SEP_TAIL).search(m.string, m.start(), second)  # always matches (all of it is optional)
    first_end = second - len(tail.group()) if tail else second
    return [((m.start(), first_end), year, month, day), ((second, m.end()), year, month2 or month, day2)]


def extract_dates(text: str, lang: str | None = None) -> list[DateMention]:
    """Calendar mentions: 2026年3月25日, 3月25日至29日, March 25, 25 mars, 25. März, 25 de marzo, 25 марта,
    3/25, 2026-03-25, "March 2026", and bare years 1900-2099 ("the 2023 forum", "2026中关村论坛").

    A range yields one mention per end ("3月25日至29日" -> 3-25 and 3-29). Invalid parts are dropped.
    """
    norm, index = normalize_map(text, lang)
    taken: list[tuple[int, int]] = []
    found: list[DateMention] = []
    for number, pattern in enumerate(_DATE_PATTERNS):
        for m in regex(pattern).finditer(norm):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            if number == len(_DATE_PATTERNS) - 1 and regex(_NOT_A_YEAR).match(norm, m.end()):
                continue
            for (a, b), year, month, day in _read_date(m):
                while b > a and norm[b - 1].isspace():
                    b -= 1
                if (month is not None and not 1 <= month <= 12) or (day is not None and not 1 <= day <= 31):
                    continue
                if year is not None and not (1000 <= year <= 2999 if month else 1800 <= year <= 2199):
                    continue
                span = (index[a], index[b - 1] + 1)
                found.append(DateMention(year, month, day, text[span[0] : span[1]], span))
                taken.append((a, b))
    return sorted(found, key=lambda d: d.span)


_EDITION_YEAR = re.compile(r"(?<!\d)(20[0-4]\d)(?!\d)")


def years_in(text: str) -> set[int]:
    """Editions a question names, e.g. {2023} for 'How many forums in 2023?'."""
    return {int(y) for y in _EDITION_YEAR.findall(text)}


def date_ranges(text: str, lang: str | None = None) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """((month, day), (month, day)) for each range the text states ("3月25日至29日" -> ((3, 25), (3, 29)))."""
    days = [d for d in extract_dates(text, lang) if d.month is not None and d.day is not None]
    return [
        ((a.month, a.day), (b.month, b.day))  # type: ignore[misc]
        for a, b in itertools.pairwise(days)
        if 0 <= b.span[0] - a.span[1] <= 3
    ]
