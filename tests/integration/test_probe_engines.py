"""/probe of pages on other engines: the real exporter reads each engine's documents from a loopback
fake page and exports them under the same metric names as a Statuspage page."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import pytest

from tests.engine_fixtures import own_engine_fixture
from tests.fakepage import FakeStatuspage, Reply
from tests.integration.exporter_process import ExporterProcess
from tests.integration.test_exporter_process import samples, value

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Case:
    engine: str
    #: The page's `url` under the fake's base URL ("" for the base URL itself).
    url_path: str
    #: Path on the fake -> the own fixture it serves.
    documents: dict[str, str]
    indicator: str
    #: (component, component_id, group, status) of one component.
    component: tuple[str, str, str, str]
    #: (incident_id, name, impact, status) of one incident (None: the engine publishes none).
    incident: tuple[str, str, str, str] | None
    #: (maintenance_id, name, status) of one maintenance (None: the engine publishes none).
    maintenance: tuple[str, str, str] | None
    #: (page_id, name, url) of statuspage_page_info, as the engine publishes them (url None: publishes none).
    page_info: tuple[str, str, str | None] | None = None


CASES = [
    Case(
        engine="statusio",
        url_path="/1.0/status/5b36dc6502d06804c08349f7",
        documents={"/1.0/status/5b36dc6502d06804c08349f7": "statusio-security-event-active-maintenance.json"},
        indicator="critical",
        component=("Login", "c000000000000000000000a1", "", "security_issue"),
        incident=("i000000000000000000000b1", "Suspicious logins", "minor", "monitoring"),
        maintenance=("m000000000000000000000c1", "Database upgrade", "in_progress"),
    ),
    Case(
        engine="incidentio",
        url_path="",
        documents={"/proxy/127.0.0.1": "incidentio-proxy-affected-incident-maintenance.json"},
        indicator="critical",
        component=("Chat", "01COMPCHAT0000000000000000", "API", "major_outage"),
        incident=("01INCIDENT0000000000000002", "Slow logins", "major", "monitoring"),
        maintenance=("01MAINTENANCE0000000000002", "Login provider upgrade", "scheduled"),
        page_info=("01TESTPAGE0000000000000000", "Example AI", "https://status.example.com/"),
    ),
    Case(
        engine="instatus",
        url_path="",
        documents={
            "/v3/summary.json": "instatus-v3-summary-hasissues-incident-maintenance.json",
            "/v3/components.json": "instatus-components-issues-groups.json",
        },
        indicator="critical",
        component=("API", "cm0component000000000002", "Platform", "partial_outage"),
        incident=("cm0incident00000000000001", "API errors", "major", "identified"),
        maintenance=("cm0maintenance0000000002", "Cache resize", "in_progress"),
    ),
    Case(
        engine="betterstack",
        url_path="",
        documents={"/index.json": "betterstack-index-degraded-downtime-incident-maintenance.json"},
        indicator="critical",
        component=("Webhooks", "300002", "API", "degraded_performance"),
        incident=("500001", "API unavailable", "critical", "downtime"),
        maintenance=("500003", "Database upgrade", "scheduled"),
        page_info=("100001", "Example", None),
    ),
    Case(
        engine="cachet",
        url_path="",
        documents={
            "/api/v1/components": "cachet-components-statuses-1-to-4-groups.json",
            "/api/v1/components/groups": "cachet-groups-two.json",
            "/api/v1/incidents?sort=id&order=desc&per_page=100": "cachet-incidents-open-and-fixed.json",
            "/api/v1/schedules?sort=id&order=desc&per_page=100": "cachet-schedules-upcoming-running-done.json",
        },
        indicator="critical",
        component=("Webhooks", "3", "Integrations", "partial_outage"),
        incident=("14", "Search is down", "none", "identified"),
        maintenance=("4", "Database upgrade", "in_progress"),
    ),
    Case(
        engine="uptime_kuma",
        url_path="/kuma/status/main",
        documents={
            "/kuma/api/status-page/main": "uptime-kuma-status-page-two-groups-danger-incident.json",
            "/kuma/api/status-page/heartbeat/main": "uptime-kuma-heartbeat-up-down-pending-maintenance.json",
        },
        indicator="critical",
        component=("Queue", "13", "Backend", "degraded_performance"),
        incident=("7", "Payments failing", "critical", "active"),
        maintenance=("3", "Database failover test", "in_progress"),
        page_info=("main", "Example services", None),
    ),
    Case(
        engine="salesforce",
        url_path="",
        documents={"/v1/instances/status/preview": "salesforce-preview-incident-two-instances-maintenance.json"},
        indicator="critical",
        component=("NA11", "NA11", "NA", "degraded_performance"),
        incident=("8001", "Incident 8001", "major", "active"),
        maintenance=("9001", "Scheduled maintenance for AP5", "in_progress"),
    ),
    Case(
        engine="azure_devops",
        url_path="",
        documents={
            "/_apis/status/health?api-version=7.1-preview.1": "azure-devops-health-advisory-degraded-unhealthy.json"
        },
        indicator="major",
        component=("Pipelines (Europe)", "Pipelines (Europe)", "Pipelines", "major_outage"),
        incident=None,
        maintenance=None,
    ),
    Case(
        engine="ibm_cloud",
        url_path="",
        documents={"/status/getEnhancedStatus": "ibm-cloud-enhanced-status-open-incidents-maintenance.json"},
        indicator="critical",
        component=("is-vpc (eu-de)", "is-vpc (eu-de)", "", "major_outage"),
        incident=("INC0000001", "VPC API errors", "critical", "new"),
        maintenance=("CHG0000004", "Minor version upgrade", "scheduled"),
    ),
    Case(
        engine="apple",
        url_path="",
        documents={
            "/support/systemstatus/data/system_status_en_US.js": "apple-system-status-outage-issue-maintenances.json"
        },
        indicator="critical",
        component=("iCloud Mail", "iCloud Mail", "", "major_outage"),
        incident=("1000007002", "Some users may see slow mail delivery.", "minor", "ongoing"),
        maintenance=("1000007004", "App Store maintenance.", "scheduled"),
    ),
]


@pytest.fixture
def fakes():
    default, page = FakeStatuspage().start(), FakeStatuspage().start()
    yield default, page
    page.stop()
    default.stop()


@pytest.mark.parametrize("case", CASES, ids=[c.engine for c in CASES])
def test_probe_exports_the_engines_page_under_the_same_metric_names(tmp_path, fakes, case):
    default, page = fakes
    for path, fixture in case.documents.items():
        page.set_document(path, own_engine_fixture(fixture))
    url = page.url + case.url_path
    config = tmp_path / "pages.yml"
    config.write_text(f"pages:\n  - name: vendor\n    url: {url}\n    engine: {case.engine}\n")
    with ExporterProcess(["--statuspage.url", default.url, "--config.file", str(config)]) as exporter:
        answer = exporter.get("/probe", params={"target": "vendor"})
        again = exporter.get("/probe", params={"target": "vendor"})
    assert answer.status_code == 200, answer.text
    text = answer.text
    assert value(text, "statuspage_up") == 1
    assert value(text, "statuspage_overall_status", indicator=case.indicator) == 1
    assert sum(v for (name, _), v in samples(text).items() if name == "statuspage_overall_status") == 1
    name, component_id, group, status = case.component
    assert value(text, "statuspage_component_status", component=name, component_id=component_id, group=group,
                 status=status) == 1  # fmt: skip
    if case.incident is not None:
        incident_id, incident_name, impact, incident_status = case.incident
        assert value(text, "statuspage_incident_info", incident_id=incident_id, name=incident_name, impact=impact,
                     status=incident_status) == 1  # fmt: skip
    if case.maintenance is not None:
        maintenance_id, maintenance_name, maintenance_status = case.maintenance
        assert value(text, "statuspage_maintenance_info", maintenance_id=maintenance_id, name=maintenance_name,
                     status=maintenance_status) == 1  # fmt: skip
    infos = [dict(labels) for (metric, labels), _ in samples(text).items() if metric == "statuspage_page_info"]
    assert len(infos) == 1
    if case.page_info is not None:
        page_id, page_name, page_url = case.page_info
        assert (infos[0]["page_id"], infos[0]["name"]) == (page_id, page_name)
        if page_url is not None:  # where the engine publishes none, the collector's fallback is not ours to test
            assert infos[0]["url"] == page_url
    # Each of the engine's documents was read once, at its own path; the second probe came from the cache.
    assert sorted(r.path for r in page.requests) == sorted(case.documents)
    assert again.status_code == 200
    assert default.request_count == 0


def test_probe_reads_every_page_of_a_cachet_document_through_its_next_page_links(tmp_path, fakes):
    default, page = fakes
    first = json.loads(own_engine_fixture("cachet-components-statuses-1-to-4-groups.json"))
    first["meta"]["pagination"]["links"]["next_page"] = f"{page.url}/api/v1/components?page=2"
    page.set_document("/api/v1/components", json.dumps(first).encode())
    page.set_document("/api/v1/components?page=2", own_engine_fixture("cachet-components-page-2-of-2.json"))
    page.set_document("/api/v1/components/groups", own_engine_fixture("cachet-groups-two.json"))
    page.set_document("/api/v1/incidents", own_engine_fixture("cachet-incidents-open-and-fixed.json"))
    page.set_document("/api/v1/schedules", own_engine_fixture("cachet-schedules-upcoming-running-done.json"))
    config = tmp_path / "pages.yml"
    config.write_text(f"pages:\n  - name: cachet\n    url: {page.url}\n    engine: cachet\n")
    with ExporterProcess(["--statuspage.url", default.url, "--config.file", str(config)]) as exporter:
        answer = exporter.get("/probe", params={"target": "cachet"})
    assert answer.status_code == 200, answer.text
    text = answer.text
    assert value(text, "statuspage_up") == 1
    ids = {dict(labels)["component_id"] for name, labels in samples(text) if name == "statuspage_component_status"}
    assert ids == {"1", "2", "3", "4", "5", "7", "8"}  # 7 and 8 from page 2
    assert value(text, "statuspage_component_status", component="Billing", component_id="7", group="Integrations",
                 status="degraded_performance") == 1  # fmt: skip
    assert [r.path for r in page.requests] == [
        "/api/v1/components",
        "/api/v1/components?page=2",
        "/api/v1/components/groups",
        "/api/v1/incidents?sort=id&order=desc&per_page=100",
        "/api/v1/schedules?sort=id&order=desc&per_page=100",
    ]


def test_a_cachet_page_that_never_ends_fails_as_timeout_within_the_one_fetch_deadline(tmp_path, fakes):
    default, page = fakes
    first = json.loads(own_engine_fixture("cachet-components-statuses-1-to-4-groups.json"))
    first["meta"]["pagination"]["links"]["next_page"] = f"{page.url}/api/v1/components?page=2"
    page.set_document("/api/v1/components", json.dumps(first).encode())
    second = own_engine_fixture("cachet-components-page-2-of-2.json")
    page.set_route("/api/v1/components?page=2", Reply(body=second, drip_interval_seconds=0.2, etag=False))
    config = tmp_path / "pages.yml"
    config.write_text(f"pages:\n  - name: cachet\n    url: {page.url}\n    engine: cachet\n    fetch_timeout: 1s\n")
    with ExporterProcess(["--statuspage.url", default.url, "--config.file", str(config)]) as exporter:
        started = time.monotonic()
        answer = exporter.get("/probe", params={"target": "cachet"})
        elapsed = time.monotonic() - started
    assert answer.status_code == 200, answer.text
    assert value(answer.text, "statuspage_up") == 0
    assert value(answer.text, "statuspage_fetch_errors_total", reason="timeout") == 1
    assert elapsed < 1.0 + 1.5  # the deadline, and a margin for a loaded 2-core machine
    assert [r.path for r in page.requests] == ["/api/v1/components", "/api/v1/components?page=2"]
