"""Deterministic eval metrics: pure functions on plain data and the `Answer` object, no LLM judge.

Answer accuracy: every accepted-answer group matched after normalisation (evals/normalize.py).
Retrieval: rank of the first gold document in the ranked doc ids (hit@1, hit@5, MRR).
Citations: a citation is correct when it comes from a gold document and either overlaps the gold quote's
span or contains that quote's key fact; precision is over citations, recall over gold quotes.
Refusals: refused vs. the item being unanswerable. Unsupported sentences: answer sentences with a number
that is in none of their cited quotes, the question, or the cited documents' titles and dates.
Language: an answer is correct *in language* when it is correct and its text (a refusal's too) is written in
the asker's language (`assistant/language/written.py`, the check the product uses on its own answers); the
parity ratio of a language is its correct-in-language rate over the Chinese questions' correct rate.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from assistant.figures.numbers import extract_quantities
from assistant.language.written import written_in
from assistant.schema import Answer, Citation
from evals.dataset import EvalItem
from evals.normalize import contains, normalize

Groups = Sequence[Sequence[str]]

_MARKER = re.compile(r"\[(\d+)\]")
_SENTENCE_END = re.compile(r"(?<=[。！？!?])|(?<=[.;；])(?=\s)")
_LEADING_MARKERS = re.compile(r"^(?:\s*\[\d+\])+")
_TRIVIAL = {0.0, 1.0}  # "一"/"one"/"un" are words far more often than claims


def strip_markers(text: str) -> str:
    """The answer text without its `[n]` citation markers."""
    return _MARKER.sub("", text)


def answer_matches(answer_text: str, groups: Groups, language: str) -> bool:
    """True when every group has at least one alternative in the answer (empty groups: vacuously True)."""
    text = normalize(strip_markers(answer_text), language)
    return all(any(contains(text, normalize(alt, language)) for alt in group) for group in groups)


def answer_correct(answer: Answer, kind: str, groups: Groups, language: str) -> bool:
    """Item-level accuracy: unanswerable items must be refused; all others answered and matched."""
    if kind == "unanswerable":
        return answer.refused
    return not answer.refused and answer_matches(answer.answer, groups, language)


def in_language(answer_text: str, language: str) -> bool:
    """Whether the answer (or refusal) text is written in the asker's language (`written_in`)."""
    return written_in(answer_text, language)


def correct_in_language(answer: Answer, kind: str, groups: Groups, language: str) -> bool:
    """Correct (`answer_correct`) and written in the asker's language."""
    return answer_correct(answer, kind, groups, language) and in_language(answer.answer, language)


# ---------------------------------------------------------------- retrieval


def first_gold_rank(ranked_doc_ids: Sequence[str], gold_docs: Sequence[str]) -> int | None:
    """1-based rank of the first gold document among the distinct ranked doc ids, None if absent."""
    distinct = list(dict.fromkeys(ranked_doc_ids))
    gold = set(gold_docs)
    return next((rank for rank, doc_id in enumerate(distinct, start=1) if doc_id in gold), None)


def rank_scores(ranks: Iterable[int | None]) -> dict[str, float | int | None]:
    """hit@1, hit@5 and MRR over gold ranks (None = gold document not retrieved)."""
    values = list(ranks)
    if not values:
        return {"hit@1": None, "hit@5": None, "mrr": None, "n": 0}
    n = len(values)
    return {
        "hit@1": sum(1 for r in values if r == 1) / n,
        "hit@5": sum(1 for r in values if r is not None and r <= 5) / n,
        "mrr": sum(1 / r for r in values if r is not None) / n,
        "n": n,
    }


def retrieval_scores(
    rankings: Iterable[tuple[Sequence[str], Sequence[str]]],
) -> dict[str, float | int | None]:
    """hit@1, hit@5 and MRR over (ranked doc ids, gold docs) pairs; pairs without gold docs are skipped."""
    return rank_scores(first_gold_rank(ranked, gold) for ranked, gold in rankings if gold)


# ---------------------------------------------------------------- citations


def gold_spans(document_text: str, quote: str) -> list[tuple[int, int]]:
    """Every (start, end) where `quote` occurs in the document text."""
    spans, start = [], document_text.find(quote)
    while quote and start >= 0:
        spans.append((start, start + len(quote)))
        start = document_text.find(quote, start + 1)
    return spans


def key_fact_groups(gold_quote: str, groups: Groups) -> list[Sequence[str]]:
    """The accepted-answer groups this gold quote states (a conflict quote states only its own figures)."""
    return [group for group in groups if answer_matches(gold_quote, [group], "zh")]


def _covers(
    citation: Citation, doc_id: str, quote: str, groups: Groups, documents: Mapping[str, str]
) -> bool:
    if citation.doc_id != doc_id:
        return False
    text = documents.get(doc_id)
    if text is not None:
        overlap = any(citation.start < end and start < citation.end for start, end in gold_spans(text, quote))
    else:  # no document text: fall back to comparing the quotes themselves
        overlap = bool(citation.quote) and (quote in citation.quote or citation.quote in quote)
    key = key_fact_groups(quote, groups)
    return overlap or (bool(key) and answer_matches(citation.quote, key, "zh"))


class CitationScore(NamedTuple):
    """Citation precision (None without citations) and recall (None without gold quotes) of one answer."""

    precision: float | None
    recall: float | None


def citation_scores(
    citations: Sequence[Citation],
    gold_docs: Sequence[str],
    gold_quotes: Sequence[str],
    groups: Groups,
    documents: Mapping[str, str],
) -> CitationScore:
    """Share of citations that support a gold quote, and share of gold quotes some citation supports."""
    gold = list(zip(gold_docs, gold_quotes, strict=True))
    if not gold:
        return CitationScore(precision=None, recall=None)
    supported = [any(_covers(c, d, q, groups, documents) for d, q in gold) for c in citations]
    covered = [any(_covers(c, d, q, groups, documents) for c in citations) for d, q in gold]
    precision = sum(supported) / len(citations) if citations else None
    return CitationScore(precision=precision, recall=sum(covered) / len(gold))


# ---------------------------------------------------------------- refusals


def refusal_scores(outcomes: Iterable[tuple[bool, bool]]) -> dict[str, float | int | None]:
    """Precision, recall and accuracy of refusing over (refused, unanswerable) pairs."""
    pairs = list(outcomes)
    tp = sum(1 for refused, unanswerable in pairs if refused and unanswerable)
    refused_n = sum(1 for refused, _ in pairs if refused)
    unanswerable_n = sum(1 for _, unanswerable in pairs if unanswerable)
    correct = sum(1 for refused, unanswerable in pairs if refused == unanswerable)
    return {
        "precision": tp / refused_n if refused_n else None,
        "recall": tp / unanswerable_n if unanswerable_n else None,
        "accuracy": correct / len(pairs) if pairs else None,
        "n": len(pairs),
    }


# ---------------------------------------------------------------- unsupported sentences


def split_sentences(text: str) -> list[str]:
    """Answer sentences; a fragment made only of `[n]` markers is kept with the sentence before it."""
    sentences: list[str] = []
    for part in (p.strip() for p in _SENTENCE_END.split(text)):
        leading = _LEADING_MARKERS.match(part)
        if leading and sentences:  # "forums. [2] Next…": the markers belong to the sentence before
            sentences[-1] += " " + leading.group(0).strip()
            part = part[leading.end() :].strip()
        if part:
            sentences.append(part)
    return sentences


def numbers_in(text: str, language: str = "zh") -> set[float]:
    """Every reading of every figure in `text` (assistant/figures/numbers.py, which reads 四成 as 40%)."""
    return {round(v, 6) for quantity in extract_quantities(text, language or None) for v in quantity.values()}


def unsupported_sentences(answer: Answer) -> list[str]:
    """Answer sentences stating a number found in none of their evidence.

    Evidence: the quotes of the sentence's `[n]` citations (all citations if it has no marker), their
    titles and dates, and the question. A figure is supported when any of its readings is ("3,000" may be
    3000 or 3.0). Names are not checked: cross-lingual answers translate them.
    """
    by_n = {c.n: c for c in answer.citations}
    context = " ".join([answer.question, answer.standalone_question])
    unsupported = []
    for sentence in split_sentences(answer.answer):
        marks = [int(m) for m in _MARKER.findall(sentence)]
        cited = [by_n[m] for m in marks if m in by_n] if marks else list(answer.citations)
        supported = numbers_in(context, answer.language)
        for citation in cited:
            supported |= numbers_in(f"{citation.quote} {citation.title} {citation.date or ''}")
        for quantity in extract_quantities(strip_markers(sentence), answer.language or None):
            readings = {round(v, 6) for v in quantity.values()}
            if readings - _TRIVIAL and not readings & supported:
                unsupported.append(sentence)
                break
    return unsupported


def unsupported_rate(answer: Answer) -> float | None:
    """Share of the answer's sentences that are unsupported (None for refusals and empty answers)."""
    sentences = split_sentences(answer.answer)
    if answer.refused or not sentences:
        return None
    return len(unsupported_sentences(answer)) / len(sentences)


def removed_rate(answer: Answer) -> float | None:
    """Share of drafted sentences that verification removed (`removed` vs. what remained)."""
    total = len(split_sentences(answer.answer)) + len(answer.removed)
    return len(answer.removed) / total if total else None


# ---------------------------------------------------------------- aggregates


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the defined values, None when there are none."""
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None


def language_parity(
    results: Iterable[tuple[str, bool]], reference: str = "zh"
) -> dict[str, dict[str, float]]:
    """Accuracy and item count per language, and each language's accuracy minus the reference's."""
    per: dict[str, list[bool]] = defaultdict(list)
    for language, correct in results:
        per[language].append(correct)
    accuracy = {lang: sum(flags) / len(flags) for lang, flags in sorted(per.items())}
    gap = {lang: acc - accuracy[reference] for lang, acc in accuracy.items()} if reference in accuracy else {}
    return {
        "accuracy": accuracy,
        "n": {lang: float(len(per[lang])) for lang in accuracy},
        "gap_to_" + reference: gap,
    }


def language_figures(
    results: Iterable[tuple[str, bool, bool]], reference: str = "zh"
) -> dict[str, dict[str, float | int | None]]:
    """Per language, from (language, correct, correct in language) triples: n, correct, correct in language
    and the parity ratio (correct in language / the reference language's correct; None without reference
    items or when none of them is correct). Two pooled rows follow the languages: `foreign` (every language
    but the reference; its ratio is the overall parity ratio) and `all` (no ratio)."""
    per: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for language, correct, in_lang in results:
        per[language].append((correct, in_lang))
    ref = per.get(reference)
    ref_correct = sum(c for c, _ in ref) / len(ref) if ref else None

    def row(pairs: list[tuple[bool, bool]]) -> dict[str, float | int | None]:
        if not pairs:
            return {"n": 0, "correct": None, "correct_in_language": None, "parity_ratio": None}
        cil = sum(i for _, i in pairs) / len(pairs)
        return {
            "n": len(pairs),
            "correct": sum(c for c, _ in pairs) / len(pairs),
            "correct_in_language": cil,
            "parity_ratio": cil / ref_correct if ref_correct else None,
        }

    figures = {lang: row(pairs) for lang, pairs in sorted(per.items())}
    figures["foreign"] = row([p for lang, pairs in per.items() if lang != reference for p in pairs])
    figures["all"] = {**row([p for pairs in per.values() for p in pairs]), "parity_ratio": None}
    return figures


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation, as numpy's default."""
    if not values:
        raise ValueError("percentile of an empty list")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_summary(timings: Iterable[Mapping[str, float]]) -> dict[str, dict[str, float]]:
    """p50 and p95 per stage over answers' `timings_ms` dicts (stages missing from an answer are skipped)."""
    per: dict[str, list[float]] = defaultdict(list)
    for timing in timings:
        for stage, ms in timing.items():
            per[stage].append(float(ms))
    return {
        stage: {"p50": percentile(v, 50), "p95": percentile(v, 95), "n": float(len(v))}
        for stage, v in sorted(per.items())
    }


# ---------------------------------------------------------------- one item, many items


@dataclass(frozen=True)
class ItemScore:
    """Every metric of one answered eval item; None where a metric does not apply."""

    id: str
    kind: str
    language: str
    correct: bool
    correct_in_language: bool
    refused: bool
    unanswerable: bool
    gold_rank: int | None
    has_gold: bool
    citation_precision: float | None
    citation_recall: float | None
    unsupported_rate: float | None
    removed_rate: float | None
    timings_ms: Mapping[str, float]


def score_item(
    item: EvalItem, answer: Answer, ranked_doc_ids: Sequence[str], documents: Mapping[str, str]
) -> ItemScore:
    """Score one answer against its item; `ranked_doc_ids` is the retriever's ranking for the question."""
    unanswerable = item.kind == "unanswerable"
    citations = citation_scores(answer.citations, item.gold_docs, item.gold_quotes, item.answers, documents)
    return ItemScore(
        id=item.id,
        kind=item.kind,
        language=item.language,
        correct=answer_correct(answer, item.kind, item.answers, item.language),
        correct_in_language=correct_in_language(answer, item.kind, item.answers, item.language),
        refused=answer.refused,
        unanswerable=unanswerable,
        gold_rank=first_gold_rank(ranked_doc_ids, item.gold_docs) if item.gold_docs else None,
        has_gold=bool(item.gold_docs),
        citation_precision=None if answer.refused else citations.precision,
        citation_recall=None if answer.refused else citations.recall,
        unsupported_rate=unsupported_rate(answer),
        removed_rate=removed_rate(answer),
        timings_ms=dict(answer.timings_ms),
    )


def summarize(scores: Sequence[ItemScore]) -> dict[str, object]:
    """All headline metrics over item scores, with accuracy per kind and per language (stable keys)."""
    per_kind: dict[str, list[bool]] = defaultdict(list)
    for score in scores:
        per_kind[score.kind].append(score.correct)
    answerable = [s for s in scores if not s.unanswerable]
    return {
        "n": len(scores),
        "accuracy": mean(float(s.correct) for s in scores),
        "correct_in_language": mean(float(s.correct_in_language) for s in scores),
        "answer_accuracy": mean(float(s.correct) for s in answerable),
        "accuracy_by_kind": {kind: sum(v) / len(v) for kind, v in sorted(per_kind.items())},
        "retrieval": rank_scores(s.gold_rank for s in scores if s.has_gold),
        "citation_precision": mean(s.citation_precision for s in answerable),
        "citation_recall": mean(s.citation_recall for s in answerable),
        "refusal": refusal_scores((s.refused, s.unanswerable) for s in scores),
        "unsupported_rate": mean(s.unsupported_rate for s in scores),
        "removed_rate": mean(s.removed_rate for s in scores),
        "language_parity": language_parity((s.language, s.correct) for s in scores),
        "languages": language_figures((s.language, s.correct, s.correct_in_language) for s in scores),
        "latency_ms": latency_summary(s.timings_ms for s in scores),
    }
