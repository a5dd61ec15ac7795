"""The real exporter process against a real loopback fake status page (and promtool)."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from exporter import __version__
from tests import payloads
from tests.fakepage import FakeStatuspage, Reply
from tests.integration.exporter_process import REPO, ExporterProcess

OUTAGE = payloads.summary(
    [
        payloads.component("Git Operations", "major_outage", id="gitops000001"),
        payloads.component("Actions", "operational", id="actions00001"),
        payloads.component("Visit www.githubstatus.com for more information", id="0l2p9nhqnxpd"),
    ],
    indicator="major",
    incidents=[payloads.incident('Git "push" fails', id="inc000000001", impact="major")],
    maintenances=[payloads.maintenance("DB upgrade", id="mnt000000001", status="in_progress")],
)


@pytest.fixture
def page():
    with FakeStatuspage() as fake:
        fake.set_summary(OUTAGE)
        yield fake


def samples(text: str) -> dict[tuple, float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(text: str, metric: str, **labels) -> float:
    return samples(text)[(metric, tuple(sorted(labels.items())))]


def test_scrape_exports_the_pages_real_values(page):
    with ExporterProcess(["--statuspage.url", page.url]) as exporter:
        text = exporter.metrics()
    assert value(text, "statuspage_up") == 1
    assert value(text, "statuspage_overall_status", indicator="major") == 1
    assert value(text, "statuspage_overall_status", indicator="none") == 0
    git = {"component": "Git Operations", "component_id": "gitops000001", "group": ""}
    assert value(text, "statuspage_component_status", **git, status="major_outage") == 1
    assert value(text, "statuspage_component_status", **git, status="operational") == 0
    assert "Visit www.githubstatus.com" not in text
    assert value(text, "statuspage_incidents_unresolved", impact="major") == 1
    assert (
        value(
            text,
            "statuspage_incident_info",
            incident_id="inc000000001",
            name='Git "push" fails',
            impact="major",
            status="investigating",
        )
        == 1
    )
    assert (
        value(
            text, "statuspage_maintenance_info", maintenance_id="mnt000000001", name="DB upgrade", status="in_progress"
        )
        == 1
    )
    assert value(text, "statuspage_exporter_build_info", version=__version__) == 1
    assert value(text, "statuspage_fetches_total") == 1
    assert value(text, "process_open_fds") > 0
    assert 'python_info{implementation="CPython"' in text
    [request] = page.requests
    assert request.path == "/api/v2/summary.json"
    assert request.headers["User-Agent"].startswith(f"github-status-exporter/{__version__}")


def test_promtool_finds_nothing_to_say_about_the_output(page):
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool not installed (Debian package 'prometheus')")
    with ExporterProcess(["--statuspage.url", page.url]) as exporter:
        outputs = [exporter.get("/metrics").content]
        page.set_reply(Reply(status=500, body=b"oops"))  # and the output while failing, without data
        outputs.append(exporter.get("/metrics").content)
    for output in outputs:
        result = subprocess.run([promtool, "check", "metrics"], input=output, capture_output=True, timeout=30)
        assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")


def test_hundreds_of_concurrent_scrapes_make_one_upstream_request(page):
    page.set_reply(Reply(status=200, body=page_body(OUTAGE), delay_seconds=0.5))
    with ExporterProcess(["--statuspage.url", page.url, "--cache.ttl", "1m"]) as exporter:
        session_texts: list[str] = []

        def scrape():
            with requests.Session() as session:
                for _ in range(5):
                    session_texts.append(session.get(exporter.base_url + "/metrics", timeout=15).text)

        threads = [threading.Thread(target=scrape) for _ in range(40)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert len(session_texts) == 200
    assert page.request_count == 1
    assert all("statuspage_up 1.0" in text for text in session_texts)


def test_ttl_bounds_requests_and_a_304_renews_the_data(page):
    with ExporterProcess(["--statuspage.url", page.url, "--cache.ttl", "1s"]) as exporter:
        exporter.metrics()
        exporter.metrics()
        assert page.request_count == 1
        time.sleep(1.1)
        text = exporter.metrics()
    assert page.request_count == 2
    assert page.requests[1].headers["If-None-Match"] == page_etag(page)
    assert value(text, "statuspage_fetch_not_modified_total") == 1
    assert value(text, "statuspage_up") == 1
    assert value(text, "statuspage_overall_status", indicator="major") == 1


def test_failing_page_is_counted_logged_and_stale_data_kept(page):
    with ExporterProcess(["--statuspage.url", page.url, "--cache.ttl", "1s"]) as exporter:
        exporter.metrics()
        page.set_reply(Reply(status=502, body=b"bad gateway"))
        time.sleep(1.1)
        text = exporter.metrics()
        lines = exporter.log_lines()
    assert value(text, "statuspage_up") == 0
    assert value(text, "statuspage_fetch_errors_total", reason="http_status") == 1
    assert value(text, "statuspage_overall_status", indicator="major") == 1  # stale while error
    [failure] = [line for line in lines if line["msg"] == "fetch failed"]
    assert failure["reason"] == "http_status" and failure["status"] == 502
    assert failure["url"] == page.url


def test_slow_drip_upstream_times_out_and_does_not_hold_the_scrape(page):
    page.set_reply(Reply(status=200, body=page_body(OUTAGE), drip_interval_seconds=0.2))
    with ExporterProcess(["--statuspage.url", page.url, "--fetch.timeout", "1s"]) as exporter:
        text = exporter.metrics(headers={"X-Prometheus-Scrape-Timeout-Seconds": "10"})
    assert value(text, "statuspage_up") == 0
    assert value(text, "statuspage_fetch_errors_total", reason="timeout") == 1
    # The request was cut at its deadline, long before the 0.2 s-a-byte body could finish.
    assert value(text, "statuspage_last_fetch_duration_seconds") < 2.0


def test_unreachable_page_keeps_the_exporter_serving():
    with ExporterProcess(["--statuspage.url", f"http://127.0.0.1:{closed_port()}"]) as exporter:
        text = exporter.metrics()
        assert exporter.get("/-/healthy").status_code == 200
    assert value(text, "statuspage_up") == 0
    assert value(text, "statuspage_fetch_errors_total", reason="connection") == 1
    assert value(text, "statuspage_last_success_timestamp_seconds") == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_cleanly_even_with_a_request_in_flight(page, sig):
    page.set_reply(Reply(status=200, body=page_body(OUTAGE), delay_seconds=30))
    exporter = ExporterProcess(["--statuspage.url", page.url, "--fetch.timeout", "30s"]).start()
    answers: list[requests.Response] = []
    scrape = threading.Thread(target=lambda: answers.append(exporter.get("/metrics", timeout=40)), daemon=True)
    scrape.start()
    wait_for(lambda: page.request_count == 1)
    exporter.send_signal(sig)
    # Exit within 5 s: the in-flight upstream request (30 s) must not delay it.
    assert exporter.proc.wait(timeout=5) == 0
    exporter.stop()
    scrape.join(5)
    # The scrape that was waiting for the upstream got its answer from the cache, not a reset.
    assert [a.status_code for a in answers] == [200]
    assert value(answers[0].text, "statuspage_up") == 0
    messages = [(line["msg"], line.get("signal")) for line in exporter.log_lines()]
    assert ("exporter stopping", sig.name) in messages
    assert messages[-1] == ("exporter stopped", None)


def test_log_lines_are_json_with_time_level_msg_and_a_startup_line(page):
    with ExporterProcess(["--statuspage.url", page.url, "--cache.ttl", "45s"]) as exporter:
        exporter.metrics()
        exporter.metrics()
        exporter.stop()
        lines = exporter.log_lines()
    for line in lines:
        assert list(line)[:3] == ["time", "level", "msg"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])
    started = lines[0]
    assert started["msg"] == "exporter started"
    assert started["version"] == __version__
    assert started["listen_address"] == f"127.0.0.1:{exporter.port}"
    assert (started["url"], started["engine"]) == (page.url, "statuspage")
    assert started["cache_ttl_seconds"] == 45.0
    assert not any("metrics" in line["msg"] for line in lines)  # no line per scrape


def test_logfmt_format(page):
    with ExporterProcess(["--statuspage.url", page.url, "--log.format", "logfmt"]) as exporter:
        exporter.stop()
        first = exporter.stderr_text().splitlines()[0]
    assert re.match(r'time=\S+Z level=info msg="exporter started" ', first)


def test_environment_configures_and_flags_win(page):
    env = {"STATUS_URL": page.url, "CACHE_TTL": "2m", "LOG_LEVEL": "warn"}
    with ExporterProcess(["--cache.ttl", "3m"], env=env) as exporter:
        exporter.metrics()
        exporter.stop()
    assert page.request_count == 1
    assert exporter.log_lines() == []  # warn level: start-up and success are info


def test_bad_flag_exits_2_with_one_line():
    result = subprocess.run(
        [sys.executable, "-m", "exporter", "--fetch.timeout", "forever"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "github-status-exporter: --fetch.timeout: invalid duration 'forever' (want e.g. 500ms, 30s, 5m, 1h)\n"
    )


def test_soft_open_files_limit_is_lifted_to_the_hard_limit(page):
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard <= 256:
        pytest.skip(f"hard RLIMIT_NOFILE is only {hard}: nothing to lift")

    def low_soft_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))

    with ExporterProcess(["--statuspage.url", page.url], preexec_fn=low_soft_limit) as exporter:
        assert value(exporter.metrics(), "process_max_fds") == hard


def test_port_in_use_is_a_clear_error():
    with ExporterProcess(["--statuspage.url", "http://127.0.0.1:1"]) as first:
        second = ExporterProcess(["--statuspage.url", "http://127.0.0.1:1"], port=first.port).start(wait_ready=False)
        assert second.proc.wait(timeout=20) == 1
        second.stop()
    [line] = [line for line in second.log_lines() if line["level"] == "error"]
    assert line["msg"] == "cannot listen"


# -- helpers -------------------------------------------------------------------------------------------


def page_body(document: dict) -> bytes:
    import json

    return json.dumps(document).encode()


def page_etag(page: FakeStatuspage) -> str:
    return requests.get(page.url + "/api/v2/summary.json", timeout=5).headers["ETag"]


def closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)
