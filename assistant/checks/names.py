"""Names across scripts. The sources write every name in Han characters; an answer in Russian, Arabic,
Japanese or Korean writes it transliterated or translated, so names cannot be compared letter by letter.
What can be checked in every script:
- a question about a person ("Who …?", 谁, кто, من هو, 誰, 누구) is answered only from a cited sentence
  that names a person. A name in an answer whose cited sentences name nobody was invented (a 0.5B model gave
  an invented Russian first name, with a citation, to such a question);
- a question that asks for a person by a role (谁 after 党组书记 or 部长, 哪位 before 得主) is answered only
  from a cited sentence that names that role: a cited sentence naming another person in another role
  answered a question about a ministry's party secretary with a foundation's co-chair;
- a name the answer puts in quotation marks (a title, a theme, a project) needs a cited sentence that
  quotes one (“…”, 《…》, 「…」): a translated answer quoting "Western Empireism" over a sentence that
  quotes nothing made it up.
"""

from __future__ import annotations

import re

from assistant.checks.verify import quoted_names
from assistant.figures.numerals import regex
from assistant.language.detect import HAN
from assistant.language.thesaurus import same_kind
from vectorstore.keyword import tagged_words

# Question words for a person. French "qui" and Arabic "من" are also a relative pronoun and "from":
# they count only where a question starts with them or asks "qui est / من هو". Not 何人: in Japanese it is
# "how many people".
_ASKS_PERSON = re.compile(
    r"谁|哪位|誰|どなた|누구|"
    r"^\W*qui\b|\bqui (?:est|était|sont|dirige|préside)\b|qui[eé]n(?:es)?\b|"
    r"^\W*من\b|من (?:هو|هي|هم)\b",
    re.IGNORECASE | re.MULTILINE,
)
# English, German and Russian question words by their case: capitalised inside a sentence they are part
# of a name (a band called The Who, «Кто») and in capitals an acronym (WHO); a question starts with them
# or writes them small.
_ASKS_PERSON_CASED = re.compile(
    r"\b(?:who|whom|whose|wer|wem|wen|кт[оo]|кого|кем|кому)\b"
    r"|^\W*(?:Who|Whom|Whose|Wer|Wem|Wen|Кт[оo]|Кого|Кем|Кому)\b",
    re.MULTILINE,
)
# jieba's person tags: nr (Chinese names), nrfg; nrt (transliterated foreign names) only from 3 characters,
# since two-character loanwords such as 比特 ("bit") carry it too.
_MIN_CHARS = {"nr": 2, "nrfg": 2, "nrt": 3}


def asks_for_person(question: str) -> bool:
    """True when the question asks who someone is."""
    return bool(_ASKS_PERSON.search(question) or _ASKS_PERSON_CASED.search(question))


def asked_role(asked: str) -> str | None:
    """The role a Chinese "who" question asks for, or None: the noun right before 是谁 or 为谁 (科技部党组书记
    是谁 → 党组书记), the last noun of the phrase after 谁是 (谁是负责该委员会的主席 → 主席), or the last noun of
    the phrase after 哪位 before its verb or preposition (哪位获奖者在…演讲 → 获奖者). A question
    without one (谁发表了演讲, 他是谁) names no role."""
    words = tagged_words(asked)
    for i, (word, _) in enumerate(words):
        if word == "谁" and i >= 2 and words[i - 1][0] in ("是", "为") and words[i - 2][1].startswith("n"):
            return words[i - 2][0]
        if word == "谁" and words[i + 1 : i + 2] and words[i + 1][0] == "是":
            return _last_noun(words[i + 2 :], ends="x")  # a relative clause may come first: 负责…的主任
        if word == "哪位":
            return _last_noun(words[i + 1 :], ends="pvfdux")  # 或 and figures stay inside the phrase
    return None


def _last_noun(words: list[tuple[str, str]], ends: str) -> str | None:
    """The last noun before the first word whose tag starts with a letter of `ends`."""
    nouns = []
    for word, flag in words:
        if flag[0] in ends:
            break
        if flag.startswith("n"):
            nouns.append(word)
    return nouns[-1] if nouns else None


def holds_role(chinese: str, role: str) -> bool:
    """True when a Chinese sentence names `role`: as written, by its head (a title puts it last: 党委书记 →
    书记, 副部长 → 部长), or by a word Cilin files with it (a rendered question may say 院长 for 主任)."""
    if role in chinese or role[-2:] in chinese:
        return True
    return any(len(word) > 1 and same_kind(word, role[-2:]) for word, _ in tagged_words(chinese))


def names_a_person(chinese: str) -> bool:
    """True when a Chinese sentence names a person (jieba's part-of-speech tags)."""
    return any(len(word) >= _MIN_CHARS.get(flag, 99) for word, flag in tagged_words(chinese))


_LETTERS = r"[^\W\d_]"


def unquoted_name(claim: str, quotes: list[str]) -> str | None:
    """The first name `claim` puts in quotation marks, in a script other than Han, while none of the cited
    `quotes` quotes anything nor holds it as written; else None.

    A title, theme or project that an answer quotes comes from one the source quotes (Chinese news marks
    them with “…” or 《…》). Whether the translation is faithful is not judged: e5 put invented titles as
    close to a source's quoted theme (0.86-0.87) as right translations of it (0.87-0.93). Quoted names in
    Han characters are verification's own rule: they must be in the quotes as written."""
    source = " ".join(quotes).casefold()
    if any(quoted_names(quote) for quote in quotes):
        return None
    names = [
        name
        for name in quoted_names(claim)
        if regex(_LETTERS).search(name) and not HAN.search(name) and name.casefold() not in source
    ]
    return names[0] if names else None
