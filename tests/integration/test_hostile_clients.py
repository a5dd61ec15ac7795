"""Hostile clients against the real exporter process: slowloris, a connection flood, oversized and
malformed requests, HTTP/1.0 without keep-alive.

Every attacker is a raw socket (asyncio streams) written here, bounded in count and in time. While
an attack runs, a normal scrape of /metrics must answer 200 with the page's real data within
SCRAPE_DEADLINE_SECONDS; afterwards the process is alive, still serving, and has given back the
file descriptors the attack took. Everything talks to 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import os
import random
import resource
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Awaitable, Callable

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests import payloads
from tests.fakepage import FakeStatuspage
from tests.integration.exporter_process import ExporterProcess

#: What the issue asks: a normal scrape answers within 2 s whatever else is connected.
SCRAPE_DEADLINE_SECONDS = 2.0
#: The exporter holds a few descriptors of its own that come and go (the upstream keep-alive
#: connection, the scrape's own connection): "back to baseline" allows this many more.
FD_SLACK = 3
#: How long the file descriptors get to come back after the attackers disconnected.
FD_RETURN_SECONDS = 5.0
SLOWLORIS_CONNECTIONS = 300
FLOOD_CONNECTIONS = 800
#: systemd's default soft RLIMIT_NOFILE for services (DefaultLimitNOFILE=1024:524288).
SYSTEMD_SOFT_NOFILE = 1024

PAGE = payloads.summary(
    [
        payloads.component("Git Operations", "partial_outage", id="gitops000001"),
        payloads.component("Actions", "operational", id="actions00001"),
    ],
    indicator="minor",
)
GIT = {"component": "Git Operations", "component_id": "gitops000001", "group": ""}


# -- the exporter and the page -------------------------------------------------------------------
@pytest.fixture(scope="module")
def page():
    with FakeStatuspage() as fake:
        fake.set_summary(PAGE)
        yield fake


@pytest.fixture(scope="module")
def exporter(page):
    # A 1 s TTL, so that scrapes during an attack go all the way to the upstream and back.
    with ExporterProcess(["--statuspage.url", page.url, "--cache.ttl", "1s"]) as process:
        yield process


@pytest.fixture(scope="module", autouse=True)
def enough_descriptors_for_the_attackers():
    """The attackers hold over a thousand sockets in this process: raise our soft limit if needed."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = SYSTEMD_SOFT_NOFILE + 512
    if soft >= needed:
        yield
        return
    if hard != resource.RLIM_INFINITY and hard < needed:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} is below the {needed} sockets the attackers hold")
    resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


# -- scraping like Prometheus ----------------------------------------------------------------------
@dataclass(frozen=True)
class Scrape:
    status: int | None
    seconds: float
    values: dict[tuple, float]
    error: str = ""


def scrape(exporter: ExporterProcess) -> Scrape:
    """One normal scrape on a fresh connection; a failure is recorded, not raised."""
    started = time.monotonic()
    try:
        response = requests.get(exporter.base_url + "/metrics", timeout=SCRAPE_DEADLINE_SECONDS + 3)
    except requests.RequestException as err:
        return Scrape(None, time.monotonic() - started, {}, repr(err))
    seconds = time.monotonic() - started
    values = {}
    if response.status_code == 200:
        values = {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text)
            for s in family.samples
        }
    return Scrape(response.status_code, seconds, values)


def value(result: Scrape, metric: str, **labels) -> float | None:
    return result.values.get((metric, tuple(sorted(labels.items()))))


def assert_normal(result: Scrape) -> None:
    """200, within the deadline, with the page's real data in it."""
    assert result.status == 200, result
    assert result.seconds < SCRAPE_DEADLINE_SECONDS, result.seconds
    assert value(result, "statuspage_up") == 1
    assert value(result, "statuspage_overall_status", indicator="minor") == 1
    assert value(result, "statuspage_component_status", **GIT, status="partial_outage") == 1


def open_fds(exporter: ExporterProcess) -> float:
    result = scrape(exporter)
    assert result.status == 200, result
    return value(result, "process_open_fds")


def descriptors(exporter: ExporterProcess) -> int:
    """The exporter's open descriptors right now (process_open_fds is re-rendered at most once a second)."""
    return len(os.listdir(f"/proc/{exporter.proc.pid}/fd"))


def wait_for_fds_back(exporter: ExporterProcess, baseline: float) -> float:
    """Poll process_open_fds until it is back near the baseline (bounded); return the last value."""
    deadline = time.monotonic() + FD_RETURN_SECONDS
    fds = open_fds(exporter)
    while fds > baseline + FD_SLACK and time.monotonic() < deadline:
        time.sleep(0.2)
        fds = open_fds(exporter)
    return fds


# -- raw HTTP on asyncio streams ---------------------------------------------------------------------
@dataclass(frozen=True)
class RawResponse:
    version: str
    status: int
    headers: dict[str, str]
    body: bytes
    #: The server closed the connection after this response.
    closed: bool


async def read_response(reader: asyncio.StreamReader, *, until_eof: bool) -> RawResponse:
    """Parse one response (status line, headers, Content-Length body); optionally wait for EOF."""
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")[:-2]
    version, status, _ = status_line.split(" ", 2)
    headers = {}
    for line in header_lines:
        name, _, val = line.partition(":")
        headers[name.strip().lower()] = val.strip()
    body = await reader.readexactly(int(headers["content-length"]))
    closed = False
    if until_eof:
        closed = await reader.read(1) == b""
    return RawResponse(version, int(status), headers, body, closed)


async def connect(exporter: ExporterProcess) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", exporter.port)


async def connect_counted(
    exporter: ExporterProcess, tally: Tally
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
    """Connect and count it in the tally; on failure record the error and return None."""
    try:
        connection = await connect(exporter)
    except OSError as err:
        tally.errors.append(repr(err))
        return None
    tally.connected += 1
    return connection


async def close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    try:
        await writer.wait_closed()
    except OSError:  # the server may already have reset it
        pass


@dataclass
class Tally:
    """What the attackers saw, for the assertions."""

    connected: int = 0
    #: Header lines the slowloris attackers trickled in after their first bytes.
    trickled: int = 0
    responses: list[RawResponse] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


Attacker = Callable[[asyncio.Event, Tally], Awaitable[None]]


@dataclass(frozen=True)
class Outcome:
    tally: Tally
    during: list[Scrape]
    #: Descriptors the exporter held at the end of the attack, counted in /proc.
    fds_during: int


async def under_attack(
    exporter: ExporterProcess,
    attackers: list[Attacker],
    *,
    ready: Callable[[Tally], bool],
    scrapes: int = 3,
) -> Outcome:
    """Start the attackers, wait until `ready`, scrape normally a few times, stop the attackers."""
    stop = asyncio.Event()
    tally = Tally()
    tasks = [asyncio.create_task(attack(stop, tally)) for attack in attackers]
    deadline = time.monotonic() + 20
    while not ready(tally) and time.monotonic() < deadline and not all(task.done() for task in tasks):
        await asyncio.sleep(0.05)
    during = []
    for _ in range(scrapes):
        during.append(await asyncio.to_thread(scrape, exporter))
        await asyncio.sleep(0.3)
    fds_during = descriptors(exporter)
    stop.set()
    done, pending = await asyncio.wait(tasks, timeout=30)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    assert not pending, f"{len(pending)} attackers did not stop within 30 s"
    for task in done:
        task.result()  # an attacker's own bug must be loud
    assert ready(tally), tally.errors[:5]
    return Outcome(tally, during, fds_during)


# -- the attackers ------------------------------------------------------------------------------------
def slowloris(exporter: ExporterProcess, interval: float = 1.0) -> Attacker:
    """A request line and headers that never end: one more header line every `interval` seconds."""

    async def attack(stop: asyncio.Event, tally: Tally) -> None:
        connection = await connect_counted(exporter, tally)
        if connection is None:
            return
        reader, writer = connection
        try:
            writer.write(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            for n in range(120):  # bounded even if nobody sets `stop`
                await writer.drain()
                try:
                    await asyncio.wait_for(stop.wait(), interval)
                    break
                except TimeoutError:
                    writer.write(b"X-Slow-%d: x\r\n" % n)
                    tally.trickled += 1
        except OSError as err:
            tally.errors.append(repr(err))
        finally:
            await close(writer)

    return attack


def idle_connection(exporter: ExporterProcess) -> Attacker:
    """Connect and hold the connection without sending a byte."""

    async def attack(stop: asyncio.Event, tally: Tally) -> None:
        connection = await connect_counted(exporter, tally)
        if connection is None:
            return
        _, writer = connection
        try:
            await asyncio.wait_for(stop.wait(), 120)
        finally:
            await close(writer)

    return attack


def keep_alive_requests(exporter: ExporterProcess, count: int) -> Attacker:
    """`count` requests for /metrics on one keep-alive connection, then hold it."""

    async def attack(stop: asyncio.Event, tally: Tally) -> None:
        connection = await connect_counted(exporter, tally)
        if connection is None:
            return
        reader, writer = connection
        try:
            for _ in range(count):
                writer.write(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                tally.responses.append(await asyncio.wait_for(read_response(reader, until_eof=False), 30))
            await asyncio.wait_for(stop.wait(), 120)
        except (OSError, asyncio.IncompleteReadError) as err:
            tally.errors.append(repr(err))
        finally:
            await close(writer)

    return attack


def one_request_per_connection(exporter: ExporterProcess, request: bytes, rounds: int) -> Attacker:
    """Until stopped (at most `rounds` times): connect, send `request`, read the answer to EOF."""

    async def attack(stop: asyncio.Event, tally: Tally) -> None:
        for _ in range(rounds):
            if stop.is_set():
                return
            connection = await connect_counted(exporter, tally)
            if connection is None:
                return
            reader, writer = connection
            try:
                writer.write(request)
                try:
                    await writer.drain()
                except OSError:
                    pass  # the server may answer and close before a huge request is sent whole
                tally.responses.append(await asyncio.wait_for(read_response(reader, until_eof=True), 10))
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as err:
                tally.errors.append(repr(err))
            finally:
                await close(writer)
            await asyncio.sleep(0.01)

    return attack


# -- the tests -------------------------------------------------------------------------------------------
def assert_survived(exporter: ExporterProcess, baseline_fds: float) -> None:
    """Alive, serving normally, and the attack's descriptors given back."""
    assert exporter.proc.poll() is None, exporter.stderr_text()[-2000:]
    assert_normal(scrape(exporter))
    assert wait_for_fds_back(exporter, baseline_fds) <= baseline_fds + FD_SLACK


def test_scrape_answers_while_hundreds_of_slowloris_connections_are_held(exporter):
    baseline, proc_baseline = open_fds(exporter), descriptors(exporter)
    attackers = [slowloris(exporter) for _ in range(SLOWLORIS_CONNECTIONS)]

    # Ready once every connection has trickled in at least two more header lines (about 2 s).
    outcome = asyncio.run(
        under_attack(exporter, attackers, ready=lambda t: t.trickled >= 2 * SLOWLORIS_CONNECTIONS, scrapes=4)
    )

    for result in outcome.during:
        assert_normal(result)
    # The attack is real: the exporter accepted the connections and holds them open.
    assert outcome.fds_during >= proc_baseline + SLOWLORIS_CONNECTIONS - FD_SLACK
    assert outcome.tally.errors == []
    assert_survived(exporter, baseline)


def test_scrape_answers_during_an_800_connection_flood(exporter):
    baseline, proc_baseline = open_fds(exporter), descriptors(exporter)
    requesting = FLOOD_CONNECTIONS // 2
    attackers = [keep_alive_requests(exporter, 3) for _ in range(requesting)]
    attackers += [idle_connection(exporter) for _ in range(FLOOD_CONNECTIONS - requesting)]

    outcome = asyncio.run(
        under_attack(
            exporter,
            attackers,
            ready=lambda t: t.connected == FLOOD_CONNECTIONS and len(t.responses) == requesting * 3,
        )
    )

    for result in outcome.during:
        assert_normal(result)
    assert outcome.tally.errors == []
    assert {(r.status, r.headers.get("content-type")) for r in outcome.tally.responses} == {
        (200, "text/plain; version=0.0.4; charset=utf-8")
    }
    assert all(b"statuspage_up 1.0" in r.body for r in outcome.tally.responses)
    assert outcome.fds_during >= proc_baseline + FLOOD_CONNECTIONS - FD_SLACK
    assert_survived(exporter, baseline)


GARBAGE = random.Random(6).randbytes(4096)
#: name, request bytes, the statuses a sensible server answers it with.
BAD_REQUESTS = [
    ("100 KB URL", b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", {400, 414}),
    ("100 KB header", b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n", {400, 431}),
    (
        "500 headers",
        b"GET /metrics HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(500)) + b"\r\n",
        {400, 431},
    ),
    ("random bytes", GARBAGE, {400}),
    ("TLS ClientHello", bytes.fromhex("16030100c4010000c00303") + bytes(64), {400}),
    ("NUL in the path", b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n", {400}),
    ("unknown HTTP version", b"GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n", {400, 505}),
    ("bad Content-Length", b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", {400}),
]


@pytest.mark.parametrize(
    "request_bytes, statuses", [case[1:] for case in BAD_REQUESTS], ids=[c[0] for c in BAD_REQUESTS]
)
def test_malformed_requests_are_refused_and_normal_scrapes_still_answer(exporter, request_bytes, statuses):
    baseline = open_fds(exporter)
    attackers = [one_request_per_connection(exporter, request_bytes, rounds=10) for _ in range(20)]

    outcome = asyncio.run(under_attack(exporter, attackers, ready=lambda t: len(t.responses) >= 40))

    for result in outcome.during:
        assert_normal(result)
    assert outcome.tally.errors == []
    # Each one answered completely with a client error, and the connection closed behind it.
    assert len(outcome.tally.responses) >= 40
    assert {r.status for r in outcome.tally.responses} <= statuses
    assert all(r.closed for r in outcome.tally.responses)
    assert_survived(exporter, baseline)


def test_http_1_0_without_keep_alive_gets_complete_answers_and_closed_connections(exporter):
    baseline = open_fds(exporter)
    request = b"GET /metrics HTTP/1.0\r\n\r\n"
    attackers = [one_request_per_connection(exporter, request, rounds=10) for _ in range(50)]

    outcome = asyncio.run(under_attack(exporter, attackers, ready=lambda t: len(t.responses) >= 100))

    for result in outcome.during:
        assert_normal(result)
    assert outcome.tally.errors == []
    responses = outcome.tally.responses
    assert len(responses) >= 100
    assert {(r.version, r.status, r.closed) for r in responses} == {("HTTP/1.0", 200, True)}
    assert {r.headers.get("connection", "close").lower() for r in responses} == {"close"}
    assert all(r.body.endswith(b"\n") and b"statuspage_up 1.0\n" in r.body for r in responses)
    assert_survived(exporter, baseline)


@pytest.mark.parametrize(("request_bytes", "statuses"), [pytest.param(*case[1:], id=case[0]) for case in BAD_REQUESTS])
def test_a_malformed_request_is_not_logged_as_an_exporter_error(exporter, request_bytes, statuses):
    """A client's garbage is the client's problem: no `error` line (which pages someone) per request."""
    before = len(exporter.log_lines())
    attackers = [one_request_per_connection(exporter, request_bytes, rounds=5)]
    outcome = asyncio.run(under_attack(exporter, attackers, ready=lambda t: len(t.responses) == 5, scrapes=1))

    assert len(outcome.tally.responses) == 5
    assert {r.status for r in outcome.tally.responses} <= statuses
    new = exporter.log_lines()[before:]
    assert [line["msg"] for line in new if line["level"] == "error"] == []


@contextmanager
def systemd_fd_limit():
    """Children started inside inherit the soft RLIMIT_NOFILE systemd gives a service; the hard one is kept."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (SYSTEMD_SOFT_NOFILE, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_slowloris_past_the_default_systemd_fd_limit_does_not_starve_scrapes(page):
    """Started with systemd's soft limit of 1024, the exporter lifts it, so 1124 held connections fit."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    connections = SYSTEMD_SOFT_NOFILE + 100
    if hard != resource.RLIM_INFINITY and hard < connections + 100:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} leaves no room above the soft limit under test")
    exporter = ExporterProcess(["--statuspage.url", page.url, "--cache.ttl", "1s"])
    with systemd_fd_limit():
        exporter.start()
    try:
        baseline, proc_baseline = open_fds(exporter), descriptors(exporter)
        attackers = [slowloris(exporter) for _ in range(connections)]
        outcome = asyncio.run(under_attack(exporter, attackers, ready=lambda t: t.connected == connections))

        for result in outcome.during:
            assert_normal(result)
        assert outcome.fds_during >= proc_baseline + connections - FD_SLACK
        assert outcome.tally.errors == []
        assert_survived(exporter, baseline)
    finally:
        exporter.proc.kill()
        exporter.proc.wait(5)
