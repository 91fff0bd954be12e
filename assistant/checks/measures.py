"""Measured things, found in the corpus: what a figure counts, read from the words right after it.

A figure with a measure word is followed by the thing it counts: 50余个国家, 12场平行论坛, 千余名嘉宾. The
thing is the noun phrase after the measure word (jieba's dictionary tags: a run of nouns and their
modifiers that ends on a noun, up to four words). A (measure word, noun phrase) pair that follows figures
in at least two different documents of the index is a *measure*: something the sources count, that two of
them can disagree about. Nothing here names a measure: they come from the documents, once per document
version, and are kept in the index's catalog (`CorpusMeasures`).

Not measures: a figure before a calendar unit (2026年, 5月, 26日, 1号: a time, not a count), and 一 before a
measure word (一场 …, 一批 …: the Chinese indefinite article, "a", not a count).
"""

from __future__ import annotations

import json
import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from assistant.figures.numbers import Quantity, extract_quantities
from assistant.figures.quantities import Quantity as Counted
from assistant.language.detect import HAN
from assistant.language.thesaurus import filed_under, same_kind
from vectorstore.index import ForumIndex
from vectorstore.keyword import dictionary_words, word_tags

CALENDAR_UNITS = frozenset("年 月 日 号".split())  # noqa: SIM905
INDEFINITE = "一"
MIN_DOCUMENTS = 2  # a thing two sources can disagree about is one at least two sources count
MAX_WORDS = 4
# The measure word a Chinese "how many" counts in: 多少核 → 核, 几项 → 项, 多少个国家 → 国 (个 is generic).
COUNTED_IN = re.compile(r"(?:多少|几)个?([\u4e00-\u9fff])")
# Measure words of things and people: a share, a sum of money or an area (6.5%, 1000元, 2万平方米) counts
# none of them, so it does not answer 多少名青年 or 几场活动.
_THING_MEASURES = frozenset("名位个人场项家届件所座")
# A share, a sum or an area, and what it cannot measure, by Cilin class: people ("A") are counted, and money ("Dj":
# 售价, 资金) is a sum, so 6.5% answers neither 多少年轻人 nor 售价是多少, and 1000元 no 多少游客.
_NOT_MEASURED_BY = {
    "%": ("A", "Dj"),
    "yuan": ("A",),
    "m2": ("A", "Dj"),
    "km2": ("A", "Dj"),
    "km": ("A", "Dj"),
}
# Money, by Cilin class (钱, 售价, 成本, 费用, 收入): only a sum answers it, in yuan or in a currency right after
# the figure (100亿美元, 50欧元); 360度 measures degrees, not what something cost.
_MONEY = ("Dj",)
_CURRENCY_AFTER = re.compile(r"[\u4e00-\u9fff]?元")
_MODIFIER_TAGS = frozenset({"a", "an", "b", "j", "s", "vn"})
META_KEY = "measures"
RULES_VERSION = "1"  # bump when the pair rules change: kept pairs of an older version are found again


def _is_noun(tag: str | None) -> bool:
    return tag is not None and (tag.startswith("n") or tag == "vn")


def _tagged_words(text: str) -> list[tuple[str, str | None]]:
    """jieba's dictionary words of `text` with their dictionary part-of-speech tags (None: not a word)."""
    tags = word_tags()
    return [(word, tags.get(word)) for word in dictionary_words(text)]


def noun_after(text: str, start: int) -> str | None:
    """The noun phrase that begins at `start` (right after a measure word), or None."""
    words: list[tuple[str, str | None]] = []
    for word, tag in _tagged_words(text[start : start + 6 * MAX_WORDS]):
        if len(words) == MAX_WORDS or not (_is_noun(tag) or tag in _MODIFIER_TAGS):
            break
        words.append((word, tag))
    while words and not _is_noun(words[-1][1]):
        words.pop()
    return "".join(word for word, _ in words) or None


def head_noun(phrase: str) -> str:
    """The thing a noun phrase names: its last word's last two characters, as Chinese compounds put their
    head last (中外嘉宾 → 嘉宾, 重大成果 → 成果, 科学家 → 学家, 球 → 球)."""
    return _tagged_words(phrase)[-1][0][-2:]


def measured_nouns(asked: str) -> set[str]:
    """The words a "how many" or "how much" measures: the word right after 多少 or 几 (多少年轻人, 几个学生),
    and the word before 是 or 为 多少 (售价是多少, 成交额为多少)."""
    words = [word for word, _ in _tagged_words(asked)]
    found = set()
    for i, word in enumerate(words):
        if word in ("多少", "几", "几个"):
            found.update(words[i + 1 : i + 2])
            if i >= 2 and words[i - 1] in ("是", "为"):
                found.add(words[i - 2])
    return found


def counts_asked_thing(q: Counted, clause: str, asked: str) -> bool:
    """A measure word counts many things (名 counts engineers and students alike): when the figure's
    measure word is followed by a noun phrase, its head noun, or a noun of the question of the same kind
    (`same_kind`: a rendered question may say 成就 for the source's 成果), must be in the question
    (2000名工程师 does not answer 多少名学生). Without a noun phrase the measure word alone decides; a figure
    without a measure word (256核, 2球) is followed by the counted thing itself. A share, a sum or an area
    counts no people or things (6.5% does not answer 多少名青年 or 多少年轻人), and only a sum of money answers a
    question about money (neither 6.5% nor 360度 answers 售价是多少)."""
    if not HAN.search(asked):
        return True  # no Chinese words (the question was not rendered): nothing to judge the noun by
    money = q.unit == "yuan" or _CURRENCY_AFTER.match(clause, q.end) is not None
    # The question's nouns are read only for a figure that is no sum (Cilin files the measure word 项 under
    # money too: it is no noun).
    if not money and any(filed_under(n, _MONEY) for n in measured_nouns(asked) if n not in _THING_MEASURES):
        return False
    if (classes := _NOT_MEASURED_BY.get(q.unit or "")) is not None:
        return not (
            _THING_MEASURES.intersection(COUNTED_IN.findall(asked))
            or any(filed_under(noun, classes) for noun in measured_nouns(asked))
        )
    if q.unit != "count" or (thing := noun_after(clause, q.end)) is None:
        return True
    head, last = head_noun(thing), _tagged_words(thing)[-1][0]
    if head in asked:
        return True
    # jieba keeps some phrases whole (重大成就), so each asked word is also read by its last two characters.
    # Words of other scripts need no filter: Cilin holds Chinese words only.
    words = {form for word, _ in _tagged_words(asked) if len(word) > 1 for form in (word, word[-2:])}
    return any(same_kind(word, last) or same_kind(word, head) for word in words)


def states_asked_count(q: Counted, text: str, asked: str) -> bool:
    """True when the figure `q` of `text` is a count of what the Chinese "how many" in `asked` counts: in its
    measure word (多少核 → 256核, 几天 → 为期6天) and of its noun (`counts_asked_thing`). Times and years never."""
    if q.unit in ("year", "date"):
        return False
    words = set(COUNTED_IN.findall(asked))
    # The 家 of 个国家 is part of the noun, not a measure word: 160多个国家 counts countries, not 多少家 firms.
    own = q.text.replace("国家", "国")
    return (
        any(w in own or _counts_next(q, text, w) for w in words)
        and counts_asked_thing(q, text, asked)
        and not counts_for_a_part(q, text, asked)
    )


_ASPECT = frozenset({"ul", "uguo"})  # 了, 过 after a verb
_CLAUSE_END = re.compile(r"[，,；;。：:！!？?]")


def counts_for_a_part(q: Counted, text: str, asked: str) -> bool:
    """True when the figure is counted by a part of what the question names: the subject of the verb right
    before it is a noun phrase that begins with the question's words and ends on two or more it does not hold
    (本届博览会青少年板块举办了30场活动: the fair's youth section held 30 events; the question asked how many
    the fair held). Only that shape is judged: a figure after a noun or a 的 is not, nor one whose subject
    the question does not name (本届博览会共举办了120场活动 is the fair's)."""
    before = text[: q.start]
    clause = before[max((m.end() for m in _CLAUSE_END.finditer(before)), default=0) :]
    words = _tagged_words(clause)
    i = len(words) - 1
    if i >= 0 and words[i][1] in _ASPECT:  # 举办了30场
        i -= 1
    if i < 0 or words[i][1] != "v":
        return False
    i -= 1
    while i >= 0 and words[i][1] == "d":  # 共举办, 已入驻: adverbs between the subject and its verb
        i -= 1
    subject: list[str] = []
    # Nouns, and a 的 between them (博览会的青少年板块), back from the verb.
    while i >= 0 and ((_is_noun(words[i][1]) and words[i][1] != "vn") or (subject and words[i][0] == "的")):
        subject.insert(0, words[i][0])
        i -= 1
    subject = [word for word in subject if word != "的"]
    held = [n for n, word in enumerate(subject) if word in asked]
    # The part is named by at least two nouns after the last one the question holds (青少年板块): a question
    # that holds all but the head (青少年 + 部分, a rendering's word for 板块) asks about that part.
    return bool(held) and len(subject) - held[-1] - 1 >= 2


def _counts_next(q: Counted, text: str, word: str) -> bool:
    """The word after a figure says what it counts when the figure has no measure word of its own or only
    the generic 个 (2球, 30多个城市), not after a specific one (35名球员 counts players, not 球)."""
    return (q.unit is None or q.text.endswith("个")) and text[q.end :].startswith(word)


@dataclass(frozen=True, order=True)
class Measure:
    """A measured thing: the measure word and the noun phrase that follow a figure (个 + 国家)."""

    unit: str
    noun: str

    @property
    def key(self) -> str:
        return f"{self.unit}{self.noun}"

    @property
    def label(self) -> str:
        """How a conflict names it: the Chinese noun phrase with 数 ("number of"): 国家数, 平行论坛数."""
        return f"{self.noun}数"


def measure_of(text: str, q: Quantity) -> Measure | None:
    """The (measure word, noun phrase) pair after the figure `q` of `text`, or None."""
    if q.unit is None or q.unit_end is None or q.unit in CALENDAR_UNITS or q.raw == INDEFINITE:
        return None
    noun = noun_after(text, q.unit_end)
    return Measure(q.unit, noun) if noun else None


def measures_in(text: str) -> set[Measure]:
    """Every (measure word, noun phrase) pair that follows a figure in `text`."""
    found = (measure_of(text, q) for q in extract_quantities(text))
    return {m for m in found if m is not None}


@dataclass(frozen=True)
class Measures:
    """The measures of a corpus: the pairs that follow figures in at least two of its documents."""

    known: frozenset[Measure] = frozenset()

    @classmethod
    def of_documents(cls, pairs: Mapping[str, Iterable[Measure]]) -> Measures:
        """From each document's pairs (doc_id -> its pairs), those found in `MIN_DOCUMENTS` documents."""
        documents: dict[Measure, set[str]] = defaultdict(set)
        for doc_id, found in pairs.items():
            for measure in found:
                documents[measure].add(doc_id)
        return cls(frozenset(m for m, docs in documents.items() if len(docs) >= MIN_DOCUMENTS))

    @classmethod
    def discover(cls, texts: Mapping[str, str]) -> Measures:
        """From documents' texts (doc_id -> text)."""
        return cls.of_documents({doc_id: measures_in(text) for doc_id, text in texts.items()})

    def measure_at(self, text: str, q: Quantity) -> Measure | None:
        """The known measure that the figure `q` of `text` counts, or None."""
        measure = measure_of(text, q) if self.known else None
        return measure if measure in self.known else None

    def __len__(self) -> int:
        return len(self.known)


class CorpusMeasures:
    """The measures of one index, found on first use and kept in its catalog, per document version.

    Each document's pairs are stored with its content hash (catalog meta `measures`), so a document is read
    once per version: opening the index again, or after an ingest, reads only new or changed documents.
    Thread-safe.
    """

    def __init__(self, index: ForumIndex) -> None:
        self.index = index
        self._lock = threading.Lock()
        self._measures: Measures | None = None

    def get(self) -> Measures:
        """The index's measures (the first call reads the documents not yet seen)."""
        with self._lock:
            if self._measures is None:
                self._measures = Measures.of_documents(self._pairs())
            return self._measures

    def _pairs(self) -> dict[str, list[Measure]]:
        hashes = self.index.hashes()
        kept = _read(self.index.catalog.get_meta(META_KEY))
        current = {doc_id: entry for doc_id, entry in kept.items() if hashes.get(doc_id) == entry[0]}
        for doc_id in sorted(set(hashes) - set(current)):
            found = sorted(measures_in(self.index.document(doc_id).text))
            current[doc_id] = (hashes[doc_id], found)
        if current != kept:
            self.index.set_meta({META_KEY: _write(current)})
        return {doc_id: pairs for doc_id, (_, pairs) in current.items()}


def _read(raw: str | None) -> dict[str, tuple[str, list[Measure]]]:
    try:
        stored: Any = json.loads(raw) if raw else {}
        if stored.get("rules") != RULES_VERSION:
            return {}
        return {
            doc_id: (sha, [Measure(unit, noun) for unit, noun in pairs])
            for doc_id, (sha, pairs) in stored["documents"].items()
        }
    except (ValueError, TypeError, KeyError, AttributeError):
        return {}  # unreadable: found again


def _write(pairs: dict[str, tuple[str, list[Measure]]]) -> str:
    documents = {doc_id: [sha, [[m.unit, m.noun] for m in found]] for doc_id, (sha, found) in pairs.items()}
    return json.dumps({"rules": RULES_VERSION, "documents": documents}, ensure_ascii=False)
