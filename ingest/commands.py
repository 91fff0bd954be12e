"""The `forum-assistant ingest` and `forum-assistant stats` commands (thin wrappers, printing only)."""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from kernel.settings import load_settings


def run_ingest(path: Path | None, reset: bool = False) -> None:
    """Ingest `path` (default: FORUM_CORPUS_DIR) into the index and print the report."""
    from ingest.pipeline import check_writable, ingest
    from vectorstore.index import ForumIndex

    settings = load_settings()
    check_writable(settings)  # before opening anything, so a bad data dir changes nothing
    index = ForumIndex.open(settings)
    try:
        report = ingest(settings, path or settings.corpus_dir, index, reset=reset, progress=True)
    except KeyboardInterrupt:
        # Every committed document is complete; the next run skips them (same hash) and goes on.
        print(
            "Ingest stopped. Documents written so far are kept: run `forum-assistant ingest` again, without "
            "--reset, to resume (finished files are not embedded again).",
            file=sys.stderr,
        )
        raise SystemExit(130) from None
    finally:
        index.close()
    print(report.render())


def run_stats() -> None:
    """Print what the index holds: documents (title, year), chunks, embedder, Chroma mode."""
    from vectorstore.index import ForumIndex

    settings = load_settings()
    index = ForumIndex.open(settings)
    try:
        stats = index.stats()
    finally:
        index.close()
    console = Console(width=max(Console().width, 120))  # pipes default to 80 columns; titles are long
    console.print(
        f"Index {stats['index_dir']} (Chroma {stats['chroma']}, collection {stats['collection']!r})",
        highlight=False,
        markup=False,
    )
    console.print(
        f"{stats['documents']} documents, {stats['chunks']} chunks, {stats['sentences']} sentences, "
        f"{stats['vectors']} vectors",
        highlight=False,
    )
    console.print(f"embedder: {stats['index_embedder'] or stats['embedder']}", highlight=False, markup=False)
    if stats["index_embedder"] and stats["index_embedder"] != stats["embedder"]:
        console.print(
            f"warning: the configured embedder is {stats['embedder']}; run `forum-assistant ingest --reset`.",
            highlight=False,
            markup=False,
        )
    if stats["chunking"]:
        console.print(f"chunking: {stats['chunking']}", highlight=False, markup=False)
    if not stats["documents"]:
        console.print("The index is empty: run `forum-assistant ingest PATH`.", markup=False)
        return
    table = Table("doc_id", "title", "year", "date", "chunks")
    for doc in stats["document_list"]:
        table.add_row(
            doc["doc_id"], doc["title"], str(doc["year"] or ""), doc["date"] or "", str(doc["chunks"])
        )
    console.print(table)
