"""The vendors overview dashboard's queries and the availability rules against a real Prometheus.

On loopback: one fake server standing for five status pages, the real exporter reading them from a
page file, and a real Prometheus scraping them through `/probe` with the shipped relabelling (every
second) and evaluating the shipped recording rules (every second instead of every 5 minutes). The
pages: cloudflare never answers (`statuspage_up 0`, no data), github is in outage, slack was read
once and then fails (`statuspage_up 0`, stale data), openai's trouble is outside its scope, discord
is calm. Every dashboard query runs as Grafana would run it, with exact expected values.
"""

from __future__ import annotations

import contextlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests import payloads
from tests.fakepage import SUMMARY_PATH, FakeStatuspage, Reply
from tests.integration.test_monitoring_e2e import (
    PROMETHEUS,
    Process,
    eventually,
    free_port,
    grafana_regex,
    http_get,
    wait_ready,
)
from tests.test_dashboard_overview import load_overview, table_targets
from tests.test_rules import PROMETHEUS_CONFIG_PATH, RECORDING_PATH

JOB = "statuspage-probe"
PAGES = ("cloudflare", "github", "slack", "openai", "discord")
#: Worst first, as /api/v1/pages and the dashboard's Severity column order them.
WORST_FIRST = ["cloudflare", "github", "slack", "openai", "discord"]


def summary(indicator: str, components: dict[str, str], **lists) -> bytes:
    built = [
        payloads.component(name, status, id=name.lower().replace(" ", "")[:12].ljust(12, "0"))
        for name, status in components.items()
    ]
    return json.dumps(payloads.summary(built, indicator=indicator, **lists)).encode()


def serve(fake: FakeStatuspage, page: str, body: bytes) -> None:
    fake.set_document(f"/{page}{SUMMARY_PATH}", body)


DOCUMENTS = {
    "github": summary(
        "critical",
        {"Actions": "major_outage", "Git Operations": "partial_outage", "Pages": "operational"},
        incidents=[
            payloads.incident("Actions are down", impact="critical"),
            payloads.incident("Slow pushes", id="inc000000002", impact="minor"),
        ],
        maintenances=[payloads.maintenance("Database upgrade", status="in_progress")],
    ),
    "slack": summary("minor", {"Messaging": "degraded_performance", "Calls": "operational"}),
    # Sora is degraded, but openai's scope is the API only.
    "openai": summary("minor", {"API": "operational", "Sora": "degraded_performance"}),
    "discord": summary("none", {"Voice": "operational"}),
}


def page_file(path: Path, base: str) -> Path:
    entries = [{"name": name, "url": f"{base}/{name}"} for name in PAGES]
    entries[PAGES.index("openai")]["components_include"] = "^API$"
    path.write_text(yaml.safe_dump({"pages": entries}, sort_keys=False), encoding="utf-8")
    return path


def prometheus_config(tmp_path: Path, exporter: str) -> Path:
    """The shipped /probe job (its relabelling) and recording rules, at one-second intervals."""
    shipped = yaml.safe_load(PROMETHEUS_CONFIG_PATH.read_text(encoding="utf-8"))
    (probe,) = [job for job in shipped["scrape_configs"] if job["job_name"] == JOB]
    probe.update(scrape_interval="1s", scrape_timeout="1s")
    probe["static_configs"] = [{"targets": list(PAGES)}]
    (address,) = [rule for rule in probe["relabel_configs"] if rule.get("target_label") == "__address__"]
    address["replacement"] = exporter
    rules = yaml.safe_load(RECORDING_PATH.read_text(encoding="utf-8"))
    for group in rules["groups"]:
        group["interval"] = "1s"
    rules_path = tmp_path / "recording.yml"
    rules_path.write_text(yaml.safe_dump(rules, sort_keys=False), encoding="utf-8")
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(rules_path)],
        "scrape_configs": [probe],
    }
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class Overview:
    fake: FakeStatuspage
    exporter_url: str
    prometheus_url: str

    def query(self, expr: str, **params: str) -> list[dict]:
        answer = http_get(f"{self.prometheus_url}/api/v1/{'query_range' if 'start' in params else 'query'}", {
            "query": expr.replace("$job", grafana_regex(JOB)), **params,
        })  # fmt: skip
        assert answer["status"] == "success", answer
        return answer["data"]["result"]

    def by_page(self, expr: str) -> dict[str, float]:
        """An instant query's values by page (the instance label); every series is of the probe job."""
        result = self.query(expr)
        assert {sample["metric"]["job"] for sample in result} <= {JOB}, result
        values = {sample["metric"]["instance"]: float(sample["value"][1]) for sample in result}
        assert len(values) == len(result), result
        return values


@contextlib.contextmanager
def running_overview(tmp_path: Path):
    if PROMETHEUS is None:
        pytest.skip("prometheus is not installed (Debian: prometheus)")
    processes: list[Process] = []
    fake = FakeStatuspage().start()
    try:
        fake.set_route(f"/cloudflare{SUMMARY_PATH}", Reply(status=503, body=b"unavailable", etag=False))
        for page, body in DOCUMENTS.items():
            serve(fake, page, body)
        exporter_address = f"127.0.0.1:{free_port()}"
        exporter = Process(
            "exporter",
            [sys.executable, "-m", "exporter", f"--web.listen-address={exporter_address}",
             f"--statuspage.url={fake.url}/default", f"--config.file={page_file(tmp_path / 'pages.yml', fake.url)}",
             "--cache.ttl=1s", "--log.level=error"],
            tmp_path,
        )  # fmt: skip
        processes.append(exporter)
        wait_ready(exporter, f"http://{exporter_address}/-/healthy")

        prometheus_address = f"127.0.0.1:{free_port()}"
        prometheus = Process(
            "prometheus",
            [PROMETHEUS, f"--config.file={prometheus_config(tmp_path, exporter_address)}",
             f"--storage.tsdb.path={tmp_path / 'prometheus-data'}", f"--web.listen-address={prometheus_address}",
             "--log.level=warn"],
            tmp_path,
        )  # fmt: skip
        processes.append(prometheus)
        wait_ready(prometheus, f"http://{prometheus_address}/-/ready")
        yield Overview(fake, f"http://{exporter_address}", f"http://{prometheus_address}")
    finally:
        for process in reversed(processes):
            process.stop()
        fake.stop()


@pytest.fixture(scope="module")
def overview(tmp_path_factory) -> Overview:
    with running_overview(tmp_path_factory.mktemp("overview")) as stack:
        # slack is read once, then its page fails: the exporter serves its last data, up 0.
        eventually(lambda: assert_up(stack, "slack", 1.0), what="slack read once")
        stack.fake.set_route(f"/slack{SUMMARY_PATH}", Reply(status=502, body=b"bad gateway", etag=False))
        eventually(lambda: assert_up(stack, "slack", 0.0), what="slack failing")
        yield stack


def assert_up(stack: Overview, page: str, value: float) -> None:
    assert stack.by_page('statuspage_up{job=~"$job"}').get(page) == value


def table_values(stack: Overview) -> dict[str, dict[str, float]]:
    return {column: stack.by_page(expr) for column, expr in table_targets().items()}


#: Every column of the table, page by page (a page missing from a column shows an empty cell).
EXPECTED_TABLE = {
    # No data 100; else worst component in scope * 10 + indicator (see test_dashboard_overview.py).
    "Severity": {"cloudflare": 100, "github": 44, "slack": 22, "openai": 2, "discord": 0},
    "Overall status": {"github": 3, "slack": 1, "openai": 1, "discord": 0},
    "Worst component in scope": {"github": 3, "slack": 1, "openai": 0, "discord": 0},
    "Components not operational": {"github": 2, "slack": 1, "openai": 0, "discord": 0},
    "Unresolved incidents": {"github": 2, "slack": 0, "openai": 0, "discord": 0},
    "Worst incident impact": {"github": 3, "slack": -1, "openai": -1, "discord": -1},
    "Maintenances in progress": {"github": 1, "slack": 0, "openai": 0, "discord": 0},
    "Reachable": {"cloudflare": 0, "github": 1, "slack": 0, "openai": 1, "discord": 1},
    # Only discord has said "all systems operational", every second of the time recorded.
    "Operational, 30 days": {"github": 0, "slack": 0, "openai": 0, "discord": 1},
}


@pytest.mark.integration
def test_every_column_of_the_table_has_its_exact_value_for_every_page(overview: Overview):
    def settled():
        values = table_values(overview)
        ages = values.pop("Data age")
        assert values == EXPECTED_TABLE
        return ages

    ages = eventually(settled, what="every column of the overview table")
    # The data age: none for the page never read, seconds for the others (slack's keeps growing).
    assert sorted(ages) == ["discord", "github", "openai", "slack"]
    assert all(0 <= age < 60 for age in ages.values()), ages


@pytest.mark.integration
def test_the_table_orders_pages_as_the_exporters_page_list_does(overview: Overview):
    def ordered():
        severity = overview.by_page(table_targets()["Severity"])
        dashboard_order = sorted(severity, key=lambda page: -severity[page])  # the table's sortBy, desc
        api = http_get(f"{overview.exporter_url}/api/v1/pages")["pages"]
        api_order = [page["name"] for page in api if not page["default"]]
        assert dashboard_order == api_order == WORST_FIRST
        return {page["name"]: page["components_worst_status"] for page in api}

    worst = eventually(ordered, what="the dashboard's order and the API's")
    assert worst == {
        "default": None,
        "cloudflare": None,
        "github": "major_outage",
        "slack": "degraded_performance",
        "openai": "operational",
        "discord": "operational",
    }


@pytest.mark.integration
def test_the_components_table_lists_every_component_in_scope_that_is_not_operational(overview: Overview):
    (components,) = [p for p in load_overview()["panels"] if p["title"] == "Components not operational"]
    (target,) = components["targets"]

    def rows():
        found = {
            (s["metric"]["instance"], s["metric"].get("group", ""), s["metric"]["component"]): float(s["value"][1])
            for s in overview.query(target["expr"])
        }
        # Sora (openai, degraded) is out of scope; slack's Messaging is from its last good read.
        assert found == {
            ("github", "", "Actions"): 4,
            ("github", "", "Git Operations"): 3,
            ("slack", "", "Messaging"): 2,
        }

    eventually(rows, what="the components not operational")


@pytest.mark.integration
def test_every_panel_query_returns_data_and_the_timeline_has_every_page_with_data(overview: Overview):
    dashboard = load_overview()
    empty = []
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            if not overview.query(target["expr"]):
                empty.append(f"{panel['title']} {target['refId']}")
    assert empty == []

    (timeline,) = [p for p in dashboard["panels"] if p["title"] == "Overall status over time"]
    now = float(http_get(f"{overview.prometheus_url}/api/v1/query", {"query": "time()"})["data"]["result"][1])
    series = overview.query(timeline["targets"][0]["expr"], start=str(now - 60), end=str(now), step="1")
    last = {s["metric"]["instance"]: float(s["values"][-1][1]) for s in series}
    assert last == {"github": 3, "slack": 1, "openai": 1, "discord": 0}

    answer = http_get(f"{overview.prometheus_url}/api/v1/label/job/values", {"match[]": "statuspage_up"})
    assert answer["data"] == [JOB]  # the job variable's one value
