"""Japanese "how many": 何 followed by a counter (何人, 何日間, 何か国), written for a Chinese reader.

Japanese counts with counters, as Chinese does with measure words, and asks "how many" as 何 + counter. The
same kanji without a counter ask something else: 何年 is "which year" and 何年間 "how many years", 何日 "which
day" and 何日間 "how many days", 何位 and 第何回 a place in a ranking or a series. The 1.5B read 何日間 as
"when" (什么时候), and our detectors read 何年分 ("how many years' worth") as a year, so a Japanese count
question lost what it asks before search. Written in Chinese first (何日間 → 多少天), it is rendered as the
count it is.

The table is the language's common counters, not words of any document or question.
"""

from __future__ import annotations

import re

# Japanese counter -> the Chinese measure word (and noun) a Chinese "how many" uses for it.
COUNTERS: dict[str, str] = {
    "日間": "天",
    "日分": "天",
    "年間": "年",
    "年分": "年",
    "週間": "周",
    "時間": "小时",
    "か月": "个月",
    "カ月": "个月",
    "ヶ月": "个月",
    "ヵ月": "个月",
    "か国": "个国家",
    "カ国": "个国家",
    "ヶ国": "个国家",
    "ヵ国": "个国家",
    "か所": "个地方",
    "カ所": "个地方",
    "ヶ所": "个地方",
    "種類": "种",
    "人": "人",
    "名": "名",
    "個": "个",
    "件": "项",
    "回": "次",
    "社": "家",
    "校": "所",
    "台": "台",
    "点": "项",
    "部": "部",
    "冊": "本",
    "枚": "张",
    "本": "个",
    "倍": "倍",
}
# Longest counters first, so 何日間 is read as 日間 and never as a bare 日.
HOW_MANY = "(?<!第)何(" + "|".join(sorted(map(re.escape, COUNTERS), key=len, reverse=True)) + ")"
_HOW_MANY = re.compile(HOW_MANY)


def asks_how_many(text: str) -> bool:
    """True when Japanese text asks "how many" with 何 and a counter (何人, 何日間, 何か国)."""
    return _HOW_MANY.search(text) is not None


def in_chinese_measure_words(text: str) -> str:
    """Each Japanese 何 + counter written as Chinese 多少 + measure word (何日間 → 多少天, 何か国 → 多少个国家);
    the rest of the text unchanged."""
    return _HOW_MANY.sub(lambda m: "多少" + COUNTERS[m.group(1)], text)
