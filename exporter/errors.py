"""The two failures a fetch can end in, named: `FetchError` (classified) and `InvalidPayload`."""

from __future__ import annotations

from exporter.vocabulary import REASONS


class FetchError(Exception):
    """A failed fetch, classified. `retry_after` is set when the server asked us to wait."""

    def __init__(self, reason: str, detail: str, status: int | None = None, retry_after: float | None = None):
        assert reason in REASONS, reason
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.status = status
        self.retry_after = retry_after


class InvalidPayload(ValueError):
    """The document is valid JSON but not of the engine's shape; the message names the bad field."""
