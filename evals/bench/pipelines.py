"""Both pipelines, timed the same way: ingest, and retrieval for a list of questions.

Ours: `ingest()` into a `ForumIndex`; retrieval = `HybridRetriever.search` (query embedding, dense, BM25,
fusion) + `select_evidence` (sentence scoring), exactly what `ForumEngine._prepare` runs.
Baseline: what a newcomer writes with llama-index: `SimpleDirectoryReader` + `VectorStoreIndex.from_documents`
into its own Chroma collection (default `SentenceSplitter`), and for retrieval the retriever of
`evals.baseline.BaselinePipeline` (VectorStoreIndex over OUR Chroma collection, top-k 3), so both search
the same vectors.

The embedder keeps an LRU of query vectors; it is cleared before every timed query so that each pipeline
pays for embedding the question, as a new question would, and neither profits from the other's run.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llama_index.core.llms import LLM

from assistant.evidence import SentenceEmbeddingCache, select_evidence
from assistant.retrieval import HybridRetriever
from kernel.settings import Settings
from vectorstore.embedders import PackagedEmbedding
from vectorstore.index import ForumIndex


def clear_query_cache(embedder: PackagedEmbedding) -> None:
    """Forget cached query vectors (benchmark only: every timed query embeds its question)."""
    with embedder._lock:
        embedder._cache.clear()


def baseline_ingest(corpus: Path, data_dir: Path, embedder: PackagedEmbedding) -> dict[str, Any]:
    """Index `corpus` the plain llama-index way into a fresh Chroma collection; returns counts and seconds."""
    import chromadb
    from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    started = time.perf_counter()
    # Chroma keeps one System per persist path for the life of the process: a folder removed and made
    # again at the same path would get the old collection (a second embedder's vectors then do not fit
    # it), so every ingest writes to a folder of its own.
    data_dir.mkdir(parents=True, exist_ok=True)
    store_dir = tempfile.mkdtemp(prefix="baseline-chroma-", dir=data_dir)
    client = chromadb.PersistentClient(path=store_dir, settings=chromadb.Settings(anonymized_telemetry=False))
    collection = client.get_or_create_collection("baseline", embedding_function=None)
    store = ChromaVectorStore(chroma_collection=collection)
    # exclude_hidden=False: the reader calls a file hidden when any part of its absolute path starts with
    # a dot, so a corpus kept under ~/.local/share read as empty ("No files found", bench at 58k).
    documents = SimpleDirectoryReader(
        str(corpus), recursive=True, required_exts=[".txt"], exclude_hidden=False
    ).load_data()
    VectorStoreIndex.from_documents(
        documents,
        storage_context=StorageContext.from_defaults(vector_store=store),
        embed_model=embedder,
        show_progress=False,
    )
    seconds = time.perf_counter() - started
    return {"documents": len(documents), "chunks": int(collection.count()), "seconds": round(seconds, 3)}


@dataclass
class RetrievalTimes:
    """Seconds per question for each measured step."""

    search: list[float] = field(default_factory=list)  # ours: dense + BM25 + fusion
    evidence: list[float] = field(default_factory=list)  # ours: sentence selection
    total: list[float] = field(default_factory=list)  # ours: search + evidence
    baseline: list[float] = field(default_factory=list)  # baseline retriever
    evidence_found: int = 0

    def as_dict(self) -> dict[str, list[float]]:
        """JSON-ready form."""
        return {
            "search": self.search,
            "evidence": self.evidence,
            "total": self.total,
            "baseline": self.baseline,
        }


class RetrievalBench:
    """Times both retrievers over one index. `cache` keeps sentence vectors between passes (warm)."""

    def __init__(self, settings: Settings, index: ForumIndex, llm: LLM | None = None) -> None:
        from llama_index.core.llms import MockLLM

        from evals.baseline import BaselinePipeline

        self.settings = settings
        self.index = index
        self.ours = HybridRetriever(index, top_k=settings.top_k)
        self.cache = SentenceEmbeddingCache(index.embedder, index=index)  # stored sentence vectors, as served
        # Retrieval never calls the LLM; llama-index's MockLLM stands in when none is loaded.
        self.baseline = BaselinePipeline(index, llm if llm is not None else MockLLM())

    def run(self, questions: list[str], renderings: dict[str, str]) -> RetrievalTimes:
        """One pass over `questions` (a foreign question also searches its Chinese rendering, if known)."""
        from llama_index.core.schema import QueryBundle

        times = RetrievalTimes()
        embedder = self.index.embedder

        def ours(question: str) -> None:
            clear_query_cache(embedder)
            t0 = time.perf_counter()
            found = self.ours.search(question, renderings.get(question))
            t1 = time.perf_counter()
            evidence, _ = select_evidence(
                found, self.index, self.cache, limit=self.settings.evidence_sentences
            )
            t2 = time.perf_counter()
            times.search.append(t1 - t0)
            times.evidence.append(t2 - t1)
            times.total.append(t2 - t0)
            times.evidence_found += bool(evidence)

        def baseline(question: str) -> None:
            clear_query_cache(embedder)
            t0 = time.perf_counter()
            self.baseline.engine.retrieve(QueryBundle(question))
            times.baseline.append(time.perf_counter() - t0)

        for n, question in enumerate(questions):
            # Alternate who goes first: the second search of a question meets warmer Chroma pages.
            for run in (ours, baseline) if n % 2 == 0 else (baseline, ours):
                run(question)
        return times
