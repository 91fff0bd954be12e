"""What one ingest run did, as numbers and as the text the CLI prints."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    sentences_embedded: int = 0  # sentence vectors stored, backfilled ones included
    sentences_backfilled: int = 0  # of which for documents indexed without them
    sentence_seconds: float = 0.0  # time spent embedding sentences
    orphan_vectors_removed: int = 0
    reset: bool = False
    rebuild_reason: str | None = None
    embedder: str = ""
    seconds: float = 0.0

    @property
    def nothing_changed(self) -> bool:
        """True when the run embedded, removed and repaired nothing."""
        return not (
            self.embedded
            or self.removed
            or self.orphan_vectors_removed
            or self.chunks_removed
            or self.sentences_embedded
        )

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
        if self.sentences_embedded:
            backfill = (
                f" ({self.sentences_backfilled} for documents indexed without them)"
                if self.sentences_backfilled
                else ""
            )
            lines.append(
                f"  sentence vectors stored {self.sentences_embedded}{backfill}, "
                f"embedding them took {self.sentence_seconds:.1f} s"
            )
        if self.nothing_changed:
            lines.append("  Nothing changed: the index is up to date and nothing was embedded.")
        lines.append(f"  took {self.seconds:.1f} s")
        return "\n".join(lines)
