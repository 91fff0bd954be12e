"""Tests for quantities.py: the brief's examples in nine languages, round trips, edge cases."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.figures.quantities import (
    LANGUAGES,
    Quantity,
    figure_values,
    find_quantities,
    localise_figures,
    render_date_span,
    render_quantity,
    time_span,
)

FOREIGN = LANGUAGES[1:]


def norm(s: str) -> str:
    """babel writes CLDR spacing (no-break, narrow no-break, thin); compare with plain spaces."""
    return re.sub(r"[\u00a0\u202f\u2009]", " ", s)


#        zh source       en, fr, es, de, ja, ko, ru, ar
TABLE = {
    "2.7万平方米": (
        "27,000 m²",
        "27 000 m²",
        "27.000 m²",
        "27.000 m²",
        "27,000 平方メートル",
        "27,000제곱미터",
        "27 000 м²",
        "27,000 متر مربع",
    ),
    "619.91亿元": (
        "61.991 billion yuan",
        "61,991 milliards de yuans",
        "61,991 mil millones de yuanes",
        "61,991 Milliarden Yuan",
        "619.91億元",
        "619.91억 위안",
        "61,991 млрд юаней",
        "61.991 مليار يوان",
    ),
    "近200": ("nearly 200", "près de 200", "casi 200", "fast 200", "約200", "약 200", "почти 200", "نحو 200"),
    "500余": (
        "more than 500",
        "plus de 500",
        "más de 500",
        "mehr als 500",
        "500以上",
        "500 이상",
        "более 500",
        "أكثر من 500",
    ),
    "3月25日至29日": (
        "March 25–29",
        "25–29 mars",
        "25–29 de marzo",
        "25.–29. März",
        "3月25日～29日",
        "3월 25일~29일",
        "25–29 марта",
        "25–29 مارس",
    ),
    "5月25日到30日": (
        "May 25–30",
        "25–30 mai",
        "25–30 de mayo",
        "25.–30. Mai",
        "5月25日～30日",
        "5월 25일~30일",
        "25–30 мая",
        "25–30 مايو",
    ),
    "2026年3月25日": (
        "March 25, 2026",
        "25 mars 2026",
        "25 de marzo de 2026",
        "25. März 2026",
        "2026年3月25日",
        "2026년 3월 25일",
        "25 марта 2026 г.",
        "25 مارس 2026",
    ),
    "55场": ("55",) * 8,
    "1.2万余人": (
        "more than 12,000 people",
        "plus de 12 000 personnes",
        "más de 12.000 personas",
        "mehr als 12.000 Personen",
        "12,000人以上",
        "12,000명 이상",
        "более 12 000 человек",
        "أكثر من 12,000 شخص",
    ),
    "三十余个国家": (
        "more than 30 countries",
        "plus de 30 pays",
        "más de 30 países",
        "mehr als 30 Länder",
        "30か国以上",
        "30개국 이상",
        "более 30 стран",
        "أكثر من 30 دولة",
    ),
    "百分之六十": ("60%", "60 %", "60 %", "60 %", "60%", "60%", "60 %", "60%"),
    "2026年": ("2026", "2026", "2026", "2026", "2026年", "2026년", "2026", "2026"),
}
# A span of time after a bare figure is written with its unit (babel's duration units).
TABLE["6天"] = ("6 days", "6 jours", "6 días", "6 Tage", "6 日", "6일", "6 дней", "6 أيام")
TABLE["50余年"] = (
    "more than 50 years",
    "plus de 50 ans",
    "más de 50 años",
    "mehr als 50 Jahre",
    "50 年以上",
    "50년 이상",
    "более 50 лет",
    "أكثر من 50 سنة",
)
TABLE["3个月"] = ("3 months", "3 mois", "3 meses", "3 Monate", "3 か月", "3개월", "3 месяца", "3 أشهر")
TABLE["500余家"] = TABLE["500多"] = TABLE["500余"]
TABLE["60%"] = TABLE["百分之六十"]
CASES = [(zh, lang, out) for zh, outs in TABLE.items() for lang, out in zip(FOREIGN, outs, strict=False)]


@pytest.mark.parametrize("zh,lang,expected", CASES)
def test_examples(zh: str, lang: str, expected: str) -> None:
    assert norm(localise_figures(zh, lang)) == expected


@pytest.mark.parametrize("zh", list(TABLE))
def test_zh_is_unchanged(zh: str) -> None:
    assert localise_figures(zh, "zh") == zh
    assert all(render_quantity(q, "zh") == q.text for q in find_quantities(zh))


@pytest.mark.parametrize("zh,lang,expected", CASES)
def test_rendering_keeps_the_figures(zh: str, lang: str, expected: str) -> None:
    """Every non-date value in the source is found again in the rendering, in its language."""
    source = {q.value for q in find_quantities(zh) if q.unit != "date"}
    assert source <= figure_values(localise_figures(zh, lang), lang)


def test_find_quantities_fields() -> None:
    text = "2026中关村论坛于3月25日至29日举办，近200场活动，吸引1.2万余人、三十余个国家参加，成交619.91亿元。"
    got = [(q.text, q.value, q.unit, q.qualifier) for q in find_quantities(text)]
    assert got == [
        ("2026", 2026, "year", "exact"),
        ("3月25日至29日", 25, "date", "exact"),
        ("近200场", 200, "count", "nearly"),
        ("1.2万余人", 12000, "people", "over"),
        ("三十余个国家", 30, "country", "over"),
        ("619.91亿元", 61991000000, "yuan", "exact"),
    ]
    for q in find_quantities(text):
        assert text[q.start : q.end] == q.text
    assert find_quantities(text)[1].parts == (0, 3, 25, 0, 29)


def test_whole_sentence_english() -> None:
    text = "2026中关村论坛于3月25日至29日举办，近200场活动，吸引1.2万余人、三十余个国家参加，成交619.91亿元。"
    assert norm(localise_figures(text, "en")) == (
        "2026中关村论坛于 March 25–29 举办，nearly 200 活动，吸引 more than 12,000 people、"
        "more than 30 countries 参加，成交 61.991 billion yuan。"
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "中关村论坛在北京举行。",
        "论坛开幕了",
        "一个重要平台",
        "千家万户",
        "Hello",
        "给定的三元组",
        "二元关系",
    ],
)
def test_no_quantity_unchanged(text: str) -> None:
    assert find_quantities(text) == []
    for lang in LANGUAGES:
        assert localise_figures(text, lang) == text


def test_a_figure_after_ascii_punctuation_is_found_and_a_time_or_ratio_is_not() -> None:
    # Some sources write Chinese with ASCII punctuation: the figure after 共建": is a count, while the
    # digits after 10: or 1: are the second half of a time or a ratio.
    assert [q.text for q in find_quantities("迈向“合作共建”:12场分论坛")] == ["12场"]
    assert [q.text for q in find_quantities("在此基础上,8家企业")] == ["8家"]
    assert find_quantities("10:30开幕") == find_quantities("比例1:2") == []
    assert [q.text for q in find_quantities("1,200名")] == ["1,200名"]


def test_a_span_of_time_needs_a_bare_figure_before_it() -> None:
    # 26日 is a day of a month, 6月 is June, 10周年 an anniversary, 150场 counts events: none is a span.
    for text in ("26日，论坛开幕", "10周年庆典", "150场活动"):
        assert [time_span(q, text) for q in find_quantities(text)] == [None]
    assert [render_quantity(q, "en", "在为期6天的活动中") for q in find_quantities("在为期6天的活动中")] == [
        "6 days"
    ]
    assert [render_quantity(q, "en") for q in find_quantities("在为期6天的活动中")] == ["6"], (
        "no text, no span"
    )


def test_a_decade_or_a_century_is_no_amount() -> None:
    # 80年代 is the 1980s (figures.dates reads it), 21世纪 the 21st century: neither counts anything. Read as
    # a bare 80, the decade answered "how many young people" (多少年轻人, whose 年 a count of years shares).
    assert find_quantities("从上世纪80年代第一批走出科研院所") == []
    assert find_quantities("20世纪70年代以来") == find_quantities("21世纪以来") == []
    assert [q.text for q in find_quantities("成立于90年代，现有员工3000人")] == ["3000人"]


@pytest.mark.parametrize("lang", FOREIGN)
def test_year_alone_is_a_year(lang: str) -> None:
    assert localise_figures("2026", lang) == "2026"  # never 2,026 / 2 026 / 2.026
    assert "2026" in localise_figures("2026年", lang)
    assert [q.unit for q in find_quantities("2026年")] == ["date"]
    assert 2026 in figure_values(localise_figures("2026年", lang), lang)


def test_more_edge_cases() -> None:
    assert localise_figures("近5年来", "en") == "近 5 years 来"  # 近 = "recent", not "nearly"
    assert localise_figures("近3个月", "en") == "近 3 months"
    assert norm(localise_figures("20位专家", "en")) == "20 专家"  # measure word dropped, noun kept
    assert norm(localise_figures("1200名", "fr")) == "1 200 personnes"
    assert norm(localise_figures("3万人次", "en")) == "30,000 人次"
    assert localise_figures("第三届", "en") == "第三届"
    assert localise_figures("十二月", "en") == "December"
    assert localise_figures("二〇二六年三月", "de") == "März 2026"
    assert localise_figures("3月25日至4月2日", "en") == "March 25\u2009–\u2009April 2"
    assert localise_figures("2026年3月25日至29日", "en") == "March 25–29, 2026"
    assert localise_figures("2月30日", "en") == "2月30日"  # not a date: two plain numbers
    assert localise_figures("200人左右", "de") == "etwa 200 Personen"
    assert localise_figures("超过500家", "ru") == "более 500"
    assert localise_figures("21人以上", "ru") == "более 21 человека"
    assert localise_figures("百分之三点五", "fr") == "3,5\u00a0%"
    assert localise_figures("5000万元", "en") == "50 million yuan"
    assert localise_figures("三万元", "en") == "30,000 yuan"  # a sum in Chinese numerals has its magnitude
    assert localise_figures("门票50元", "en") == "门票 50 yuan"
    assert localise_figures("12平方公里", "en") == "12 km²"
    assert localise_figures("30公里", "de") == "30 km"
    assert render_date_span((0, 3, 25, 0, 0), "ja") == "3月25日"
    assert localise_figures("2026-03-25", "en") == "2026-03-25"  # ISO dates, phone numbers untouched
    assert localise_figures("电话010-12345678", "fr") == "电话010-12345678"
    assert localise_figures("12345678", "en") == "12,345,678"  # no "12.346 million" rounding
    assert localise_figures("1.23456万元", "en") == "12,345.6 yuan"  # exact, no truncation


@pytest.mark.parametrize(
    "text,lang,value",
    [
        ("27,000", "en", 27000),
        ("27 000", "fr", 27000),
        ("27\u202f000", "fr", 27000),
        ("27.000", "de", 27000),
        ("27 000", "ru", 27000),
        ("61.991 billion", "en", 61991000000),
        ("61,991 milliards", "fr", 61991000000),
        ("61,991 Milliarden", "de", 61991000000),
        ("61,991 mil millones", "es", 61991000000),
        ("61,991 млрд", "ru", 61991000000),
        ("619.91億", "ja", 61991000000),
        ("619.91억", "ko", 61991000000),
        ("61.991 مليار", "ar", 61991000000),
        ("619.91亿元", "zh", 61991000000),
        ("1.2万余人", None, 12000),
        ("百分之六十", None, 60),
        ("12,5 %", "de", 12.5),
        ("50 million", "en", 50000000),
        ("3,5", "fr", 3.5),
    ],
)
def test_figure_values(text: str, lang: str | None, value: float) -> None:
    assert value in figure_values(text, lang)


def test_figure_values_details() -> None:
    assert figure_values("27 km", "fr") == {27}  # "k" (thousand) inside "km" is not a scale word
    assert figure_values("27.000", None) >= {27, 27000}  # ambiguous without a language
    assert figure_values("27.000", "en") == {27}
    assert figure_values("2026年3月25日至29日") >= {2026, 3, 25, 29}
    assert figure_values("", "en") == set()


SCALES = st.sampled_from([1, 10**4, 10**8])
UNITS = st.sampled_from([None, "count", "yuan", "people", "country", "m2", "km2", "km", "%"])
QUALS = st.sampled_from(["about", "nearly", "over", "exact"])


@settings(max_examples=400, deadline=None)
@given(st.decimals(min_value=0, max_value=99999, places=2), SCALES, UNITS, QUALS, st.sampled_from(FOREIGN))
def test_round_trip(v: Decimal, scale: int, unit: str | None, qual: str, lang: str) -> None:
    value = float(v * scale)
    q = Quantity(value, unit, qual, "", 0, 0)  # type: ignore[arg-type]
    assert value in figure_values(render_quantity(q, lang), lang)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 9999),
    st.sampled_from(["万", "亿", ""]),
    st.sampled_from(["元", "人", "平方米", "家", ""]),
    st.sampled_from(["近", "约", ""]),
    st.sampled_from(LANGUAGES),
)
def test_chinese_round_trip(n: int, scale: str, unit: str, pre: str, lang: str) -> None:
    zh = f"{pre}{n}{scale}{unit}"
    if not scale and not unit and not pre and 1000 <= n <= 2999:
        return  # a bare 4-digit figure is read as a year; covered above
    value = float(n * {"万": 10**4, "亿": 10**8, "": 1}[scale])
    assert [q.value for q in find_quantities(zh)] == [value]
    assert value in figure_values(localise_figures(zh, lang), lang)


@settings(max_examples=200, deadline=None)
@given(
    st.dates(date(1990, 1, 1), date(2099, 12, 30)), st.integers(1, 5), st.booleans(), st.sampled_from(FOREIGN)
)
def test_date_round_trip(d: date, span: int, with_year: bool, lang: str) -> None:
    y = f"{d.year}年" if with_year else ""
    end = d.day + span if d.day + span <= 28 else d.day
    zh = f"{y}{d.month}月{d.day}日" + (f"至{end}日" if end > d.day else "")
    [q] = find_quantities(zh)
    out = render_quantity(q, lang)
    assert {d.day, end} | ({d.year} if with_year else set()) <= figure_values(out, lang)
    assert not re.search(r"\d,\d{3}|\d\.\d{3}", out)  # the year is never grouped


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("展会吸引百余家机构参展。", [(100.0, "count", "over", "百余家")]),
        ("千余名志愿者参与服务。", [(1000.0, "count", "over", "千余名")]),
        ("万余人次", []),  # 人次 is no measure this reader renders; a bare 万 is no figure
        ("这座桥已有百年历史。", []),  # 百年 alone is a word ("a century"), not a figure
        ("参赛队伍中近三成来自海外。", [(30.0, "%", "nearly", "近三成")]),
        ("八成以上的摊位已售出。", [(80.0, "%", "over", "八成以上")]),
        ("三成员国代表出席。", []),  # 三 + 成员国: jieba reads no 三成 there
        ("规则一成不变。", []),  # an idiom, one word to jieba
    ],
)
def test_round_hundreds_and_tenths(text: str, expected: list[tuple[float, str, str, str]]) -> None:
    """百余 and 千余 are figures (一 left out), and N成 is N tenths, a share, when jieba ends a word at 成."""
    assert [(q.value, q.unit, q.qualifier, q.text) for q in find_quantities(text)] == expected


def test_tenths_are_written_as_percent_for_the_reader() -> None:
    (share,) = find_quantities("参赛队伍中超四成来自海外。")
    assert norm(render_quantity(share, "en")) == "more than 40%"
    assert norm(render_quantity(share, "de")) == "mehr als 40 %"
