"""The two failures a fetch can end in, named: `FetchError` (classified) and `InvalidPayload`."""

from __future__ import annotations

from exporter.urls import scrub
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

    def scrubbed(self, url: str) -> FetchError:
        """This error, with `url`'s credentials (and any URL's userinfo) out of its detail: details
        quote URLs, and are logged and shown on /api/v1/status."""
        detail = scrub(self.detail, url)
        if detail == self.detail:
            return self
        return FetchError(self.reason, detail, self.status, self.retry_after)


class InvalidPayload(ValueError):
    """The document is valid JSON but not of the engine's shape; the message names the bad field."""
