"""Figures across languages and scripts: normalisation, quantities, dates."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.figures.dates import extract_dates
from assistant.figures.numbers import extract_quantities
from assistant.figures.numerals import normalize

FULLWIDTH = str.maketrans("0123456789,", "０１２３４５６７８９，")
DIGITS = "零一二三四五六七八九"


def to_chinese(n: int) -> str:
    """Standard Chinese numerals for 0 <= n < 10^8 (一万零五, 十万, 一千零一十)."""
    if n == 0:
        return "零"

    def four(x: int) -> str:
        out, zero = "", False
        for place, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            d = x // place % 10
            if d == 0:
                zero = zero or bool(out)
                continue
            out += ("零" if zero else "") + DIGITS[d] + unit
            zero = False
        return out

    high, low = divmod(n, 10_000)
    text = (
        four(low)
        if high == 0
        else four(high) + "万" + (("零" if low < 1000 else "") + four(low) if low else "")
    )
    return text[1:] if text.startswith("一十") else text


def values(text: str, lang: str | None = None) -> list[float]:
    return [q.value for q in extract_quantities(text, lang)]


def test_chinese_converter_itself() -> None:
    assert [to_chinese(n) for n in (10, 15, 105, 1010, 10005, 100000, 3000)] == [
        "十", "十五", "一百零五", "一千零一十", "一万零五", "十万", "三千",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("３０００名", None, "3000名"),
        ("ＡＢＣ，（测试）％", None, "ABC,(测试)%"),
        ("3,000 people", None, "3000 people"),
        ("1,234,567", "de", "1234567"),
        ("3 000 personnes", "fr", "3000 personnes"),
        ("3\u00a0000", "en", "3000"),
        ("3 000", "en", "3 000"),
        ("3.000 Gäste", "de", "3000 Gäste"),
        ("3.000 guests", "en", "3.000 guests"),
        ("1.234.567", None, "1234567"),
        ("6.5%", None, "6.5%"),
        ("1,234,5", None, "1,234,5"),
    ],
)
def test_normalize(text: str, lang: str | None, expected: str) -> None:
    assert normalize(text, lang) == expected


@given(
    st.text(alphabet="0123456789０１２,.，． \u00a0\u3000aZ中年万余%％", max_size=40),
    st.sampled_from([None, "en", "de", "fr", "zh"]),
)
@settings(max_examples=400, deadline=None)
def test_normalize_is_idempotent(text: str, lang: str | None) -> None:
    once = normalize(text, lang)
    assert normalize(once, lang) == once


@given(st.integers(min_value=0, max_value=10**12))
@settings(max_examples=300, deadline=None)
def test_integers_in_every_spelling(n: int) -> None:
    for spelling in (str(n), f"{n:,}", str(n).translate(FULLWIDTH), f"{n:,}".translate(FULLWIDTH)):
        assert values(spelling) == [n], spelling
        assert n in values(f"共有{spelling}名参会者"), spelling


@given(st.integers(min_value=0, max_value=10**8 - 1))
@settings(max_examples=400, deadline=None)
def test_chinese_numerals_round_trip(n: int) -> None:
    assert values(f"共{to_chinese(n)}个项目") == [n]


@pytest.mark.parametrize(
    ("text", "lang", "value", "unit", "approx"),
    [
        ("619.91亿元", None, 61_991_000_000, "元", False),
        ("总面积2.7万平方米", None, 27_000, "平方米", False),
        ("超3200亿元", None, 320_000_000_000, "元", True),
        ("来自50余个国家和地区", None, 50, "个", True),
        ("100多个国家和地区", None, 100, "个", True),
        ("千余名嘉宾", None, 1000, "名", True),
        ("百余场活动", None, 100, "场", True),
        ("十余年发展", None, 10, "年", True),
        ("三千名", None, 3000, "名", False),
        ("五十五场", None, 55, "场", False),
        ("一百五十场活动", None, 150, "场", False),
        ("两场重要签约仪式", None, 2, "场", False),
        ("占比16%", None, 16, "%", False),
        ("百分之十六", None, 16, "%", False),
        ("6%以上", None, 6, "%", True),
        ("约有650家企业", None, 650, "家", True),
        ("3,000 participants", None, 3000, None, False),
        ("about 3,000 participants", None, 3000, None, True),
        ("61.991 billion yuan", None, 61_991_000_000, "元", False),
        ("more than a thousand guests", None, 1000, None, True),
        ("fifty-five parallel forums", None, 55, None, False),
        ("plus de 3 000 participants", "fr", 3000, None, True),
        ("plus de 3 mille participants", "fr", 3000, None, True),
        ("mehr als 3 Tausend Gäste", "de", 3000, None, True),
        ("3.000 Gäste", "de", 3000, None, False),
        ("más de 3 mil participantes", "es", 3000, None, True),
        ("более 3 тысяч участников", "ru", 3000, None, True),
        ("12,5 %", "fr", 12.5, "%", False),
        ("42 percent", None, 42, "%", False),
    ],
)
def test_quantities(text: str, lang: str | None, value: float, unit: str | None, approx: bool) -> None:
    found = extract_quantities(text, lang)
    assert [(q.value, q.unit, q.approx) for q in found] == [(value, unit, approx)]
    assert text[slice(*found[0].span)] == found[0].raw


def test_corpus_sentence_figures_and_raw_spans() -> None:
    text = "预计将吸引来自50余个国家和地区的超3000名科学家、企业家及政策制定者参会。论坛设置12场平行论坛、8场技术交易专场"
    found = extract_quantities(text)
    assert [(q.raw, q.value, q.qualifier) for q in found] == [
        ("50余", 50, "over"), ("超3000", 3000, "over"), ("12", 12, None), ("8", 8, None),
    ]  # fmt: skip
    assert text[found[1].unit_end or 0 :].startswith("科学家")


def test_chinese_words_with_numerals_are_not_figures() -> None:
    assert values("统一十分重要，一带一路，万维易源，万一") == []
    assert values("唯一一个平台") == [1]  # the numeral next to the measure word, not 一一 = 11


def test_ambiguous_separator_keeps_the_other_reading() -> None:
    (q,) = extract_quantities("3.000 guests")
    assert q.value == 3.0 and 3000 in q.values()
    (q,) = extract_quantities("3,000 guests")
    assert q.value == 3000 and 3.0 in q.values()


def test_years_are_numbers_and_dates() -> None:
    text = "2023中关村论坛在京举行，the 2026 forum"
    assert values(text) == [2023, 2026]
    assert [d.year for d in extract_dates(text)] == [2023, 2026]
    assert extract_dates("超2000亿元，2500余个项目") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026年3月25日", [(2026, 3, 25)]),
        ("3月25日至29日，2026中关村论坛年会在北京举办。", [(None, 3, 25), (None, 3, 29), (2026, None, None)]),
        ("5月25日到30日", [(None, 5, 25), (None, 5, 30)]),
        ("三月二十五日", [(None, 3, 25)]),
        ("The forum took place from March 25 to 29", [(None, 3, 25), (None, 3, 29)]),
        ("March 25, 2026", [(2026, 3, 25)]),
        ("25 mars 2026", [(2026, 3, 25)]),
        ("du 25 au 29 mars", [(None, 3, 25), (None, 3, 29)]),
        ("vom 25. bis 29. März", [(None, 3, 25), (None, 3, 29)]),
        ("25 de marzo de 2026", [(2026, 3, 25)]),
        ("25 марта", [(None, 3, 25)]),
        ("3/25", [(None, 3, 25)]),
        ("2026-03-25", [(2026, 3, 25)]),
        ("25.03.2026", [(2026, 3, 25)]),
        ("in March 2026", [(2026, 3, None)]),
        ("2013年9月", [(2013, 9, None)]),
        ("March 25 and 55 parallel forums", [(None, 3, 25)]),
        # A decade reads as its first year, as "the 1970s" does; a bare one is of the 20th century.
        ("该所成立于20世纪70年代", [(1970, None, None)]),
        ("二十世纪七十年代", [(1970, None, None)]),
        ("上世纪八十年代初", [(1980, None, None)]),
        ("90年代末", [(1990, None, None)]),
        ("21世纪10年代", [(2010, None, None)]),
        ("10年代", []),  # the 1910s or the 2010s: not guessed
    ],
)
def test_dates(text: str, expected: list[tuple[int | None, int | None, int | None]]) -> None:
    found = extract_dates(text)
    assert [(d.year, d.month, d.day) for d in found] == expected
    assert all(text[slice(*d.span)] == d.raw for d in found)


def test_a_k_suffix_in_either_case_is_a_thousand() -> None:
    # A news article's "5K" (capital K) once stopped every answer over the 58k-chunk index: the magnitude
    # pattern matched k or K, but neither had a value.
    assert [q.value for q in extract_quantities("参加5K跑步和10k骑行")][:2] == [5000.0, 10000.0]


def test_tenths_read_as_a_share_that_a_translated_percentage_matches() -> None:
    """超四成 is "over 40%": an answer that writes the share as a percentage states the source's figure."""
    (source,) = extract_quantities("参赛队伍中超四成来自海外。", "zh")
    (answer,) = extract_quantities("More than 40% of the teams came from abroad.", "en")
    assert (source.value, source.unit, source.qualifier) == (answer.value, answer.unit, answer.qualifier)
    (members,) = extract_quantities("三成员国代表出席。", "zh")  # 三 + 成员国: no share
    assert (members.value, members.unit) == (3.0, "成")
