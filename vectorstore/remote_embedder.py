"""An OpenAI-compatible embeddings server (Text Embeddings Inference, vLLM, Ollama, …) as an embedder.

llama-index's `OpenAILikeEmbedding` does the talking (`POST {base_url}/embeddings`); what is ours:
- the e5 prefixes: a server that serves multilingual-e5 embeds the text exactly as sent, so the
  `query: ` / `passage: ` prefixes the model was trained with are added here (FORUM_EMBED_QUERY_PREFIX,
  FORUM_EMBED_PASSAGE_PREFIX; both "" for models without prefixes);
- the identity stored in the catalog names the model and the prefixes (not the URL: the same model
  moved to another server gives the same vectors), so an index is never searched with other vectors;
- the error mapping: the openai client's exceptions become ours (UnavailableError for a server that is
  down, slow or busy; ConfigurationError for a wrong URL, model name, key or request), with the fix.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from pydantic import PrivateAttr

from kernel.errors import ConfigurationError, ForumError, ModelError, UnavailableError
from kernel.settings import Settings
from vectorstore.embedding_base import PackagedEmbedding


def remote_identity(model: str, query_prefix: str, passage_prefix: str) -> str:
    """What the catalog records for vectors from `model` behind a server, with the prefixes used."""
    return f"openai:{model}:prefixes={query_prefix!r},{passage_prefix!r}"


def _remote_error(exc: Exception, base_url: str, model: str, timeout_s: float) -> Exception:
    """Map the openai client's exceptions onto ours; anything else is returned unchanged."""
    import openai

    where = f"The embedding server at {base_url}"
    if isinstance(exc, openai.APITimeoutError):
        return UnavailableError(
            f"{where} did not answer within {timeout_s:g} s. Check the server's load, or raise "
            "FORUM_EMBED_TIMEOUT_S (or lower FORUM_EMBED_BATCH_SIZE); ingest resumes where it stopped."
        )
    if isinstance(exc, openai.APIConnectionError):
        return UnavailableError(
            f"{where} cannot be reached ({exc.__cause__ or exc}). Start the server, or set "
            "FORUM_EMBED_BASE_URL to its address including /v1 (e.g. http://127.0.0.1:8080/v1)."
        )
    if isinstance(exc, openai.APIStatusError):
        status, message = exc.status_code, exc.message
        if status in (401, 403):
            return ConfigurationError(f"{where} refused the API key ({status}). Set FORUM_EMBED_API_KEY.")
        if status == 404:
            return ConfigurationError(
                f"{where} has no model {model!r} or no embeddings route (404: {message}). Set "
                "FORUM_EMBED_MODEL to a model the server serves and FORUM_EMBED_BASE_URL to its /v1 URL."
            )
        if status == 429 or status >= 500:
            return UnavailableError(
                f"{where} is busy or failing ({status}: {message}). Try again shortly; ingest resumes "
                "where it stopped."
            )
        return ConfigurationError(
            f"{where} rejected the request ({status}: {message}). If the texts are too long or the batch "
            "too big for it, lower FORUM_EMBED_BATCH_SIZE or let the server truncate inputs; check that "
            "FORUM_EMBED_MODEL is an embedding model."
        )
    if isinstance(exc, openai.APIError):
        return UnavailableError(f"{where} sent an answer that is not an embeddings response ({exc}).")
    return exc


class OpenAICompatibleEmbedding(PackagedEmbedding):
    """Vectors from an OpenAI-compatible `/v1/embeddings` endpoint through llama-index's OpenAILikeEmbedding.

    Queries and passages go to the same endpoint, led by their prefixes; vectors are L2-normalised here
    (servers differ on whether they normalise).
    """

    model_name: str = "openai"
    identity: str = "openai"
    base_url: str = ""
    query_prefix: str = "query: "
    passage_prefix: str = "passage: "
    timeout_s: float = 60.0
    _client: Any = PrivateAttr(default=None)

    def __init__(
        self,
        model_name: str,
        base_url: str,
        *,
        api_key: str = "not-needed",
        timeout_s: float = 60.0,
        max_retries: int = 2,
        query_prefix: str = "query: ",
        passage_prefix: str = "passage: ",
        **kwargs: Any,
    ) -> None:
        from llama_index.embeddings.openai_like import OpenAILikeEmbedding

        fields: dict[str, Any] = {
            "model_name": model_name,
            "identity": remote_identity(model_name, query_prefix, passage_prefix),
            "base_url": base_url,
            "query_prefix": query_prefix,
            "passage_prefix": passage_prefix,
            "timeout_s": timeout_s,
        }
        super().__init__(**fields, **kwargs)
        # No request is made here: the client connects on the first text embedded.
        self._client = OpenAILikeEmbedding(
            model_name=model_name,
            api_base=base_url,
            api_key=api_key,
            timeout=timeout_s,
            max_retries=max_retries,
            embed_batch_size=self.embed_batch_size,
        )

    @classmethod
    def class_name(cls) -> str:
        return "OpenAICompatibleEmbedding"

    @contextmanager
    def _mapped_errors(self) -> Iterator[None]:
        try:
            yield
        except ForumError:
            raise
        except Exception as exc:
            mapped = _remote_error(exc, self.base_url, self.model_name, self.timeout_s)
            if mapped is exc:
                raise
            raise mapped from exc

    def _embed(self, texts: list[str], prefix: str) -> np.ndarray:
        with self._mapped_errors():
            vectors = self._client.get_text_embedding_batch([prefix + text for text in texts])
        if len(vectors) != len(texts) or len({len(v) for v in vectors}) > 1:
            raise ModelError(
                f"The embedding server at {self.base_url} returned {len(vectors)} vectors of uneven or "
                f"wrong shape for {len(texts)} texts. Check that FORUM_EMBED_MODEL is an embedding model."
            )
        return np.asarray(vectors, dtype=np.float32)

    def _encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts, self.query_prefix)

    def _encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts, self.passage_prefix)


def make_remote_embedder(settings: Settings) -> OpenAICompatibleEmbedding:
    """The openai backend from the settings; ConfigurationError when the URL or the model is missing."""
    if not settings.embed_base_url or not settings.embed_model:
        raise ConfigurationError(
            "FORUM_EMBED_BACKEND=openai needs FORUM_EMBED_BASE_URL (the server's address including /v1, "
            "e.g. http://127.0.0.1:8080/v1) and FORUM_EMBED_MODEL (the model name the server serves, "
            "e.g. intfloat/multilingual-e5-small)."
        )
    return OpenAICompatibleEmbedding(
        settings.embed_model,
        settings.embed_base_url.rstrip("/"),
        api_key=settings.embed_api_key,
        timeout_s=settings.embed_timeout_s,
        max_retries=settings.embed_max_retries,
        query_prefix=settings.embed_query_prefix,
        passage_prefix=settings.embed_passage_prefix,
        embed_batch_size=settings.embed_batch_size,
    )
