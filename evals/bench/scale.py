"""Scale series: one index grown with crud-news articles to each target size, both retrievers timed.

A step whose predicted embedding time (from the last measured chunks/s) exceeds the step budget is
skipped and recorded, so the run never silently stops short of a scale.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path

from evals.bench.measure import ingest_row, phase, summary
from evals.bench.run import BenchConfig, BenchRun, bench_settings
from kernel.settings import Settings


def scale_series(
    run: BenchRun,
    config: BenchConfig,
    base: Settings,
    work: Path,
    embedder: str,
    questions: list[str],
    progress: Callable[[BenchRun], None],
) -> None:
    """Grow an index for `embedder` through `config.scales` and time retrieval at each size."""
    from evals.bench.corpus import ScaleCorpus
    from evals.bench.pipelines import RetrievalBench
    from ingest.pipeline import ingest
    from vectorstore.index import ForumIndex

    settings = bench_settings(base, work / f"scale-{embedder}", embedder, llm_model="none")
    corpus = ScaleCorpus.create(
        work / f"corpus-{embedder}", settings.corpus_dir, settings, allow_copies=config.allow_copies
    )
    index = ForumIndex.open(settings)
    rate: float | None = None
    if embedder == config.forum_embedder and run.ingest.get("ours_cold"):
        rate = run.ingest["ours_cold"]["chunks_per_s"]
    try:
        for target in config.scales:
            have = index.catalog.counts()["chunks"]
            if rate and (target - have) / rate > config.step_budget_s:
                run.skipped.append(
                    f"{embedder} at {target:,} chunks: embedding {target - have:,} more chunks at the "
                    f"measured {rate:.2f} chunks/s would take ~{(target - have) / rate / 60:.0f} min, over "
                    f"the {config.step_budget_s / 60:.0f}-min step budget"
                )
                break
            planned = corpus.grow_to(target)
            with phase(f"ingest {embedder}: grow to {planned:,} chunks", run.phases) as p_in:
                report = ingest(settings, corpus.folder, index, progress=False)
            rate = report.embedded / max(p_in.wall_s, 1e-9)
            counts = index.catalog.counts()
            bench = RetrievalBench(settings, index)
            with phase(f"retrieval {embedder} @ {counts['chunks']:,} chunks", run.phases) as p_r:
                cold = bench.run(questions, run.renderings)
                warm = bench.run(questions, run.renderings)
            run.scales.append(
                {
                    "embedder": embedder,
                    "target": target,
                    "chunks": counts["chunks"],
                    "documents": counts["documents"],
                    "copies": corpus.copies,
                    "ingest": ingest_row(p_in, len(report.added), report.embedded),
                    "cold": {k: summary(v) for k, v in cold.as_dict().items()},
                    "warm": {k: summary(v) for k, v in warm.as_dict().items()},
                    "raw_cold": cold.as_dict(),
                    "evidence_found": cold.evidence_found,
                    "questions": len(questions),
                    "rss_mib": p_r.rss_after_mib,
                    "peak_rss_mib": p_r.peak_rss_mib,
                    "load": [p_r.load_before, p_r.load_after],
                }
            )
            progress(run)
            if corpus.files >= corpus.capacity:
                run.skipped.append(f"{embedder}: the news articles ran out at {counts['chunks']:,} chunks")
                break
    finally:
        index.close()
        gc.collect()
