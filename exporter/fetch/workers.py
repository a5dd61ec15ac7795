"""The threads every page's refreshes run on: a fixed number, shared by all pages.

A refresh is queued with its page's host and runs as soon as a thread is free and fewer than
`per_host` refreshes of that host are running, in the order they were queued otherwise: a slow
host occupies at most `per_host` threads, never the others' turn. The threads are started once
(`start()` at startup, or one by one as work first arrives) and live as long as the process: a
refresh starts no thread, and a refresh past its deadline ends with its deadline (see
`transport.Deadline`), which frees its thread.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from typing import Callable

from exporter import log
from exporter.fetch.slots import PER_HOST_LIMIT, TOTAL_LIMIT, host_key

_log = log.get_logger(__name__)


class Workers:
    """Thread-safe. Runs submitted jobs on at most `threads` threads, `per_host` of one host at once."""

    def __init__(self, threads: int = TOTAL_LIMIT, per_host: int = PER_HOST_LIMIT, name: str = "statuspage-fetch"):
        self._size = threads
        self._per_host = per_host
        self._name = name
        self._lock = threading.Condition()
        self._queue: deque[tuple[str, Callable[[], None]]] = deque()
        self._running: Counter[str] = Counter()
        self._threads: list[threading.Thread] = []
        self._idle = 0

    def start(self) -> None:
        """Start every thread now, so the process's thread count is the same from the start."""
        with self._lock:
            while len(self._threads) < self._size:
                self._start_thread()

    def submit(self, url: str, job: Callable[[], None]) -> None:
        """Run `job()` on a worker thread when one is free and `url`'s host has a turn.

        `job` must not raise: it is a refresh, which records its own failures.
        """
        with self._lock:
            self._queue.append((host_key(url), job))
            if self._idle == 0 and len(self._threads) < self._size:
                self._start_thread()
            self._lock.notify()

    def _start_thread(self) -> None:
        thread = threading.Thread(target=self._work, name=self._name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _next(self) -> tuple[str, Callable[[], None]]:
        """The first queued job whose host has a turn, waiting for one; called with the lock held."""
        while True:
            for index, (host, job) in enumerate(self._queue):
                if self._running[host] < self._per_host:
                    del self._queue[index]
                    self._running[host] += 1
                    return host, job
            self._idle += 1
            self._lock.wait()
            self._idle -= 1

    def _work(self) -> None:
        while True:
            with self._lock:
                host, job = self._next()
            try:
                job()
            except Exception:  # a job records its own failures: this is a bug, and the thread goes on
                _log.exception("refresh crashed")
            finally:
                # No wake-up for the others: this thread looks at the queue next, and takes any
                # job this turn frees (every other job had its thread, or was waiting for one).
                with self._lock:
                    self._running[host] -= 1
                    if not self._running[host]:
                        del self._running[host]


_shared: Workers | None = None
_shared_lock = threading.Lock()


def shared_workers() -> Workers:
    """The process's worker threads, which every page's cache uses unless told otherwise."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Workers()
        return _shared
