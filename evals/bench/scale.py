"""Scale series: one index grown with crud-news articles to each target size, both retrievers timed.

A step whose predicted embedding time (from the last measured chunks/s) exceeds the step budget is
skipped and recorded, so the run never silently stops short of a scale. With `config.chroma_server`, each
size is timed a second time through a `chroma run` server holding a copy of the same vectors (issue 13: the
deployment that keeps its vectors on another process or machine). With `config.keep_dir` the index stays
at `<keep_dir>/scale-<embedder>` (corpus in its `corpus/`): `forum-assistant eval --suite distractor
--chunks N` run with `<keep_dir>` = `<data dir>/evals` then reuses it instead of embedding it again.
"""

from __future__ import annotations

import gc
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evals.bench.measure import ingest_row, phase, summary
from evals.bench.run import BenchConfig, BenchRun, bench_settings
from kernel.settings import Settings

if TYPE_CHECKING:
    from vectorstore.index import ForumIndex


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

    root = (config.keep_dir or work) / f"scale-{embedder}"
    shutil.rmtree(root, ignore_errors=True)  # a cold series: nothing left from an earlier run
    settings = bench_settings(base, root, embedder, llm_model="none")
    corpus = ScaleCorpus.create(
        root / "corpus", settings.corpus_dir, settings, allow_copies=config.allow_copies
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
            if config.chroma_server:
                run.scales[-1]["server"] = _server_timings(run, settings, index, work, questions)
            progress(run)
            if corpus.files >= corpus.capacity:
                run.skipped.append(f"{embedder}: the news articles ran out at {counts['chunks']:,} chunks")
                break
        if config.baseline_at_scale and run.scales and run.scales[-1]["embedder"] == embedder:
            run.scales[-1]["baseline_ingest"] = _baseline_ingest(run, corpus.folder, work, index)
            progress(run)
    finally:
        index.close()
        gc.collect()


def _baseline_ingest(run: BenchRun, folder: Path, work: Path, index: ForumIndex) -> dict[str, Any]:
    """The plain llama-index ingest of the series' largest corpus, cold, with the same loaded embedder.

    Its own chunking (llama-index's default splitter) and no sentence vectors: what the baseline pays to
    index the same documents. The collection is thrown away; retrieval is timed on ours (`RetrievalBench`).
    """
    from evals.bench.pipelines import baseline_ingest

    target = work / "baseline-scale"
    shutil.rmtree(target, ignore_errors=True)
    try:
        with phase(f"ingest baseline: {folder.name}, cold", run.phases) as p:
            base = baseline_ingest(folder, target, index.embedder)
    finally:
        shutil.rmtree(target, ignore_errors=True)
    return ingest_row(p, base["documents"], base["chunks"])


def _server_timings(
    run: BenchRun, settings: Settings, index: ForumIndex, work: Path, questions: list[str]
) -> dict[str, Any]:
    """Time the same retrieval with the vectors served by `chroma run` (a copy of this size's collection).

    The catalog (chunk text, BM25, sentence vectors) stays local, as in a deployment with FORUM_CHROMA_HOST;
    only the vector search crosses the process boundary.
    """
    from evals.bench.pipelines import RetrievalBench
    from evals.bench.processes import ChromaServer
    from vectorstore.index import ForumIndex

    copy = work / "server-chroma"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(settings.index_dir / "chroma", copy)
    try:
        with ChromaServer(copy, work / "chroma-server.log") as server:
            remote = settings.model_copy(update={"chroma_host": "127.0.0.1", "chroma_port": server.port})
            served = ForumIndex.open(remote, embedder=index.embedder)
            try:
                bench = RetrievalBench(remote, served)
                with phase(f"retrieval via chroma run @ {served.store.count():,} vectors", run.phases) as p:
                    cold = bench.run(questions, run.renderings)
                    warm = bench.run(questions, run.renderings)
            finally:
                served.close()
    finally:
        shutil.rmtree(copy, ignore_errors=True)
    return {
        "cold": {k: summary(v) for k, v in cold.as_dict().items()},
        "warm": {k: summary(v) for k, v in warm.as_dict().items()},
        "raw_cold": cold.as_dict(),
        "evidence_found": cold.evidence_found,
        "rss_mib": p.rss_after_mib,
        "load": [p.load_before, p.load_after],
    }
