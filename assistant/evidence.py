"""Sentence-level evidence: from the retrieved chunks, the few sentences that answer the question.

A sentence scores by meaning (embedding similarity to the question and its Chinese rendering) and by
keyword coverage (how many of the question's content words it contains). Coverage also feeds refusal:
a question whose specific words appear nowhere in the evidence is usually one the sources cannot answer.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding

from assistant.calibration import (
    EVIDENCE_WEIGHT_COUNTED,
    EVIDENCE_WEIGHT_COVERAGE,
    EVIDENCE_WEIGHT_DENSE,
    EVIDENCE_WEIGHT_KIND,
    EVIDENCE_WEIGHT_PRIOR,
    FOLLOW_UP_CONTEXT_WEIGHT,
    FOLLOW_UP_FOCUS_WEIGHT,
)
from assistant.checks.guard import addresses_the_model
from assistant.checks.measures import states_asked_count
from assistant.figures.quantities import find_quantities
from assistant.language.asking import ASKS_NUMBER, ASKS_YEAR, asks_for_count, asks_for_date
from assistant.language.terms import chinese_queries, content_terms, subject_words
from assistant.retrieval import Retrieval
from assistant.schema import Evidence
from kernel.domain import Sentence
from vectorstore.index import ForumIndex

_HEADING = re.compile(r"^\s*(#|>)")
_MIN_SENTENCE_CHARS = 8
_MIN_PASSAGES_TO_SHARE = 3  # fewer hits than this share words by chance
_WORDY = re.compile(r"[^\W\d_]")  # letters of any script: "2026-03-19" alone says nothing
# A sentence that opens with a demonstrative or a pronoun (该平台…, 其中…, 此外…, 它…) names its subject in
# the sentence before it.
_ANAPHOR = re.compile(r"^\W?(?:该|此|这|其|上述|它|他|她)")


@dataclass(frozen=True)
class EvidenceSignals:
    """How well the evidence matches the question: keyword coverage and best embedding similarity."""

    coverage: float | None
    dense: float
    terms: tuple[str, ...] = ()  # the question's specific Chinese words
    # A follow-up that names nothing itself ("And for how long?") is scored with the earlier
    # question's words; those say what the conversation is about, not what a figure must count.
    borrowed_terms: bool = False

    @property
    def anchor_terms(self) -> tuple[str, ...]:
        """The terms a figure's clause is checked against (one of its words must be there): the question's
        own; none for a follow-up whose terms are borrowed."""
        return () if self.borrowed_terms else self.terms


@dataclass(frozen=True)
class EvidenceSet:
    """Stage 3's output: the chosen sentences (best first), how well they match, and what was retrieved."""

    evidence: list[Evidence]
    signals: EvidenceSignals
    retrieval: Retrieval


def choose_evidence(
    retrieval: Retrieval, index: ForumIndex, cache: SentenceEmbeddingCache, *, limit: int
) -> EvidenceSet:
    """Stage 3, select evidence: the best sentences; a question about an edition puts that edition's first."""
    evidence, signals = select_evidence(retrieval, index, cache, limit=limit)
    if retrieval.years:
        evidence.sort(key=lambda ev: not names_edition(ev, retrieval.years))
    return EvidenceSet(evidence, signals, retrieval)


def names_edition(ev: Evidence, years: set[int]) -> bool:
    """True for evidence from (or naming) one of the asked editions, or of no known edition."""
    return ev.year is None or ev.year in years or any(str(y) in ev.quote for y in years)


@dataclass
class ScoredSentence:
    """A candidate sentence with its scores."""

    sentence: Sentence
    dense: float
    coverage: float
    prior: float
    kind: float = 0.0
    counts: frozenset[float] = frozenset()  # its counts of the thing a "how many" asks (`asked_counts`)

    @property
    def counted(self) -> bool:
        """True when the sentence states a count of the asked thing."""
        return bool(self.counts)

    @property
    def score(self) -> float:
        return (
            EVIDENCE_WEIGHT_DENSE * self.dense
            + EVIDENCE_WEIGHT_COVERAGE * self.coverage
            + EVIDENCE_WEIGHT_PRIOR * self.prior
            + EVIDENCE_WEIGHT_KIND * self.kind
            + EVIDENCE_WEIGHT_COUNTED * self.counted
        )


def coverage(terms: list[str], text: str, years: set[int] | None = None) -> float:
    """Share of `terms` found in `text` (substring match, robust to segmentation differences).

    A year term also counts as found when the sentence comes from that year's edition: articles say 今年.
    """
    if not terms:
        return 0.0
    lowered = text.lower()
    found = sum(1 for t in terms if t in lowered or (t.isdigit() and years and int(t) in years))
    return found / len(terms)


_YEAR_STATED = re.compile(r"(?:19|20)\d\d年")
# A figure, not a year: "55场", "3000名", "2.7万"; "2023中关村" names an edition, it does not answer.
_FIGURE = re.compile(
    r"(?<![\d.])(?!(?:19|20)\d\d(?!\d))\d+(?:[.,]\d+)?(?!\d)|[一二两三四五六七八九十百千万亿]+[余多]?[个场位名家项所]"
)
_DATE = re.compile(r"\d{1,2}月\d{1,2}日|\d{4}年\d{1,2}月|\d{4}-\d{2}-\d{2}")


def answer_type_bonus(question: str, text: str) -> float:
    """1.0 when the sentence holds the kind of thing the question asks for (a year, a date, a figure), else 0."""
    if ASKS_YEAR.search(question):
        return 1.0 if _YEAR_STATED.search(text) else 0.0
    if asks_for_date(question):
        return 1.0 if _DATE.search(text) else 0.0
    if ASKS_NUMBER.search(question):
        return 1.0 if _FIGURE.search(text) else 0.0
    return 0.0


def asked_counts(question: str, text: str) -> frozenset[float]:
    """The values of the sentence's counts of what a "how many" asks, in the measure word asked (几天 → 为期6天,
    not 5月25日到30日; 多少个国家 → 80多个国家, not 7000多个成果); empty when no count is asked. The answer-type
    bonus sees any figure, and a date range or another thing's count often matches the question's other
    words better."""
    if not asks_for_count(question):
        return frozenset()
    return frozenset(float(q.value) for q in find_quantities(text) if states_asked_count(q, text, question))


def without_restated_counts(scored: list[ScoredSentence], limit: int) -> list[ScoredSentence]:
    """The best `limit` of the sentences, ranked best first, less one that only restates counts of the asked
    thing that a better sentence of its own document already gave (for a "how many": others have none).

    An article that states a figure in its summary, its body and its conclusion would fill the few evidence
    places (a guest's model reads three) with one source's word, and push out another document's sentence,
    which may give another figure: a preview's expected count against a report's actual one."""
    chosen: list[ScoredSentence] = []
    given: set[tuple[str, float]] = set()
    for candidate in scored:
        counts = {(candidate.sentence.doc_id, value) for value in candidate.counts}
        if counts and counts <= given:
            continue
        given |= counts
        chosen.append(candidate)
        if len(chosen) == limit:
            break
    return chosen


class SentenceEmbeddingCache:
    """Vectors of document sentences: read from the index where ingest stored them, else embedded on first
    use; both kept (bounded) for later questions.

    With `index` (whose embedder must be `embedder`'s model), only the stored rows of the asked sentences
    are read, and only sentences without a stored vector are embedded: those of an index built before
    sentence vectors or with FORUM_SENTENCE_VECTORS=false, until the next ingest fills them in. Kept
    vectors are keyed by the sentence's text too, so a document re-ingested with other text at the same
    offsets never gets the old vectors.
    """

    def __init__(
        self, embedder: BaseEmbedding, capacity: int = 50_000, *, index: ForumIndex | None = None
    ) -> None:
        self.embedder = embedder
        self.capacity = capacity
        same_model = index is not None and getattr(embedder, "identity", None) == index.embedder.identity
        self.index = index if same_model else None
        self._vectors: OrderedDict[tuple[str, int, int, str], np.ndarray] = OrderedDict()

    def vectors(self, sentences: list[Sentence]) -> np.ndarray:
        """One L2-normalised row per sentence."""
        found: dict[tuple[str, int, int, str], np.ndarray] = {}
        missing: dict[tuple[str, int, int, str], Sentence] = {}
        for s in sentences:
            key = (s.doc_id, s.start, s.end, s.text)
            vec = self._vectors.get(key)
            if vec is not None:
                found[key] = vec
            else:
                missing[key] = s
        if missing and self.index is not None:
            stored = self.index.sentence_vectors(list(missing.values()))
            if stored.shape[1]:
                for key, row in zip(list(missing), stored, strict=True):
                    if not np.isnan(row[0]):
                        found[key] = row
                        del missing[key]
        if missing:
            new = self.embedder.get_text_embedding_batch([s.text for s in missing.values()])
            for key, raw in zip(missing, new, strict=True):
                found[key] = _unit(np.asarray(raw, dtype=np.float32))
        for key, vec in found.items():
            self._vectors.setdefault(key, vec)
        while len(self._vectors) > self.capacity:
            self._vectors.popitem(last=False)
        return np.stack([found[(s.doc_id, s.start, s.end, s.text)] for s in sentences])


def _edition_fit(years: set[int], doc_year: int | None, text: str) -> float:
    """1 for a sentence from (or naming) the asked edition, or when none was asked; -1 for another edition.

    Enters the score through the retrieval prior (weight 0.1): it separates near ties between editions."""
    if not years or doc_year is None or doc_year in years or any(str(y) in text for y in years):
        return 1.0
    return -1.0


def _years(year: int | None) -> set[int]:
    return {year} if year else set()


def _unit(vec: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vec))
    return vec / norm if norm else vec


def _similarity(embedder: BaseEmbedding, sentence_vecs: np.ndarray, queries: list[str]) -> np.ndarray:
    """Each sentence's best cosine similarity to any of the queries."""
    query_vecs = np.stack([_unit(np.asarray(embedder.get_query_embedding(q))) for q in queries])
    return (sentence_vecs @ query_vecs.T).max(axis=1)


def distinguishing(terms: list[str], passages: list[str]) -> list[str]:
    """The terms that tell the retrieved passages apart: not those every one of them holds.

    What every hit shares (the forum's name, the asked edition) is the topic that retrieval already
    matched, so it says nothing about which sentence answers. The corpus-wide common terms catch it in a
    corpus of forum articles alone, and miss it when the index also holds other documents (news mixed in:
    中关村 and 论坛 are then rare). When every term is in every hit, all of them stay.
    """
    if len(passages) < _MIN_PASSAGES_TO_SHARE:
        return terms
    lowered = [p.lower() for p in passages]
    kept = [t for t in terms if not all(t in p for p in lowered)]
    return kept or terms


def with_antecedent(index: ForumIndex, sentence: Sentence) -> str:
    """The sentence, after the one before it in its document when it opens with an anaphor ("该平台的精度超过
    98%" says which platform only in the sentence before): the subject words are looked for in both."""
    if not _ANAPHOR.match(sentence.text):
        return sentence.text
    before = [s for s in index.sentences_of(sentence.doc_id) if s.end <= sentence.start]
    return f"{before[-1].text} {sentence.text}" if before else sentence.text


def select_evidence(
    retrieval: Retrieval,
    index: ForumIndex,
    cache: SentenceEmbeddingCache,
    *,
    limit: int = 4,
    chunks: int = 8,
) -> tuple[list[Evidence], EvidenceSignals]:
    """Pick up to `limit` evidence sentences from the top `chunks` hits, with the signals refusal needs.

    Coverage is the share of the question's specific words found in the best two sentences (and in the
    sentence before one that opens with an anaphor; None when the question has none, e.g. a pure 'when was
    it?'); dense is the best sentence's similarity to the question.
    """
    hits = retrieval.hits[:chunks]
    if not hits:
        return [], EvidenceSignals(coverage=0.0, dense=0.0)
    priors: dict[tuple[str, int, int], float] = {}
    candidates: list[Sentence] = []
    texts: set[str] = set()  # a sentence said twice (a repeated passage, a copy) takes one place, not two
    top = hits[0].score
    for hit in hits:
        for sentence in hit.chunk.sentences:
            key, text = (sentence.doc_id, sentence.start, sentence.end), "".join(sentence.text.split())
            if key in priors or text in texts:
                continue
            if len(sentence.text) < _MIN_SENTENCE_CHARS or _HEADING.match(sentence.text):
                continue
            if len(_WORDY.findall(sentence.text)) < 4:
                continue
            if addresses_the_model(sentence.text):  # a planted "ignore previous instructions" is not evidence
                continue
            priors[key] = hit.score / top if top else 0.0
            texts.add(text)
            candidates.append(sentence)
    if not candidates:
        return [], EvidenceSignals(coverage=0.0, dense=0.0)

    # A follow-up's evidence answers its own words (the focus); the earlier question only helped retrieval.
    terms = content_terms(" ".join(chinese_queries(retrieval.asked)), retrieval.generic)
    own_words = [t for t in terms if not t.isdigit()]
    borrowed = bool(retrieval.focus) and not own_words
    if not own_words:
        terms = content_terms(" ".join(chinese_queries(retrieval.queries)), retrieval.generic)
    terms = distinguishing(terms, [hit.chunk.text for hit in hits])
    # Editions are checked against document years elsewhere; coverage is about the subject words.
    subject = subject_words(terms)
    asked = " ".join(retrieval.asked)
    doc_years = {s.doc_id: index.document(s.doc_id).year for s in candidates}
    sentence_vecs = cache.vectors(candidates)
    dense = _similarity(cache.embedder, sentence_vecs, retrieval.asked)
    if retrieval.asked != retrieval.queries:
        dense = FOLLOW_UP_FOCUS_WEIGHT * dense + FOLLOW_UP_CONTEXT_WEIGHT * _similarity(
            cache.embedder, sentence_vecs, retrieval.queries
        )
    scored = [
        ScoredSentence(
            s,
            float(d),
            coverage(terms, s.text, _years(doc_years[s.doc_id])),
            priors[(s.doc_id, s.start, s.end)] * _edition_fit(retrieval.years, doc_years[s.doc_id], s.text),
            answer_type_bonus(asked, s.text),
            asked_counts(asked, s.text),
        )
        for s, d in zip(candidates, dense, strict=True)
    ]
    scored.sort(key=lambda c: c.score, reverse=True)
    chosen = without_restated_counts(scored, limit)
    best_text = " ".join(with_antecedent(index, c.sentence) for c in chosen[:2])
    evidence = []
    for c in chosen:
        doc = index.document(c.sentence.doc_id)
        evidence.append(
            Evidence(
                doc_id=doc.doc_id,
                source=doc.source,
                title=doc.title,
                date=doc.date,
                year=doc.year,
                quote=c.sentence.text,
                start=c.sentence.start,
                end=c.sentence.end,
                score=round(c.score, 4),
            )
        )
    found = coverage(subject, best_text) if subject else None
    if retrieval.focus and len(subject) < 2:
        # A follow-up as thin as "他获得的是什么奖？" may be judged with the earlier question's words too.
        wider = content_terms(" ".join(chinese_queries(retrieval.queries)), retrieval.generic)
        wider = list(dict.fromkeys([*subject, *subject_words(wider)]))
        found = max(found or 0.0, coverage(wider, best_text)) if wider else found
    signals = EvidenceSignals(
        coverage=found,
        dense=max(c.dense for c in chosen),
        terms=tuple(terms),
        borrowed_terms=borrowed,
    )
    return evidence, signals
