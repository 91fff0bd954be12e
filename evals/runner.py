"""Run eval items through configurations and score every answer with `evals/metrics.py`.

Each item gives an `ItemRecord` (what was asked, answered, cited, and how it scored); `summarize` turns a
configuration's records into the numbers the report shows; `worst_failures` picks what the report quotes.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.schema import Answer
from evals import metrics
from evals.configs import Answerer, ConfigSpec, LLMPool, make_answerer, reset_caches
from evals.dataset import KINDS, EvalItem
from kernel.errors import ForumError
from kernel.settings import Settings
from vectorstore.index import ForumIndex

# ---------------------------------------------------------------- per-item records


@dataclass
class ItemRecord:
    """One item answered by one configuration, with its scores."""

    config: str
    id: str
    kind: str
    language: str
    question: str
    history: list[str]
    standalone: str
    answer: str
    refused: bool
    mode: str
    citations: list[dict[str, Any]]
    gold_docs: list[str]
    retrieved_docs: list[str]
    gold_rank: int | None
    correct: bool
    citation_precision: float | None
    citation_recall: float | None
    unsupported: list[str]
    unsupported_rate: float | None
    removed: int
    timings_ms: dict[str, float]
    confidence: float = 0.0
    error: str | None = None
    in_language: bool = False  # the answer (or refusal) text is in the asker's language
    correct_in_language: bool = False  # correct and in the asker's language
    refusal_reason: str | None = None  # the engine's refusal rule, when it refused
    fallback_reason: str | None = None  # why a generated draft was not shown (audits refusals and read-offs)
    removals: list[dict[str, str]] = field(default_factory=list)  # sentences verification removed, and why

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (stable keys: the dataclass fields)."""
        return asdict(self)


def score_item(
    config: str, item: EvalItem, answer: Answer, ranked_docs: Sequence[str], documents: Mapping[str, str]
) -> ItemRecord:
    """Score one answer against the item with the metrics module."""
    cites = metrics.citation_scores(
        answer.citations, item.gold_docs, item.gold_quotes, item.answers, documents
    )
    distinct = list(dict.fromkeys(ranked_docs))
    correct = metrics.answer_correct(answer, item.kind, item.answers, item.language)
    in_language = metrics.in_language(answer.answer, item.language)
    return ItemRecord(
        config=config,
        id=item.id,
        kind=item.kind,
        language=item.language,
        question=item.message,
        history=[f"{t.role}: {t.content}" for t in item.history],
        standalone=answer.standalone_question,
        answer=answer.answer,
        refused=answer.refused,
        mode=answer.mode,
        citations=[
            {"n": c.n, "doc_id": c.doc_id, "quote": c.quote, "start": c.start, "end": c.end}
            for c in answer.citations
        ],
        gold_docs=item.gold_docs,
        retrieved_docs=distinct[:10],
        gold_rank=metrics.first_gold_rank(distinct, item.gold_docs) if item.gold_docs else None,
        correct=correct,
        citation_precision=None if answer.refused else cites.precision,
        citation_recall=None if answer.refused else cites.recall,
        unsupported=metrics.unsupported_sentences(answer) if not answer.refused else [],
        unsupported_rate=metrics.unsupported_rate(answer),
        removed=len(answer.removed),
        timings_ms=dict(answer.timings_ms),
        confidence=answer.confidence,
        in_language=in_language,
        correct_in_language=correct and in_language,
        refusal_reason=answer.refusal_reason,
        fallback_reason=answer.fallback_reason,
        removals=[r.model_dump() for r in answer.removed],
    )


def error_record(config: str, item: EvalItem, error: Exception) -> ItemRecord:
    """An item whose answer raised: scored as wrong, the error kept for the report."""
    return ItemRecord(
        config=config,
        id=item.id,
        kind=item.kind,
        language=item.language,
        question=item.message,
        history=[f"{t.role}: {t.content}" for t in item.history],
        standalone="",
        answer="",
        refused=False,
        mode="",
        citations=[],
        gold_docs=item.gold_docs,
        retrieved_docs=[],
        gold_rank=None,
        correct=False,
        citation_precision=None,
        citation_recall=None,
        unsupported=[],
        unsupported_rate=None,
        removed=0,
        timings_ms={},
        error=f"{type(error).__name__}: {error}",
    )


def gold_documents(index: ForumIndex, items: Iterable[EvalItem]) -> dict[str, str]:
    """Text of every gold document the items name (for citation span overlap)."""
    out: dict[str, str] = {}
    for item in items:
        for doc_id in item.gold_docs:
            if doc_id not in out:
                try:
                    out[doc_id] = index.document(doc_id).text
                except ForumError:
                    out[doc_id] = ""
    return out


def run_config(
    answerer: Answerer,
    config: str,
    items: Sequence[EvalItem],
    documents: Mapping[str, str],
    on_item: Callable[[ItemRecord], None] | None = None,
) -> list[ItemRecord]:
    """Ask every item; an answer that raises becomes an error record instead of stopping the run."""
    records = []
    for item in items:
        try:
            answer, ranked = answerer.ask(item)
            record = score_item(config, item, answer, ranked, documents)
        except Exception as exc:  # one broken item must not lose an hour-long run; it is reported
            record = error_record(config, item, exc)
        records.append(record)
        if on_item is not None:
            on_item(record)
    return records


def resumable(earlier: Iterable[ItemRecord], config: str, items: Sequence[EvalItem]) -> dict[str, ItemRecord]:
    """The records of `config` in a stopped run that still answer one of `items`, by item id.

    A record whose item now asks something else (the dataset changed) or that ended in an error is not
    kept, so that item is asked again.
    """
    asks = {item.id: item.message for item in items}
    return {r.id: r for r in earlier if r.config == config and asks.get(r.id) == r.question and not r.error}


# ---------------------------------------------------------------- summaries


def _rate(flags: Sequence[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def summarize(records: Sequence[ItemRecord]) -> dict[str, Any]:
    """Every metric of one configuration (stable keys; None where a metric has no items).

    `languages`: per language and pooled (`foreign`, `all`), correct, correct in the asker's language and
    the parity ratio (correct in language / Chinese correct); `per_language` repeats them beside hit@5.
    """
    answered = [r for r in records if r.kind != "unanswerable"]
    by_lang: dict[str, list[ItemRecord]] = defaultdict(list)
    by_kind: dict[str, list[ItemRecord]] = defaultdict(list)
    for r in records:
        by_lang[r.language].append(r)
        by_kind[r.kind].append(r)
    parity = metrics.language_parity((r.language, r.correct) for r in records)
    languages = metrics.language_figures((r.language, r.correct, r.correct_in_language) for r in records)
    retrieval = metrics.retrieval_scores((r.retrieved_docs, r.gold_docs) for r in records)
    retrieval_lang = {
        lang: metrics.retrieval_scores((r.retrieved_docs, r.gold_docs) for r in rs)
        for lang, rs in sorted(by_lang.items())
    }
    timings = [r.timings_ms for r in records if r.timings_ms]
    return {
        "n": len(records),
        "errors": sum(1 for r in records if r.error),
        "accuracy": _rate([r.correct for r in records]),
        "correct_in_language": _rate([r.correct_in_language for r in records]),
        "parity_ratio": languages["foreign"]["parity_ratio"],
        "answerable_accuracy": _rate([r.correct for r in answered]),
        "retrieval": retrieval,
        "citation": {
            "precision": metrics.mean(r.citation_precision for r in records),
            "recall": metrics.mean(r.citation_recall for r in records),
            "answers_with_citations": _rate([bool(r.citations) for r in answered if not r.refused]),
        },
        "refusal": metrics.refusal_scores((r.refused, r.kind == "unanswerable") for r in records),
        "unsupported_rate": metrics.mean(r.unsupported_rate for r in records),
        "answers_with_unsupported": _rate([bool(r.unsupported) for r in records if not r.refused]),
        "removed_sentences": sum(r.removed for r in records),
        "languages": languages,
        "per_language": {
            lang: {
                "n": len(rs),
                "accuracy": parity["accuracy"][lang],
                "correct_in_language": languages[lang]["correct_in_language"],
                "parity_ratio": languages[lang]["parity_ratio"],
                "gap_to_zh": parity.get("gap_to_zh", {}).get(lang),
                "hit@5": retrieval_lang[lang]["hit@5"],
            }
            for lang, rs in sorted(by_lang.items())
        },
        "per_kind": {
            kind: {
                "n": len(by_kind[kind]),
                "accuracy": _rate([r.correct for r in by_kind[kind]]),
                "correct_in_language": _rate([r.correct_in_language for r in by_kind[kind]]),
            }
            for kind in KINDS
            if by_kind.get(kind)
        },
        "latency_ms": metrics.latency_summary(timings) if timings else {},
    }


def failure_severity(record: ItemRecord) -> tuple[int, float]:
    """Sort key for "worst failures": invented answers first, then unsupported claims, misses, refusals."""
    if record.error:
        return (5, 0.0)
    if record.kind == "unanswerable" and not record.refused:
        return (4, record.confidence)  # answered what the sources do not say
    if record.unsupported:
        return (3, record.unsupported_rate or 0.0)
    if not record.refused and record.gold_rank is None:
        return (2, record.confidence)  # answered from the wrong documents
    if not record.refused:
        return (1, record.confidence)  # right documents, wrong answer
    return (0, record.confidence)  # refused an answerable question


def worst_failures(records: Sequence[ItemRecord], n: int = 10) -> list[ItemRecord]:
    """The `n` most serious wrong answers."""
    wrong = [r for r in records if not r.correct]
    return sorted(wrong, key=failure_severity, reverse=True)[:n]


@dataclass
class ConfigResult:
    """Records and summary of one configuration in one run."""

    spec: ConfigSpec
    records: list[ItemRecord] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        """`summarize(records)` plus the configuration's description and runtime."""
        return {
            "description": self.spec.description,
            "runtime_s": round(self.seconds, 1),
            **summarize(self.records),
        }


def run_configs(
    specs: Sequence[ConfigSpec],
    settings: Settings,
    index: ForumIndex,
    items: Sequence[EvalItem],
    pool: LLMPool,
    *,
    progress: bool = True,
    on_result: Callable[[ConfigResult], None] | None = None,
    on_item: Callable[[ItemRecord], None] | None = None,
    earlier: Sequence[ItemRecord] = (),
) -> list[ConfigResult]:
    """Run every configuration over the items, with a rich progress bar; returns one result per config.

    `on_result` is called after each configuration (e.g. to write a checkpoint of an hours-long run),
    `on_item` after each item (e.g. to append its record to a file as it finishes). `earlier`: records of
    a stopped run (see `resumable`); the items they answered are not asked again, their records are kept.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    documents = gold_documents(index, items)
    results: list[ConfigResult] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, disable=not progress, transient=False) as bar:
        for spec in specs:
            task = bar.add_task(spec.name, total=len(items))
            reset_caches(index)
            answerer = make_answerer(spec, settings, index, pool)
            started = time.perf_counter()

            def advance(record: ItemRecord, task: Any = task) -> None:
                bar.advance(task)
                if on_item is not None:
                    on_item(record)

            kept = resumable(earlier, spec.name, items)
            for record in kept.values():
                advance(record)
            asked = run_config(
                answerer, spec.name, [i for i in items if i.id not in kept], documents, advance
            )
            by_id = kept | {r.id: r for r in asked}
            records = [by_id[item.id] for item in items]
            # The run time of kept records is what their answers took, not the stopped run's overheads.
            kept_s = sum(r.timings_ms.get("total", 0.0) for r in kept.values()) / 1000
            results.append(ConfigResult(spec, records, time.perf_counter() - started + kept_s))
            if on_result is not None:
                on_result(results[-1])
            later = {m for s in specs[specs.index(spec) + 1 :] for m in s.models}
            for model in spec.models - later - {"qwen-0.5b"}:
                pool.release(model)
    return results
