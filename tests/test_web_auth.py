"""webauth.BasicAuth: verdicts, the verdict cache, the decoy for unknown users, the bound on bcrypt work."""

from __future__ import annotations

import asyncio
import base64
import threading

import bcrypt
import pytest

from exporter.web.auth import MAX_WAITING, BasicAuth, BcryptRunner, Verdict, parse_basic
from tests.webcerts import bcrypt_hash

ALICE = bcrypt_hash("secret").encode()
BOB = bcrypt_hash("other", cost=5).encode()


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class CountingCheck:
    """bcrypt.checkpw, counted, optionally held until `gate` is set."""

    def __init__(self, hold: bool = False):
        self.calls: list[bytes] = []
        self.gate = threading.Event()
        if not hold:
            self.gate.set()

    def __call__(self, password: bytes, hashed: bytes) -> bool:
        self.calls.append(hashed)
        self.gate.wait(10)
        return bcrypt.checkpw(password, hashed)


def verdicts(auth: BasicAuth, *headers: str | None) -> list[Verdict]:
    async def main():
        return [await auth.check(header) for header in headers]

    return asyncio.run(main())


@pytest.mark.parametrize(
    ("header", "verdict"),
    [
        (basic("alice", "secret"), Verdict.ALLOW),
        (basic("bob", "other"), Verdict.ALLOW),
        (basic("alice", "wrong"), Verdict.DENY),
        (basic("alice", "other"), Verdict.DENY),  # bob's password is not alice's
        (basic("carol", "secret"), Verdict.DENY),
        (None, Verdict.DENY),
        ("", Verdict.DENY),
        ("Bearer abc", Verdict.DENY),
        ("Basic not-base64!", Verdict.DENY),
        ("Basic " + base64.b64encode(b"no colon").decode(), Verdict.DENY),
        (basic("alice", "x" * 100), Verdict.DENY),  # bcrypt refuses passwords over 72 bytes
        ("basic " + base64.b64encode(b"alice:secret").decode(), Verdict.ALLOW),  # the scheme is case-insensitive
    ],
)
def test_verdicts(header, verdict):
    auth = BasicAuth({"alice": ALICE, "bob": BOB}, BcryptRunner())
    assert verdicts(auth, header) == [verdict]


def test_a_verdict_is_cached_so_a_scraper_pays_bcrypt_once():
    check = CountingCheck()
    auth = BasicAuth({"alice": ALICE}, BcryptRunner(checkpw=check))
    good, bad = basic("alice", "secret"), basic("alice", "wrong")
    assert (
        verdicts(auth, good, good, bad, good, bad, bad)
        == [Verdict.ALLOW] * 2 + [Verdict.DENY, Verdict.ALLOW] + [Verdict.DENY] * 2
    )
    assert len(check.calls) == 2


def test_an_unknown_user_costs_a_check_against_the_dearest_known_hash():
    check = CountingCheck()
    auth = BasicAuth({"alice": ALICE, "bob": BOB}, BcryptRunner(checkpw=check))
    assert verdicts(auth, basic("mallory", "secret")) == [Verdict.DENY]
    assert check.calls == [BOB]


def test_unknown_credentials_beyond_the_bound_are_turned_away_at_once():
    check = CountingCheck(hold=True)
    runner = BcryptRunner(checkpw=check)
    auth = BasicAuth({"alice": ALICE}, runner)

    async def main():
        guesses = [asyncio.ensure_future(auth.check(basic("alice", f"guess{i}"))) for i in range(MAX_WAITING)]
        await asyncio.sleep(0)
        turned_away = [await auth.check(basic("alice", "one too many")), await auth.check(basic("alice", "secret"))]
        check.gate.set()
        answered = await asyncio.gather(*guesses)
        return turned_away, answered, await auth.check(basic("alice", "secret"))

    turned_away, answered, later = asyncio.run(main())
    assert turned_away == [Verdict.BUSY, Verdict.BUSY]
    assert (answered, later) == ([Verdict.DENY] * MAX_WAITING, Verdict.ALLOW)
    assert (len(check.calls), runner.waiting) == (MAX_WAITING + 1, 0)


def test_equal_credentials_arriving_together_share_one_check():
    check = CountingCheck(hold=True)
    auth = BasicAuth({"alice": ALICE}, BcryptRunner(checkpw=check))

    async def main():
        scrapes = [asyncio.ensure_future(auth.check(basic("alice", "secret"))) for _ in range(5)]
        await asyncio.sleep(0)
        check.gate.set()
        return await asyncio.gather(*scrapes)

    assert asyncio.run(main()) == [Verdict.ALLOW] * 5
    assert len(check.calls) == 1


@pytest.mark.parametrize(
    ("header", "parsed"),
    [
        (basic("alice", "p:w"), ("alice", b"p:w")),
        ("Basic " + base64.b64encode(b":").decode(), ("", b"")),
        ("Basic " + base64.b64encode(b"\xff:x").decode(), None),
        ("Digest x", None),
    ],
)
def test_parse_basic(header, parsed):
    assert parse_basic(header) == parsed
