"""Names across scripts. The sources write every name in Han characters; an answer in Russian, Arabic,
Japanese or Korean writes it transliterated or translated, so names cannot be compared letter by letter.
What can be checked in every script:
- a question about a person ("Who …?", 谁, кто, من هو, 誰, 누구) is answered only from a cited sentence
  that names a person. A name in an answer whose cited sentences name nobody was invented (a 0.5B model gave
  an invented Russian first name, with a citation, to such a question);
- a name the answer puts in quotation marks (a title, a theme, a project) needs a cited sentence that
  quotes one (“…”, 《…》, 「…」): a translated answer quoting "Western Empireism" over a sentence that
  quotes nothing made it up.
"""

from __future__ import annotations

import re

from assistant.checks.verify import quoted_names
from assistant.figures.numerals import regex
from assistant.language.detect import HAN
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
