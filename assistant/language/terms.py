"""The specific words of a question: what keyword search and coverage should look for."""

from __future__ import annotations

import re

from vectorstore.keyword import tokenize

# Words that every question about this corpus shares: they say nothing about whether a sentence answers.
GENERIC_WORDS = frozenset(
    """中关村 论坛 中关村论坛 年会 举办 举行 召开 多少 什么 哪些 哪个 哪 几 几个 是 的 了 吗 呢 在 有 和 与 及
    年 届 本届 今年 这 那 它 其 该 请问 一共 共 总共 个 场 名 位 次 为 被 将 从 到 对 于 上 中 谁 如何 怎么
    怎样 时候 何时 哪天 哪几天 期间 当时 时间 多久 多长 多长时间 the of and a an in on at to for is are was were what
    which who how many much when where did does do forum zhongguancun""".split()  # noqa: SIM905
)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_QUESTION_WORD = re.compile(r"哪|什么|多少|几|谁|怎|吗|呢|是否")


def content_terms(text: str) -> list[str]:
    """The question's specific words: tokens that are not generic, not punctuation, not single Han chars."""
    terms = []
    for token in tokenize(text, for_search=False):
        t = token.strip().lower()
        if not t or t in GENERIC_WORDS or not any(ch.isalnum() for ch in t):
            continue
        if len(t) == 1 and not t.isdigit():
            continue
        if _QUESTION_WORD.search(t):  # 哪一天, 什么样, 多少钱: the asking, not the subject
            continue
        terms.append(t)
    return list(dict.fromkeys(terms))


def chinese_queries(queries: list[str]) -> list[str]:
    """The Chinese renderings: keyword coverage against Chinese sources only means something for them."""
    return [q for q in queries if len(_HAN.findall(q)) * 2 >= len(q.strip()) // 2 and _HAN.search(q)]
