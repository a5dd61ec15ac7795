"""Basic auth against the web config's bcrypt hashes, cheap for scrapers and bounded for attackers.

A bcrypt check costs tens of milliseconds of CPU by design. So:
- a verdict is cached by the SHA-256 of the `Authorization` value: a scraper pays bcrypt once,
  not on every scrape, and is never queued behind unknown credentials again (successes and
  failures apart, so failures cannot evict successes). A reload of the web config keeps every
  verdict whose user has the same hash: a rotation of certificates re-opens nothing;
- checks run off the event loop, one at a time, on one thread shared by every reload's users;
  credentials wait for it per client (an IPv4 address, an IPv6 /64), at most `MAX_WAITING` per
  client and `MAX_WAITING_IN_ALL` in all, and the thread serves the clients in turn. A flood of
  wrong passwords from one client is turned away (429) past its own few places while a scraper or
  the health check from another address waits one check at most;
- an unknown user costs the same check as a known one (against a known user's hash), so timing
  does not tell which users exist; bcrypt compares the digests in constant time.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import enum
import hashlib
import ipaddress
from collections import deque
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Mapping

import bcrypt

#: Distinct good credentials remembered; a handful of scrapers need a handful.
MAX_CACHED_SUCCESSES = 64
#: Distinct bad credentials remembered, so that one repeated wrong password costs bcrypt once.
MAX_CACHED_FAILURES = 1024
#: Credentials of one client waiting for the bcrypt thread before its new ones are turned away.
MAX_WAITING = 8
#: Credentials of all clients waiting for the bcrypt thread: what bounds the queue's memory.
MAX_WAITING_IN_ALL = 64


class Verdict(enum.Enum):
    ALLOW = "allow"
    DENY = "deny"
    #: Too many unknown credentials are waiting for a check: try again later.
    BUSY = "busy"


class BcryptRunner:
    """The one thread bcrypt checks run on, and the clients' queues for it. One per process, event loop only."""

    def __init__(
        self,
        checkpw: Callable[[bytes, bytes], bool] = bcrypt.checkpw,
        executor: Executor | None = None,
        max_waiting: int = MAX_WAITING,
        max_waiting_in_all: int = MAX_WAITING_IN_ALL,
    ):
        self._checkpw = checkpw
        self._executor = executor or ThreadPoolExecutor(max_workers=1, thread_name_prefix="bcrypt")
        self._max_waiting = max_waiting
        self._max_waiting_in_all = max_waiting_in_all
        #: Per client, its checks in arrival order (clients in the order they came).
        self._queues: dict[str, deque[tuple[bytes, bytes, asyncio.Future[bool]]]] = {}
        #: Per client, its checks queued or running, and how many of them have started since it
        #: came: the client with the fewest started goes next, so a newcomer waits one check at most.
        self._counts: dict[str, int] = {}
        self._started: dict[str, int] = {}
        self._running = False
        #: Checks queued or running, of all clients.
        self.waiting = 0

    def submit(self, client: str, password: bytes, hashed: bytes) -> asyncio.Future[bool] | None:
        """Queue one check for `client` (see `client_key`); None when it has no place left."""
        count = self._counts.get(client, 0)
        if self.waiting >= self._max_waiting_in_all or count >= self._max_waiting:
            return None
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queues.setdefault(client, deque()).append((password, hashed, future))
        self._counts[client] = count + 1
        self.waiting += 1
        self._next()
        return future

    def _next(self) -> None:
        """Start the oldest check of the client that has had the fewest, if the thread is free."""
        if self._running or not self._queues:
            return
        client = min(self._queues, key=lambda name: self._started.get(name, 0))  # at most max_waiting_in_all
        queue = self._queues[client]
        password, hashed, future = queue.popleft()
        if not queue:
            del self._queues[client]
        self._started[client] = self._started.get(client, 0) + 1
        self._running = True
        check = asyncio.get_running_loop().run_in_executor(self._executor, self._check, password, hashed)
        check.add_done_callback(lambda done: self._finished(done, client, future))

    def _finished(self, check: asyncio.Future[bool], client: str, future: asyncio.Future[bool]) -> None:
        self._running = False
        self.waiting -= 1
        self._counts[client] -= 1
        if not self._counts[client]:  # nothing left of this client: forget it
            del self._counts[client]
            del self._started[client]
        if not future.cancelled():
            if check.exception() is not None:
                future.set_exception(check.exception())
            else:
                future.set_result(check.result())
        self._next()

    def _check(self, password: bytes, hashed: bytes) -> bool:
        try:
            return self._checkpw(password, hashed)
        except ValueError:  # bcrypt refuses passwords over 72 bytes: no user can have one
            return False


def client_key(remote: str | None) -> str:
    """Whose queue a request waits in: its IPv4 address, or its IPv6 /64 (one host's usual share)."""
    if not remote:
        return ""
    try:
        address = ipaddress.ip_address(remote)
    except ValueError:
        return remote
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


#: What a cached verdict was given for: the user name, or None for a value that is not basic auth.
_Subject = str | None


class BasicAuth:
    """Checks `Authorization: Basic` values against one set of users. Used on the event loop only."""

    def __init__(self, users: Mapping[str, bytes], runner: BcryptRunner, previous: BasicAuth | None = None):
        """`previous`: the users' former checker, whose verdicts are kept where the user's hash is the same."""
        if not users:
            raise ValueError("no users")
        self._users = dict(users)
        # The dearest hash: an unknown user must not be answered faster than a known one.
        self._decoy = max(self._users.values(), key=lambda hashed: int(hashed[4:6]))
        self._runner = runner
        self._successes: dict[bytes, _Subject] = {}
        self._failures: dict[bytes, _Subject] = {}
        self._in_flight: dict[bytes, asyncio.Future[bool]] = {}
        if previous is not None:
            self._successes = {k: u for k, u in previous._successes.items() if self._unchanged(previous, u)}
            self._failures = {k: u for k, u in previous._failures.items() if self._unchanged(previous, u)}

    def _unchanged(self, previous: BasicAuth, subject: _Subject) -> bool:
        """Whether a verdict about `subject` still holds: same hash (or still no such user)."""
        return subject is None or previous._users.get(subject) == self._users.get(subject)

    async def check(self, authorization: str | None, remote: str | None = None) -> Verdict:
        """The verdict on an `Authorization` header from the client at `remote`, whose queue
        (`client_key`) a check that must wait waits in; a cached verdict needs no queue."""
        if not authorization:
            return Verdict.DENY
        key = hashlib.sha256(authorization.encode("utf-8", "surrogateescape")).digest()
        if key in self._successes:
            return Verdict.ALLOW
        if key in self._failures:
            return Verdict.DENY
        pending = self._in_flight.get(key)
        if pending is None:
            credentials = parse_basic(authorization)
            if credentials is None:
                _remember(self._failures, key, None, MAX_CACHED_FAILURES)
                return Verdict.DENY
            user, password = credentials
            hashed = self._users.get(user)
            checked = self._runner.submit(client_key(remote), password, hashed if hashed is not None else self._decoy)
            if checked is None:
                return Verdict.BUSY
            pending = asyncio.ensure_future(self._verdict(checked, user, hashed is not None, key))
            self._in_flight[key] = pending
            pending.add_done_callback(lambda _: self._in_flight.pop(key, None))
        ok = await asyncio.shield(pending)
        return Verdict.ALLOW if ok else Verdict.DENY

    async def _verdict(self, checked: asyncio.Future[bool], user: str, known: bool, key: bytes) -> bool:
        ok = await checked and known
        if ok:
            _remember(self._successes, key, user, MAX_CACHED_SUCCESSES)
        else:
            _remember(self._failures, key, user, MAX_CACHED_FAILURES)
        return ok


def parse_basic(authorization: str) -> tuple[str, bytes] | None:
    """`Basic base64(user:password)` -> (user, password bytes), or None if it is not that."""
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    user, sep, password = decoded.partition(b":")
    if not sep:
        return None
    try:
        return user.decode("utf-8"), password
    except UnicodeDecodeError:
        return None


def _remember(cache: dict[bytes, _Subject], key: bytes, subject: _Subject, limit: int) -> None:
    if key in cache:
        return
    if len(cache) >= limit:
        del cache[next(iter(cache))]  # the oldest
    cache[key] = subject


@dataclass(frozen=True)
class Guard:
    """What the HTTP edge applies to every request: authentication, and extra response headers."""

    auth: BasicAuth | None = None
    headers: tuple[tuple[str, str], ...] = ()


OPEN = Guard()
