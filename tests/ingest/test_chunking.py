"""Sentences and chunks: exact offsets (hypothesis), headings, overlap, long sentences, the real corpus."""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.chunking import chunk_document, split_sentences
from ingest.cleaning import clean_text
from ingest.loaders import read_document
from kernel.domain import Chunk, Document, Sentence

CORPUS = Path("/work/shared/corpus")

# fmt: off
FRAGMENTS = [
    "。", "！", "？", "；", "…", "……", "!", "?", ";", ".", ". ", "...", "”", "’", "」", "』", "）", '"', "'",
    "\n", "\n\n", "\n\n\n\n\n", " ", "\u3000", "\t", "\r\n", "\u2028", "\x0c", "\x85",
    "😀", "👍🏽", "👨‍👩‍👧", "🇨🇳", "中关村", "论坛年会", "通用智", "能人", "，", ",", "、",
    "Hello", "world", " Mr. Smith", "e.g. ", "1. ", "3.14", "مرحبا بالعالم", "Привет", "नमस्ते", "こんにちは",
    "# ", "## 一、概况", "### 1.1 小节 正文", "> ", "新华社记者 张玉薇摄", "2026年3月25日", "紧扣前沿",
]
# fmt: on
texts = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=60).map("".join)


def _assert_sentences(text: str, sentences: list[Sentence]) -> None:
    previous_end = 0
    covered = [False] * len(text)
    for sentence in sentences:
        assert text[sentence.start : sentence.end] == sentence.text
        assert sentence.text and sentence.text == sentence.text.strip()
        assert sentence.start >= previous_end  # ordered, never overlapping
        previous_end = sentence.end
        covered[sentence.start : sentence.end] = [True] * (sentence.end - sentence.start)
    assert all(covered[i] for i, char in enumerate(text) if not char.isspace())


def _assert_chunks(doc: Document, chunks: list[Chunk], chunk_size: int) -> None:
    covered = [False] * len(doc.text)
    for chunk in chunks:
        assert chunk.doc_id == doc.doc_id
        assert doc.text[chunk.start : chunk.end] == chunk.text
        assert chunk.sentences and chunk.sentences[0].start == chunk.start
        assert chunk.sentences[-1].end == chunk.end
        for sentence in chunk.sentences:
            assert doc.text[sentence.start : sentence.end] == sentence.text
            assert chunk.start <= sentence.start < sentence.end <= chunk.end
        # Several units fit in chunk_size; only a lone sentence may be longer (and is cut past 2x).
        assert len(chunk.text) <= (chunk_size if len(chunk.sentences) > 1 else 2 * chunk_size)
        covered[chunk.start : chunk.end] = [True] * (chunk.end - chunk.start)
    assert all(covered[i] for i, char in enumerate(doc.text) if not char.isspace())
    ids = [chunk.chunk_id for chunk in chunks]
    assert len(set(ids)) == len(ids)
    assert [chunk.start for chunk in chunks] == sorted(chunk.start for chunk in chunks)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_sentence_offsets_are_exact_on_random_text(text: str) -> None:
    _assert_sentences(text, split_sentences("doc", text))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, st.integers(min_value=5, max_value=120), st.integers(min_value=0, max_value=3), st.booleans())
def test_chunk_offsets_are_exact_on_random_text(
    text: str, chunk_size: int, overlap: int, clean: bool
) -> None:
    doc = Document(
        doc_id="dir/doc", source="dir/doc.txt", text=clean_text(text) if clean else text, sha256=""
    )
    chunks = chunk_document(doc, chunk_size=chunk_size, overlap_sentences=overlap)
    _assert_chunks(doc, chunks, chunk_size)
    assert chunk_document(doc, chunk_size=chunk_size, overlap_sentences=overlap) == chunks  # deterministic


@settings(max_examples=200, deadline=None)
@given(texts)
def test_cleaning_is_idempotent_and_splits_cleanly(text: str) -> None:
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned
    assert "\n\n\n" not in cleaned and cleaned == cleaned.strip()
    _assert_sentences(cleaned, split_sentences("doc", cleaned))


def test_sentence_boundaries() -> None:
    text = "他说：“好。”然后走了！真的吗？是的；当然……结束 Dr. Smith arrived. He left! OK\n# 标题\n1. item"
    assert [s.text for s in split_sentences("d", text)] == [
        "他说：“好。”", "然后走了！", "真的吗？", "是的；", "当然……", "结束 Dr. Smith arrived.", "He left!",
        "OK", "# 标题", "1. item",
    ]  # fmt: skip
    assert split_sentences("d", "  \n\n \u3000 ") == []


def _doc(text: str) -> Document:
    return Document(doc_id="d", source="d.md", text=text, sha256="")


def test_chunks_respect_headings_and_carry_the_heading() -> None:
    body = "这是一个句子，用来填充内容。" * 6
    text = f"开头的一句话。\n\n## 第一节\n\n### 1.1 小节\n\n{body}\n\n## 第二节\n\n第二节只有一句。"
    chunks = chunk_document(_doc(text), chunk_size=40, overlap_sentences=1)
    assert chunks[0].text == "开头的一句话。" and chunks[0].heading == ""
    assert chunks[1].text.startswith("## 第一节\n\n### 1.1 小节\n\n")
    assert {c.heading for c in chunks[1:-1]} == {"1.1 小节"}
    assert chunks[-1].text == "## 第二节\n\n第二节只有一句。" and chunks[-1].heading == "第二节"
    for chunk in chunks:
        assert not ("第一节" in chunk.text and "第二节" in chunk.text)
    _assert_chunks(_doc(text), chunks, 40)


def test_overlap_repeats_the_last_sentence() -> None:
    text = "".join(f"第{i}句话在这里。" for i in range(10))
    chunks = chunk_document(_doc(text), chunk_size=30, overlap_sentences=1)
    assert len(chunks) > 2
    for before, after in itertools.pairwise(chunks):
        assert after.sentences[0] == before.sentences[-1]
    no_overlap = chunk_document(_doc(text), chunk_size=30, overlap_sentences=0)
    assert "".join(c.text for c in no_overlap) == text


def test_long_sentences_become_own_chunks_or_are_cut_at_commas() -> None:
    long_one = "很长的句子" * 12 + "。"  # 61 characters, between chunk_size and 2 * chunk_size
    very_long = "，".join(["一个分句有八个字"] * 20) + "。"  # 179 characters, over 2 * chunk_size
    text = f"短句。{long_one}短句二。{very_long}"
    chunks = chunk_document(_doc(text), chunk_size=50, overlap_sentences=1)
    assert long_one in [c.text for c in chunks]
    cut = [c for c in chunks if c.text.startswith("一个分句")]
    assert len(cut) >= 3 and all(len(c.text) <= 50 and c.text.endswith(("，", "。")) for c in cut)
    _assert_chunks(_doc(text), chunks, 50)


def test_chunk_ids_are_deterministic_and_content_addressed() -> None:
    chunks = chunk_document(_doc("一。二。三。"), chunk_size=400)
    assert len(chunks) == 1
    digest = hashlib.sha1("一。二。三。".encode()).hexdigest()[:8]
    assert chunks[0].chunk_id == f"d#0000-{digest}"
    assert chunk_document(_doc("")) == []
    with pytest.raises(ValueError):
        chunk_document(_doc("x"), chunk_size=0)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not on this machine")
def test_real_corpus_chunks() -> None:
    for path in sorted(CORPUS.glob("*.txt")):
        doc = read_document(path, CORPUS)
        sentences = split_sentences(doc.doc_id, doc.text)
        chunks = chunk_document(doc, chunk_size=400, overlap_sentences=1)
        _assert_sentences(doc.text, sentences)
        _assert_chunks(doc, chunks, 400)
        assert 50 < len(sentences) < 200 and 5 < len(chunks) < 40
        assert all(c.chunk_id.startswith(f"{doc.doc_id}#") for c in chunks)
    doc = read_document(CORPUS / "000_f953bc0272d12e83.txt", CORPUS)
    headed = {c.heading for c in chunk_document(doc)}
    assert "1.1 中关村论坛的历史沿革与全球影响力" in headed and "四、总结" in headed
