"""The cache between scrapes and the status page: coalesced, rate-bounded refresh, stale-while-error.

No timers: a refresh starts (on a worker thread, `workers.py`) only when a scrape asks and the
latest attempt started more than `ttl` ago (and no Retry-After holds us back). At most one request
is ever in flight; every scrape that arrives meanwhile waits for that same request, each only as
long as its own budget.

After a failure the last good Summary keeps being served until it is older than `max_stale`; then
it is dropped, while the fetch statistics (the exporter's own series) stay.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, replace
from functools import partial
from types import MappingProxyType
from typing import Callable, Protocol

from exporter import log
from exporter.errors import FetchError
from exporter.fetch.answers import FetchResult
from exporter.fetch.workers import shared_workers
from exporter.model import CacheView, FetchStats, Summary
from exporter.urls import redact_url

_log = log.get_logger(__name__)


class Fetcher(Protocol):
    url: str

    def fetch(self) -> FetchResult: ...


@dataclass(frozen=True)
class Clock:
    """Monotonic time for intervals, wall time for the timestamps we export."""

    monotonic: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time


class SummaryCache:
    """Thread-safe. `refresh_if_due()` is cheap and non-blocking; `get()` is its blocking form."""

    def __init__(
        self,
        fetcher: Fetcher,
        ttl: float,
        max_stale: float,
        *,
        clock: Clock = Clock(),
        spawn: Callable[[Callable[[], None]], None] | None = None,
    ):
        """`spawn(job)` runs a refresh elsewhere: by default on the process's shared worker threads."""
        self._fetcher = fetcher
        self._ttl = ttl
        self._max_stale = max_stale
        self._clock = clock
        self._spawn = spawn or partial(shared_workers().submit, fetcher.url)
        self._lock = threading.Lock()
        self._in_flight: Future[None] | None = None
        self._last_attempt: float | None = None
        self._not_before = float("-inf")
        self._summary: Summary | None = None
        self._last_success: float | None = None  # monotonic, for staleness
        self._view = CacheView(None, FetchStats())
        self._expired_logged = False

    @property
    def fetcher(self) -> Fetcher:
        """The client this cache refreshes through."""
        return self._fetcher

    def refresh_if_due(self) -> Future[None] | None:
        """Start a refresh if one is due; return the in-flight refresh to wait for, if any."""
        # Every scrape asks, and almost always nothing is due: answer that without the lock. A
        # racing refresh only makes this scrape miss it; the decision to start one is locked.
        if self._in_flight is None and not self._due(self._clock.monotonic()):
            return None
        with self._lock:
            if self._in_flight is not None:
                return self._in_flight
            now = self._clock.monotonic()
            if not self._due(now):
                return None
            self._last_attempt = now
            self._in_flight = future = Future()
            future.set_running_or_notify_cancel()
        try:
            self._spawn(lambda: self._refresh(future))
        except BaseException:  # no thread (e.g. none left): free the slot so later scrapes retry
            with self._lock:
                self._in_flight = None
            future.set_result(None)
            raise
        return future

    def get(self, timeout: float) -> CacheView:
        """Refresh if due, wait up to `timeout` seconds for it, and return the view either way."""
        future = self.refresh_if_due()
        if future is not None:
            try:
                future.result(timeout=max(timeout, 0.0))
            except FutureTimeout:
                pass
        return self.view()

    def seconds_until_due(self) -> float:
        """Seconds until a refresh would be due (0 when one is due now), for caching headers."""
        due_at = self._not_before
        if self._last_attempt is not None:
            due_at = max(due_at, self._last_attempt + self._ttl)
        return max(0.0, due_at - self._clock.monotonic())

    def _due(self, now: float) -> bool:
        if now < self._not_before:
            return False
        return self._last_attempt is None or now - self._last_attempt >= self._ttl

    def view(self) -> CacheView:
        """The current view, without touching the network: the very same object until the state changes."""
        view = self._view
        if view.summary is None or view.stats.up:
            return view  # nothing that could expire: every scrape takes this path while requests succeed
        with self._lock:
            view = self._view
            # Stale data is a policy for failures: while requests succeed the data is current.
            failing = not view.stats.up
            if view.summary is not None and failing and self._clock.monotonic() - self._last_success > self._max_stale:
                view = self._view = CacheView(None, view.stats, view.engine)  # until the next request ends
                if not self._expired_logged:
                    self._expired_logged = True
                    _log.warning(
                        "cached data expired", url=redact_url(self._fetcher.url), max_stale_seconds=self._max_stale
                    )
            return view

    def _refresh(self, future: Future[None]) -> None:
        started = self._clock.monotonic()
        try:
            try:
                result: FetchResult | FetchError | None = self._fetcher.fetch()
            except FetchError as err:
                # Whatever URL a fetcher's error quotes (a next page, a detection's candidates),
                # the page's credentials never reach the log or the status API.
                result = err.scrubbed(self._fetcher.url)
            except Exception:  # a bug: loud in the log and in statuspage_up, but we keep serving
                _log.exception("fetch crashed", url=redact_url(self._fetcher.url))
                result = None
            self._record(result, started, self._clock.monotonic() - started)
        finally:
            with self._lock:
                self._in_flight = None
            future.set_result(None)

    def _record(self, result: FetchResult | FetchError | None, started: float, duration: float) -> None:
        """Count the request; None is one that crashed (already logged), not a classified failure."""
        # An unchanged page keeps its Summary object, so renderings keyed on it stay valid. Compared
        # before taking the lock (only this refresh writes the Summary): a large page takes a while.
        unchanged = isinstance(result, FetchResult) and result.summary == self._summary
        with self._lock:
            previous = self._view
            was_up = previous.stats.up
            engine = previous.engine
            stats = replace(previous.stats, fetches=previous.stats.fetches + 1, last_duration_seconds=duration)
            if result is None:
                stats = replace(stats, up=False)
            elif isinstance(result, FetchError):
                errors = dict(stats.errors)
                errors[result.reason] += 1
                stats = replace(
                    stats,
                    errors=MappingProxyType(errors),
                    up=False,
                    last_error_reason=result.reason,
                    last_error_detail=result.detail,
                )
                if result.retry_after is not None:
                    self._not_before = started + duration + result.retry_after
            else:
                stats = replace(
                    stats,
                    up=True,
                    last_success_timestamp=self._clock.wall(),
                    last_error_reason="",
                    last_error_detail="",
                )
                self._last_success = started + duration
                self._expired_logged = False
                engine = result.engine
                if result.status == 304:
                    stats = replace(stats, not_modified=stats.not_modified + 1)
                elif not unchanged:
                    self._summary = result.summary
            self._view = CacheView(self._summary, stats, engine)
        url = redact_url(self._fetcher.url)
        if result is None:
            return
        if isinstance(result, FetchError):
            _log.warning(
                "fetch failed",
                url=url,
                reason=result.reason,
                status=result.status,
                duration_seconds=round(duration, 3),
                retry_after_seconds=result.retry_after,
                error=result.detail,
            )
        elif not was_up:
            _log.info("fetch succeeded", url=url, status=result.status, duration_seconds=round(duration, 3))
        else:
            _log.debug("fetch succeeded", url=url, status=result.status, duration_seconds=round(duration, 3))
