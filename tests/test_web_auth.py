"""webauth.BasicAuth: verdicts, the verdict cache, the decoy for unknown users, the bound on bcrypt work."""

from __future__ import annotations

import asyncio
import base64
import threading

import bcrypt
import pytest

from exporter.web.auth import MAX_WAITING, MAX_WAITING_IN_ALL, BasicAuth, BcryptRunner, Verdict, client_key, parse_basic
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


class OrderedCheck(CountingCheck):
    """bcrypt.checkpw, recording the passwords in the order they are checked."""

    def __init__(self, hold: bool = False):
        super().__init__(hold)
        self.passwords: list[bytes] = []

    def __call__(self, password: bytes, hashed: bytes) -> bool:
        self.passwords.append(password)
        return super().__call__(password, hashed)


def test_a_scraper_from_another_address_is_checked_next_whatever_a_flood_queued_before_it():
    """Regression: a flood of distinct wrong passwords kept the queue full: a new scraper got only 429s."""
    check = OrderedCheck(hold=True)
    auth = BasicAuth({"alice": ALICE}, BcryptRunner(checkpw=check))

    async def main():
        flood = [asyncio.ensure_future(auth.check(basic("alice", f"guess{i}"), "203.0.113.9")) for i in range(20)]
        await asyncio.sleep(0)
        scraper = asyncio.ensure_future(auth.check(basic("alice", "secret"), "192.0.2.1"))
        await asyncio.sleep(0)
        check.gate.set()
        return await scraper, await asyncio.gather(*flood)

    scraper, flood = asyncio.run(main())
    assert scraper == Verdict.ALLOW
    assert flood == [Verdict.DENY] * MAX_WAITING + [Verdict.BUSY] * (20 - MAX_WAITING)
    assert check.passwords[:3] == [b"guess0", b"secret", b"guess1"]


def test_clients_take_turns_and_all_of_them_together_are_bounded():
    check = OrderedCheck(hold=True)
    runner = BcryptRunner(checkpw=check)
    auth = BasicAuth({"alice": ALICE}, runner)
    clients = [f"198.51.100.{i}" for i in range(MAX_WAITING_IN_ALL // MAX_WAITING)]

    async def main():
        queued = [
            asyncio.ensure_future(auth.check(basic("alice", f"{c}-{i}"), c))
            for i in range(MAX_WAITING)
            for c in clients
        ]
        await asyncio.sleep(0)
        newcomer = await auth.check(basic("alice", "secret"), "192.0.2.1")
        check.gate.set()
        return newcomer, await asyncio.gather(*queued)

    newcomer, queued = asyncio.run(main())
    assert newcomer == Verdict.BUSY  # every place in all is taken
    assert queued == [Verdict.DENY] * MAX_WAITING_IN_ALL
    assert check.passwords[: len(clients)] == [f"{c}-0".encode() for c in clients]  # one turn each
    assert runner.waiting == 0


def test_verdicts_survive_a_reload_while_the_users_hash_is_unchanged():
    check = CountingCheck()
    runner = BcryptRunner(checkpw=check)
    first = BasicAuth({"alice": ALICE, "bob": BOB}, runner)
    good_alice, good_bob, bad_alice = basic("alice", "secret"), basic("bob", "other"), basic("alice", "nope")
    assert verdicts(first, good_alice, good_bob, bad_alice, basic("carol", "x")) == [
        Verdict.ALLOW,
        Verdict.ALLOW,
        Verdict.DENY,
        Verdict.DENY,
    ]
    assert len(check.calls) == 4
    rotated = BasicAuth({"alice": ALICE, "bob": bcrypt_hash("new", cost=5).encode()}, runner, previous=first)
    assert verdicts(rotated, good_alice, bad_alice, basic("carol", "x")) == [Verdict.ALLOW, Verdict.DENY, Verdict.DENY]
    assert len(check.calls) == 4, "alice's and carol's verdicts carried over"
    assert verdicts(rotated, good_bob) == [Verdict.DENY]
    assert len(check.calls) == 5, "bob's hash changed: his old password is checked again, and refused"


@pytest.mark.parametrize(
    ("remote", "key"),
    [
        ("192.0.2.1", "192.0.2.1"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        (None, ""),
        ("not an address", "not an address"),
    ],
)
def test_client_key(remote, key):
    assert client_key(remote) == key


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
