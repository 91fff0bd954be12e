"""What kind of thing a question asks for: a count ("how many", 多少, 何人), a date ("when", 哪几天, いつ), a
year, or a place in a ranking (第几, 몇 위). The question words are the languages' own, in every language
served; the asker's words and the model's Chinese rendering are read alike."""

from __future__ import annotations

import re

from assistant.language.counters import HOW_MANY

ASKS_NUMBER = re.compile(
    r"多少|几[个场位名家项天届次]|how many|how much|combien|wie viele|wie viel|cuánt|quant|いくつ|몇|얼마|"
    rf"сколько|كم|{HOW_MANY}",
    re.IGNORECASE,
)
ASKS_ORDINAL = re.compile(r"第几|第幾|第何|何位|몇 위|몇위")
# 何年 asks which year; 何年間 and 何年分 how many years (assistant.language.counters).
ASKS_YEAR = re.compile(
    r"哪一?年|几几年|which year|what year|quelle année|welchem jahr|qué año|何年(?![間分])|몇 년|какой год",
    re.I,
)
ASKS_DATE = re.compile(
    r"何时|什么时候|哪几天|哪一?天|哪一日|几号|几月|日期|when|what dates?|which dates?|which days?|quand|"
    r"quelles? dates?|wann|welchen? (tagen?|datum)|cuándo|qué fechas?|quando|いつ|何日(?![間分])|언제|며칠|когда|"
    r"какие даты|какого числа|متى|أي تاريخ|أي تواريخ",
    re.IGNORECASE,
)


def asks_for_figure(question: str) -> bool:
    """True when the question asks for a number or a date ("how many", "when", 多少, 哪几天 …)."""
    return _first_asked(question) is not None


def asks_for_date(question: str) -> bool:
    """True when the question asks when ("when", "which days", 哪几天, いつ …), not how many."""
    return _first_asked(question) == "date"


def asks_for_count(question: str) -> bool:
    """True when the question asks how many or how much: not when, and not which place (第几, 何位)."""
    return _first_asked(question) == "count" and not ASKS_ORDINAL.search(question)


def _first_asked(question: str) -> str | None:
    """Which the question asks first, "date" or "count"; None when it asks neither.

    The asked text is the asker's own words followed by the model's Chinese rendering, and a rendering
    can turn "how many days" (何日間) into "when" (什么时候): the asker's own words, which come first, decide."""
    date, count = ASKS_DATE.search(question), ASKS_NUMBER.search(question)
    if date and (count is None or date.start() <= count.start()):
        return "date"
    return "count" if count else None
