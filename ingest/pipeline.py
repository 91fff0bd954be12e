"""Incremental, idempotent ingest: files -> documents -> chunks -> vectors -> ForumIndex.

The index mirrors one folder. Each document carries the sha256 of its file: an unchanged file is not
embedded again, a changed file replaces exactly its chunks, a file that disappeared is removed. Chunk
ids are deterministic and vectors are upserted, and every run starts by reconciling Chroma with the
catalog, so a run killed at any point followed by a new run gives the same index as one clean run.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ingest.chunking import chunk_document
from ingest.loaders import iter_candidate_files, read_document
from kernel.domain import Chunk, Document
from kernel.errors import IngestError, UnreadableFileError
from kernel.settings import Settings
from vectorstore.index import META_CHUNKING, META_EMBEDDER, ForumIndex, passage_text

_Item = tuple[Document, list[Chunk]]
CHUNKING_VERSION = "1"  # bump when chunking changes in a way that must rebuild existing indexes


@dataclass
class IngestReport:
    """What one ingest run did. `render()` gives the text the CLI prints."""

    root: str
    files_seen: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    chunks_added: int = 0
    chunks_removed: int = 0
    embedded: int = 0
    orphan_vectors_removed: int = 0
    reset: bool = False
    rebuild_reason: str | None = None
    embedder: str = ""
    seconds: float = 0.0

    @property
    def nothing_changed(self) -> bool:
        """True when the run embedded, removed and repaired nothing."""
        return not (self.embedded or self.removed or self.orphan_vectors_removed or self.chunks_removed)

    def render(self) -> str:
        """A short human-readable report."""
        lines = [f"Ingested {self.root}"]
        if self.rebuild_reason:
            lines.append(f"  rebuilt the whole index: {self.rebuild_reason}")
        elif self.reset:
            lines.append("  rebuilt the whole index (--reset)")
        lines.append(
            f"  files seen {self.files_seen}: added {len(self.added)}, changed {len(self.changed)}, "
            f"unchanged {len(self.unchanged)}, removed {len(self.removed)}, skipped {len(self.skipped)}"
        )
        for title, names in (("added", self.added), ("changed", self.changed), ("removed", self.removed),
                             ("repaired after an interrupted run", self.repaired)):  # fmt: skip
            if names:
                lines.append(f"  {title}: {', '.join(names[:10])}{' …' if len(names) > 10 else ''}")
        for name, reason in self.skipped:
            lines.append(f"  skipped {name}: {reason}")
        if self.orphan_vectors_removed:
            lines.append(f"  removed {self.orphan_vectors_removed} vectors left by an interrupted run")
        lines.append(
            f"  chunks added {self.chunks_added}, removed {self.chunks_removed}; "
            f"embedded {self.embedded} with {self.embedder}"
        )
        if self.nothing_changed:
            lines.append("  Nothing changed: the index is up to date and nothing was embedded.")
        lines.append(f"  took {self.seconds:.1f} s")
        return "\n".join(lines)


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


def _embed_and_write(index: ForumIndex, todo: list[Document], settings: Settings, report: IngestReport,
                     progress: bool) -> None:  # fmt: skip
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    items = [
        (doc, chunk_document(doc, settings.chunk_size, settings.chunk_overlap_sentences)) for doc in todo
    ]
    total = sum(len(chunks) for _, chunks in items)
    console = Console(stderr=True)
    if progress and total:
        # A plain line first: logs and tests can see that embedding has started.
        print(f"Embedding {total} chunks of {len(items)} documents with {index.embedder.identity}",
              file=sys.stderr, flush=True)  # fmt: skip
    columns = (TextColumn("embedding"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, disable=not progress or not total) as bar:
        task = bar.add_task("embedding", total=total)
        # Two embedding batches per commit: a crash loses at most that much work.
        for group in _groups(items, 2 * settings.embed_batch_size):
            texts = [passage_text(c) for _, chunks in group for c in chunks]
            vectors = index.embedder.get_text_embedding_batch(texts) if texts else []
            batch, position = [], 0
            for doc, chunks in group:
                batch.append((doc, chunks, vectors[position : position + len(chunks)]))
                position += len(chunks)
            added, removed = index.write(batch)
            report.chunks_added += added
            report.chunks_removed += removed
            report.embedded += len(texts)
            bar.advance(task, len(texts))


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
    built_with = index.catalog.get_meta(META_EMBEDDER)
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
        todo = _scan(root, index.hashes(), broken, report)
        report.chunks_removed += index.remove(report.removed)
        _embed_and_write(index, todo, settings, report, progress)
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
