"""What every page's requests share: one keep-alive session per host, and bounded concurrency.

Fifty pages probed at once must not open fifty connections to one host, nor occupy every
thread: a request first takes a slot for its host (and one of the global slots), waiting no
longer than its own deadline. A request stuck past its deadline keeps its slot until its worker
thread ends, so stuck requests cannot pile up either.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

#: Concurrent requests to one host (scheme, name and port).
PER_HOST_LIMIT = 4
#: Concurrent requests in all.
TOTAL_LIMIT = 16


class NoSlot(Exception):
    """No request slot became free within the time allowed."""


class Upstream:
    """Thread-safe. Hands out a shared Session per host and request slots."""

    def __init__(
        self,
        per_host: int = PER_HOST_LIMIT,
        total: int = TOTAL_LIMIT,
        session_factory: Callable[[], requests.Session] | None = None,
    ):
        self._per_host = per_host
        self._total = threading.BoundedSemaphore(total)
        self._session_factory = session_factory or self._new_session
        self._lock = threading.Lock()
        self._hosts: dict[str, tuple[requests.Session, threading.BoundedSemaphore]] = {}

    def session(self, url: str) -> requests.Session:
        """The session shared by every page on the URL's host."""
        return self._host(url)[0]

    @contextmanager
    def slot(self, url: str, timeout: float) -> Iterator[None]:
        """Hold one request slot for the URL's host; raise NoSlot if none frees up in time."""
        deadline = time.monotonic() + timeout
        host_slots = self._host(url)[1]
        if not host_slots.acquire(timeout=max(timeout, 0.0)):
            raise NoSlot(f"all {self._per_host} connection slots for {_host_key(url)} busy")
        try:
            if not self._total.acquire(timeout=max(deadline - time.monotonic(), 0.0)):
                raise NoSlot("all upstream request slots busy")
            try:
                yield
            finally:
                self._total.release()
        finally:
            host_slots.release()

    def _host(self, url: str) -> tuple[requests.Session, threading.BoundedSemaphore]:
        key = _host_key(url)
        with self._lock:
            entry = self._hosts.get(key)
            if entry is None:
                entry = self._hosts[key] = (self._session_factory(), threading.BoundedSemaphore(self._per_host))
            return entry

    def _new_session(self) -> requests.Session:
        session = requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=self._per_host)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session


def _host_key(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{parts.hostname}:{port}"
