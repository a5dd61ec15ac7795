"""The shipped alerts, Alertmanager routing and dashboard queries against real servers.

Each test starts, on loopback ports: the fake Statuspage page, the real exporter (`--cache.ttl 1s`),
a real Prometheus scraping it every second with the shipped rules (`for:` shortened to 2s) and a
real Alertmanager with the shipped routes and inhibitions, whose receivers are rewritten to a
webhook recorder in this process. Assertions go through the servers' HTTP APIs.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests import payloads
from tests.fakepage import FakeStatuspage, Reply
from tests.integration.exporter_process import free_port
from tests.test_dashboard import EXPORTER_METRICS, ROOT, dashboard_queries, load_dashboard, metric_names

PROMETHEUS = shutil.which("prometheus")
ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
RULES_PATH = ROOT / "prometheus" / "alerts.yml"
ALERTMANAGER_CONFIG_PATH = ROOT / "prometheus" / "alertmanager.yml"
JOB = "github-status"
#: The test copy of the rules waits this long instead of the shipped `for:`.
SHORT_FOR_SECONDS = 2
#: Long enough for any alert to go from pending to firing and reach Alertmanager.
SETTLE_SECONDS = 3 * SHORT_FOR_SECONDS + 3
TIMEOUT_SECONDS = 30.0

ACTIONS_ID = "actions00001"
MAINTENANCE_NAME = "Actions database upgrade"


# -- helpers --------------------------------------------------------------------------------------
def http_get(url: str, params: dict[str, Any] | None = None) -> Any:
    if params:
        url += "?" + urllib.parse.urlencode(params, doseq=True)
    with urllib.request.urlopen(url, timeout=5) as response:
        body = response.read()
    return json.loads(body) if body[:1] in (b"{", b"[") else body.decode()


def eventually(check: Callable[[], Any], timeout: float = TIMEOUT_SECONDS, what: str = "condition") -> Any:
    """Call `check` until it returns without an AssertionError (or OSError); return its value."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except (AssertionError, OSError) as err:
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} not met after {timeout:.0f}s: {err}") from err
        time.sleep(0.25)


def grafana_regex(*values: str) -> str:
    """A multi-value variable as Grafana's Prometheus data source writes it into `=~"..."`."""
    special = re.compile(r"[$^*{}\[\]'+?.()|]")
    escaped = [special.sub(lambda m: "\\\\" + m.group(0), v.replace("\\", "\\\\\\\\")) for v in values]
    return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"


class Process:
    """A child process whose output goes to a log file, stopped at teardown."""

    def __init__(self, name: str, argv: list[str], log_dir: Path) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.popen = subprocess.Popen(argv, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT)

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]

    def check_running(self) -> None:
        if self.popen.poll() is not None:
            raise RuntimeError(f"{self.name} exited with {self.popen.returncode}:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self._log.close()


class WebhookRecorder:
    """Alertmanager's webhook receiver: records every notification by URL path (= receiver name)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._notifications: list[tuple[str, dict]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with recorder._lock:
                    recorder._notifications.append((self.path.strip("/"), json.loads(body)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def notifications(self, receiver: str | None = None) -> list[dict]:
        with self._lock:
            return [body for path, body in self._notifications if receiver in (None, path)]

    def receivers(self) -> set[str]:
        with self._lock:
            return {path for path, _ in self._notifications}

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class Stack:
    page: FakeStatuspage
    webhook: WebhookRecorder
    exporter: Process
    instance: str
    prometheus_url: str
    alertmanager_url: str
    processes: list[Process] = field(default_factory=list)

    def query(self, expr: str) -> list[dict]:
        answer = http_get(f"{self.prometheus_url}/api/v1/query", {"query": expr})
        assert answer["status"] == "success", answer
        return answer["data"]["result"]

    def prometheus_alerts(self, state: str | None = None) -> list[dict]:
        alerts = http_get(f"{self.prometheus_url}/api/v1/alerts")["data"]["alerts"]
        return [a for a in alerts if state in (None, a["state"])]

    def alertmanager_alerts(self) -> list[dict]:
        """Alerts Alertmanager holds that are not resolved (active, suppressed or unprocessed)."""
        return http_get(f"{self.alertmanager_url}/api/v2/alerts")


def names(alerts: list[dict]) -> set[str]:
    return {alert["labels"]["alertname"] for alert in alerts}


def only(alerts: list[dict], alertname: str, **labels: str) -> dict:
    matching = [
        a
        for a in alerts
        if a["labels"]["alertname"] == alertname and all(a["labels"].get(k) == v for k, v in labels.items())
    ]
    assert len(matching) == 1, f"want one {alertname} {labels}, have {[a['labels'] for a in alerts]}"
    return matching[0]


def shortened_rules(tmp_path: Path) -> Path:
    """The shipped rules with every `for:` shortened."""
    rules = yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))
    for group in rules["groups"]:
        for rule in group["rules"]:
            if "for" in rule:
                rule["for"] = f"{SHORT_FOR_SECONDS}s"
    path = tmp_path / "alerts.yml"
    path.write_text(yaml.safe_dump(rules, sort_keys=False), encoding="utf-8")
    return path


def alertmanager_config(tmp_path: Path, webhook_url: str) -> Path:
    """The shipped routes and inhibitions; receivers become the webhook recorder; short waits."""
    config = yaml.safe_load(ALERTMANAGER_CONFIG_PATH.read_text(encoding="utf-8"))
    config["route"].update(group_wait="1s", group_interval="1s", repeat_interval="1h")
    config["receivers"] = [
        {"name": r["name"], "webhook_configs": [{"url": f"{webhook_url}/{r['name']}", "send_resolved": True}]}
        for r in config["receivers"]
    ]
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def prometheus_config(tmp_path: Path, rules: Path, exporter: str, alertmanager: str) -> Path:
    config = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(rules)],
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]},
        "scrape_configs": [{"job_name": JOB, "static_configs": [{"targets": [exporter]}]}],
    }
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def wait_ready(process: Process, url: str) -> None:
    def ready():
        process.check_running()
        http_get(url)

    eventually(ready, what=f"{process.name} answering {url}")


@pytest.fixture
def stack(tmp_path: Path):
    with running_stack(tmp_path) as result:
        yield result


#: A Status.io page (GitLab's engine): its status API lives at the configured URL itself.
STATUSIO_PATH = "/1.0/status/5b36dc6502d06804c08349f7"


@pytest.fixture
def statusio_stack(tmp_path: Path):
    with running_stack(tmp_path, engine="statusio", path=STATUSIO_PATH) as result:
        result.page.set_document(STATUSIO_PATH, json.dumps(statusio_page(login=100)).encode())
        yield result


@contextlib.contextmanager
def running_stack(tmp_path: Path, engine: str = "statuspage", path: str = ""):
    """The exporter reading the fake page with `engine` at `path`, Alertmanager, and Prometheus."""
    if PROMETHEUS is None or ALERTMANAGER is None:
        pytest.skip("prometheus and alertmanager are not installed (Debian: prometheus, prometheus-alertmanager)")
    processes: list[Process] = []
    page = FakeStatuspage().start()
    webhook = WebhookRecorder()
    try:
        exporter_address = f"127.0.0.1:{free_port()}"
        exporter = Process(
            "exporter",
            [sys.executable, "-m", "exporter", f"--web.listen-address={exporter_address}",
             f"--statuspage.url={page.url}{path}", f"--statuspage.engine={engine}", "--cache.ttl=1s",
             "--log.level=warn"],
            tmp_path,
        )  # fmt: skip
        processes.append(exporter)
        wait_ready(exporter, f"http://{exporter_address}/-/healthy")

        alertmanager_address = f"127.0.0.1:{free_port()}"
        alertmanager = Process(
            "alertmanager",
            [ALERTMANAGER, f"--config.file={alertmanager_config(tmp_path, webhook.url)}",
             f"--storage.path={tmp_path / 'alertmanager-data'}", f"--web.listen-address={alertmanager_address}",
             "--cluster.listen-address=", "--log.level=warn"],
            tmp_path,
        )  # fmt: skip
        processes.append(alertmanager)
        wait_ready(alertmanager, f"http://{alertmanager_address}/-/ready")

        prometheus_address = f"127.0.0.1:{free_port()}"
        config = prometheus_config(tmp_path, shortened_rules(tmp_path), exporter_address, alertmanager_address)
        prometheus = Process(
            "prometheus",
            [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'prometheus-data'}",
             f"--web.listen-address={prometheus_address}", "--rules.alert.resend-delay=1s", "--log.level=warn"],
            tmp_path,
        )  # fmt: skip
        processes.append(prometheus)
        wait_ready(prometheus, f"http://{prometheus_address}/-/ready")

        result = Stack(
            page, webhook, exporter, exporter_address, f"http://{prometheus_address}",
            f"http://{alertmanager_address}", processes,
        )  # fmt: skip

        def scraped():
            samples = result.query(f'up{{job="{JOB}"}}')
            assert [s["value"][1] for s in samples] == ["1"], samples

        eventually(scraped, what="Prometheus scraping the exporter")
        yield result
    finally:
        for process in reversed(processes):
            process.stop()
        webhook.stop()
        page.stop()


def components(actions: str = "operational", **others: str) -> list[dict]:
    return [
        payloads.component("Actions", actions, id=ACTIONS_ID),
        payloads.component("Git Operations", id="gitops000001"),
        *(payloads.component(name, status) for name, status in others.items()),
    ]


# -- tests ----------------------------------------------------------------------------------------
def test_every_dashboard_query_and_alert_expression_is_valid_and_returns_data(stack: Stack):
    stack.page.set_summary(
        payloads.summary(
            components(actions="major_outage", Packages="partial_outage", Copilot="degraded_performance"),
            indicator="major",
            incidents=[payloads.incident("Actions runs are delayed", impact="major")],
            maintenances=[
                payloads.maintenance(MAINTENANCE_NAME, status="in_progress"),
                payloads.maintenance("Network upgrade", id="mnt000000002", status="scheduled"),
            ],
        )
    )
    content_alerts = {
        "StatuspageComponentMajorOutage",
        "StatuspageComponentDegraded",
        "StatuspageIncidentUnresolved",
        "StatuspageMaintenanceInProgress",
    }

    def content_alerts_firing():
        assert content_alerts <= names(stack.prometheus_alerts("firing"))

    eventually(content_alerts_firing, what="the page's alerts firing")

    # Every rule evaluates cleanly, every metric it selects has series, and the alerts about the
    # page's content return data right now.
    groups = http_get(f"{stack.prometheus_url}/api/v1/rules")["data"]["groups"]
    rules = {rule["name"]: rule for group in groups for rule in group["rules"]}
    shipped = yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))["groups"]
    assert sorted(rules) == sorted(rule["alert"] for group in shipped for rule in group["rules"])
    for name, rule in rules.items():
        assert (rule["health"], rule.get("lastError", "")) == ("ok", ""), name
        for selector in re.findall(r"\b(?:statuspage_\w+|up)(?:\{[^}]*\})?(?!\w|\s*\()", rule["query"]):
            assert stack.query(selector), f"{name}: {selector} has no series"
        if name in content_alerts:
            assert stack.query(rule["query"]), name

    # Every dashboard query, with the variables as Grafana substitutes them, returns data.
    dashboard = load_dashboard()
    substitutions = {
        "$__rate_interval": "15s",
        "$job": grafana_regex(JOB),
        "$instance": grafana_regex(stack.instance),
        "$component": grafana_regex("Actions", "Packages", "Copilot", "Git Operations"),
    }
    queries = dashboard_queries(dashboard)
    assert len(queries) > 15

    def substituted(expr: str) -> str:
        for variable, value in substitutions.items():
            expr = expr.replace(variable, value)
        assert "$" not in expr, expr
        return expr

    def all_return_data():
        empty = []
        for where, expr in queries:
            if where.startswith("panel") and not stack.query(substituted(expr)):
                empty.append(where)
        assert not empty, f"no data for {empty}"

    eventually(all_return_data, what="every dashboard query returning data")

    # The variables' label_values() queries, the way Grafana runs them (the series API).
    expected_values = {
        "job": {JOB},
        "instance": {stack.instance},
        "component": {"Actions", "Git Operations", "Packages", "Copilot"},
    }
    for where, query in queries:
        if not where.startswith("variable"):
            continue
        name = where.removeprefix("variable ")
        found = re.fullmatch(r"label_values\((?P<selector>.*), (?P<label>\w+)\)", query)
        assert found and found["label"] == name, query
        answer = http_get(
            f"{stack.prometheus_url}/api/v1/label/{name}/values", {"match[]": substituted(found["selector"])}
        )
        assert set(answer["data"]) == expected_values[name], name

    # And the live exporter exposes every metric the dashboard and the rules name.
    exposed = set(re.findall(r"^(\w+?)(?:\{|\s)", http_get(f"http://{stack.instance}/metrics"), re.M))
    named = {n for _, expr in queries for n in metric_names(expr)}
    named |= {n for group in shipped for rule in group["rules"] for n in metric_names(rule["expr"])} - {"up"}
    assert named <= exposed, sorted(named - exposed)
    assert exposed >= {n for n in EXPORTER_METRICS if n.startswith("statuspage_")}


def test_major_outage_fires_reaches_alertmanager_with_the_component_and_resolves(stack: Stack):
    eventually(lambda: assert_no_component_alerts(stack), what="a quiet start")

    stack.page.set_summary(payloads.summary(components(actions="major_outage")))

    def reached_alertmanager():
        alert = only(stack.alertmanager_alerts(), "StatuspageComponentMajorOutage")
        assert alert["status"]["state"] == "active", alert["status"]
        return alert

    alert = eventually(reached_alertmanager, what="the major outage alert in Alertmanager")
    assert {k: alert["labels"][k] for k in ("component", "component_id", "severity", "job", "instance")} == {
        "component": "Actions",
        "component_id": ACTIONS_ID,
        "severity": "critical",
        "job": JOB,
        "instance": stack.instance,
    }
    assert alert["annotations"]["summary"] == "Actions is in major outage on the status page"
    assert "component Actions in major outage" in alert["annotations"]["description"]
    assert [r["name"] for r in alert["receivers"]] == ["pager"]

    def paged(status: str):
        sent = [n for n in stack.webhook.notifications("pager") if n["status"] == status]
        assert sent, stack.webhook.notifications()
        assert sent[-1]["groupLabels"] == {"alertname": "StatuspageComponentMajorOutage", "component": "Actions"}
        return sent[-1]

    eventually(lambda: paged("firing"), what="the pager notified")

    stack.page.set_summary(payloads.summary(components(actions="operational")))

    def resolved():
        assert "StatuspageComponentMajorOutage" not in names(stack.alertmanager_alerts())
        assert "StatuspageComponentMajorOutage" not in names(stack.prometheus_alerts())

    eventually(resolved, what="the major outage alert resolved")
    notification = eventually(lambda: paged("resolved"), what="the pager told it is resolved")
    assert [a["labels"]["component"] for a in notification["alerts"]] == ["Actions"]


def statusio_page(login: int) -> dict:
    """A Status.io status document: component Login at `login`'s status code, Web operational."""
    updated = "2026-11-28T05:30:00.000Z"
    overall = {100: 100, 300: 300, 400: 400, 500: 500}[login]
    return {
        "result": {
            "status_overall": {"updated": updated, "status": "x", "status_code": overall},
            "status": [
                {"id": "login0000001", "name": "Login", "updated": updated, "status": "x", "status_code": login,
                 "containers": []},
                {"id": "web000000001", "name": "Web", "updated": updated, "status": "x", "status_code": 100,
                 "containers": []},
            ],
            "incidents": [],
            "maintenance": {"active": [], "upcoming": []},
        }
    }  # fmt: skip


def test_a_status_io_page_goes_through_the_same_rules_to_the_pager_and_resolves(statusio_stack: Stack):
    stack = statusio_stack
    eventually(lambda: assert_no_component_alerts(stack), what="a quiet start")

    def page_info():
        samples = stack.query("statuspage_page_info")
        assert len(samples) == 1, samples
        return samples[0]["metric"]

    info = eventually(page_info, what="the page's info series")
    assert (info["engine"], info["url"]) == ("statusio", stack.page.url + STATUSIO_PATH)

    stack.page.set_document(STATUSIO_PATH, json.dumps(statusio_page(login=500)).encode())

    def paged():
        alert = only(stack.alertmanager_alerts(), "StatuspageComponentMajorOutage")
        assert alert["status"]["state"] == "active", alert["status"]
        assert [r["name"] for r in alert["receivers"]] == ["pager"]
        return alert

    alert = eventually(paged, what="the Status.io major outage in Alertmanager, routed to the pager")
    assert (alert["labels"]["component"], alert["labels"]["component_id"]) == ("Login", "login0000001")
    assert alert["annotations"]["summary"] == "Login is in major outage on the status page"

    stack.page.set_document(STATUSIO_PATH, json.dumps(statusio_page(login=100)).encode())

    def resolved():
        assert "StatuspageComponentMajorOutage" not in names(stack.prometheus_alerts())
        assert "StatuspageComponentMajorOutage" not in names(stack.alertmanager_alerts())

    eventually(resolved, what="the Status.io outage resolved")


def assert_no_component_alerts(stack: Stack) -> None:
    assert not names(stack.prometheus_alerts()) & {"StatuspageComponentMajorOutage", "StatuspageComponentDegraded"}


def test_component_under_maintenance_fires_only_the_maintenance_info_alert(stack: Stack):
    stack.page.set_summary(
        payloads.summary(
            components(actions="under_maintenance"),
            indicator="maintenance",
            maintenances=[payloads.maintenance(MAINTENANCE_NAME, status="in_progress")],
        )
    )

    def maintenance_in_alertmanager():
        alerts = stack.alertmanager_alerts()
        only(alerts, "StatuspageMaintenanceInProgress", component="Actions")
        only(alerts, "StatuspageMaintenanceInProgress", name=MAINTENANCE_NAME)

    eventually(maintenance_in_alertmanager, what="the maintenance alerts in Alertmanager")
    time.sleep(SETTLE_SECONDS)  # give any other alert the time to fire and be sent

    assert names(stack.prometheus_alerts()) == {"StatuspageMaintenanceInProgress"}  # pending ones too
    alerts = stack.alertmanager_alerts()
    assert names(alerts) == {"StatuspageMaintenanceInProgress"}
    assert {a["labels"]["severity"] for a in alerts} == {"info"}
    assert {r["name"] for a in alerts for r in a["receivers"]} == {"info"}
    component_alert = only(alerts, "StatuspageMaintenanceInProgress", component="Actions")
    assert component_alert["annotations"]["summary"] == "Actions is under maintenance on the status page"
    eventually(lambda: stack.webhook.notifications("info"), what="the info receiver notified")
    assert stack.webhook.receivers() == {"info"}, "nothing else was notified, above all not the pager"


def test_failing_fetches_fire_their_alerts_and_inhibit_component_alerts(stack: Stack):
    stack.page.set_summary(payloads.summary(components(actions="major_outage")))

    def active():
        alert = only(stack.alertmanager_alerts(), "StatuspageComponentMajorOutage", component="Actions")
        assert alert["status"]["state"] == "active", alert["status"]

    eventually(active, what="the major outage alert in Alertmanager")

    stack.page.set_reply(Reply(status=429, body=b"slow down", headers={"Retry-After": "1"}))

    def inhibited():
        alerts = stack.alertmanager_alerts()
        upstream = only(alerts, "StatuspageUpstreamDown", instance=stack.instance)
        only(alerts, "StatuspageRateLimited", instance=stack.instance, reason="rate_limited")
        component = only(alerts, "StatuspageComponentMajorOutage", component="Actions")
        assert component["status"]["state"] == "suppressed", component["status"]
        assert upstream["fingerprint"] in component["status"]["inhibitedBy"]

    eventually(inhibited, what="the component alert inhibited by the upstream alerts")
    # Prometheus still fires it (the exporter serves its cached page): Alertmanager did the muting.
    only(stack.prometheus_alerts("firing"), "StatuspageComponentMajorOutage", component="Actions")


def test_exporter_down_fires(stack: Stack):
    stack.exporter.stop()

    def fired():
        alert = only(stack.alertmanager_alerts(), "StatuspageExporterDown", instance=stack.instance)
        assert (alert["labels"]["job"], alert["labels"]["severity"]) == (JOB, "warning")
        return alert

    alert = eventually(fired, what="the exporter down alert in Alertmanager")
    assert alert["annotations"]["summary"] == f"github-status-exporter {stack.instance} is unreachable"
