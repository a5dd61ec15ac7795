"""transport: the Deadline (time left, adopting and cutting sockets, running work) and Transport on loopback."""

from __future__ import annotations

import socket
import ssl
import threading
import time

import pytest

from exporter.engines.base import MAX_BODY_BYTES
from exporter.errors import FetchError
from exporter.fetch.alarms import alarm_clock
from exporter.fetch.transport import Deadline, Transport
from tests import payloads
from tests.fakepage import FakeStatuspage, Reply


def test_left_counts_down_and_raises_timeout_once_passed():
    now = [100.0]
    deadline = Deadline(2.0, clock=lambda: now[0])
    assert deadline.left() == 2.0
    now[0] = 101.5
    assert (deadline.left(), deadline.passed) == (0.5, False)
    now[0] = 102.0
    with pytest.raises(FetchError) as caught:
        deadline.left()
    assert (caught.value.reason, caught.value.detail) == ("timeout", "no complete answer within 2s")
    assert deadline.passed


def test_cut_shuts_down_every_adopted_socket_and_any_adopted_later():
    left, right = socket.socketpair()
    late_left, late_right = socket.socketpair()
    deadline = Deadline(5.0)
    try:
        deadline.adopt(left)
        deadline.cut()
        assert left.recv(1) == b""  # shut down: reads end at once instead of blocking
        deadline.adopt(late_left)
        assert late_left.recv(1) == b""
    finally:
        for sock in (left, right, late_left, late_right):
            sock.close()


def test_run_returns_the_works_result_or_raises_its_error():
    assert Deadline(1.0).run(lambda: 42) == 42
    with pytest.raises(FetchError, match="connection: boom"):
        Deadline(1.0).run(lambda: (_ for _ in ()).throw(FetchError("connection", "boom")))


def test_run_gives_up_at_the_deadline_and_cuts_what_the_work_holds():
    left, right = socket.socketpair()
    deadline = Deadline(0.2)
    ended = threading.Event()

    def work():
        deadline.adopt(left)
        try:
            return left.recv(1)  # blocks until the cut
        finally:
            ended.set()

    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        deadline.run(work)
    assert caught.value.reason == "timeout"
    assert time.monotonic() - started < 1.0
    assert ended.wait(2.0), "the worker's blocked read ended with the cut"
    left.close()
    right.close()


def test_an_ip_literal_is_not_resolved_and_a_name_is_resolved_under_the_deadline():
    deadline = Deadline(5.0)
    assert deadline.resolve("127.0.0.1", 80) == ["127.0.0.1"]
    assert deadline.resolve("::1", 80) == ["::1"]
    assert "127.0.0.1" in deadline.resolve("localhost", 80)


def get(url: str, seconds: float = 5.0) -> int:
    deadline = Deadline(seconds)

    def work():
        with Transport(deadline, MAX_BODY_BYTES) as transport:
            return transport.get(url, {}).status

    return deadline.run(work)


def test_a_fetch_has_connections_of_its_own_so_an_earlier_fetchs_cut_cannot_reach_a_later_one():
    """Regression: a timed-out fetch used to shut down a pooled socket another page had reused."""
    with FakeStatuspage() as page:
        page.set_route("/slow/api/v2/summary.json", Reply(body=b"{}", delay_seconds=0.5))
        first = Deadline(5.0)
        assert first.run(lambda: _get_with(first, page.url + "/api/v2/summary.json")) == 200
        outcome: list = []
        second = threading.Thread(target=lambda: outcome.append(get(page.url + "/slow/api/v2/summary.json")))
        second.start()
        _wait_for(lambda: page.request_count == 2)
        first.cut()  # what the first fetch's deadline does when it passes late
        second.join(5.0)
        assert outcome == [200]
        assert len({request.client_port for request in page.requests}) == 2, "two fetches, two connections"


def _get_with(deadline: Deadline, url: str) -> int:
    with Transport(deadline, MAX_BODY_BYTES) as transport:
        return transport.get(url, {}).status


def _wait_for(condition, seconds: float = 5.0) -> None:
    limit = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < limit, "condition not met in time"
        time.sleep(0.01)


def test_a_server_that_never_answers_is_cut_at_the_deadline_and_leaves_no_thread():
    alarm_clock().start()  # the one thread that rings every deadline, there from the start
    threads = set(threading.enumerate())
    with socket.create_server(("127.0.0.1", 0)) as silent:
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/api/v2/summary.json"
        started = time.monotonic()
        with pytest.raises(FetchError) as caught:
            get(url, seconds=0.3)
        assert caught.value.reason == "timeout"
        assert time.monotonic() - started < 1.0
        assert set(threading.enumerate()) == threads, "the fetch ran in the caller's thread and started none"
        assert alarm_clock().pending() == 0, "the deadline's alarm rang and is gone"


def test_a_fetch_that_ends_in_time_leaves_no_alarm_behind():
    alarm_clock().start()
    with FakeStatuspage() as page:
        before = alarm_clock().pending()
        assert get(page.url + "/api/v2/summary.json", seconds=30.0) == 200
        assert alarm_clock().pending() == before


def test_a_good_page_answers_with_status_headers_and_body():
    with FakeStatuspage() as page:
        page.set_summary(payloads.summary(indicator="minor"))
        deadline = Deadline(5.0)

        def work():
            with Transport(deadline, MAX_BODY_BYTES) as transport:
                return transport.get(page.url + "/api/v2/summary.json", {"Accept": "application/json"})

        answer = deadline.run(work)
    assert (answer.status, answer.headers["Content-Type"]) == (200, "application/json")
    assert b'"indicator": "minor"' in answer.body
    assert page.requests[0].headers["Accept"] == "application/json"


@pytest.fixture(scope="module")
def tls_page():
    import trustme

    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    with FakeStatuspage(ssl_context=context) as page, ca.cert_pem.tempfile() as ca_file:
        yield page, ca_file


@pytest.mark.parametrize("variable", [None, "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"])
def test_a_private_ca_is_trusted_from_the_environment_and_only_from_there(tls_page, monkeypatch, variable):
    page, ca_file = tls_page
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.delenv(name, raising=False)
    if variable is None:
        with pytest.raises(FetchError) as caught:
            get(page.url + "/api/v2/summary.json")
        assert caught.value.reason == "connection" and "CERTIFICATE_VERIFY_FAILED" in caught.value.detail
        return
    monkeypatch.setenv(variable, ca_file)
    assert get(page.url + "/api/v2/summary.json") == 200


def test_a_host_name_idna_cannot_encode_is_a_connection_failure():
    """Regression: getaddrinfo's UnicodeError escaped classification as a "fetch crashed"."""
    with pytest.raises(FetchError) as caught:
        Deadline(1.0).resolve("status..example.com", 443)
    assert caught.value.reason == "connection"
    assert caught.value.detail.startswith("cannot resolve status..example.com: ")
