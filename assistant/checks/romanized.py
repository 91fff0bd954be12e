"""Chinese names in Latin or Cyrillic letters, checked by their sound.

The sources write a person's name in Han characters (黄思远). An answer in English, French, Spanish or German
writes it in pinyin (Huang Siyuan), one in Russian in the Palladius system (Хуан Сыюань): spelling systems,
not translations, so each cited person has one right spelling, which pypinyin gives. A name in the answer
with a cited person's surname and another given name (the 1.5B wrote "Huang Sizhong" for 黄思远), or with
the given name and another surname ("Yu Lin" for 尹霖), is that person misspelt: it is written as the source
spells it. Names of other origins (Sergio Mujica) and words that are not pinyin syllables are left alone.
An answer to "who …?" that spells neither name part of any cited person (an invented "Воронец" over 朱利伟)
names someone the sources do not.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from vectorstore.keyword import tagged_words

# A capitalised word of either alphabet, with the apostrophes and hyphens pinyin spellings use (Xi'an).
_WORD = re.compile(r"[A-ZÀ-ÞА-ЯЁ][A-Za-zÀ-ÿА-Яа-яЁё'’-]*")
_HAN_NAME = re.compile(r"[\u4e00-\u9fff]{2,3}")
# A claim in letters: no kana, hangul or Arabic letters (Han may stand in it for a name or a term).
_LETTERS_ONLY = re.compile(r"[^\u3040-\u30ff\uac00-\ud7af\u0600-\u06ff]*")
_LONGEST_SYLLABLE = 6  # zhuang, shuang


@dataclass(frozen=True)
class Spelling:
    """A cited person's name as one alphabet writes it: surname and given name, each a run of syllables."""

    surname: str
    given: str

    @property
    def written(self) -> str:
        """Surname first, each part capitalised, as Chinese names are written in both alphabets."""
        return f"{self.surname.capitalize()} {self.given.capitalize()}"


def _plain(word: str) -> str:
    """`word` lowercased, without tone marks, apostrophes or hyphens (Huáng → huang, Xi'an → xian, Ё → е)."""
    decomposed = unicodedata.normalize("NFD", word.casefold())
    return "".join(c for c in decomposed if c.isalpha() and not unicodedata.combining(c)).replace("ё", "е")


@functools.cache
def _syllables() -> dict[bool, frozenset[str]]:
    """Every Mandarin syllable in pinyin (False) and in Palladius Cyrillic (True), from pypinyin's readings."""
    from pypinyin.constants import PINYIN_DICT, Style
    from pypinyin.style import convert

    marked = {reading for readings in PINYIN_DICT.values() for reading in readings.split(",")}
    latin = frozenset(_plain(r) for r in marked)
    cyrillic = frozenset(_plain(_toneless(convert(r, Style.CYRILLIC, True))) for r in marked)
    return {False: latin, True: cyrillic}


def _toneless(reading: str) -> str:
    """A pypinyin reading without its tone number (хуан2 → хуан)."""
    return reading.rstrip("012345")


def _is_cyrillic(word: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in word)


def sounds_chinese(word: str) -> bool:
    """True when `word` is a run of Mandarin syllables in its alphabet (Siyuan, Сыюань; not Sergio)."""
    plain, known = _plain(word), _syllables()[_is_cyrillic(word)]
    reachable = [True] + [False] * len(plain)
    for end in range(1, len(plain) + 1):
        reachable[end] = any(
            reachable[start] and plain[start:end] in known
            for start in range(max(0, end - _LONGEST_SYLLABLE), end)
        )
    return bool(plain) and reachable[-1]


def cited_people(quotes: list[str]) -> list[str]:
    """The Chinese names of people in `quotes` (jieba's nr tag, two or three Han characters)."""
    return _people(pair for q in quotes for pair in tagged_words(q))


def _people(tagged: Iterable[tuple[str, str]]) -> list[str]:
    return list(dict.fromkeys(w for w, tag in tagged if tag == "nr" and _HAN_NAME.fullmatch(w)))


def spellings(name: str) -> tuple[Spelling, Spelling]:
    """`name` (黄思远) in pinyin and in Palladius Cyrillic."""
    from pypinyin import Style, lazy_pinyin

    latin = lazy_pinyin(name)
    cyrillic = [_toneless(s) for s in lazy_pinyin(name, style=Style.CYRILLIC)]
    return Spelling(latin[0], "".join(latin[1:])), Spelling(cyrillic[0], "".join(cyrillic[1:]))


def _spells(surname: str, given: set[str], person: Spelling) -> bool:
    return _plain(surname) == _plain(person.surname) and _plain(person.given) in given


def _the_one(people: list[Spelling]) -> Spelling | None:
    return people[0] if len(people) == 1 else None


def _misspelt(first: str, second: str, third: str, people: list[Spelling]) -> Spelling | None:
    """The one cited person that the words `first second` misspell, or None.

    Read surname first (`third` may end a given name written in two words), or given name first when no
    Mandarin word follows (Beijing Huang Siyuan is not read backwards). A person is matched by surname
    (Huang Sizhong, Sizhong Huang for Huang Siyuan), failing that by given name (Yu Lin for Yin Lin)."""
    given = {_plain(second), _plain(second + third)}
    backwards = not (third and sounds_chinese(third))
    if any(_spells(first, given, p) or (backwards and _spells(second, {_plain(first)}, p)) for p in people):
        return None  # spelt right
    by_surname = [p for p in people if _plain(first) == _plain(p.surname)]
    if not by_surname and backwards:
        by_surname = [p for p in people if _plain(second) == _plain(p.surname)]
    if by_surname:
        return _the_one(by_surname)
    return _the_one([p for p in people if _plain(p.given) in given])


def names_no_cited_person(claim: str, quotes: list[str]) -> bool:
    """True when `claim`, written in Latin or Cyrillic letters, names none of the people its cited `quotes`
    name: no word of it spells a cited person's surname or given name (pinyin, Palladius), nor does it hold
    the name in Han characters.

    For a "who" question. Judged only when every cited person has a Chinese name, which has one spelling
    per alphabet: a transliterated foreign name (比尔·盖茨, marked by the middle dot or jieba's nrt) has none
    that pypinyin gives, and answers in other scripts (Arabic, Japanese, Korean) are not spelt in letters. A
    1.5B answer to "which deputy general manager spoke?" named an invented "Воронец" over a sentence naming
    朱利伟 (Чжу Ливэй)."""
    words = _WORD.findall(claim)
    if not words or not _LETTERS_ONLY.fullmatch(claim) or any("·" in q for q in quotes):
        return False
    tagged = [pair for q in quotes for pair in tagged_words(q)]  # each cited sentence tagged once
    names = _people(tagged)
    if not names or any(tag == "nrt" for _, tag in tagged) or any(name in claim for name in names):
        return False
    people = [s for name in names for s in spellings(name)]
    parts = {_plain(part) for p in people for part in (p.surname, p.given)}
    return not any(_plain(word) in parts for word in words)


def respell_names(claim: str, quotes: list[str]) -> str:
    """`claim` with each misspelt cited person written as the sources' name is spelt.

    A misspelling is two capitalised words of Mandarin syllables, next to each other, that share a cited
    person's surname or given name but do not spell that name (Huang Sizhong, Sizhong Huang, Yu Lin for
    黄思远 and 尹霖). When two cited people fit, nothing is changed."""
    words = list(_WORD.finditer(claim))
    if len(words) < 2:
        return claim  # no two capitalised words (a Chinese or Japanese answer): the quotes need no tagging
    people = [s for name in cited_people(quotes) for s in spellings(name)]
    if not people:
        return claim
    fixes: list[tuple[int, int, str]] = []
    for i in range(len(words) - 1):
        first, second = words[i], words[i + 1]
        if claim[first.end() : second.start()] != " " or (fixes and first.start() < fixes[-1][1]):
            continue
        if not (sounds_chinese(first.group()) and sounds_chinese(second.group())):
            continue
        gap = claim[second.end() : words[i + 2].start()] if i + 2 < len(words) else ""
        third = words[i + 2].group() if gap == " " else ""
        if (person := _misspelt(first.group(), second.group(), third, people)) is not None:
            fixes.append((first.start(), second.end(), person.written))
    for start, end, written in reversed(fixes):
        claim = claim[:start] + written + claim[end:]
    return claim
