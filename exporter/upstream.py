"""What every page's requests share: one keep-alive session per host, and bounded concurrency.

Fifty pages probed at once must not open fifty connections to one host, nor occupy every
thread: a request first takes a slot for its host (and one of the global slots), waiting no
longer than its own deadline. A request stuck past its deadline keeps its slot until its worker
thread ends, so stuck requests cannot pile up either.
"""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator
from urllib.parse import urlsplit

import requests
import urllib3.connection
import urllib3.connectionpool
from requests.adapters import HTTPAdapter

#: Concurrent requests to one host (scheme, name and port).
PER_HOST_LIMIT = 4
#: Concurrent requests in all.
TOTAL_LIMIT = 16


class RequestSockets:
    """The sockets one request has used, so another thread can cut the request off at once.

    Socket timeouts bound each read, not a request: a server that sends its headers a byte at a
    time would keep a worker thread (and its request slot) forever. At the deadline the caller
    shuts these sockets down, the worker's read fails, and the thread ends.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._cut = False

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            cut = self._cut
        if cut:
            _shutdown(sock)

    def cut(self) -> None:
        """Shut down every socket used so far, and any used from now on."""
        with self._lock:
            self._cut = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed or never connected: nothing left to cut
        pass


_current = threading.local()


@contextmanager
def tracking(sockets: RequestSockets) -> Iterator[None]:
    """Record in `sockets` every socket this thread's requests use (sessions from new_session)."""
    _current.sockets = sockets
    try:
        yield
    finally:
        _current.sockets = None


def _note(sock: socket.socket | None) -> None:
    tracker = getattr(_current, "sockets", None)
    if tracker is not None and sock is not None:
        tracker.add(sock)


class _TrackedHTTPConnection(urllib3.connection.HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _note(self.sock)

    def request(self, *args, **kwargs) -> None:
        _note(self.sock)  # a kept-alive connection, already connected
        super().request(*args, **kwargs)


class _TrackedHTTPSConnection(urllib3.connection.HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _note(self.sock)

    def request(self, *args, **kwargs) -> None:
        _note(self.sock)
        super().request(*args, **kwargs)


class _TrackedHTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _TrackedHTTPConnection


class _TrackedHTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _TrackedHTTPSConnection


class _TrackingAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _TrackedHTTPPool, "https": _TrackedHTTPSPool}


def new_session(pool_size: int = PER_HOST_LIMIT) -> requests.Session:
    """A Session whose connections report their sockets to `tracking`."""
    session = requests.Session()
    adapter = _TrackingAdapter(pool_connections=1, pool_maxsize=pool_size)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


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
        self._session_factory = session_factory or (lambda: new_session(per_host))
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

    def retain(self, urls: Iterable[str]) -> None:
        """Close the sessions (and idle connections) of hosts none of these URLs is on."""
        keep = {_host_key(url) for url in urls}
        with self._lock:
            gone = {key: entry for key, entry in self._hosts.items() if key not in keep}
            for key in gone:
                del self._hosts[key]
        for session, _ in gone.values():
            session.close()

    def _host(self, url: str) -> tuple[requests.Session, threading.BoundedSemaphore]:
        key = _host_key(url)
        with self._lock:
            entry = self._hosts.get(key)
            if entry is None:
                entry = self._hosts[key] = (self._session_factory(), threading.BoundedSemaphore(self._per_host))
            return entry


def _host_key(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{parts.hostname}:{port}"
