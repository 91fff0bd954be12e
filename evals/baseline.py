"""The baseline: the plain llama-index pipeline a newcomer would write, adapted to our Answer schema.

`VectorStoreIndex.from_vector_store` over the same Chroma collection and embedder as ours, then
`CitationQueryEngine.from_args(..., similarity_top_k=3)` with every other setting at its default (its own
citation prompt, 512-token citation chunks, compact response mode). It has no conversation memory, no
Chinese rendering of foreign questions, no verification and never refuses: that is the point of comparing.
Its output is mapped onto `Answer` so that the same metrics score both pipelines.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from llama_index.core import VectorStoreIndex
from llama_index.core.llms import LLM
from llama_index.core.query_engine import CitationQueryEngine
from llama_index.core.schema import NodeWithScore, QueryBundle

from assistant.generate import cited_numbers
from assistant.language.detect import resolve_language
from assistant.schema import Answer, Citation, Question
from vectorstore.index import ForumIndex

BASELINE_TOP_K = 3
_SOURCE_PREFIX = re.compile(r"^Source \d+:\n")


@dataclass
class BaselineResult:
    """The adapted answer (citations: the sources its [n] markers name) and every source it was shown."""

    answer: Answer
    sources: list[Citation]


class BaselinePipeline:
    """CitationQueryEngine over our Chroma collection, answering `Question`s with `Answer`s."""

    def __init__(self, index: ForumIndex, llm: LLM, *, top_k: int = BASELINE_TOP_K) -> None:
        self.index = index
        self.vindex = VectorStoreIndex.from_vector_store(index.vector_store, embed_model=index.embedder)
        self.engine = CitationQueryEngine.from_args(self.vindex, llm=llm, similarity_top_k=top_k)
        self._texts: dict[str, str] = {}

    def answer(self, question: Question) -> Answer:
        """Ask the pipeline; history is ignored (a query engine has no memory)."""
        return self.ask(question).answer

    def ask(self, question: Question) -> BaselineResult:
        """The answer, and every source the LLM was shown (as citations numbered like its prompt)."""
        started = time.perf_counter()
        bundle = QueryBundle(question.message)
        nodes = self.engine.retrieve(bundle)
        retrieved = time.perf_counter()
        response = self.engine.synthesize(bundle, nodes)
        generated = time.perf_counter()
        text = str(getattr(response, "response", "") or "").strip()
        source_nodes = list(response.source_nodes or nodes)
        sources = [self._citation(n, node) for n, node in enumerate(source_nodes, start=1)]
        cited = set(cited_numbers(text))
        citations = [c for c in sources if c.n in cited]  # [n] refers to "Source n" in the prompt
        answer = Answer(
            answer=text,
            language=resolve_language(question.language, question.message),
            mode="generate",
            refused=False,  # CitationQueryEngine has no refusal path
            confidence=0.0,
            confidence_label="low",
            question=question.message,
            standalone_question=question.message,
            citations=citations,
            timings_ms={
                "retrieve": round((retrieved - started) * 1000, 1),
                "generate": round((generated - retrieved) * 1000, 1),
                "total": round((generated - started) * 1000, 1),
            },
        )
        return BaselineResult(answer, sources)

    def _citation(self, n: int, node: NodeWithScore) -> Citation:
        meta: dict[str, Any] = node.node.metadata
        doc_id = _doc_id(node)
        quote = _SOURCE_PREFIX.sub("", node.node.get_content()).strip()
        start, end = int(meta.get("start", 0)), int(meta.get("end", 0))
        # A chunk longer than 512 tokens is split into several citation nodes that keep the whole
        # chunk's offsets; find the piece itself so that quote == document_text[start:end] still holds.
        text = self._document_text(doc_id)
        found = text.find(quote, max(0, start - 1)) if quote else -1
        if found < 0 and quote:
            found = text.find(quote)
        if found >= 0:
            start, end = found, found + len(quote)
        return Citation(
            n=n,
            doc_id=doc_id,
            source=str(meta.get("source", doc_id)),
            title=str(meta.get("title", "")),
            date=None,
            quote=quote,
            start=start,
            end=end,
            score=float(node.score or 0.0),
        )

    def _document_text(self, doc_id: str) -> str:
        if doc_id not in self._texts:
            try:
                self._texts[doc_id] = self.index.document(doc_id).text
            except Exception:  # an unknown doc id only loses the offset correction
                self._texts[doc_id] = ""
        return self._texts[doc_id]


def _doc_id(node: NodeWithScore) -> str:
    meta = node.node.metadata
    return str(node.node.ref_doc_id or meta.get("doc_id") or meta.get("document_id") or "")
