"""Basic auth against the web config's bcrypt hashes, cheap for scrapers and bounded for attackers.

A bcrypt check costs tens of milliseconds of CPU by design. So:
- a verdict is cached by the SHA-256 of the `Authorization` value: a scraper pays bcrypt once,
  not on every scrape (successes and failures apart, so failures cannot evict successes);
- checks run off the event loop, one at a time, on one thread shared by every reload's users;
  at most `max_waiting` credentials wait for it, and further ones are answered 429 at once;
- an unknown user costs the same check as a known one (against a known user's hash), so timing
  does not tell which users exist; bcrypt compares the digests in constant time.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import enum
import hashlib
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Mapping

import bcrypt

#: Distinct good credentials remembered; a handful of scrapers need a handful.
MAX_CACHED_SUCCESSES = 64
#: Distinct bad credentials remembered, so that one repeated wrong password costs bcrypt once.
MAX_CACHED_FAILURES = 1024
#: Credentials waiting for the bcrypt thread before new ones are turned away.
MAX_WAITING = 8


class Verdict(enum.Enum):
    ALLOW = "allow"
    DENY = "deny"
    #: Too many unknown credentials are waiting for a check: try again later.
    BUSY = "busy"


class BcryptRunner:
    """The one thread bcrypt checks run on, and how many may wait for it. One per process."""

    def __init__(
        self,
        checkpw: Callable[[bytes, bytes], bool] = bcrypt.checkpw,
        executor: Executor | None = None,
        max_waiting: int = MAX_WAITING,
    ):
        self._checkpw = checkpw
        self._executor = executor or ThreadPoolExecutor(max_workers=1, thread_name_prefix="bcrypt")
        self._max_waiting = max_waiting
        self.waiting = 0

    def reserve(self) -> bool:
        """Take a place in the queue, if one is free; `check` gives it back."""
        if self.waiting >= self._max_waiting:
            return False
        self.waiting += 1
        return True

    async def check(self, password: bytes, hashed: bytes) -> bool:
        """Run one check on the bcrypt thread, in a place taken with `reserve`."""
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, self._check, password, hashed)
        finally:
            self.waiting -= 1

    def _check(self, password: bytes, hashed: bytes) -> bool:
        try:
            return self._checkpw(password, hashed)
        except ValueError:  # bcrypt refuses passwords over 72 bytes: no user can have one
            return False


class BasicAuth:
    """Checks `Authorization: Basic` values against one set of users. Used on the event loop only."""

    def __init__(self, users: Mapping[str, bytes], runner: BcryptRunner):
        if not users:
            raise ValueError("no users")
        self._users = dict(users)
        # The dearest hash: an unknown user must not be answered faster than a known one.
        self._decoy = max(self._users.values(), key=lambda hashed: int(hashed[4:6]))
        self._runner = runner
        self._successes: dict[bytes, None] = {}
        self._failures: dict[bytes, None] = {}
        self._in_flight: dict[bytes, asyncio.Future[bool]] = {}

    async def check(self, authorization: str | None) -> Verdict:
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
                _remember(self._failures, key, MAX_CACHED_FAILURES)
                return Verdict.DENY
            if not self._runner.reserve():
                return Verdict.BUSY
            pending = asyncio.ensure_future(self._verify(*credentials))
            self._in_flight[key] = pending
            pending.add_done_callback(lambda _: self._in_flight.pop(key, None))
        ok = await asyncio.shield(pending)
        _remember(self._successes if ok else self._failures, key, MAX_CACHED_SUCCESSES if ok else MAX_CACHED_FAILURES)
        return Verdict.ALLOW if ok else Verdict.DENY

    async def _verify(self, user: str, password: bytes) -> bool:
        hashed = self._users.get(user)
        ok = await self._runner.check(password, hashed if hashed is not None else self._decoy)
        return ok and hashed is not None


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


def _remember(cache: dict[bytes, None], key: bytes, limit: int) -> None:
    if key in cache:
        return
    if len(cache) >= limit:
        del cache[next(iter(cache))]  # the oldest
    cache[key] = None


@dataclass(frozen=True)
class Guard:
    """What the HTTP edge applies to every request: authentication, and extra response headers."""

    auth: BasicAuth | None = None
    headers: tuple[tuple[str, str], ...] = ()


OPEN = Guard()
