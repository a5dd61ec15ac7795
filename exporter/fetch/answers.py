"""From answers to a result: status, headers and bodies -> a new Summary, "not modified", or a FetchError.

Pure: no sockets, and no clock but the wall time a Retry-After date is measured against. The fetch
path calls `check_status` on every answer as it arrives (so a 429 ends the fetch at once) and
`interpret` once every endpoint of the engine has answered 200 or 304.

A fetcher remembers (its `Memo`), per endpoint, the validators of its last 200 (and, for engines
that read several documents, that body): a 304 for one endpoint reuses its last body; when every
endpoint answers 304 the page is unchanged. `interpret` returns the memo for the next fetch. A
document read in several pages keeps no validators: a 304 for its first page would say nothing of
the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import urllib3.exceptions
from urllib3.util.retry import Retry

from exporter.engines.base import Body, Engine
from exporter.errors import FetchError, InvalidPayload
from exporter.fetch.transport import Answer
from exporter.model import Summary
from exporter.urls import redact_url

MAX_RETRY_AFTER_SECONDS = 3600.0
_RETRY_AFTER = Retry(retry_after_max=MAX_RETRY_AFTER_SECONDS)


@dataclass(frozen=True)
class Validators:
    """What a 200 said to send back for a conditional request."""

    etag: str | None = None
    last_modified: str | None = None

    @classmethod
    def of(cls, headers: Mapping[str, str]) -> Validators:
        return cls(headers.get("ETag"), headers.get("Last-Modified"))

    def headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True)
class Remembered:
    """One endpoint's last 200: its validators, and its body where a 304 may need it again."""

    validators: Validators = Validators()
    body: Body | None = None


#: Per endpoint, in the engine's order; what a fetch hands the next one.
Memo = tuple[Remembered, ...]


@dataclass(frozen=True)
class FetchResult:
    """A successful fetch: a new Summary (200), or confirmation that ours is current (304)."""

    status: int
    summary: Summary | None
    #: The engine that read it.
    engine: str = ""


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date, against the wall
    clock), capped at 1 h; None when absent or garbled."""
    if not value:
        return None
    try:
        return float(_RETRY_AFTER.parse_retry_after(value))
    except (urllib3.exceptions.InvalidHeader, TypeError, ValueError, OverflowError, IndexError):
        return None  # what urllib3 or email.utils raise for a garbled value


def check_status(answer: Answer) -> None:
    """Raise the classified FetchError for any status but 200 and 304."""
    status = answer.status
    if status in (200, 304):
        return
    retry_after = parse_retry_after(answer.headers.get("Retry-After"))
    if status == 429:
        raise FetchError("rate_limited", "HTTP 429", status, retry_after)
    raise FetchError("http_status", f"HTTP {status}", status, retry_after if status == 503 else None)


def interpret(
    engine: Engine,
    answers: Sequence[Answer],
    memo: Memo,
    pages: Sequence[Sequence[Answer]] = (),
    now: float | None = None,
) -> tuple[FetchResult, Memo]:
    """The result of one fetch and the memo for the next, from answers that `check_status` let
    through (every one a 200 or a 304), in the engine's endpoint order.

    `pages[i]` are the 200s of the pages after answer i, where the engine reads its documents in
    pages; `now` (wall clock) is stamped on the new bodies as `received_at`. A document that came
    in several pages is remembered without validators: its pages are all read again next time.
    """
    keep_bodies = len(answers) > 1
    remembered: list[Remembered] = []
    bodies: list[Body] = []
    for index, answer in enumerate(answers):
        previous = memo[index] if index < len(memo) else Remembered()
        if answer.status == 304:
            # We sent no validators (nothing earlier to keep), or kept no body to reuse: a 304
            # cannot mean "unchanged" then.
            if previous.validators == Validators() or (keep_bodies and previous.body is None):
                raise FetchError(
                    "http_status", f"HTTP 304 for {redact_url(answer.url)[:200]} with no earlier answer", 304
                )
            remembered.append(previous)
            if previous.body is not None:
                bodies.append(previous.body)
            continue
        following = tuple(pages[index]) if index < len(pages) else ()
        body = Body(
            answer.body,
            answer.headers.get("Content-Type", ""),
            tuple(Body(page.body, page.headers.get("Content-Type", ""), received_at=now) for page in following),
            now,
        )
        validators = Validators() if following else Validators.of(answer.headers)
        remembered.append(Remembered(validators, body if keep_bodies else None))
        bodies.append(body)
    new_memo = tuple(remembered)
    if all(answer.status == 304 for answer in answers):
        return FetchResult(304, None, engine.name), new_memo
    try:
        return FetchResult(200, engine.interpret(bodies), engine.name), new_memo
    except InvalidPayload as err:
        raise FetchError("invalid_payload", str(err), 200) from None
