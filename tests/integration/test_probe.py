"""Multi-target: /probe over several real loopback pages, the allowlist, reloads, concurrency."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests

from tests import payloads
from tests.fakepage import FakeStatuspage, Reply
from tests.integration.exporter_process import REPO, ExporterProcess
from tests.integration.test_exporter_process import page_body, value, wait_for


@pytest.fixture
def pages():
    fakes = {name: FakeStatuspage().start() for name in ("default", "alpha", "beta", "gamma")}
    for indicator, fake in zip(("none", "minor", "major", "critical"), fakes.values(), strict=True):
        fake.set_summary(
            payloads.summary(
                [payloads.component(f"{indicator} thing", id="c1")],
                indicator=indicator,
                incidents=[payloads.incident(f"{indicator} incident", impact="major")],
                maintenances=[payloads.maintenance(f"{indicator} maintenance", status="in_progress")],
            )
        )
    yield fakes
    for fake in fakes.values():
        fake.stop()


def write_pages(path, fakes: dict[str, FakeStatuspage], names) -> None:
    path.write_text("pages:\n" + "".join(f"  - name: {n}\n    url: {fakes[n].url}\n" for n in names))


def probe(exporter: ExporterProcess, target: str) -> requests.Response:
    return exporter.get("/probe", params={"target": target})


def test_each_listed_page_is_probed_on_its_own(tmp_path, pages):
    config = tmp_path / "pages.yml"
    write_pages(config, pages, ["alpha", "beta"])
    flags = ["--statuspage.url", pages["default"].url, "--config.file", str(config)]
    with ExporterProcess(flags) as exporter:
        alpha, beta = probe(exporter, "alpha"), probe(exporter, pages["beta"].url)
        metrics = exporter.metrics()
    assert (alpha.status_code, beta.status_code) == (200, 200)
    assert value(alpha.text, "statuspage_overall_status", indicator="minor") == 1
    assert value(beta.text, "statuspage_overall_status", indicator="major") == 1
    assert value(beta.text, "statuspage_up") == 1 and value(beta.text, "statuspage_fetches_total") == 1
    assert "process_open_fds" not in alpha.text
    assert value(metrics, "statuspage_overall_status", indicator="none") == 1  # /metrics keeps the default
    assert [pages[n].request_count for n in ("default", "alpha", "beta", "gamma")] == [1, 1, 1, 0]


def test_unlisted_targets_get_400_and_cause_no_request_at_all(tmp_path, pages):
    config = tmp_path / "pages.yml"
    write_pages(config, pages, ["alpha"])
    flags = ["--statuspage.url", pages["default"].url, "--config.file", str(config)]
    with ExporterProcess(flags) as exporter:
        answers = [probe(exporter, t) for t in ("gamma", pages["gamma"].url, pages["gamma"].url + "/api/v2")]
        missing = exporter.get("/probe")
    assert [a.status_code for a in answers] == [400, 400, 400]
    assert "unknown target" in answers[0].text
    assert missing.status_code == 400
    assert [pages[n].request_count for n in ("default", "alpha", "gamma")] == [0, 0, 0]


@pytest.mark.parametrize("how", ["SIGHUP", "POST /-/reload"])
def test_reload_good_then_bad(tmp_path, pages, how):
    config = tmp_path / "pages.yml"
    write_pages(config, pages, ["alpha"])
    flags = ["--statuspage.url", pages["default"].url, "--config.file", str(config), "--web.enable-lifecycle"]

    def reload(exporter: ExporterProcess) -> requests.Response | None:
        if how == "SIGHUP":
            exporter.send_signal(signal.SIGHUP)
            return None
        return requests.post(exporter.base_url + "/-/reload", timeout=10)

    with ExporterProcess(flags) as exporter:
        assert probe(exporter, "alpha").status_code == 200
        started = value(exporter.metrics(), "statuspage_exporter_config_last_reload_success_timestamp_seconds")

        write_pages(config, pages, ["alpha", "gamma"])
        time.sleep(0.01)
        answer = reload(exporter)
        assert answer is None or (answer.status_code, answer.text) == (200, "config reloaded\n")
        wait_for(lambda: probe(exporter, "gamma").status_code == 200)
        # /metrics renderings are reused for up to a second: the reload shows within that.
        reloaded = "statuspage_exporter_config_last_reload_success_timestamp_seconds"
        wait_for(lambda: value(exporter.metrics(), reloaded) > started)
        assert value(exporter.metrics(), "statuspage_exporter_config_last_reload_successful") == 1

        config.write_text("pages:\n  - name: alpha\n    url: not a url\n")
        answer = reload(exporter)
        assert answer is None or answer.status_code == 500
        wait_for(lambda: value(exporter.metrics(), "statuspage_exporter_config_last_reload_successful") == 0)
        assert probe(exporter, "gamma").status_code == 200, "the old config stays in force"
        assert probe(exporter, "alpha").status_code == 200
        lines = exporter.log_lines()
    assert pages["alpha"].request_count == 1, "alpha's cache survived both reloads"
    [failed] = [line for line in lines if line["msg"] == "config reload failed"]
    assert "pages[0].url: invalid URL 'not a url'" in failed["error"]


def test_fifty_pages_probed_at_once_use_at_most_four_connections_at_a_time_and_do_not_starve_metrics(tmp_path, pages):
    host = pages["gamma"]
    host.set_reply(Reply(body=page_body(payloads.summary(indicator="minor")), delay_seconds=0.3))
    config = tmp_path / "pages.yml"
    config.write_text("pages:\n" + "".join(f"  - name: p{i}\n    url: {host.url}/p{i}\n" for i in range(50)))
    flags = ["--statuspage.url", pages["default"].url, "--config.file", str(config)]
    with ExporterProcess(flags) as exporter:
        results: dict[int, requests.Response] = {}

        def probe_page(i: int) -> None:
            results[i] = probe(exporter, f"p{i}")

        threads = [threading.Thread(target=probe_page, args=(i,)) for i in range(50)]
        for thread in threads:
            thread.start()
        wait_for(lambda: host.request_count >= 4)
        # While the probes queue for the host's connections, /metrics answers at once.
        metrics = exporter.get("/metrics", timeout=2)
        for thread in threads:
            thread.join(30)
    assert metrics.status_code == 200 and value(metrics.text, "statuspage_up") == 1
    assert sorted(results) == list(range(50))
    assert all(r.status_code == 200 and value(r.text, "statuspage_up") == 1 for r in results.values())
    assert host.request_count == 50
    assert sorted({r.path for r in host.requests}) == sorted(f"/p{i}/api/v2/summary.json" for i in range(50))
    assert host.max_in_flight == 4, "the host's four slots were all used, and never more"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "exporter", *args], cwd=REPO, capture_output=True, text=True, timeout=30
    )


def test_config_check_and_a_bad_file_at_start(tmp_path):
    good, bad = tmp_path / "good.yml", tmp_path / "bad.yml"
    good.write_text("pages:\n  - name: a\n    url: https://a.example\n")
    bad.write_text("pages:\n  - name: a\n    url: https://a.example\n    extra: 1\n  - name: a\n    url: x\n")

    ok = run_cli("--config.file", str(good), "--config.check")
    assert (ok.returncode, ok.stderr) == (0, "")
    assert ok.stdout == f"github-status-exporter: configuration OK (1 pages in {good})\n"

    expected = (
        f"github-status-exporter: {bad}: pages[0]: unknown key 'extra'; "
        "pages[1].url: invalid URL 'x' (want http(s)://host[/path]); "
        "pages[1].name: duplicate name 'a' (also pages[0])\n"
    )
    for args in (("--config.check",), ()):
        result = run_cli("--config.file", str(bad), "--web.listen-address", "127.0.0.1:0", *args)
        assert (result.returncode, result.stdout, result.stderr) == (2, "", expected)


def test_real_prometheus_scrapes_pages_through_the_shipped_multi_target_job(tmp_path, pages):
    import yaml

    from tests.integration.test_monitoring_e2e import PROMETHEUS, Process, eventually, free_port, http_get

    if PROMETHEUS is None:
        pytest.skip("prometheus is not installed (Debian package prometheus)")
    config = tmp_path / "pages.yml"
    write_pages(config, pages, ["alpha", "beta"])
    flags = ["--statuspage.url", pages["default"].url, "--config.file", str(config), "--cache.ttl", "1s"]
    with ExporterProcess(flags) as exporter:
        shipped = yaml.safe_load((REPO / "prometheus" / "prometheus.yml").read_text())
        [job] = [j for j in shipped["scrape_configs"] if j.get("metrics_path") == "/probe"]
        job.update(scrape_interval="1s", scrape_timeout="1s", static_configs=[{"targets": ["alpha", "beta"]}])
        job["relabel_configs"][-1]["replacement"] = f"127.0.0.1:{exporter.port}"
        prometheus_yml = tmp_path / "prometheus.yml"
        prometheus_yml.write_text(yaml.safe_dump({"scrape_configs": [job]}))
        address = f"127.0.0.1:{free_port()}"
        prometheus = Process(
            "prometheus",
            [PROMETHEUS, f"--config.file={prometheus_yml}", f"--storage.tsdb.path={tmp_path / 'data'}",
             f"--web.listen-address={address}", "--log.level=warn"],
            tmp_path,
        )  # fmt: skip
        try:

            def indicators():
                result = http_get(f"http://{address}/api/v1/query", {"query": "statuspage_overall_status == 1"})[
                    "data"
                ]["result"]
                found = {(s["metric"]["job"], s["metric"]["instance"], s["metric"]["indicator"]) for s in result}
                assert found == {("statuspage-probe", "alpha", "minor"), ("statuspage-probe", "beta", "major")}
                return found

            eventually(indicators, what="Prometheus scraping /probe for alpha and beta")
            assert_dashboard_shows_a_probed_page(address, instance="alpha")
        finally:
            prometheus.stop()
    assert pages["gamma"].request_count == 0


def assert_dashboard_shows_a_probed_page(prometheus: str, instance: str) -> None:
    """The dashboard's variables select a /probe page, and every panel then has data."""
    from tests.integration.test_monitoring_e2e import eventually, grafana_regex, http_get
    from tests.test_dashboard import dashboard_queries, load_dashboard

    substitutions = {
        "$__rate_interval": "15s",
        "$job": grafana_regex("statuspage-probe"),
        "$instance": grafana_regex(instance),
        "$component": grafana_regex("minor thing"),
    }

    def substituted(expr: str) -> str:
        for variable, text in substitutions.items():
            expr = expr.replace(variable, text)
        return expr

    queries = dashboard_queries(load_dashboard())

    def every_panel_has_data():
        empty = []
        for where, expr in queries:
            if where.startswith("panel"):
                result = http_get(f"http://{prometheus}/api/v1/query", {"query": substituted(expr)})
                if not result["data"]["result"]:
                    empty.append(where)
        assert not empty, f"no data for {empty}"

    eventually(every_panel_has_data, what="every dashboard panel showing the probed page")
    for where, query in queries:
        if where == "variable instance":
            selector = re.fullmatch(r"label_values\((?P<selector>.*), instance\)", query)["selector"]
            answer = http_get(f"http://{prometheus}/api/v1/label/instance/values", {"match[]": substituted(selector)})
            assert set(answer["data"]) == {"alpha", "beta"}
