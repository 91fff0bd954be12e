"""Hybrid retrieval: dense + BM25, over the question and its Chinese rendering, fused by weighted RRF.

Measured on this corpus: jieba BM25 is near perfect for Chinese questions and weak across languages, dense
search is the reverse, so a foreign question is also searched in a Chinese rendering (local LLM, cached).
A question naming an edition (2023, 2026) prefers that edition's documents.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from assistant.calibration import FUSION_WEIGHTS, RETRIEVAL_CANDIDATES, YEAR_BOOST
from assistant.figures.dates import years_in
from assistant.language.terms import GenericWords, chinese_queries, content_terms
from kernel.domain import Chunk
from vectorstore.index import ForumIndex

RRF_K = 60
# For a question not in Chinese, BM25 on its own words matches little but names and numbers in Chinese
# text and mostly adds noise (XQuAD: hybrid recall@1 en 0.49 vs dense 0.71), while dense search on the
# original is the most reliable list; the rendering's lists help only as far as the small LLM translates.
FOREIGN_WEIGHTS = {"dense": 1.5, "keyword": 0.25, "dense_zh": 1.0, "keyword_zh": 1.0, "keyword_terms": 1.5}


@dataclass
class RetrievedChunk:
    """A fused hit, with the lists it came from (useful to explain and to score confidence)."""

    chunk: Chunk
    score: float
    year: int | None
    signals: dict[str, float] = field(default_factory=dict)


@dataclass
class Retrieval:
    """What retrieval found for one question."""

    queries: list[str]
    hits: list[RetrievedChunk]
    years: set[int]
    focus: list[str] = field(default_factory=list)  # what is asked now (a follow-up's own words)
    generic: GenericWords = field(default_factory=GenericWords)  # words that are not the question's subject

    @property
    def asked(self) -> list[str]:
        """The queries evidence is chosen for: the focus when there is one, else all queries."""
        return self.focus or self.queries


def retrieve(
    retriever: HybridRetriever, standalone: str, chinese: str | None, focus: tuple[str, ...] | None
) -> Retrieval:
    """Stage 2, retrieve: hybrid search for the standalone question, its Chinese rendering and its focus."""
    return retriever.search(standalone, chinese, focus=list(focus) if focus else None)


def _distinct(ranked: list[RetrievedChunk]) -> list[RetrievedChunk]:
    """The best-ranked hit per chunk text, in order.

    News is republished under other names: copies of one passage would fill the top k with one source's
    words and push the others out (half of the 58k distractor files are copies).
    """
    seen: set[str] = set()
    kept = []
    for entry in ranked:
        text = "".join(entry.chunk.text.split())
        if text not in seen:
            seen.add(text)
            kept.append(entry)
    return kept


class HybridRetriever(BaseRetriever):
    """Weighted reciprocal-rank fusion of dense and keyword search over one or more query renderings."""

    def __init__(
        self,
        index: ForumIndex,
        *,
        top_k: int = 8,
        candidates: int = RETRIEVAL_CANDIDATES,
        weights: dict[str, float] | None = None,
        year_boost: float = YEAR_BOOST,
        modes: tuple[str, ...] = ("dense", "keyword"),
        generic: GenericWords | None = None,
    ) -> None:
        super().__init__()
        self.index = index
        self.generic = generic if generic is not None else GenericWords.of(index.common_terms())
        self.top_k = top_k
        self.candidates = candidates
        self.weights = weights or dict(FUSION_WEIGHTS)
        self.year_boost = year_boost
        self.modes = modes
        self._doc_years: dict[str, int | None] = {}

    def _doc_year(self, doc_id: str) -> int | None:
        if doc_id not in self._doc_years:
            self._doc_years[doc_id] = self.index.document(doc_id).year
        return self._doc_years[doc_id]

    def search(self, question: str, chinese: str | None = None, focus: list[str] | None = None) -> Retrieval:
        """Retrieve for `question`, also searching `chinese` (its Chinese rendering) when given.

        `focus` holds a follow-up's own words (and their rendering): its specific words are searched too, and
        an edition it names replaces the one of the earlier question.
        """
        runs: list[tuple[str, list[tuple[Chunk, float]]]] = []
        searches: dict[str, Callable[[str, int], list[tuple[Chunk, float]]]] = {
            "dense": self.index.dense_search,
            "keyword": self.index.keyword_search,
        }
        queries = [question]
        for mode in self.modes:
            runs.append((mode, searches[mode](question, self.candidates)))
        if chinese and chinese.strip() and chinese.strip() != question.strip():
            queries.append(chinese)
            for mode in self.modes:
                runs.append((f"{mode}_zh", searches[mode](chinese, self.candidates)))

        # The question's specific words alone: generic words (论坛, 举办, 多少) drown them in full-query BM25.
        terms = [
            t for t in content_terms(" ".join(chinese_queries(queries)), self.generic) if not t.isdigit()
        ]
        if terms and "keyword" in self.modes:
            runs.append(("keyword_terms", searches["keyword"](" ".join(terms), self.candidates)))
        focus = [q for q in focus or [] if q and q.strip()]
        focus_terms = [
            t for t in content_terms(" ".join(chinese_queries(focus)), self.generic) if not t.isdigit()
        ]
        if focus_terms and focus_terms != terms and "keyword" in self.modes:
            runs.append(("keyword_terms", searches["keyword"](" ".join(focus_terms), self.candidates)))

        years = set().union(*(years_in(q) for q in focus)) if focus else set()
        years = years or years_in(question) | (years_in(chinese) if chinese else set())
        fused: dict[str, RetrievedChunk] = {}
        foreign = not chinese_queries([question])
        for name, hits in runs:
            weight = self.weights.get(name, 1.0)
            if foreign and name in FOREIGN_WEIGHTS:
                weight = FOREIGN_WEIGHTS[name]
            for rank, (chunk, raw) in enumerate(hits):
                entry = fused.get(chunk.chunk_id)
                if entry is None:
                    entry = RetrievedChunk(chunk, 0.0, self._doc_year(chunk.doc_id))
                    fused[chunk.chunk_id] = entry
                entry.score += weight / (RRF_K + rank + 1)
                entry.signals[name] = max(entry.signals.get(name, float("-inf")), raw)
        if years:
            for entry in fused.values():
                if entry.year in years:
                    entry.score *= self.year_boost
        ranked = _distinct(sorted(fused.values(), key=lambda e: e.score, reverse=True))[: self.top_k]
        return Retrieval(queries=queries, hits=ranked, years=years, focus=focus, generic=self.generic)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        # The llama-index entry point; the engine calls `search` to also pass the Chinese rendering.
        found = self.search(query_bundle.query_str)
        return [
            NodeWithScore(
                node=TextNode(
                    id_=hit.chunk.chunk_id,
                    text=hit.chunk.text,
                    metadata={"doc_id": hit.chunk.doc_id, "start": hit.chunk.start, "end": hit.chunk.end},
                ),
                score=hit.score,
            )
            for hit in found.hits
        ]
