"""Rewrite Chinese quantities and dates as readers of zh (unchanged), en, fr, es, de, ja, ko, ru, ar write them.

Chinese numerals are read with ``cn2an``; numbers, percentages, units, months, dates and date ranges are
written with ``babel`` (CLDR).  Only words CLDR lacks (qualifiers such as "more than"; the nouns yuan,
people, countries) are in small tables here.  Deterministic: no models, no network."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Literal

import cn2an
from babel import Locale, dates, numbers, units

from vectorstore.keyword import dictionary_words

LANGUAGES = ("zh", "en", "fr", "es", "de", "ja", "ko", "ru", "ar")
Qualifier = Literal["about", "nearly", "over", "exact"]


@dataclass(frozen=True)
class Quantity:
    """One quantity or date found in Chinese text.

    ``unit`` is one of: None (bare number), "count" (measure word dropped), "people",
    "country", "yuan", "m2", "km2", "km", "%", "year" (bare 4-digit year) or "date".
    For dates ``parts`` is (year, month, day, month2, day2), 0 where absent, and
    ``value`` is the year (or the day / month when there is no year).
    """

    value: float
    unit: str | None
    qualifier: Qualifier
    text: str
    start: int
    end: int
    parts: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)


_CN = "零〇一二两三四五六七八九十百千万亿"
_DAY = r"\d{1,2}|[一二三四五六七八九十]{1,3}"
_DATE = re.compile(
    rf"(?<!\d)(?=(?:\d{{4}}|[〇零一二三四五六七八九]{{4}})年|(?:{_DAY})月)"
    rf"(?:(?P<y>\d{{4}}|[〇零一二三四五六七八九]{{4}})年)?"
    rf"(?:(?P<m>{_DAY})月(?:(?P<d>{_DAY})[日号]"
    rf"(?:[至到~～\-–—](?:(?P<m2>{_DAY})月)?(?P<d2>{_DAY})[日号])?)?)?"
)
_QTY = re.compile(
    rf"(?<![A-Za-z\d第/-])(?<!\d[.,:])(?P<pre>将近|接近|近|大约|约|超过|超|逾)?"
    rf"(?:百分之(?P<pct>[{_CN}点]+)"
    rf"|(?P<num>(?!0\d)\d+(?:,\d{{3}})*(?:\.\d+)?|[零〇一二两三四五六七八九十][{_CN}]*(?:点[零〇一二三四五六七八九]+)?"
    rf"|[百千万](?=[余多]))"  # 百余场, 千余名: "a hundred-odd", the 一 left out
    rf"(?![A-Za-z\d]|[/:-]\d)(?P<scale>万亿|亿|億|万|萬)?(?P<post>余|多)?"
    rf"(?P<unit>%|％|平方米|平方公里|公里|千米|元|人(?!次)|[名位]|个(?!月)|[家场项届件成])?"
    rf"(?P<noun>(?<=个)国家(?!和))?)(?P<tail>以上|左右)?"
)
_ERA = re.compile(r"\s*(?:年代|世纪)")
_SCALE = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8, "万亿": 10**12}
_QUAL_WORDS: dict[str, Qualifier] = {
    **dict.fromkeys(("近", "将近", "接近"), "nearly"),
    **dict.fromkeys(("约", "大约", "左右"), "about"),
    **dict.fromkeys(("超过", "超", "逾", "余", "多", "以上"), "over"),
}
_UNITS = {
    "%": "%",
    "％": "%",
    "平方米": "m2",
    "平方公里": "km2",
    "公里": "km",
    "千米": "km",
    "元": "yuan",
    "人": "people",
    "名": "people",
    "位": "people",
}
_HAN = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")

_QUAL = {  # about, nearly, over
    "en": ("about {}", "nearly {}", "more than {}"),
    "fr": ("environ {}", "près de {}", "plus de {}"),
    "es": ("alrededor de {}", "casi {}", "más de {}"),
    "de": ("etwa {}", "fast {}", "mehr als {}"),
    "ja": ("約{}", "約{}", "{}以上"),
    "ko": ("약 {}", "약 {}", "{} 이상"),
    "ru": ("около {}", "почти {}", "более {}"),
    "ar": ("حوالي {}", "نحو {}", "أكثر من {}"),
}
_NOUNS = {  # "plural-category:form|...", looked up with babel's CLDR plural rules
    "yuan": {
        "en": "other:yuan",
        "fr": "one:yuan|other:yuans",
        "es": "one:yuan|other:yuanes",
        "de": "other:Yuan",
        "ja": "other:元",
        "ko": "other: 위안",
        "ru": "one:юань|few:юаня|many:юаней|other:юаня",
        "ar": "other:يوان",
    },
    "people": {
        "en": "one:person|other:people",
        "fr": "one:personne|other:personnes",
        "es": "one:persona|other:personas",
        "de": "one:Person|other:Personen",
        "ja": "other:人",
        "ko": "other:명",
        "ru": "one:человек|few:человека|many:человек|other:человека",
        "ar": "few:أشخاص|many:شخصًا|other:شخص",
    },
    "country": {
        "en": "one:country|other:countries",
        "fr": "other:pays",
        "es": "one:país|other:países",
        "de": "one:Land|other:Länder",
        "ja": "other:か国",
        "ko": "other:개국",
        "ru": "one:страна|few:страны|many:стран|other:страны",
        "ar": "few:دول|other:دولة",
    },
}
_BABEL_UNITS = {"m2": "area-square-meter", "km2": "area-square-kilometer", "km": "length-kilometer"}
# A span of time right after a bare figure (为期6天, 50余年, 3个月): the reader is told the figure's unit.
# Not 日 (26日 is a day of a month) nor a bare 月 (6月 is June); 年代 is an era, 周年 an anniversary.
_SPANS = re.compile(r"个月|天|年(?![代级轻])|周(?!年)|个?星期|个?小时|分钟")
_SPAN_UNITS = {  # each form _SPANS matches, without the measure word 个
    "月": "duration-month",
    "天": "duration-day",
    "年": "duration-year",
    "周": "duration-week",
    "星期": "duration-week",
    "小时": "duration-hour",
    "分钟": "duration-minute",
}


def _cn_number(s: str) -> Decimal:
    if s[0] in "百千万":  # 百余 is 一百余
        s = "一" + s
    return Decimal(s) if s[0].isdigit() else Decimal(str(cn2an.cn2an(s, "normal")))


def tenths(text: str, start: int, end: int) -> bool:
    """True when the numeral at text[start:end - 1] and the 成 after it mean "tenths" (超四成 = over 40%),
    not a numeral beside another word (三成员国 is 三 + 成员国, 一成不变 an idiom): jieba decides, from its
    dictionary, by ending a word right after the 成."""
    ends, at = set(), start
    for word in dictionary_words(text[start : end + 3]):
        at += len(word)
        ends.add(at)
    return end in ends


def find_quantities(text: str) -> list[Quantity]:
    """Every quantity and date span in a Chinese sentence, in text order."""
    found: list[Quantity] = []
    taken: list[tuple[int, int]] = []
    for m in _DATE.finditer(text):
        try:
            y, mo, d, m2, d2 = (int(_cn_number(g)) if g else 0 for g in m.group("y", "m", "d", "m2", "d2"))
            date(y or 2000, mo or 1, d or 1), date(y or 2000, m2 or mo or 1, d2 or 1)
        except (ValueError, TypeError):
            continue
        if d2 and (m2 or mo, d2) <= (mo, d):
            continue
        found.append(
            Quantity(float(y or d or mo), "date", "exact", m.group(), m.start(), m.end(), (y, mo, d, m2, d2))
        )
        taken.append(m.span())
    for m in _QTY.finditer(text):
        start, end = m.span()
        if any(a < end and start < b for a, b in taken) or not (m["num"] or m["pct"]):
            continue
        pre, unit, num = m["pre"], m["unit"], m["num"]
        if unit == "成" and not tenths(text, m.start("num"), m.end("unit")):
            continue
        if not (unit or m["scale"] or m["pct"]) and _ERA.match(text, end):
            continue  # 80年代, 20世纪: a decade or a century (figures.dates reads the decade), not an amount
        if pre == "近" and re.match(r"年|天|日|周|个月", text[end:]):
            pre, start = None, start + 1  # 近5年 = "the past 5 years", not "nearly"
        try:
            value = _cn_number(m["pct"] or num.replace(",", "")) * _SCALE.get(m["scale"] or "", 1)
        except (ValueError, ArithmeticError):
            continue
        if (
            num
            and not num[0].isdigit()
            and (not (unit or m["scale"]) or value == 1 or (unit == "元" and value < 10))
        ):
            # Lone Chinese numerals (一个, 千家万户...) are words, not figures; so are 三元组 ("triple"),
            # 二元 ("binary") and 四元数: a digit before 元 is a word there, a sum says 三万元 or 3元.
            continue
        value *= 10 if unit == "成" else 1  # tenths
        # 20位专家: a noun follows 名/位, so they are plain measure words there (dropped)
        kind = (
            "%"
            if m["pct"] or unit == "成"
            else "country"
            if m["noun"]
            else None
            if not unit
            else "count"
            if unit in "名位" and _HAN.match(text[end : end + 1])
            else _UNITS.get(unit, "count")
        )
        quals = [_QUAL_WORDS[w] for w in (pre, m["post"], m["tail"]) if w]
        qual: Qualifier = quals[0] if quals else "exact"
        if kind is None and qual == "exact" and not m["scale"] and re.fullmatch(r"[12]\d{3}", num or ""):
            kind = "year"
        found.append(Quantity(float(value), kind, qual, text[start:end], start, end))
        taken.append((start, end))
    return sorted(found, key=lambda q: q.start)


def _dec(value: float) -> Decimal:
    d = Decimal(repr(value))
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


def format_number(value: float, language: str, compact: bool = True) -> tuple[str, bool]:
    """Format ``value`` for ``language``; values >= 1e6 use CLDR words (billion, milliards, 億)
    when that takes at most 3 decimals and loses no digit.  Returns (text, used_compact_form)."""
    d = _dec(value)
    if compact and d >= 10**6:
        s = numbers.format_compact_decimal(
            d, format_type="short" if language == "ru" else "long", locale=language, fraction_digits=3
        )
        if float(d) in _parse_values(s, language):
            return s, True
    return numbers.format_decimal(d, locale=language, decimal_quantization=False), False


def _noun(kind: str, language: str, value: float, qualified: bool, compact: bool) -> str:
    forms = dict(f.split(":", 1) for f in _NOUNS[kind][language].split("|"))
    cat = (
        "many"
        if compact and language == "ru"
        else "other"
        if compact
        else Locale.parse(language).plural_form(_dec(value))
    )
    if language == "ru" and qualified and cat == "one":
        cat = "few"  # более 21 страны: genitive singular
    return forms.get(cat, forms["other"])


def render_date_span(parts: tuple[int, int, int, int, int], language: str) -> str:
    """Write a date, month, year or same-year day range (y, m, d, m2, d2) with babel/CLDR."""
    y, m, d, m2, d2 = parts
    if not m:
        return dates.format_skeleton("y", date(y, 1, 1), locale=language)
    if not d:
        return (
            dates.format_skeleton("yMMMM", date(y, m, 1), locale=language)
            if y
            else dates.get_month_names("wide", "stand-alone", locale=language)[m]
        )
    start = date(y or 2000, m, d)
    if not d2:
        return (
            dates.format_date(start, "long", locale=language)
            if y
            else dates.format_skeleton("MMMMd", start, locale=language)
        )
    end, loc = date(y or 2000, m2 or m, d2), Locale.parse(language)
    skeleton, fmts = ("yMMMMd" if y else "MMMMd"), loc.interval_formats
    skel = skeleton if skeleton in fmts else dates.match_skeleton(skeleton, fmts)
    field = "M" if start.month != end.month else "d"
    if not skel or field not in fmts[skel]:
        s = dates.format_interval(start, end, skeleton, locale=language)
    else:  # widen MMM to MMMM as CLDR's skeleton matching asks (babel does not)
        pats = [re.sub(r"(?<!M)MMM(?!M)", "MMMM", p) for p in fmts[skel][field]]
        s = "".join(dates.parse_pattern(p).apply(x, loc) for p, x in zip(pats, (start, end), strict=False))
    s = re.sub(r"(\d\.?)\s*[–—]\s*(?=\d)", r"\1–", s)  # "25 – 29" -> "25–29"
    return re.sub(r"\s*–\s*", "~", s) if language == "ko" else s  # ko: "~" as CLDR's own yMMMMd


def time_span(q: Quantity, text: str) -> str | None:
    """The span of time a bare figure measures in ``text``, the text it was found in (为期6天 → "天"), as
    written after it, or None."""
    if q.unit is not None:
        return None
    span = _SPANS.match(text, q.end)
    return span.group() if span else None


def render_quantity(q: Quantity, language: str, text: str | None = None) -> str:
    """Write one Quantity as a reader of ``language`` would; zh returns ``q.text``.

    With ``text``, the text ``q`` was found in, a span of time after a bare figure is written with it
    (为期6天 → "6 days"); its characters are not part of ``q``."""
    if language == "zh" or q.unit == "year":  # a bare year (2026) is written as is, never "2,026"
        return q.text
    if q.unit == "date":
        return render_date_span(q.parts, language)
    d, qualified = _dec(q.value), q.qualifier != "exact"
    span = time_span(q, text) if text is not None else None
    if span is not None:
        number = format_number(q.value, language)[0]
        s = units.format_unit(
            d, _SPAN_UNITS[span.removeprefix("个")], "long", format="#,##0.##########", locale=language
        )
        if number not in s:  # CLDR writes one week, two hours without the figure in some languages
            s = f"{number} {s}"
    elif q.unit == "%":
        s = numbers.format_percent(d / 100, locale=language, decimal_quantization=False)
    elif q.unit in _BABEL_UNITS:
        s = units.format_unit(
            d,
            _BABEL_UNITS[q.unit],
            "long" if language in ("ja", "ko", "ar") else "short",
            format="#,##0.##########",
            locale=language,
        )
    else:
        s, compact = format_number(q.value, language)
        if q.unit in _NOUNS:
            noun = _noun(q.unit, language, q.value, qualified, compact)
            de = "de " if compact and language in ("fr", "es") else ""
            s += noun if language in ("ja", "ko") else f" {de}{noun}"
    if qualified:
        s = _QUAL[language][("about", "nearly", "over").index(q.qualifier)].format(s)
    return s


def localise_figures(text: str, language: str) -> str:
    """Replace each Chinese quantity/date in ``text`` by its rendering; leave the rest."""
    if language == "zh":
        return text
    out, pos = [], 0
    for q in find_quantities(text):
        r, end = render_quantity(q, language, text), q.end + len(time_span(q, text) or "")
        if language != "ja" and r != q.text:  # keep words apart from neighbouring Han text
            r = (" " if q.start and text[q.start - 1].isalnum() else "") + r
            r += " " if end < len(text) and text[end].isalnum() else ""
        out += [text[pos : q.start], r]
        pos = end
    return "".join([*out, text[pos:]])


@cache
def _number_re(language: str) -> tuple[re.Pattern[str], dict[str, int]]:
    loc = Locale.parse(language)
    words = {
        p.suffix[0].replace("'", "").strip(): int(mag) // 10 ** (p.int_prec[0] - 1)  # "0 billion" -> 1e9
        for length in ("long", "short")
        for forms in loc.compact_decimal_formats[length].values()
        for mag, p in forms.items()
    }
    words.pop("", None)
    g, dsym = numbers.get_group_symbol(loc), numbers.get_decimal_symbol(loc)
    grp = r"[\s\u00a0\u202f]" if g.isspace() else re.escape(g)
    alts = "|".join(
        re.escape(w) + ("" if _HAN.search(w[-1]) else r"(?![^\W\d_])")
        for w in sorted(words, key=len, reverse=True)
    )
    rx = re.compile(
        rf"(?<![\d{re.escape(dsym)}])(?P<n>\d{{1,3}}(?:{grp}\d{{3}})+(?:{re.escape(dsym)}\d+)?"
        rf"|\d+(?:{re.escape(dsym)}\d+)?)(?:\s*(?P<w>{alts}))?"
    )
    return rx, words


def _parse_values(text: str, language: str) -> set[float]:
    rx, words = _number_re(language)
    return {
        float(numbers.parse_decimal(m["n"], locale=language) * words.get(m["w"] or "", 1))
        for m in rx.finditer(text)
    }


def figure_values(text: str, language: str | None = None) -> set[float]:
    """Numeric values stated in ``text``: Chinese figures (万/亿, 百分之, dates) and numbers
    written in ``language`` (grouping, decimal comma, CLDR scale words such as "billion",
    "milliards", "млрд", "億").  With ``language=None`` every language's reading is
    included, so ambiguous "27.000" yields both 27 and 27000."""
    values: set[float] = set()
    chars = list(text)
    for q in find_quantities(text):
        if _HAN.search(q.text):
            values |= {float(p) for p in q.parts if p} if q.unit == "date" else {q.value}
            chars[q.start : q.end] = " " * (q.end - q.start)
    rest = "".join(chars)
    for lang in [language] if language else LANGUAGES:
        values |= _parse_values(rest, lang)
    return values
