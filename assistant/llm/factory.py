"""`make_llm`: the configured LLM, local or remote, from the settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.llm.local import LocalGGUFLLM
from assistant.llm.packaged import resolve_model_path
from assistant.llm.remote import RemoteLLM, make_remote_llm

if TYPE_CHECKING:
    from kernel.settings import Settings

# Both llama-index LLMs and `ChatModel`s: the engine streams from them, the llama-index baseline queries them.
ServedLLM = LocalGGUFLLM | RemoteLLM


def make_llm(settings: Settings) -> ServedLLM | None:
    """The configured LLM: remote when llm_base_url is set, else the local GGUF; None for llm_model="none"."""
    if settings.llm_model.strip().lower() == "none":
        return None
    if settings.llm_base_url:
        return make_remote_llm(settings)
    path = resolve_model_path(settings)
    if path is None:
        return None
    return LocalGGUFLLM.from_settings(path, settings)


def separate_guest_model(settings: Settings) -> str | None:
    """Which model to load beside llm_model for foreign guests, or None when they share it.

    A remote server gets its own guests' model only when guest_model was set for it: the packaged
    default's name means nothing to another server."""
    name = settings.guest_model.strip()
    remote_default = settings.llm_base_url and "guest_model" not in settings.model_fields_set
    return None if not name or name == settings.llm_model or remote_default else name


def make_guest_llm(settings: Settings, llm: ServedLLM | None) -> ServedLLM | None:
    """The model that serves foreign guests: `llm` itself, unless `separate_guest_model` names another
    (loaded beside it, from the same place: packaged, a .gguf path, or the llm_base_url server).

    No LLM (llm_model="none") means none for guests either."""
    name = separate_guest_model(settings)
    if llm is None or name is None:
        return llm
    return make_llm(settings.model_copy(update={"llm_model": name}))
