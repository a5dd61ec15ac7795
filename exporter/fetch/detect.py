"""`engine: auto`: a page's engine found by asking each engine's documents on the page's own host.

`DetectingFetcher` is the fetcher of a page whose engine is `auto`. Its first fetch asks the
engines `exporter.engines.detection.candidates(url)` names, in that order, each exactly as a page
of that engine is fetched (a `PageFetcher`: the host's request slots, the size cap, redirects only
on the page's own host), all within the page's one fetch timeout: each engine gets the time the
ones before it left. The first whose documents interpret cleanly is the page's engine, and its
answer is this fetch's result.

An engine whose documents are missing or of another shape (`http_status`, `invalid_json`,
`invalid_payload`, `too_large`) is passed over. A failure that says the host cannot be asked now
(`timeout`, `connection`, `rate_limited`, or any answer with a Retry-After) ends the detection with
that error, so the cache waits as it would for any page. When no engine matches, the fetch fails
with `unknown_engine`, naming what each engine got.

The decision lasts as long as the fetcher, which lives as long as the page's cache; it is made
again after `reset_detection()` (a reload) or once the chosen engine's documents have failed to
interpret (`invalid_json`, `invalid_payload`, HTTP 404 or 410) for `max_stale` seconds.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Mapping

from exporter import log
from exporter.engines import ENGINES, Engine, PageOptions
from exporter.engines.detection import candidates
from exporter.errors import FetchError
from exporter.fetch.answers import FetchResult
from exporter.fetch.fetcher import PageFetcher
from exporter.fetch.slots import Upstream
from exporter.fetch.unknown import UnknownValues
from exporter.urls import redact_url

#: Failures that say "not this engine": detection asks the next one.
PASS_OVER = frozenset({"http_status", "invalid_json", "invalid_payload", "too_large"})
#: Failures of the chosen engine that mean its documents no longer read as that engine.
UNINTERPRETABLE = frozenset({"invalid_json", "invalid_payload"})
GONE_STATUSES = frozenset({404, 410})
#: How much of each engine's failure the `unknown_engine` detail quotes.
DETAIL_CHARS = 80

_log = log.get_logger(__name__)


class DetectingFetcher:
    """Fetches a page of engine `auto`. Thread-safe; one fetch at a time (the cache's rule)."""

    def __init__(
        self,
        url: str,
        timeout: float,
        max_stale: float,
        *,
        upstream: Upstream | None = None,
        clock: Callable[[], float] = time.monotonic,
        engines: Mapping[str, Engine] = ENGINES,
        options: PageOptions | None = None,
        unknown: UnknownValues | None = None,
    ):
        """`options` are the page's own settings, given to whichever engine is chosen; `unknown`
        remembers the values beyond the vocabularies already warned about (a private one if None)."""
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._max_stale = max_stale
        self._upstream = upstream or Upstream()
        self._clock = clock
        self._engines = engines
        self._options = options or PageOptions()
        self._unknown = unknown or UnknownValues()
        self._lock = threading.Lock()
        self._chosen: PageFetcher | None = None
        self._failing_since: float | None = None

    @property
    def engine(self) -> str:
        """The detected engine's name; "" while there is none."""
        chosen = self._chosen
        return chosen.engine.name if chosen is not None else ""

    def reset_detection(self) -> None:
        """Forget the engine: the next fetch detects it again."""
        with self._lock:
            self._chosen = None
            self._failing_since = None

    def fetch(self) -> FetchResult:
        """A fetch by the detected engine, detecting it first if needed; raises FetchError."""
        with self._lock:
            chosen = self._chosen
        if chosen is None:
            return self._detect()
        try:
            result = chosen.fetch()
        except FetchError as err:
            self._count_failure(err)
            raise
        with self._lock:
            self._failing_since = None
        return result

    def _count_failure(self, err: FetchError) -> None:
        if err.reason not in UNINTERPRETABLE and not (err.reason == "http_status" and err.status in GONE_STATUSES):
            return
        now = self._clock()
        with self._lock:
            if self._failing_since is None:
                self._failing_since = now
            if now - self._failing_since < self._max_stale or self._chosen is None:
                return
            engine = self._chosen.engine.name
            self._chosen = None
            self._failing_since = None
        _log.warning("engine detection reset", url=redact_url(self.url), engine=engine, reason=err.reason)

    def _detect(self) -> FetchResult:
        expires = self._clock() + self.timeout
        tried: list[str] = []
        for name in candidates(self.url):
            engine = self._engines[name]
            if engine.check_url is not None and engine.check_url(self.url):
                continue  # the URL is not of the shape this engine's pages have
            engine = engine.for_page(self._options)
            left = expires - self._clock()
            if left <= 0:
                raise self._stopped(FetchError("timeout", f"no engine detected within {self.timeout:g}s"), tried)
            fetcher = PageFetcher(
                self.url, left, engine=engine, upstream=self._upstream, clock=self._clock, unknown=self._unknown
            )
            try:
                result = fetcher.fetch()
            except FetchError as err:
                if err.reason not in PASS_OVER or err.retry_after is not None:
                    raise self._stopped(err, tried) from None
                # `tried` is logged here, before the cache scrubs the error it ends in.
                tried.append(f"{name} ({err.reason}: {err.scrubbed(self.url).detail[:DETAIL_CHARS]})")
                continue
            # The chosen engine's later fetches get the whole timeout, as any page's do, and send
            # the validators this one remembers.
            fetcher.timeout = self.timeout
            with self._lock:
                self._chosen = fetcher
                self._failing_since = None
            _log.info("engine detected", url=redact_url(self.url), engine=name, tried=[*tried, name])
            return result
        _log.warning("engine not detected", url=redact_url(self.url), tried=tried)
        raise FetchError("unknown_engine", f"no engine reads {self.url[:200]}: " + "; ".join(tried))

    def _stopped(self, err: FetchError, tried: list[str]) -> FetchError:
        """The error that ended a detection, saying how far it got."""
        _log.warning("engine detection stopped", url=redact_url(self.url), reason=err.reason, tried=tried)
        detail = f"{err.detail} (engine detection, after {len(tried)} engines)"
        return FetchError(err.reason, detail, err.status, err.retry_after)
