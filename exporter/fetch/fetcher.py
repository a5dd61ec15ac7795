"""One page's fetch: every document its engine reads, under one deadline, then interpreted.

`PageFetcher.fetch(memo)` takes a request slot for the page's host, GETs the engine's endpoints in
order (each with its own conditional-request validators) through a `Transport` of its own, all
inside one `Deadline`; then `interpret` turns the answers into a `FetchResult`, or the fetch
raises a classified `FetchError`. Parsing runs after the deadline's worker has finished: the
deadline bounds the network, the size cap bounds the parsing.
"""

from __future__ import annotations

import time
from typing import Callable

from exporter.engines import ENGINES, Engine
from exporter.errors import FetchError
from exporter.fetch.answers import FetchResult, Memo, Remembered, check_status, interpret
from exporter.fetch.slots import NoSlot, Upstream
from exporter.fetch.transport import Answer, Deadline, Transport
from exporter.fetch.unknown import UnknownValues


class PageFetcher:
    """Fetches one page. Thread-safe: it keeps nothing between fetches but its settings."""

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
        self._unknown = unknown or UnknownValues()

    def fetch(self, memo: Memo = ()) -> FetchResult:
        """Every endpoint, finished or abandoned by the deadline; raises FetchError."""
        deadline = Deadline(self.timeout, self._clock)
        answers = deadline.run(lambda: self._get_all(memo, deadline))
        result = interpret(self.engine, answers, memo)
        if result.summary is not None:  # once per new document, never per rendering
            self._unknown.report(result.summary, self.url)
        return result

    def _get_all(self, memo: Memo, deadline: Deadline) -> list[Answer]:
        try:
            slot = self._upstream.slot(self.endpoints[0], deadline.left())
            with slot, Transport(deadline, self.engine.max_bytes) as transport:
                answers = []
                for index, url in enumerate(self.endpoints):
                    remembered = memo[index] if index < len(memo) else Remembered()
                    answer = transport.get(url, {"Accept": "application/json", **remembered.validators.headers()})
                    check_status(answer)  # a 429 or 500 ends the fetch: no need to ask for the rest
                    answers.append(answer)
                return answers
        except NoSlot as err:
            raise FetchError("timeout", f"no request slot within {self.timeout:g}s: {err}") from None
