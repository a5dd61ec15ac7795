"""transport: the Deadline (time left, adopting and cutting sockets, running work) and Transport on loopback."""

from __future__ import annotations

import gzip
import logging
import socket
import ssl
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exporter.engines.base import MAX_BODY_BYTES
from exporter.errors import FetchError
from exporter.fetch import transport as transport_module
from exporter.fetch.alarms import alarm_clock
from exporter.fetch.transport import Answer, Deadline, Transport
from tests import payloads
from tests.fakepage import FakeStatuspage, Reply
from tests.rawpage import RawPage, http_answer


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


def test_a_ca_added_to_the_bundle_in_place_is_trusted_at_the_next_fetch(tls_page, monkeypatch, tmp_path):
    """The verifying context is kept per version of the bundle file, not per path."""
    import trustme

    page, ca_file = tls_page
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(trustme.CA().cert_pem.bytes())
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    with pytest.raises(FetchError) as caught:
        get(page.url + "/api/v2/summary.json")
    assert caught.value.reason == "connection" and "CERTIFICATE_VERIFY_FAILED" in caught.value.detail
    with open(ca_file, "rb") as ca:
        bundle.write_bytes(bundle.read_bytes() + ca.read())
    assert get(page.url + "/api/v2/summary.json") == 200


def test_connections_verifying_with_one_bundle_share_one_context(tls_page, monkeypatch, tmp_path):
    """Loading a CA bundle costs more CPU than the rest of a request: once per bundle, not per connection."""
    page, ca_file = tls_page
    bundle = tmp_path / "bundle.pem"
    with open(ca_file, "rb") as ca:
        bundle.write_bytes(ca.read())
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    made = []
    real = transport_module.create_urllib3_context
    monkeypatch.setattr(transport_module, "create_urllib3_context", lambda **kw: made.append(kw) or real(**kw))
    assert [get(page.url + "/api/v2/summary.json") for _ in range(3)] == [200, 200, 200]
    assert len(made) == 1


def test_a_host_name_idna_cannot_encode_is_a_connection_failure():
    """Regression: getaddrinfo's UnicodeError escaped classification as a "fetch crashed"."""
    with pytest.raises(FetchError) as caught:
        Deadline(1.0).resolve("status..example.com", 443)
    assert caught.value.reason == "connection"
    assert caught.value.detail.startswith("cannot resolve status..example.com: ")


# -- hostile upstreams on raw sockets: what HTTP libraries would never send ----------------------

SUMMARY = "/api/v2/summary.json"


def answer(url: str, seconds: float = 5.0) -> Answer:
    deadline = Deadline(seconds)

    def work():
        with Transport(deadline, MAX_BODY_BYTES) as transport:
            return transport.get(url, {})

    return deadline.run(work)


def redirecting(location: str, final: bytes = b"{}"):
    """A page whose summary redirects to `location`, and whose every other path answers `final`."""

    def respond(request_line: str) -> bytes:
        if request_line.split(" ")[1] == SUMMARY:
            return http_answer("302 Found", {"Location": location, "Content-Length": "0"})
        return http_answer("200 OK", {"Content-Type": "application/json", "Content-Length": str(len(final))}, final)

    return respond


@pytest.fixture
def other_host():
    """A server on another loopback host, which no redirect of the page may reach."""
    with RawPage(
        lambda request: http_answer("200 OK", {"Content-Length": "20"}, b'{"stolen": "secret"}'), host="127.0.0.2"
    ) as other:
        yield other


@pytest.mark.parametrize(
    "location",
    [
        "http://{other}\\@{page}/../api/v2/summary.json",
        "http://{other}\\@{page}/../latest/meta-data/",
        "http://{other}\\\\@{page}/api/v2/summary.json",
        "http://{page}@{other}/api/v2/summary.json",
        "http://user:password@{page}/api/v2/summary.json",
        "http://{other}%5C@{page}/api/v2/summary.json",
        "http://{other}\t@{page}/api/v2/summary.json",
        "/\\{other}/api/v2/summary.json",
        "\\\\{other}/api/v2/summary.json",
        "http:\\\\{other}/api/v2/summary.json",
    ],
)
def test_a_redirect_parsers_could_read_as_another_host_is_refused_and_never_requested(other_host, location):
    """Regression: urlsplit saw the page's host in `http://OTHER\\@PAGE/..`, urllib3 connected to OTHER."""
    with RawPage() as page:
        page.respond = redirecting(
            location.format(other=f"{other_host.host}:{other_host.port}", page=f"{page.host}:{page.port}")
        )
        with pytest.raises(FetchError) as caught:
            answer(page.url + SUMMARY)
        assert (caught.value.reason, caught.value.status) == ("http_status", 302)
        assert page.requests == [f"GET {SUMMARY} HTTP/1.1"]
    assert other_host.requests == []


_LOCATION_PIECES = st.sampled_from(
    [
        "{other}",
        "{page}",
        "127.0.0.2",
        "\\",
        "/",
        "//",
        "@",
        ":",
        "..",
        "%2F",
        "%5C",
        "%40",
        "%09",
        "\t",
        " ",
        "#",
        "?",
        "[",
        "]",
        "user:pass",
        "www.",
        "0x7f000002",
        "2130706434",
        "[::ffff:127.0.0.2]",
        "\x00",
        "\x7f",
        "\u3002",
        "\uff0e",
        "a",
    ]
)
_LOCATION_STARTS = st.sampled_from(["http://", "https://", "//", "http:", "http:/", "HTTP://", "/", "", "\\\\"])


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=_LOCATION_STARTS, pieces=st.lists(_LOCATION_PIECES, max_size=8))
def test_no_redirect_location_reaches_another_host(other_host, start, pieces):
    with RawPage() as page:
        location = (start + "".join(pieces)).format(
            other=f"{other_host.host}:{other_host.port}", page=f"{page.host}:{page.port}"
        )
        page.respond = redirecting(location)
        try:
            answer(page.url + SUMMARY)
        except FetchError as err:  # refused, or whatever the page's own host answered
            assert err.reason in ("http_status", "connection"), err
    assert other_host.requests == [], location


def test_a_redirect_to_the_pages_own_host_is_still_followed():
    with RawPage() as page:
        page.respond = redirecting(f"http://{page.host}:{page.port}/elsewhere.json", final=b'{"ok": 1}')
        got = answer(page.url + SUMMARY)
        assert (got.status, got.body) == (200, b'{"ok": 1}')
        assert page.requests == [f"GET {SUMMARY} HTTP/1.1", "GET /elsewhere.json HTTP/1.1"]


BODY = b'{"page": "x"}'


@pytest.mark.parametrize(
    ("raw", "body"),
    [
        pytest.param(
            b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
            + http_answer("200 OK", {"Content-Length": str(len(BODY))}, BODY),
            BODY,
            id="103-early-hints-first",
        ),
        pytest.param(
            b"HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\n\r\n"
            + http_answer("200 OK", {"Content-Length": str(len(BODY))}, BODY),
            BODY,
            id="two-interim-answers",
        ),
        pytest.param(
            http_answer(
                "200 OK",
                {"Transfer-Encoding": "chunked", "Content-Length": "999999999999"},
                b"%x\r\n%s\r\n0\r\n\r\n" % (len(BODY), BODY),
            ),
            BODY,
            id="chunked-with-a-huge-content-length",
        ),
        pytest.param(
            http_answer(
                "200 OK",
                {"Content-Encoding": "gzip ", "Content-Length": str(len(gzip.compress(BODY)))},
                gzip.compress(BODY),
            ),
            BODY,
            id="content-encoding-with-a-trailing-space",
        ),
        pytest.param(
            http_answer(
                "200 OK",
                {"Content-Encoding": "GZip", "Content-Length": str(len(gzip.compress(BODY)))},
                gzip.compress(BODY),
            ),
            BODY,
            id="content-encoding-in-capitals",
        ),
    ],
)
def test_odd_but_valid_framing_is_read_as_the_answer_it_is(raw, body):
    with RawPage(lambda request: raw) as page:
        got = answer(page.url + SUMMARY)
    assert (got.status, got.body) == (200, body)


def test_a_malformed_header_is_one_classified_failure_and_no_library_traceback(caplog):
    raw = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nno colon here\r\nContent-Length: 13\r\n\r\n" + BODY
    with caplog.at_level(logging.DEBUG), RawPage(lambda request: raw) as page:
        with pytest.raises(FetchError) as caught:
            answer(page.url + SUMMARY)
    assert caught.value.reason == "connection"
    assert "malformed response header" in caught.value.detail
    assert [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info] == []
