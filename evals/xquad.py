"""XQuAD, cross-lingual: the 240 Chinese paragraphs indexed by our real ingest path, asked in six languages.

Each paragraph becomes a .txt file (`p000.txt` … `p239.txt`) in a corpus folder under the data dir, and the
normal ingest pipeline indexes it into a separate eval index. Each of the 1190 questions is asked in zh, en,
es, de, ru and ar; a retrieval hit is any retrieved chunk (by chunk rank) from the gold paragraph's document.
Retrieval without an LLM runs on every question; the Chinese rendering of foreign questions (one LLM call
each) and the extractive answers run on a stated, evenly spaced sample.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.retrieval import HybridRetriever
from evals import metrics
from evals.configs import LLMPool, eval_settings, open_eval_index
from evals.dataset import read_split, xquad_split_path
from evals.markdown import fmt, table
from evals.report import new_report
from kernel.errors import ForumError, NotFoundError
from kernel.settings import Settings

LANGS = ("zh", "en", "es", "de", "ru", "ar")
RETRIEVAL_CONFIGS = {"dense": ("dense",), "bm25": ("keyword",), "hybrid": ("dense", "keyword")}
RENDER_SAMPLE = 40  # questions per language for the LLM rendering (1-10 s of 0.5B time each)
ANSWER_SAMPLE = 100  # questions per language for extractive answers


@dataclass(frozen=True)
class XQuestion:
    """One XQuAD question in one language, with the gold paragraph and answers."""

    qid: str
    para: int
    language: str
    question: str
    answers: tuple[str, ...]
    zh_answers: tuple[str, ...]
    zh_start: int = -1  # offset of the first Chinese answer in its paragraph (-1: unknown)

    @property
    def doc_id(self) -> str:
        """Document id of the gold paragraph in the eval index."""
        return f"p{self.para:03d}"


def _read(bench: Path, lang: str) -> dict[str, Any]:
    path = bench / "xquad" / f"xquad.{lang}.json"
    if not path.is_file():
        raise NotFoundError(f"{path} does not exist; set FORUM_BENCHMARKS_DIR to the folder holding xquad/.")
    return json.loads(path.read_text(encoding="utf-8"))


def load_xquad(bench: Path, langs: Sequence[str] = LANGS) -> tuple[list[str], dict[str, list[XQuestion]]]:
    """The Chinese paragraphs (in file order) and the questions per language, aligned by question id."""
    zh = _read(bench, "zh")
    paragraphs: list[str] = []
    para_of: dict[str, int] = {}
    zh_answers: dict[str, tuple[str, ...]] = {}
    zh_start: dict[str, int] = {}
    for article in zh["data"]:
        for para in article["paragraphs"]:
            for qa in para["qas"]:
                para_of[qa["id"]] = len(paragraphs)
                zh_answers[qa["id"]] = tuple(dict.fromkeys(a["text"] for a in qa["answers"]))
                zh_start[qa["id"]] = qa["answers"][0].get("answer_start", -1) if qa["answers"] else -1
            paragraphs.append(para["context"])
    questions: dict[str, list[XQuestion]] = {}
    for lang in langs:
        data = zh if lang == "zh" else _read(bench, lang)
        out = []
        for article in data["data"]:
            for para in article["paragraphs"]:
                for qa in para["qas"]:
                    if qa["id"] in para_of:
                        answers = tuple(dict.fromkeys(a["text"] for a in qa["answers"]))
                        out.append(
                            XQuestion(
                                qa["id"],
                                para_of[qa["id"]],
                                lang,
                                qa["question"],
                                answers,
                                zh_answers[qa["id"]],
                                zh_start[qa["id"]],
                            )
                        )
        questions[lang] = sorted(out, key=lambda q: (q.para, q.qid))
    return paragraphs, questions


def write_corpus(folder: Path, paragraphs: Sequence[str]) -> None:
    """One .txt file per paragraph; unchanged files are left alone so re-ingest is instant."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, text in enumerate(paragraphs):
        path = folder / f"p{i:03d}.txt"
        if not path.is_file() or path.read_text(encoding="utf-8") != text + "\n":
            path.write_text(text + "\n", encoding="utf-8")


def sample(items: Sequence[XQuestion], size: int) -> list[XQuestion]:
    """An evenly spaced, deterministic sample of at most `size` items."""
    if size >= len(items):
        return list(items)
    step = len(items) / size
    return [items[math.floor(i * step)] for i in range(size)]


def chunk_rank(doc_ids: Sequence[str], gold: str) -> int | None:
    """1-based rank of the first retrieved chunk from the gold document."""
    return next((rank for rank, doc in enumerate(doc_ids, start=1) if doc == gold), None)


def rank_scores(ranks: Sequence[int | None]) -> dict[str, float | int | None]:
    """recall@1, recall@5 and MRR (over the top 10) of chunk ranks."""
    n = len(ranks)
    if not n:
        return {"recall@1": None, "recall@5": None, "mrr": None, "n": 0}
    return {
        "recall@1": sum(r == 1 for r in ranks) / n,
        "recall@5": sum(r is not None and r <= 5 for r in ranks) / n,
        "mrr": sum(1 / r for r in ranks if r) / n,
        "n": n,
    }


class _Run:
    """Accumulates ranks, answer scores, timings and records of one xquad run."""

    def __init__(self, index: Any, bar: Any) -> None:
        self.index = index
        self.bar = bar
        self.ranks: dict[str, dict[str, list[int | None]]] = {}
        self.timings: dict[str, list[float]] = {}
        self.records: list[dict[str, Any]] = []
        self.answers: dict[str, dict[str, Any]] = {}
        self.examples: list[dict[str, Any]] = []

    def _rank(self, name: str, q: XQuestion, doc_ids: list[str], **extra: Any) -> None:
        rank = chunk_rank(doc_ids, q.doc_id)
        self.ranks.setdefault(name, {}).setdefault(q.language, []).append(rank)
        self.records.append({"config": name, "lang": q.language, "qid": q.qid, "rank": rank, **extra})

    def retrieval(self, questions: dict[str, list[XQuestion]], names: Sequence[str]) -> None:
        """Every question through dense, BM25 and hybrid retrieval (no LLM)."""
        retrievers = {
            name: HybridRetriever(self.index, top_k=10, modes=RETRIEVAL_CONFIGS[name]) for name in names
        }
        for lang in LANGS:
            task = self.bar.add_task(f"retrieval {lang}", total=len(questions[lang]))
            for q in questions[lang]:
                for name, retriever in retrievers.items():
                    t0 = time.perf_counter()
                    hits = [h.chunk.doc_id for h in retriever.search(q.question).hits]
                    self.timings.setdefault(name, []).append((time.perf_counter() - t0) * 1000)
                    self._rank(name, q, hits)
                self.bar.advance(task)

    def rendering(self, questions: dict[str, list[XQuestion]], llm: Any, size: int) -> None:
        """A sample searched with the Chinese rendering as the engine does, and two variants beside it."""
        from assistant.language.translate import to_chinese

        hybrid = HybridRetriever(self.index, top_k=10)
        # The same fusion without BM25 over the foreign original (BM25 on the rendering stays).
        no_foreign_bm25 = HybridRetriever(
            self.index, top_k=10, weights={"dense": 1.0, "keyword": 0.0, "dense_zh": 1.0, "keyword_zh": 1.5}
        )
        for lang in LANGS:
            qs = sample(questions[lang], size)
            task = self.bar.add_task(f"zh rendering {lang}", total=len(qs))
            for q in qs:
                t0 = time.perf_counter()
                try:
                    chinese = to_chinese(llm, q.question) if lang != "zh" else None
                except ForumError:
                    chinese = None
                hits = [h.chunk.doc_id for h in hybrid.search(q.question, chinese).hits]
                self.timings.setdefault("hybrid-zh", []).append((time.perf_counter() - t0) * 1000)
                self._rank("hybrid-zh (sample)", q, hits, chinese=chinese)
                self._rank(
                    "hybrid (same sample)", q, [h.chunk.doc_id for h in hybrid.search(q.question).hits]
                )
                variant = [h.chunk.doc_id for h in no_foreign_bm25.search(q.question, chinese).hits]
                self._rank("hybrid-zh, BM25 on zh text only (sample)", q, variant)
                self.bar.advance(task)

    def extract_answers(self, questions: dict[str, list[XQuestion]], engine: Any, size: int) -> None:
        """Extractive answers (no LLM) on a sample; correct = not refused and holds a gold answer."""
        from assistant.schema import Question

        for lang in LANGS:
            qs = sample(questions[lang], size)
            task = self.bar.add_task(f"answers {lang}", total=len(qs))
            correct = refused = 0
            for q in qs:
                ans = engine.answer(Question(message=q.question, language=lang, mode="extract"))
                gold = [list(q.answers) + list(q.zh_answers)]
                ok = not ans.refused and metrics.answer_matches(ans.answer, gold, lang)
                correct += ok
                refused += ans.refused
                self.timings.setdefault("extract", []).append(ans.timings_ms.get("total", 0.0))
                self.records.append(
                    {
                        "config": "extract",
                        "lang": lang,
                        "qid": q.qid,
                        "correct": ok,
                        "refused": ans.refused,
                        "answer": ans.answer,
                    }
                )
                if not ok and len(self.examples) < 12 and lang in ("en", "zh"):
                    self.examples.append(
                        {
                            "lang": lang,
                            "question": q.question,
                            "gold": q.answers[0],
                            "gold_zh": q.zh_answers[0],
                            "answer": ans.answer,
                            "refused": ans.refused,
                        }
                    )
                self.bar.advance(task)
            n = len(qs)
            self.answers.setdefault("extract (no LLM)", {})[lang] = {
                "accuracy": correct / n if n else None,
                "refused": refused / n if n else None,
                "n": n,
            }


def run_xquad(
    settings: Settings,
    configs: Sequence[str],
    limit: int | None,
    *,
    render_sample: int = RENDER_SAMPLE,
    answer_sample: int = ANSWER_SAMPLE,
    progress: bool = True,
    split: str | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Index the paragraphs, run retrieval / rendering / answers, and return (report, records).

    `limit`: at most this many questions per language (evenly spaced). `configs` may name any of
    dense, bm25, hybrid, hybrid-zh (LLM rendering, sampled) and extract (answers, sampled); default all.
    `split` (dev, test): only the question ids of that side of data/xquad_split.json, so choices made on
    these numbers (retrieval per language, issue 14) look at dev alone; None asks all 1190.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from assistant.engine import ForumEngine

    chosen = list(configs) or [*RETRIEVAL_CONFIGS, "hybrid-zh", "extract"]
    started = time.perf_counter()
    report = new_report("xquad", settings)
    paragraphs, questions = load_xquad(settings.benchmarks_dir)
    if split is not None:
        ids = {qid for qid, side in read_split(xquad_split_path()).items() if split in ("all", side)}
        questions = {lang: [q for q in qs if q.qid in ids] for lang, qs in questions.items()}
        report["notes"].append(
            f"Split {split}: the {len(ids)} question ids of that side of xquad_split.json."
        )
    if limit:
        questions = {lang: sample(qs, limit) for lang, qs in questions.items()}
    corpus = eval_settings(settings, "xquad").data_dir / "corpus"
    write_corpus(corpus, paragraphs)
    index, ingest_info = open_eval_index(settings, "xquad", corpus, progress=progress)
    pool = LLMPool(settings)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, disable=not progress) as bar:
            run = _Run(index, bar)
            run.retrieval(questions, [name for name in RETRIEVAL_CONFIGS if name in chosen])
            if "hybrid-zh" in chosen:
                llm_name = settings.llm_model if settings.llm_model != "none" else "qwen-0.5b"
                run.rendering(questions, pool.get(llm_name), render_sample)
            if "extract" in chosen:
                run.extract_answers(
                    questions, ForumEngine(eval_settings(settings, "xquad"), index, None), answer_sample
                )
    finally:
        pool.close()
        index.close()
    report["extra"] = {
        "paragraphs": len(paragraphs),
        "questions_per_language": {lang: len(qs) for lang, qs in questions.items()},
        "samples": {"hybrid-zh": render_sample, "extract": answer_sample},
        "retrieval": {
            name: {lang: rank_scores(r) for lang, r in per.items()} for name, per in run.ranks.items()
        },
        "answers": run.answers,
        "answer_failures": run.examples,
        "latency_ms": {
            name: {"p50": metrics.percentile(v, 50), "p95": metrics.percentile(v, 95), "n": len(v)}
            for name, v in run.timings.items()
            if v
        },
        "index": ingest_info,
    }
    report["notes"] += [
        "A retrieval hit is any of the top-k retrieved chunks coming from the gold paragraph's document "
        "(chunk ranks, top 10 for MRR).",
        f"hybrid-zh: the question is also searched in its Chinese rendering by the {settings.llm_model} LLM, "
        f"on an evenly spaced sample of at most {render_sample} questions per language; "
        "'hybrid (same sample)' is the plain hybrid on exactly those questions; 'BM25 on zh text only' drops "
        "the BM25 list of the foreign original from the fusion.",
        f"Answers: extractive mode without an LLM on at most {answer_sample} questions per language; "
        "correct when the answer is not a refusal and contains the gold answer in the question's language "
        "or in Chinese.",
    ]
    report["runtime_s"] = round(time.perf_counter() - started, 1)
    return report, run.records


def _first_n(per: dict[str, Any]) -> Any:
    return next((v.get("n") for v in per.values()), None)


def xquad_sections(extra: dict[str, Any]) -> list[str]:
    """Markdown tables of the xquad report."""
    out = [
        f"XQuAD: {extra.get('paragraphs')} Chinese paragraphs indexed "
        f"({extra.get('index', {}).get('chunks')} chunks); questions per language: "
        f"{extra.get('questions_per_language')}.",
        "",
    ]
    for metric in ("recall@1", "recall@5", "mrr"):
        retrieval = extra.get("retrieval", {})
        out += [
            f"## Retrieval {metric} of the gold paragraph",
            "",
            table(
                ["configuration", *LANGS, "n per language"],
                (
                    [
                        name,
                        *(per.get(lang, {}).get(metric) for lang in LANGS),
                        fmt(_first_n(per)),
                    ]
                    for name, per in retrieval.items()
                ),
            ),
        ]
        out.append("")
    for name, per in extra.get("answers", {}).items():
        out += [
            f"## Answer accuracy: {name}",
            "",
            table(
                ["", *LANGS],
                [
                    ["accuracy", *(per.get(lang, {}).get("accuracy") for lang in LANGS)],
                    ["refused", *(per.get(lang, {}).get("refused") for lang in LANGS)],
                    ["n", *(per.get(lang, {}).get("n") for lang in LANGS)],
                ],
            ),
            "",
        ]
    lat = extra.get("latency_ms", {})
    if lat:
        out += [
            "## Latency per question (ms)",
            "",
            table(
                ["configuration", "p50", "p95", "n"],
                ([name, v["p50"], v["p95"], v["n"]] for name, v in lat.items()),
            ),
            "",
        ]
    if extra.get("answer_failures"):
        out += ["## Some wrong extractive answers (en, zh)", ""]
        out += [
            f"- [{e['lang']}] {e['question']} (gold: {e['gold']} / {e['gold_zh']}) → "
            f"{'refused' if e['refused'] else ' '.join(e['answer'].split())[:200]}"
            for e in extra["answer_failures"]
        ]
    return out
