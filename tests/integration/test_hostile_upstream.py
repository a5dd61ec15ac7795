"""Fault injection: a misbehaving status page on loopback against the real exporter process.

Each case first serves good data, then misbehaves. The exporter must stay up, answer a normal
scrape within its timeout, count the right reason, keep the last good data while it is younger
than --cache.max-stale and drop it after.
"""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import threading
import time

import pytest
import requests

from tests import payloads
from tests.fakepage import SUMMARY_PATH, FakeStatuspage, Reply
from tests.integration.exporter_process import ExporterProcess
from tests.integration.test_exporter_process import value

GOOD = payloads.summary([payloads.component("Actions", "partial_outage", id="actions00001")], indicator="minor")
GOOD_BODY = json.dumps(GOOD).encode()
SCRAPE_TIMEOUT = 3.0
FLAGS = ["--cache.ttl", "1s", "--fetch.timeout", "1s", "--cache.max-stale", "4s"]


def scrape(exporter: ExporterProcess) -> str:
    """A normal Prometheus scrape: it must be answered within its own timeout."""
    response = requests.get(
        exporter.base_url + "/metrics",
        headers={"X-Prometheus-Scrape-Timeout-Seconds": str(SCRAPE_TIMEOUT)},
        timeout=SCRAPE_TIMEOUT,
    )
    assert response.status_code == 200
    return response.text


def has_page_data(text: str) -> bool:
    return "statuspage_component_status{" in text and "statuspage_page_info{" in text


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        pytest.param(Reply(body=GOOD_BODY, drip_interval_seconds=1.0, etag=False), "timeout", id="one-byte-a-second"),
        pytest.param(Reply(body=GOOD_BODY, delay_seconds=60), "timeout", id="accepts-never-answers"),
        pytest.param(Reply(stream_bytes=128 * 1024 * 1024), "too_large", id="body-far-over-the-cap"),
        pytest.param(Reply(body=GOOD_BODY, reset_after_bytes=100, etag=False), "connection", id="reset-mid-body"),
        pytest.param(Reply(status=302, headers={"Location": SUMMARY_PATH}), "http_status", id="redirect-loop"),
        pytest.param(Reply(status=200, body=b"<html>Service Unavailable</html>"), "invalid_json", id="html-body"),
        pytest.param(Reply(status=200, body=b'{"page": {}}'), "invalid_payload", id="wrong-shape"),
        pytest.param(
            Reply(
                body=b"{" + b"a" * 131072 + b"-" + b"b" * 131072,
                headers={"Content-Type": "application/json; charset=punycode"},
            ),
            "invalid_json",
            id="quadratic-charset",
        ),
        pytest.param(Reply(status=500, body=b"oops"), "http_status", id="http-500"),
    ],
)
def test_misbehaving_page_is_survived_counted_and_stale_data_kept_then_dropped(reply, reason):
    with FakeStatuspage() as page, ExporterProcess(["--statuspage.url", page.url, *FLAGS]) as exporter:
        page.set_reply(Reply(body=GOOD_BODY))
        first = scrape(exporter)
        assert has_page_data(first)
        rss_before = value(first, "process_resident_memory_bytes")
        last_success = time.monotonic()

        page.set_reply(reply)
        time.sleep(1.1)
        during = scrape(exporter)
        assert value(during, "statuspage_up") == 0
        assert value(during, "statuspage_fetch_errors_total", reason=reason) == 1
        assert has_page_data(during), "the last good data is kept while younger than max-stale"

        time.sleep(max(0.0, last_success + 4.5 - time.monotonic()))
        after = scrape(exporter)
        assert not has_page_data(after), "data older than max-stale is dropped"
        assert value(after, "statuspage_up") == 0
        assert value(after, "statuspage_fetch_errors_total", reason=reason) >= 2
        assert (
            value(after, "statuspage_fetches_total") == value(after, "statuspage_fetch_errors_total", reason=reason) + 1
        )
        assert exporter.get("/-/healthy").status_code == 200
        # Memory stays bounded: nowhere near the 128 MiB a body that was held whole would cost.
        assert value(after, "process_resident_memory_bytes") - rss_before < 48 * 1024 * 1024
        failures = [line for line in exporter.log_lines() if line["msg"] == "fetch failed"]
        assert {line["reason"] for line in failures} == {reason}


def test_rate_limit_storm_holds_requests_back_for_retry_after():
    flags = [*FLAGS, "--cache.max-stale", "1m"]  # the storm outlasts the usual 4 s
    with FakeStatuspage() as page, ExporterProcess(["--statuspage.url", page.url, *flags]) as exporter:
        page.set_reply(Reply(body=GOOD_BODY))
        scrape(exporter)
        time.sleep(1.1)
        page.set_reply(Reply(status=429, body=b"slow down", headers={"Retry-After": "2"}))
        storm_started = time.monotonic()
        texts = []
        while time.monotonic() - storm_started < 3.5:
            texts.append(scrape(exporter))
            time.sleep(0.1)
    limited = [r.at for r in page.requests[1:]]
    assert len(limited) == 2, "one 429 at once, the next only after Retry-After"
    assert limited[1] - limited[0] >= 2.0
    assert value(texts[-1], "statuspage_fetch_errors_total", reason="rate_limited") == 2
    assert all(has_page_data(text) for text in texts), "the cache keeps serving while rate-limited"


def test_name_that_does_not_resolve_is_a_connection_failure():
    with ExporterProcess(["--statuspage.url", "http://status.does-not-exist.invalid", *FLAGS]) as exporter:
        text = scrape(exporter)
        assert exporter.get("/-/healthy").status_code == 200
    assert value(text, "statuspage_up") == 0
    assert value(text, "statuspage_fetch_errors_total", reason="connection") == 1


@pytest.fixture
def untrusted_tls_context(tmp_path):
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl not installed: cannot make a self-signed certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def test_tls_server_with_an_untrusted_certificate_is_a_connection_failure(untrusted_tls_context):
    with FakeStatuspage(ssl_context=untrusted_tls_context) as page:
        assert page.url.startswith("https://")
        with ExporterProcess(["--statuspage.url", page.url, *FLAGS]) as exporter:
            text = scrape(exporter)
            lines = exporter.log_lines()
    assert value(text, "statuspage_up") == 0
    assert value(text, "statuspage_fetch_errors_total", reason="connection") == 1
    [failure] = [line for line in lines if line["msg"] == "fetch failed"]
    assert "CERTIFICATE_VERIFY_FAILED" in failure["error"]
    assert page.request_count == 0  # the handshake failed: no request was ever sent


class HeaderDripServer:
    """Accepts, then sends a status line and an endless header one byte at a time (bounded: 30 s)."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn):
        with conn:
            try:
                conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                for _ in range(300):
                    if self.stop.wait(0.1):
                        return
                    conn.sendall(b"x")
            except OSError:
                return

    def close(self):
        self.stop.set()
        self.sock.close()


def test_a_request_stuck_in_its_headers_is_cut_at_the_deadline_and_frees_its_slot():
    from exporter.errors import FetchError
    from exporter.fetch.alarms import alarm_clock
    from exporter.fetch.fetcher import PageFetcher
    from exporter.fetch.slots import Upstream

    upstream = Upstream(per_host=1, total=1)  # one slot in all: a stuck request would block the next
    drip = HeaderDripServer()
    try:
        with FakeStatuspage() as healthy:
            stuck = PageFetcher(drip.url, timeout=0.5, upstream=upstream)
            alarm_clock().start()  # the one thread that rings every deadline, there from the start
            threads = set(threading.enumerate())
            started = time.monotonic()
            with pytest.raises(FetchError) as caught:
                stuck.fetch()
            assert caught.value.reason == "timeout"
            assert time.monotonic() - started < 1.5, "the fetch ended when its socket was cut at the deadline"
            started_since = {t for t in threading.enumerate() if t not in threads and "(_drip)" not in t.name}
            assert started_since == set(), "the fetch started no thread (the drip server has its own)"
            result = PageFetcher(healthy.url, timeout=2.0, upstream=upstream).fetch()
            assert result.status == 200
    finally:
        drip.close()


def test_a_page_with_140000_components_is_invalid_payload_and_never_rendered():
    """Regression: 150,000 components rendered 78 MB a scrape and blocked the event loop for 6-7 s."""
    document = payloads.summary([])
    document["components"] = [{"id": f"c{i:07d}", "name": f"C{i}", "status": "operational"} for i in range(140_000)]
    body = json.dumps(document, separators=(",", ":")).encode()
    assert 7_000_000 < len(body) < 8 * 1024 * 1024  # under the size cap: only the item limit can refuse it
    with FakeStatuspage() as page, ExporterProcess(["--statuspage.url", page.url, *FLAGS]) as exporter:
        page.set_reply(Reply(body=body, headers={"Content-Type": "application/json"}))
        text = scrape(exporter)
        assert value(text, "statuspage_fetch_errors_total", reason="invalid_payload") == 1
        assert not has_page_data(text)
        assert len(text) < 64 * 1024
        started = time.monotonic()
        assert exporter.get("/-/healthy").status_code == 200
        assert time.monotonic() - started < 0.5
        failures = [line for line in exporter.log_lines() if line["msg"] == "fetch failed"]
        assert [line["error"] for line in failures] == [
            "components: 140000 items, over the limit of 20000 items in one array"
        ]


def test_a_component_name_that_makes_the_exclude_pattern_backtrack_stalls_nothing():
    """Regression: `^(a+)+$` against a 25-character name chosen by the upstream blocked every endpoint 1.2 s."""
    components = [payloads.component("a" * n + "!", id=f"c{n}") for n in range(24, 64)]
    flags = ["--components.exclude", "^(a+)+$", "--cache.ttl", "1s"]
    with FakeStatuspage() as page, ExporterProcess(["--statuspage.url", page.url, *flags]) as exporter:
        page.set_summary(payloads.summary(components))
        started = time.monotonic()
        text = scrape(exporter)
        assert exporter.get("/api/v1/status").status_code == 200
        assert exporter.get("/status").status_code == 200
        assert time.monotonic() - started < 2.0
        assert text.count('statuspage_component_status{component="aaaa') == 40 * 5
