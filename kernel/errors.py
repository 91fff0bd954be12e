"""Our own exceptions. Messages are full sentences that say what to do; the HTTP layer maps them to statuses."""

from __future__ import annotations


class ForumError(Exception):
    """Base of every error this project raises on purpose."""

    status_code = 500


class ConfigurationError(ForumError):
    """A setting is missing or invalid."""

    status_code = 500


class BadInputError(ForumError):
    """The caller sent something we cannot use (empty question, wrong type, too long)."""

    status_code = 400


class PayloadTooLargeError(BadInputError):
    """The request body or message is over the configured limit."""

    status_code = 413


class NotFoundError(ForumError):
    """A document or other named thing does not exist."""

    status_code = 404


class UnauthorizedError(ForumError):
    """An admin call without the right bearer token."""

    status_code = 401


class UnavailableError(ForumError):
    """A dependency (Chroma server, model, index) cannot serve right now; retrying later may work."""

    status_code = 503


class LLMTimeoutError(UnavailableError):
    """The language model did not finish within the configured time (FORUM_LLM_TIMEOUT_S)."""


class ModelError(ForumError):
    """A model file is missing, corrupt or cannot be loaded."""

    status_code = 503


class IngestError(ForumError):
    """Ingest cannot proceed (unwritable data dir, disk full); the previous index is left as it was."""

    status_code = 500


class UnreadableFileError(IngestError):
    """One input file cannot be read or decoded; ingest skips it and reports this message."""

    status_code = 422
