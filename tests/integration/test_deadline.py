"""The fetch deadline, black-box: the real exporter against hostile pages, directly and through tinyproxy.

One fake host:port serves five pages under distinct path prefixes: two drip their status line and
headers one byte every 0.2 s (forever), two accept the request and never answer, one answers well.
With `--fetch.timeout 1s`, for every route to the page (direct, HTTP_PROXY, CONNECT via
HTTPS_PROXY, NO_PROXY honoured, in upper and lower case), the four hostile pages must fail as
`timeout` within the deadline; then the exporter's threads and the proxy's client connections
return to their baseline, and the fifth page on the same host (more than its 4 slots) succeeds
right after. Only the process's outside is looked at, so the tests hold whatever the transport's
internals become.
"""

from __future__ import annotations

import json
import os
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
import trustme

from tests import payloads
from tests.fakepage import SUMMARY_PATH, FakeStatuspage, Reply
from tests.integration.exporter_process import ExporterProcess
from tests.integration.proxy import Tinyproxy, tinyproxy_path
from tests.integration.test_exporter_process import value

pytestmark = pytest.mark.integration

FETCH_TIMEOUT = 1.0
#: Over the deadline, for a loaded 2-core machine: scrape round trip, process scheduling.
MARGIN = 1.5
#: How long leftovers (threads, proxy connections) may take to go once the deadline has passed.
CLEANUP_WITHIN = 2.0
DRIP_HEAD = Reply(head_drip_interval_seconds=0.2)
#: Headers are complete, the body comes a byte every 0.2 s: what an HTTP proxy passes on as it
#: comes, where it buffers a response's headers until they are whole.
DRIP_BODY = Reply(body=json.dumps(payloads.summary()).encode(), drip_interval_seconds=0.2, etag=False)
NEVER_ANSWERS = Reply(delay_seconds=60)
#: The four hostile pages on the good page's host:port, by path prefix.
HOSTILE = {"drip-head-1": DRIP_HEAD, "drip-head-2": DRIP_HEAD, "drip-body": DRIP_BODY, "silent": NEVER_ANSWERS}
HEADER_DRIPS = {f"drip-head-{i}": DRIP_HEAD for i in range(1, 5)}
GOOD = "good"
#: Every variable that could send the exporter (or this test's own client) through a proxy.
PROXY_VARIABLES = [
    name for base in ("http_proxy", "https_proxy", "all_proxy", "no_proxy") for name in (base, base.upper())
]
PROXY = "{proxy}"  # replaced by the running proxy's URL


@dataclass(frozen=True)
class Route:
    """How the exporter reaches the page: its scheme, and the proxy environment it runs with."""

    scheme: str
    env: dict[str, str] = field(default_factory=dict)
    #: Whether requests must go through the proxy (False: the proxy must see none of them).
    proxied: bool = False


ROUTES = [
    pytest.param(Route("http"), id="direct-http"),
    pytest.param(Route("https"), id="direct-https"),
    pytest.param(Route("http", {"HTTP_PROXY": PROXY}, proxied=True), id="HTTP_PROXY"),
    pytest.param(Route("http", {"http_proxy": PROXY}, proxied=True), id="http_proxy"),
    pytest.param(Route("https", {"HTTPS_PROXY": PROXY}, proxied=True), id="HTTPS_PROXY-CONNECT"),
    pytest.param(Route("https", {"https_proxy": PROXY}, proxied=True), id="https_proxy-CONNECT"),
    pytest.param(
        Route("https", {"HTTP_PROXY": PROXY, "HTTPS_PROXY": PROXY, "NO_PROXY": "127.0.0.1"}), id="NO_PROXY-https"
    ),
    pytest.param(
        Route("http", {"http_proxy": PROXY, "https_proxy": PROXY, "no_proxy": "localhost,127.0.0.1"}),
        id="no_proxy-http",
    ),
]
#: One route of each kind: the slot starvation needs only the transports, not every spelling.
STARVATION_ROUTES = [p for p in ROUTES if p.id in ("direct-https", "HTTP_PROXY", "HTTPS_PROXY-CONNECT")]


@pytest.fixture(autouse=True)
def no_inherited_proxies(monkeypatch):
    """Neither the exporter (it inherits os.environ) nor this test's client may use the machine's proxy."""
    for name in [*PROXY_VARIABLES, "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"]:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    """A CA and a certificate for 127.0.0.1; the CA bundle's path, for the exporter to trust."""
    ca = trustme.CA()
    server_cert = ca.issue_cert("127.0.0.1")
    bundle = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_cert.configure_cert(context)
    return context, str(bundle)


def start_proxy(port: int) -> Tinyproxy:
    if tinyproxy_path() is None:
        print("tinyproxy is not installed (apt-get install tinyproxy): the proxy routes cannot be tested")
        pytest.skip("tinyproxy not installed")
    return Tinyproxy(connect_ports=[port]).start()


def probe(exporter: ExporterProcess, name: str) -> tuple[str, float]:
    """One /probe scrape of a page: its exposition text and how long the exporter took to answer."""
    started = time.monotonic()
    response = exporter.get("/probe", params={"target": name}, timeout=FETCH_TIMEOUT + 10)
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text
    return response.text, elapsed


def thread_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def wait_for_value(measure, expected: int, timeout: float) -> int:
    """Poll `measure()` until it returns `expected` or the time is up; return the last value."""
    deadline = time.monotonic() + timeout
    while True:
        current = measure()
        if current == expected or time.monotonic() > deadline:
            return current
        time.sleep(0.02)


@dataclass
class Outcome:
    """What the exporter did with four hostile pages and then the good one, seen from outside."""

    hostile: dict[str, tuple[str, float]]
    fifth: tuple[str, float]
    threads: tuple[int, int]
    proxy_connections: tuple[int, int]
    proxy_requests: int
    proxy_connections_accepted: int
    asked: set[str]
    log: str


def run_hostile_then_good(
    route: Route, page: FakeStatuspage, hostile: dict[str, Reply], ca_bundle, tmp_path
) -> Outcome:
    """Probe the good page (warm-up, baseline), the four hostile ones at once, then the good one again."""
    for prefix, reply in hostile.items():
        page.set_route(f"/{prefix}{SUMMARY_PATH}", reply)
    proxy = start_proxy(page.port) if route.env else None
    try:
        env = {name: val.replace(PROXY, proxy.url) for name, val in route.env.items()} if proxy else {}
        env |= {"REQUESTS_CA_BUNDLE": ca_bundle, "SSL_CERT_FILE": ca_bundle}
        config = tmp_path / "pages.yml"
        names = [*hostile, GOOD]
        config.write_text("pages:\n" + "".join(f"  - name: {n}\n    url: {page.url}/{n}\n" for n in names))
        flags = [
            *("--statuspage.url", f"{page.url}/default"),
            *("--config.file", str(config)),
            *("--fetch.timeout", f"{FETCH_TIMEOUT:g}s", "--cache.ttl", "1s"),
        ]
        with ExporterProcess(flags, env=env) as exporter:
            pid = exporter.proc.pid
            threads_before = thread_count(pid)
            warm, _ = probe(exporter, GOOD)
            assert value(warm, "statuspage_up") == 1, exporter.stderr_text()
            # The warm-up may leave a kept-alive connection (or CONNECT tunnel) in the pool: the baseline.
            proxy_before = proxy.client_connections() if proxy else 0

            with ThreadPoolExecutor(len(hostile)) as pool:
                results = dict(zip(hostile, pool.map(lambda name: probe(exporter, name), hostile), strict=True))
            fifth = probe(exporter, GOOD)

            threads_after = wait_for_value(lambda: thread_count(pid), threads_before, CLEANUP_WITHIN)
            proxy_after = (
                wait_for_value(proxy.client_connections, proxy_before, CLEANUP_WITHIN) if proxy else proxy_before
            )
            return Outcome(
                hostile=results,
                fifth=fifth,
                threads=(threads_before, threads_after),
                proxy_connections=(proxy_before, proxy_after),
                proxy_requests=proxy.requests_relayed() if proxy else 0,
                proxy_connections_accepted=proxy.connections_accepted() if proxy else 0,
                asked={r.path.split("/")[1] for r in page.requests},
                log=exporter.stderr_text(),
            )
    finally:
        if proxy:
            proxy.stop()


def assert_deadline_held(route: Route, outcome: Outcome) -> None:
    # 1. Each hostile page fails as a timeout, within the deadline, and was really asked.
    for name, (text, elapsed) in outcome.hostile.items():
        assert elapsed <= FETCH_TIMEOUT + MARGIN, f"{name}: answered after {elapsed:.2f}s"
        assert value(text, "statuspage_up") == 0, name
        assert value(text, "statuspage_fetch_errors_total", reason="timeout") == 1, name
        assert value(text, "statuspage_fetches_total") == 1, name
    assert outcome.asked == {*outcome.hostile, GOOD}, "every page reached the fake: the timeouts are theirs"
    if route.proxied:
        assert outcome.proxy_requests >= len(outcome.hostile), "the requests went through the proxy"
    else:
        assert (outcome.proxy_connections_accepted, outcome.proxy_requests) == (0, 0), "the proxy saw nothing"

    # 3. Right after four timed-out requests, a fifth page on the same host still gets a slot.
    text, elapsed = outcome.fifth
    assert value(text, "statuspage_up") == 1, f"fifth page failed after {elapsed:.2f}s:\n{outcome.log}"
    assert value(text, "statuspage_fetches_total") == 2, "a fresh request, not the warm-up's cache"
    assert elapsed <= FETCH_TIMEOUT + MARGIN

    # 2. Nothing of the timed-out requests outlives the deadline: no thread, no proxy connection.
    before, after = outcome.threads
    assert after == before, f"exporter threads {before} -> {after}, {CLEANUP_WITHIN}s after the deadline"
    before, after = outcome.proxy_connections
    assert after == before, f"proxy client connections {before} -> {after}, {CLEANUP_WITHIN}s after the deadline"


@pytest.mark.parametrize("route", ROUTES)
def test_hostile_pages_time_out_at_the_deadline_and_leave_nothing_behind(route, tls, tmp_path):
    with FakeStatuspage(ssl_context=tls[0] if route.scheme == "https" else None) as page:
        outcome = run_hostile_then_good(route, page, HOSTILE, tls[1], tmp_path)
    assert_deadline_held(route, outcome)


@pytest.mark.parametrize("route", STARVATION_ROUTES)
def test_four_pages_stuck_in_their_headers_do_not_starve_their_host(route, tls, tmp_path):
    """All four slots of the host go to header drips; the fifth page must still be read right after."""
    with FakeStatuspage(ssl_context=tls[0] if route.scheme == "https" else None) as page:
        outcome = run_hostile_then_good(route, page, HEADER_DRIPS, tls[1], tmp_path)
    assert_deadline_held(route, outcome)
