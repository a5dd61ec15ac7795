"""One page's fetch: every document its engine reads, under one deadline, then interpreted.

`PageFetcher.fetch()` takes a request slot for the page's host, GETs the engine's endpoints in
order (each with the conditional-request validators it remembers from its last answers) through a
`Transport` of its own, all inside one `Deadline`; then `interpret` turns the answers into a
`FetchResult`, or the fetch raises a classified `FetchError`. Parsing runs once the deadline's
work has finished: the deadline bounds the network, the size cap bounds the parsing.

Where the engine reads its documents in pages (`Engine.next_page`), each document's following
pages are read right after it, in the same worker under the same deadline: only links on the
page's host and under its URL (`page_link`), at most `MAX_PAGES` pages a document, never one twice.
"""

from __future__ import annotations

import time
from typing import Callable
from urllib.parse import urljoin, urlsplit, urlunsplit

from exporter.engines import ENGINES, Engine
from exporter.engines.base import MAX_PAGES, Body
from exporter.errors import FetchError, InvalidPayload
from exporter.fetch.answers import FetchResult, Memo, Remembered, check_status, interpret
from exporter.fetch.slots import NoSlot, Upstream
from exporter.fetch.transport import Answer, Deadline, Transport
from exporter.fetch.unknown import UnknownValues


class PageFetcher:
    """Fetches one page. One fetch at a time: its memo of the last answers passes from each to the next."""

    def __init__(
        self,
        url: str,
        timeout: float,
        *,
        engine: Engine = ENGINES["statuspage"],
        upstream: Upstream | None = None,
        clock: Callable[[], float] = time.monotonic,
        unknown: UnknownValues | None = None,
    ):
        """`upstream` shares request slots with other pages' fetchers (a private one if None);
        `unknown` remembers the values beyond the vocabularies already warned about (likewise)."""
        self.url = url.rstrip("/")
        self.engine = engine
        self.endpoints = engine.endpoints(self.url)
        self.timeout = timeout
        self._upstream = upstream or Upstream()
        self._clock = clock
        self._memo: Memo = ()
        self._unknown = unknown or UnknownValues()

    @property
    def memo(self) -> Memo:
        """What the last successful fetch remembered of each endpoint's answer."""
        return self._memo

    def fetch(self) -> FetchResult:
        """Every endpoint, finished or abandoned by the deadline; raises FetchError."""
        deadline = Deadline(self.timeout, self._clock)
        answers, pages = deadline.run(lambda: self._get_all(deadline))
        result, self._memo = interpret(self.engine, answers, self._memo, pages, time.time())
        if result.summary is not None:  # once per new document, never per rendering
            self._unknown.report(result.summary, self.url)
        return result

    def _get_all(self, deadline: Deadline) -> tuple[list[Answer], list[tuple[Answer, ...]]]:
        try:
            slot = self._upstream.slot(self.endpoints[0], deadline.left())
            with slot, Transport(deadline, self.engine.max_bytes) as transport:
                answers, pages = [], []
                for index, url in enumerate(self.endpoints):
                    remembered = self._memo[index] if index < len(self._memo) else Remembered()
                    answer = transport.get(url, {"Accept": self.engine.accept, **remembered.validators.headers()})
                    check_status(answer)  # a 429 or 500 ends the fetch: no need to ask for the rest
                    answers.append(answer)
                    pages.append(self._following_pages(transport, answer))
                return answers, pages
        except NoSlot as err:
            raise FetchError("timeout", f"no request slot within {self.timeout:g}s: {err}") from None

    def _following_pages(self, transport: Transport, answer: Answer) -> tuple[Answer, ...]:
        """The pages after `answer` that the engine's `next_page` links to (none after a 304)."""
        next_page = self.engine.next_page
        if next_page is None or answer.status != 200:
            return ()
        following: list[Answer] = []
        read = {answer.url}
        current = answer
        while (link := _next_link(next_page, current)) is not None:
            url = page_link(self.url, current.url, link)
            if url in read:
                raise FetchError("invalid_payload", f"next page {url[:200]} was read already", 200)
            if len(read) >= MAX_PAGES:
                raise FetchError("too_large", f"more than {MAX_PAGES} pages from {answer.url[:200]}", 200)
            current = transport.get(url, {"Accept": "application/json"})
            check_status(current)
            if current.status != 200:  # a 304 to a request without validators
                raise FetchError("http_status", f"HTTP {current.status} for {url[:200]}", current.status)
            following.append(current)
            read.add(url)
        return tuple(following)


def _next_link(next_page: Callable[[str, Body], str | None], answer: Answer) -> str | None:
    try:
        return next_page(answer.url, Body(answer.body, answer.headers.get("Content-Type", "")))
    except InvalidPayload as err:
        raise FetchError("invalid_payload", str(err), 200) from None


def _userinfo(netloc: str) -> str:
    """The credentials part of a netloc ("" without); a relative link keeps the page's (urljoin)."""
    return netloc.rpartition("@")[0]


def page_link(page_url: str, current: str, link: str) -> str:
    """The URL to read for a next-page `link` found in the document at `current`.

    Only a link to the page's own host (and port, if it names one) under the page's URL path is
    followed, read with the page's scheme (an app behind a TLS proxy may write http links: never a
    downgrade). Raises FetchError("invalid_payload") for any other.
    """
    if any(char.isspace() or not char.isprintable() or char == "\\" for char in link):
        raise FetchError("invalid_payload", f"next page link {link[:100]!r}: not a plain URL", 200)
    page = urlsplit(page_url)
    try:
        target = urlsplit(urljoin(current, link))
        port = target.port
    except ValueError:
        raise FetchError("invalid_payload", f"next page link {link[:100]!r}: not a URL", 200) from None
    prefix = page.path.rstrip("/") + "/"
    if (
        target.scheme not in ("http", "https")
        or (target.hostname or "").lower() != (page.hostname or "").lower()
        or ("@" in target.netloc and _userinfo(target.netloc) != _userinfo(page.netloc))
        or (port is not None and port != (page.port or {"http": 80, "https": 443}[page.scheme]))
        or not (target.path + "/").startswith(prefix)
    ):
        raise FetchError("invalid_payload", f"next page link {link[:100]!r}: not under {page_url[:100]}", 200)
    return urlunsplit((page.scheme, page.netloc, target.path, target.query, ""))
