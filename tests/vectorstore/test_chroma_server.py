"""One test against a real `chroma run` server on 127.0.0.1, started and stopped here."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.pipeline import ingest
from kernel.errors import UnavailableError
from tests.support import ChromaServer
from vectorstore.index import ForumIndex


@pytest.mark.server
def test_ingest_and_search_through_a_chroma_server(tmp_path: Path, make_settings, embedder) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "dates.txt").write_text("2026中关村论坛年会\n\n3月25日至29日，2026中关村论坛年会在北京举办。\n")
    (corpus / "robots.txt").write_text("展区见闻\n\n服务机器人在展区内平稳穿梭，精准完成配送。\n")
    with ChromaServer(tmp_path / "server-db", tmp_path / "chroma.log") as server:
        settings = make_settings(chroma_host="127.0.0.1", chroma_port=server.port)
        index = ForumIndex.open(settings, embedder=embedder)
        report = ingest(settings, corpus, index, progress=False)
        assert sorted(report.added) == ["dates", "robots"]
        assert index.stats()["chroma"] == f"server {server.url}"
        assert index.store.count() == report.embedded > 0
        hits = index.dense_search("When is the 2026 forum held?", 1)
        assert hits[0][0].doc_id == "dates"
        assert ingest(settings, corpus, index, progress=False).embedded == 0
    # The server is gone: a clear UnavailableError, not a raw connection error.
    with pytest.raises(UnavailableError, match="cannot be reached"):
        index.dense_search("another question", 1)
    index.close()
