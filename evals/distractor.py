"""Distractor run: the forum articles mixed into ~11,600 Chinese news articles (CRUD-RAG), forum items asked.

The news articles (one per line, "date，正文：text") are written as .txt files under `news/` in a corpus
folder beside copies of the forum articles (same file names, so the forum doc ids do not change), and the
normal ingest pipeline indexes the folder into its own eval index. The same configurations then answer the
forum items (one side of the split) on the clean forum index and on the mixed one; the report shows the drop.

`chunks` sizes the mixed index by chunk count instead of articles (issue 13: 60k chunks). crud-news holds
~29,600 chunks of distinct articles, so past that the bench's `ScaleCorpus` adds second copies under other
names (counted in the report). That corpus and its index live at `<data dir>/evals/scale-<embedder>`, where
`forum-assistant bench --keep-dir <data dir>/evals` leaves its scale series: after a bench run, nothing is
embedded again.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals.configs import LLMPool, eval_settings, get_spec, open_eval_index
from evals.dataset import EvalItem, load_items
from evals.markdown import table
from evals.news import news_articles
from evals.report import new_report
from evals.runner import run_configs, worst_failures
from kernel.settings import Settings

DISTRACTOR_CONFIGS = ["hybrid-extract"]


def write_corpus(folder: Path, forum_corpus: Path, articles: Sequence[str]) -> None:
    """Forum files at the root (unchanged doc ids), news under news/; stale news files are removed."""
    news = folder / "news"
    news.mkdir(parents=True, exist_ok=True)
    for src in sorted(forum_corpus.iterdir()):
        if src.is_file():
            dst = folder / src.name
            if not dst.is_file() or dst.read_bytes() != src.read_bytes():
                shutil.copyfile(src, dst)
    wanted = {f"n{i:05d}.txt": text for i, text in enumerate(articles)}
    for path in news.glob("*.txt"):
        if path.name not in wanted:
            path.unlink()
    for name, text in wanted.items():
        path = news / name
        if not path.is_file():
            path.write_text(text + "\n", encoding="utf-8")


def run_distractor(
    settings: Settings,
    configs: Sequence[str],
    limit: int | None,
    *,
    items: Sequence[EvalItem] | None = None,
    chunks: int | None = None,
    progress: bool = True,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Answer `items` (default: every forum item) on the clean and the mixed index.

    `limit`: number of news articles mixed in (default: all of them); `chunks`: grow the mixed corpus to
    about this many chunks instead (copies past the distinct articles).
    """
    specs = [get_spec(name) for name in (list(configs) or DISTRACTOR_CONFIGS)]
    started = time.perf_counter()
    report = new_report("distractor", settings)
    items = list(items) if items is not None else load_items()
    if chunks:
        name, corpus, copies, articles = _scale_corpus(settings, chunks)
    else:
        articles = news_articles(settings.benchmarks_dir, limit)
        name, copies = f"distractor-{len(articles)}", 0
        corpus = eval_settings(settings, name).data_dir / "corpus"
        write_corpus(corpus, settings.corpus_dir, articles)
    mixed_label = f"mixed-{chunks}chunks" if chunks else f"mixed-{len(articles)}"
    clean, clean_info = open_eval_index(settings, "forum", settings.corpus_dir, progress=progress)
    mixed, mixed_info = open_eval_index(settings, name, corpus, embedder=clean.embedder, progress=progress)
    pool = LLMPool(settings)
    records: list[dict[str, Any]] = []
    drop: dict[str, dict[str, Any]] = {}
    try:
        for label, index in (("clean", clean), (mixed_label, mixed)):
            for result in run_configs(specs, settings, index, items, pool, progress=progress):
                key = f"{result.spec.name}@{label}"
                summary = result.summary()
                foreign = [c for r in result.records for c in r.citations if c["doc_id"].startswith("news/")]
                total = sum(len(r.citations) for r in result.records)
                summary["distractor_citation_share"] = len(foreign) / total if total else None
                report["configs"][key] = summary
                report["failures"][key] = [r.as_dict() for r in worst_failures(result.records)]
                records += [dict(r.as_dict(), config=key) for r in result.records]
    finally:
        pool.close()
        clean.close()
        mixed.close()
    for spec in specs:
        a, b = (
            report["configs"][f"{spec.name}@clean"],
            report["configs"][f"{spec.name}@{mixed_label}"],
        )
        drop[spec.name] = {
            "accuracy_clean": a["accuracy"],
            "accuracy_mixed": b["accuracy"],
            "accuracy_drop": _minus(a["accuracy"], b["accuracy"]),
            "hit@5_clean": a["retrieval"]["hit@5"],
            "hit@5_mixed": b["retrieval"]["hit@5"],
            "hit@5_drop": _minus(a["retrieval"]["hit@5"], b["retrieval"]["hit@5"]),
            "refusal_recall_clean": a["refusal"]["recall"],
            "refusal_recall_mixed": b["refusal"]["recall"],
            "distractor_citation_share": b["distractor_citation_share"],
        }
    ingest_s = mixed_info["ingest_s"]
    report["extra"] = {
        "news_articles": len(articles),
        "copies": copies,
        "items": len(items),
        "clean_index": clean_info,
        "mixed_index": mixed_info,
        "chunks_per_s": round(mixed_info["embedded_now"] / ingest_s, 1)
        if mixed_info["embedded_now"]
        else None,
        "drop": drop,
    }
    if copies:
        report["notes"].append(
            f"Sized by chunks ({mixed_info['chunks']:,}): {copies:,} of the {len(articles):,} news files are "
            "second copies of an article under another name (crud-news has ~29,600 chunks of distinct text)."
        )
    report["notes"].append(
        f"{len(articles)} news files mixed in (of about 11,600 lines in crud-news). The mixed "
        "index "
        "is incremental: ingest_s and chunks_per_s describe this run's ingest (0 embedded = already indexed)."
    )
    report["runtime_s"] = round(time.perf_counter() - started, 1)
    return report, records


def _scale_corpus(settings: Settings, chunks: int) -> tuple[str, Path, int, list[str]]:
    """The bench's scale corpus grown to `chunks`, in the eval folder `scale-<embedder>`."""
    from evals.bench.corpus import ScaleCorpus

    name = f"scale-{settings.embed_backend}"
    folder = eval_settings(settings, name).data_dir / "corpus"
    corpus = ScaleCorpus.create(folder, settings.corpus_dir, settings, allow_copies=True)
    corpus.grow_to(chunks)
    files = [corpus.articles[n % len(corpus.articles)] for n in range(corpus.files)]
    return name, folder, corpus.copies, files


def _minus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def distractor_sections(extra: dict[str, Any]) -> list[str]:
    """Markdown for the distractor report."""
    mixed = extra.get("mixed_index", {})
    out = [
        f"Distractors: {extra.get('news_articles')} news articles; mixed index "
        f"{mixed.get('documents')} documents, "
        f"{mixed.get('chunks')} chunks; this run embedded {mixed.get('embedded_now')} chunks in "
        f"{mixed.get('ingest_s')} s ({extra.get('chunks_per_s')} chunks/s).",
        "",
        "## Drop from the clean forum index to the mixed index",
        "",
        table(
            [
                "configuration",
                "accuracy clean",
                "accuracy mixed",
                "drop",
                "hit@5 clean",
                "hit@5 mixed",
                "drop",
                "refusal recall clean",
                "refusal recall mixed",
                "citations from news",
            ],
            (
                [
                    name,
                    d["accuracy_clean"],
                    d["accuracy_mixed"],
                    d["accuracy_drop"],
                    d["hit@5_clean"],
                    d["hit@5_mixed"],
                    d["hit@5_drop"],
                    d["refusal_recall_clean"],
                    d["refusal_recall_mixed"],
                    d["distractor_citation_share"],
                ]
                for name, d in extra.get("drop", {}).items()
            ),
        ),
        "",
    ]
    return out
