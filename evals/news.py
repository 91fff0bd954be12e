"""The crud-news articles (CRUD-RAG): the distractors of the distractor suite and the bench's scale corpus."""

from __future__ import annotations

from pathlib import Path

from kernel.errors import NotFoundError


def news_articles(bench: Path, limit: int | None = None) -> list[str]:
    """Distinct news articles in file order (the files repeat some articles), at most `limit`."""
    folder = bench / "crud-news"
    files = sorted(folder.glob("documents_dup_part_*"))
    if not files:
        raise NotFoundError(f"No documents_dup_part_* files in {folder}; set FORUM_BENCHMARKS_DIR.")
    seen: dict[str, None] = {}
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                seen.setdefault(line.strip(), None)
            if limit is not None and len(seen) >= limit:
                return list(seen)
    return list(seen)
