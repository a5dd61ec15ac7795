"""What an engine is: which documents it reads under a page's URL, and how it interprets them.

Every engine module defines a module-level `ENGINE`; `exporter.engines` builds its table from the
list of engine modules.

An engine knows nothing of sockets, caches or Prometheus. The fetch path GETs every URL of
`endpoints(url)` (in order, under one deadline) and hands the bodies, in the same order, to
`interpret`, which returns the normalized `Summary` or raises `InvalidPayload` (a document of the
wrong shape; the message names the field) or `FetchError("invalid_json")` (not JSON at all).

An engine whose documents come in pages (Cachet) also has a `next_page`: the fetch path asks it,
after each page, for the link to the next one, reads that too (on the page's host, under its URL,
at most `MAX_PAGES` per document, under the same deadline), and hands the following pages to
`interpret` inside the first page's `Body` (`Body.next_pages`): still one `Body` per endpoint.
An engine that reads settings of the page's own (the `feed` engine's `feed_max_age`) or the time
(what is recent) has a `configure`: `for_page(options, wall)` gives the engine one page reads, its
`interpret` still a function of the bodies alone once those are fixed.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from exporter.engines.fields import decode_json
from exporter.model import Summary

#: The default cap on one document's size, decoded.
MAX_BODY_BYTES = 8 * 1024 * 1024
#: The most pages one paginated document may have; a document with more fails as `too_large`.
MAX_PAGES = 20
#: What the fetch asks for unless the engine says otherwise.
ACCEPT_JSON = "application/json"
#: How long a feed item stays current after its last update, unless the page says otherwise: 7 days.
DEFAULT_FEED_MAX_AGE = 7 * 24 * 3600.0


@dataclass(frozen=True)
class Body:
    """One endpoint's successful answer: its bytes and the Content-Type that says how to decode them."""

    content: bytes
    content_type: str = ""
    #: The pages after this one, in order, where the engine's documents are paginated.
    next_pages: tuple[Body, ...] = ()
    #: When the fetch received it (wall clock, Unix seconds), for engines whose documents say when
    #: something ends rather than whether it has; None where nobody said (tests).
    received_at: float | None = None


@dataclass(frozen=True)
class Engine:
    """One status page engine, as listed in `exporter.engines.ENGINES`."""

    name: str
    #: The page's configured base URL -> the URLs to GET, always on that URL's host.
    endpoints: Callable[[str], tuple[str, ...]]
    #: The bodies of those URLs, in the same order -> the page, normalized.
    interpret: Callable[[Sequence[Body]], Summary]
    #: The size cap of one body (decoded); a feed of history (Google Cloud) needs more.
    max_bytes: int = MAX_BODY_BYTES
    #: (the URL a body was read from, the body) -> the link to the next page as the body writes it
    #: (None: the last page, or a document read in one page). Raises as `interpret` does.
    next_page: Callable[[str, Body], str | None] | None = None
    #: A page's configured URL -> why this engine cannot read it (None: it can); checked at load.
    check_url: Callable[[str], str | None] | None = None
    #: The `Accept` header of every request for the engine's documents.
    accept: str = ACCEPT_JSON
    #: (the page's options, the wall clock) -> the `interpret` for that page; None: the same for every page.
    configure: Callable[[PageOptions, Callable[[], float]], Callable[[Sequence[Body]], Summary]] | None = None

    def for_page(self, options: PageOptions, wall: Callable[[], float] = time.time) -> Engine:
        """The engine as one page reads it: itself, or with the `interpret` its options and clock make."""
        if self.configure is None:
            return self
        return dataclasses.replace(self, interpret=self.configure(options, wall))


@dataclass(frozen=True)
class PageOptions:
    """What a page's own settings tell its engine (most engines read none of them)."""

    #: A feed item last updated longer ago than this is over, whatever its words say (seconds).
    feed_max_age: float = DEFAULT_FEED_MAX_AGE


def json_documents(parse: Callable[..., Summary]) -> Callable[[Sequence[Body]], Summary]:
    """The `interpret` of an engine whose documents are JSON: each body decoded (by `decode_json`),
    then `parse(*documents)` in endpoint order."""

    def interpret(bodies: Sequence[Body]) -> Summary:
        documents: list[Any] = [decode_json(body.content, body.content_type) for body in bodies]
        return parse(*documents)

    interpret.__doc__ = f"Decode the bodies as JSON, then {parse.__name__}()."
    return interpret
