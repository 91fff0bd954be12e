"""The baseline adapter: plain llama-index CitationQueryEngine over our Chroma, with the real 0.5B LLM."""

from __future__ import annotations

import pytest

from assistant.schema import Answer, Question
from evals.baseline import BaselinePipeline

pytestmark = pytest.mark.llm

GOLD_DOC = "004_ee9741430f072f91"  # the 2023 article

# `llm`: the session's one loaded 0.5B model (tests/conftest.py); its own time limit is generous (the
# baseline's CitationQueryEngine passes none).


@pytest.fixture(scope="module")
def result(corpus_index, llm):
    pipeline = BaselinePipeline(corpus_index, llm)
    return pipeline.ask(Question(message="2023中关村论坛是哪几天举办的？"))


def test_baseline_answers_in_our_schema(result):
    answer = result.answer
    assert isinstance(answer, Answer)
    assert answer.answer.strip()
    assert answer.refused is False and answer.mode == "generate" and answer.language == "zh"
    assert set(answer.timings_ms) == {"retrieve", "generate", "total"}
    assert len(result.sources) >= 3  # similarity_top_k=3; a chunk over 512 tokens would be split further
    assert [c.n for c in result.sources] == list(range(1, len(result.sources) + 1))
    # Only the sources its [n] markers name become citations.
    assert {c.n for c in answer.citations} <= {c.n for c in result.sources}


def test_baseline_sources_are_chunks_of_the_gold_document(result, corpus_index):
    gold = [c for c in result.sources if c.doc_id == GOLD_DOC]
    assert gold, f"the 2023 article is not among the sources: {[c.doc_id for c in result.sources]}"
    chunks = {chunk.text for chunk in corpus_index.chunks_of(GOLD_DOC)}
    for citation in result.sources:
        text = corpus_index.document(citation.doc_id).text
        assert text[citation.start : citation.end] == citation.quote
    assert all(any(c.quote in chunk for chunk in chunks) for c in gold)
