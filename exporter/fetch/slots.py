"""Request slots every page's fetches share: bounded concurrency per host and in all.

Fifty pages probed at once must not open fifty connections to one host, nor occupy every
thread: a fetch first takes a slot for its host (and one of the global slots), waiting no longer
than its own deadline, and holds them until its worker has finished (which the deadline ensures
it does by the deadline).
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Iterable, Iterator
from urllib.parse import urlsplit

#: Concurrent requests to one host (scheme, name and port).
PER_HOST_LIMIT = 4
#: Concurrent requests in all.
TOTAL_LIMIT = 16


class NoSlot(Exception):
    """No request slot became free within the time allowed."""


class Upstream:
    """Thread-safe. Hands out request slots per host."""

    def __init__(self, per_host: int = PER_HOST_LIMIT, total: int = TOTAL_LIMIT):
        self._per_host = per_host
        self._total = threading.BoundedSemaphore(total)
        self._lock = threading.Lock()
        self._hosts: dict[str, threading.BoundedSemaphore] = {}

    @contextmanager
    def slot(self, url: str, timeout: float) -> Iterator[None]:
        """Hold one request slot for the URL's host; raise NoSlot if none frees up in time."""
        deadline = time.monotonic() + timeout
        host_slots = self._host(url)
        if not host_slots.acquire(timeout=max(timeout, 0.0)):
            raise NoSlot(f"all {self._per_host} connection slots for {host_key(url)} busy")
        try:
            if not self._total.acquire(timeout=max(deadline - time.monotonic(), 0.0)):
                raise NoSlot("all upstream request slots busy")
            try:
                yield
            finally:
                self._total.release()
        finally:
            host_slots.release()

    def retain(self, urls: Iterable[str]) -> None:
        """Forget the slots of hosts none of these URLs is on (a fetch holding one keeps its own)."""
        keep = {host_key(url) for url in urls}
        with self._lock:
            for key in [key for key in self._hosts if key not in keep]:
                del self._hosts[key]

    def _host(self, url: str) -> threading.BoundedSemaphore:
        key = host_key(url)
        with self._lock:
            slots = self._hosts.get(key)
            if slots is None:
                slots = self._hosts[key] = threading.BoundedSemaphore(self._per_host)
            return slots


def host_key(url: str) -> str:
    """`scheme://host:port`, the port made explicit: what shares a host's slots."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{parts.hostname}:{port}"
