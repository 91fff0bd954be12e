"""Where the time goes on the extractive path: cProfile over one question, grouped by stage.

A fresh engine (no LLM, empty sentence cache) answers one question in extract mode under cProfile; then
the same question is timed again without the profiler (warm caches). The stage table reads cumulative
times of the functions that make up `ForumEngine._prepare` and `_finish`.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from typing import Any

from assistant.schema import Question
from evals.bench.pipelines import clear_query_cache
from kernel.settings import Settings
from vectorstore.index import ForumIndex

# (label, file suffix, function name): cumulative time of that function.
STAGES: tuple[tuple[str, str, str], ...] = (
    ("whole answer (engine.answer)", "assistant/engine.py", "answer"),
    ("retrieve: HybridRetriever.search", "assistant/retrieval.py", "search"),
    ("  query embeddings (embedder, uncached)", "vectorstore/embedders.py", "_get_query_embedding"),
    ("  Chroma vector query", "vectorstore/chroma.py", "query"),
    ("  BM25 keyword search (jieba + bm25s)", "vectorstore/keyword.py", "search"),
    ("retrieve: select_evidence", "assistant/evidence.py", "select_evidence"),
    ("  sentence embeddings (SentenceEmbeddingCache.vectors)", "assistant/evidence.py", "vectors"),
    ("finish: verification, conflicts, answer text", "assistant/engine.py", "_finish"),
)


def _cumulative(stats: pstats.Stats, suffix: str, name: str) -> tuple[float, int]:
    total, calls = 0.0, 0
    for (filename, _line, func), row in stats.stats.items():  # type: ignore[attr-defined]
        if func == name and filename.replace("\\", "/").endswith(suffix):
            total += row[3]
            calls += row[1]
    return total, calls


def profile_extractive(settings: Settings, index: ForumIndex, question: str) -> dict[str, Any]:
    """Profile one cold extractive answer; returns stage seconds, the top functions and a warm re-run."""
    from assistant.engine import ForumEngine

    engine = ForumEngine(settings, index, None)
    clear_query_cache(index.embedder)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    answer = engine.answer(Question(message=question, mode="extract"))
    profiler.disable()
    cold = time.perf_counter() - started

    clear_query_cache(index.embedder)
    started = time.perf_counter()
    engine.answer(Question(message=question, mode="extract"))
    warm = time.perf_counter() - started

    stats = pstats.Stats(profiler)
    stages = []
    for label, suffix, name in STAGES:
        seconds, calls = _cumulative(stats, suffix, name)
        stages.append({"stage": label, "seconds": round(seconds, 3), "calls": calls})
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(25)
    return {
        "question": question,
        "cold_s": round(cold, 3),
        "warm_s": round(warm, 3),
        "engine_timings_ms": answer.timings_ms,
        "stages": stages,
        "top": buffer.getvalue(),
    }
