"""The largest page the limits allow (5,000 components), scraped from the real exporter process.

Rendering it takes far longer than any health check may wait, so it must never run on the event
loop: while scrapes of it (text, OpenMetrics, gzip) are being answered, `/-/healthy` must answer
within 50 ms every time. The scrapes are raw sockets (so this process spends its time waiting in
`recv`, not holding the interpreter), the health checks a kept-alive HTTP client.
"""

from __future__ import annotations

import gzip
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests import payloads
from tests.fakepage import FakeStatuspage
from tests.integration.exporter_process import ExporterProcess

pytestmark = pytest.mark.integration

COMPONENTS = 5000
HEALTHY_WITHIN = 0.050
SCRAPES = [
    "Accept-Encoding: identity",
    "Accept-Encoding: gzip",
    "Accept: application/openmetrics-text;version=1.0.0\r\nAccept-Encoding: gzip",
]


def large_page() -> dict:
    components = [payloads.component(f"Component {i}", id=f"cmp{i:09d}") for i in range(COMPONENTS)]
    return payloads.summary(components, indicator="minor")


def raw_scrape(port: int, headers: str) -> bytes:
    """GET /metrics over a fresh connection (HTTP/1.0: the server closes it); the body, decoded."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(f"GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n{headers}\r\n\r\n".encode())
        received = bytearray()
        while chunk := sock.recv(1 << 20):
            received += chunk
    head, _, body = bytes(received).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 200 "), head
    return gzip.decompress(body) if b"Content-Encoding: gzip" in head else body


def test_healthy_answers_within_50ms_while_the_largest_page_is_rendered():
    with FakeStatuspage() as page:
        page.set_summary(large_page())
        with ExporterProcess(["--statuspage.url", page.url]) as exporter, requests.Session() as health:
            health.get(exporter.base_url + "/-/healthy", timeout=5)  # a kept-alive connection, ready
            latencies: list[float] = []
            with ThreadPoolExecutor(len(SCRAPES)) as pool:
                scrapes = [pool.submit(raw_scrape, exporter.port, headers) for headers in SCRAPES]
                while not all(scrape.done() for scrape in scrapes):
                    started = time.monotonic()
                    answer = health.get(exporter.base_url + "/-/healthy", timeout=5)
                    latencies.append(time.monotonic() - started)
                    assert answer.text == "OK\n"
                bodies = [scrape.result() for scrape in scrapes]

    for body in bodies:
        assert body.count(b'statuspage_component_status{component="Component 4999"') == 5
    assert len(bodies[0]) > 3_000_000, "the plain exposition of 5,000 components"
    assert len(latencies) >= 10, "the health checks ran while the scrapes were answered"
    slowest = max(latencies)
    assert slowest < HEALTHY_WITHIN, f"/-/healthy took {slowest * 1000:.0f} ms (of {len(latencies)} checks)"
