"""The specific words of a question: what keyword search and coverage should look for.

A word is generic, and so not specific, for one of two reasons, neither of them a list written here:
- it is a function word of the language: the stop-word lists of stopwords-iso (the `stopwordsiso` package)
  for the languages whose words reach this code (Chinese renderings of questions, with Latin names and
  terms in them: zh and en);
- it is common in the corpus: a keyword token found in more than half of the indexed chunks
  (`ForumIndex.common_terms`), computed from the index after every ingest.
Interrogatives (哪, 什么, 多少 …) are the asking, not the subject: they are dropped by their morphemes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.language.detect import HAN
from assistant.language.translate import is_chinese_text
from vectorstore.keyword import tokenize, word_tags

# The languages whose words content_terms sees: Chinese text, with Latin-script names and terms in it.
FUNCTION_WORD_LANGUAGES = ("zh", "en")
_QUESTION_WORD = re.compile(r"哪|什么|多少|多久|多长|几|谁|怎|吗|呢|是否")


def function_words(languages: Iterable[str] = FUNCTION_WORD_LANGUAGES) -> frozenset[str]:
    """The stop words of `languages` (ISO 639-1 codes) from stopwords-iso, lowercased; figures are never
    function words (the English list holds "10" and "39", the Chinese one the full-width digits)."""
    import stopwordsiso

    words = (w.strip().lower() for lang in languages for w in stopwordsiso.stopwords(lang))
    return frozenset(w for w in words if w and not any(ch.isdigit() for ch in w))


@dataclass(frozen=True)
class GenericWords:
    """Words that say nothing about which sentence answers: the language's and the corpus's."""

    function: frozenset[str] = frozenset()
    corpus: frozenset[str] = frozenset()

    @classmethod
    def of(cls, corpus: Iterable[str] = ()) -> GenericWords:
        """The language's function words and the corpus's common terms (`ForumIndex.common_terms()`)."""
        return cls(function_words(), frozenset(corpus))

    def __contains__(self, word: object) -> bool:
        return word in self.function or word in self.corpus


def content_terms(text: str, generic: GenericWords) -> list[str]:
    """The question's specific words: tokens that are not generic, not punctuation, not single Han chars."""
    terms = []
    for token in tokenize(text, for_search=False):
        t = token.strip().lower()
        if not t or t in generic or not any(ch.isalnum() for ch in t):
            continue
        if len(t) == 1 and not t.isdigit():
            continue
        if _QUESTION_WORD.search(t):  # 哪一天, 什么样, 多少钱: the asking, not the subject
            continue
        terms.append(t)
    return list(dict.fromkeys(terms))


# jieba's dictionary tags of verbs (vn, a verbal noun such as 活动, names a thing and is not one).
_VERB_TAGS = frozenset({"v", "vd", "vg", "vi", "vq"})


def subject_words(terms: list[str]) -> list[str]:
    """The terms that name what is asked about: not figures, and not verbs. A question's predicate is what
    sources word differently (举办, 举行, 召开 for one event), while the things it names stay the same."""
    tags = word_tags()
    return [t for t in terms if not t.isdigit() and tags.get(t) not in _VERB_TAGS]


def chinese_queries(queries: list[str]) -> list[str]:
    """The Chinese renderings: keyword coverage against Chinese sources only means something for them.

    A Japanese question is full of kanji, but its words are not Chinese ones (中関村, 何日間): when a query
    without kana or Hangul qualifies (the question's Chinese rendering), only such queries count."""
    han = [q for q in queries if len(HAN.findall(q)) * 2 >= len(q.strip()) // 2 and HAN.search(q)]
    return [q for q in han if is_chinese_text(q)] or han
