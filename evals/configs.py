"""Eval configurations by name, the answerers that run them, and the separate eval indexes they use.

A configuration is one way of answering: our engine with a retrieval mix (dense, BM25 or both) in
extractive or generative mode and a given LLM (or none), or the plain llama-index baseline. All
configurations of one run share one index and, through `LLMPool`, each model is loaded once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from assistant.engine import ForumEngine
from assistant.language.detect import is_chinese, resolve_language
from assistant.schema import Answer, Mode
from evals.dataset import EvalItem
from kernel.errors import ConfigurationError, ForumError
from kernel.settings import Settings
from vectorstore.index import ForumIndex

if TYPE_CHECKING:
    from assistant.llm.factory import ServedLLM


@dataclass(frozen=True)
class ConfigSpec:
    """One configuration: which pipeline, which retrieval lists, which answer mode, which LLM."""

    name: str
    pipeline: str  # "engine" | "baseline"
    modes: tuple[str, ...]
    answer_mode: Mode
    llm_model: str | None  # None: no LLM at all (no rewrite, no Chinese rendering, no translations)
    description: str
    guest_model: str | None = None  # the foreign guests' model when not llm_model (FORUM_GUEST_MODEL)

    @property
    def models(self) -> set[str]:
        """The packaged models this configuration loads."""
        return {m for m in (self.llm_model, self.guest_model) if m}


_HYBRID = ("dense", "keyword")
CONFIGS: dict[str, ConfigSpec] = {
    spec.name: spec
    for spec in (
        ConfigSpec(
            "hybrid-extract",
            "engine",
            _HYBRID,
            "extract",
            "qwen-0.5b",
            "ours: dense + BM25 (+ zh rendering by the 0.5B LLM), extractive answer",
        ),
        ConfigSpec(
            "hybrid-generate",
            "engine",
            _HYBRID,
            "generate",
            "qwen-0.5b",
            "ours, the default: dense + BM25 (+ zh rendering), verified; the 0.5B answers Chinese questions, "
            "the 1.5B serves foreign guests (renders the question, writes the answer)",
            guest_model="qwen-1.5b",
        ),
        ConfigSpec(
            "hybrid-generate-0.5b",
            "engine",
            _HYBRID,
            "generate",
            "qwen-0.5b",
            "ours: dense + BM25 (+ zh rendering), the 0.5B for every question (the default before 2026-12-03)",
        ),
        ConfigSpec(
            "dense-extract",
            "engine",
            ("dense",),
            "extract",
            "qwen-0.5b",
            "ours with dense retrieval only (+ zh rendering), extractive",
        ),
        ConfigSpec(
            "bm25-extract",
            "engine",
            ("keyword",),
            "extract",
            "qwen-0.5b",
            "ours with BM25 only (+ zh rendering), extractive",
        ),
        ConfigSpec(
            "hybrid-extract-nollm",
            "engine",
            _HYBRID,
            "extract",
            None,
            "ours without any LLM (no zh rendering, rule-based follow-ups), extractive",
        ),
        ConfigSpec(
            "hybrid-generate-1.5b",
            "engine",
            _HYBRID,
            "generate",
            "qwen-1.5b",
            "ours: dense + BM25 (+ zh rendering), 1.5B LLM answer, verified",
        ),
        ConfigSpec(
            "baseline",
            "baseline",
            ("dense",),
            "generate",
            "qwen-0.5b",
            "plain llama-index: VectorStoreIndex over the same Chroma + CitationQueryEngine, "
            "top-k 3, 0.5B LLM, defaults",
        ),
        ConfigSpec(
            "baseline-1.5b",
            "baseline",
            ("dense",),
            "generate",
            "qwen-1.5b",
            "plain llama-index pipeline with the 1.5B LLM",
        ),
    )
}
FORUM_CONFIGS = ["hybrid-extract", "hybrid-generate", "dense-extract", "bm25-extract", "baseline"]
SMOKE_CONFIGS = ["hybrid-extract-nollm"]


EVAL_LLM_TIMEOUT_S = 300.0


def get_spec(name: str) -> ConfigSpec:
    """The configuration called `name`; raises ConfigurationError listing the known ones."""
    if name not in CONFIGS:
        raise ConfigurationError(f"Unknown eval configuration {name!r}; choose from {', '.join(CONFIGS)}.")
    return CONFIGS[name]


class LLMPool:
    """Loads each LLM once (by packaged name) and shares it between configurations."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._llms: dict[str, ServedLLM | None] = {}

    def get(self, model: str | None) -> ServedLLM | None:
        """The loaded LLM for `model` (None for None); raises ConfigurationError if it is not installed."""
        if model is None:
            return None
        if model not in self._llms:
            from assistant.llm.factory import make_llm

            # A longer timeout than serving: on a shared 2-core machine the baseline's ~1,500-token prompts
            # can pass 60 s, and an eval should score answers, not the machine's load at that moment.
            timeout = max(self.settings.llm_timeout_s, EVAL_LLM_TIMEOUT_S)
            llm = make_llm(self.settings.model_copy(update={"llm_model": model, "llm_timeout_s": timeout}))
            if llm is None:
                raise ConfigurationError(
                    f"The LLM {model!r} is not installed; run `make setup` (or pip install the model extra)."
                )
            warm = getattr(llm, "warm_up", None)
            if callable(warm):
                warm()  # the first call pages the weights in; keep that out of the measured latencies
            self._llms[model] = llm
        return self._llms[model]

    def release(self, model: str) -> None:
        """Unload one model (the 1.5B model is large; free it once its configurations ran)."""
        llm = self._llms.pop(model, None)
        close = getattr(llm, "close", None)
        if callable(close):
            close()

    def close(self) -> None:
        """Unload every model."""
        for model in list(self._llms):
            self.release(model)


class Answerer(Protocol):
    """What the runner needs from a configuration."""

    def ask(self, item: EvalItem) -> tuple[Answer, list[str]]:
        """The answer and the ranked doc ids retrieval found (for hit@k)."""
        ...


class EngineAnswerer:
    """Our engine in one configuration."""

    def __init__(
        self,
        spec: ConfigSpec,
        settings: Settings,
        index: ForumIndex,
        llm: ServedLLM | None,
        guest_llm: ServedLLM | None = None,
    ) -> None:
        self.spec = spec
        self.engine = ForumEngine(settings, index, llm, retrieval_modes=spec.modes, guest_llm=guest_llm)

    def ask(self, item: EvalItem) -> tuple[Answer, list[str]]:
        """Answer the item, then re-run retrieval on the standalone question for the hit@k ranking."""
        answer = self.engine.answer(item.to_question(mode=self.spec.answer_mode))
        return answer, self.ranked_doc_ids(answer.standalone_question)

    def ranked_doc_ids(self, standalone: str) -> list[str]:
        """Doc ids of the retrieved chunks, best first, exactly as the engine retrieves them."""
        chinese = None
        renderer = self.engine.guest_llm
        if renderer is not None and not is_chinese(resolve_language("auto", standalone)):
            from assistant.language.translate import to_chinese

            try:
                chinese = to_chinese(renderer, standalone)  # cached: the engine just rendered the same text
            except ForumError:
                chinese = None
        retrieval = self.engine.retriever.search(standalone, chinese)
        return [hit.chunk.doc_id for hit in retrieval.hits]


class BaselineAnswerer:
    """The plain llama-index pipeline (evals/baseline.py)."""

    def __init__(self, index: ForumIndex, llm: ServedLLM) -> None:
        from evals.baseline import BaselinePipeline

        self.pipeline = BaselinePipeline(index, llm)

    def ask(self, item: EvalItem) -> tuple[Answer, list[str]]:
        """Only the last message is asked: the query engine keeps no history."""
        result = self.pipeline.ask(item.to_question(mode="generate"))
        return result.answer, [source.doc_id for source in result.sources]


def reset_caches(index: ForumIndex) -> None:
    """Forget cached Chinese renderings, translations and query embeddings.

    Every configuration asks the same questions; without this, the second configuration would get its
    renderings and query vectors from the first one's run and report latencies no user would see.
    """
    from assistant.language.translate import clear_cache

    clear_cache()
    clear = getattr(index.embedder, "clear_cache", None)
    if callable(clear):
        clear()
    else:  # the embedder keeps a small LRU of query vectors and (yet) no public way to empty it
        cache = getattr(index.embedder, "_cache", None)
        if cache is not None:
            cache.clear()


def make_answerer(spec: ConfigSpec, settings: Settings, index: ForumIndex, pool: LLMPool) -> Answerer:
    """Build the answerer for a configuration (loads its LLM through the pool)."""
    llm = pool.get(spec.llm_model)
    if spec.pipeline == "baseline":
        if llm is None:
            raise ConfigurationError("The baseline needs an LLM; it has no extractive mode.")
        return BaselineAnswerer(index, llm)
    return EngineAnswerer(spec, settings, index, llm, pool.get(spec.guest_model))


# ---------------------------------------------------------------- eval indexes


def eval_settings(settings: Settings, name: str) -> Settings:
    """Settings for a separate eval index `<data_dir>/evals/<name>` (always embedded Chroma).

    Only the index moves: the LLM is loaded with the original settings, so model files stay where they are.
    """
    return settings.model_copy(update={"data_dir": settings.data_dir / "evals" / name, "chroma_host": None})


def open_eval_index(
    settings: Settings, name: str, corpus: Path, *, embedder: Any = None, progress: bool = True
) -> tuple[ForumIndex, dict[str, Any]]:
    """Open the eval index `name` and bring it in step with `corpus` (incremental: fast when unchanged)."""
    from ingest.pipeline import ingest

    local = eval_settings(settings, name)
    index = ForumIndex.open(local, embedder=embedder)
    report = ingest(local, corpus, index, progress=progress)
    stats = index.stats()
    return index, {
        "index_dir": str(local.index_dir),
        "documents": stats["documents"],
        "chunks": stats["chunks"],
        "embedded_now": report.embedded,
        "ingest_s": round(report.seconds, 1),
        "embedder": stats["embedder"],
    }
