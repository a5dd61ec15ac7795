"""The slack, heroku, aws and google_cloud engines through the real exporter's /probe.

One loopback fake serves each engine's document under a prefix of its own (`/slack/api/v2.0.0/current`,
...), the pages file lists one page per engine with `engine:`, and each probe must carry the
components, indicator and incidents that engine's document says, under the usual metric names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from tests.engine_fixtures import own_engine_fixture
from tests.fakepage import FakeStatuspage
from tests.integration.exporter_process import ExporterProcess
from tests.integration.test_exporter_process import samples, value

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Case:
    engine: str
    path: str
    body: bytes
    content_type: str
    indicator: str
    #: (component_id, component, status) of every component, in any order.
    components: frozenset[tuple[str, str, str]]
    #: (incident_id, name, impact, status) of every incident.
    incidents: frozenset[tuple[str, str, str, str]]
    #: (maintenance_id, name, status) of every maintenance.
    maintenances: frozenset[tuple[str, str, str]] = frozenset()


def _utf16(name: str) -> bytes:
    """An own fixture as the AWS Health Dashboard serves its documents: UTF-16 with a byte-order mark."""
    return own_engine_fixture(name).decode("utf-8").encode("utf-16")


AWS_EC2 = "arn:aws:health:us-east-1::event/EC2/AWS_EC2_OPERATIONAL_ISSUE/AWS_EC2_OPERATIONAL_ISSUE_AAAAA_0000000000A"
AWS_MULTI = (
    "arn:aws:health:us-east-1::event/MULTIPLE_SERVICES/AWS_MULTIPLE_SERVICES_OPERATIONAL_ISSUE/"
    "AWS_MULTIPLE_SERVICES_OPERATIONAL_ISSUE_BBBBB_0000000000B"
)
AWS_IAM = "arn:aws:health:::event/IAM/AWS_IAM_OPERATIONAL_ISSUE/AWS_IAM_OPERATIONAL_ISSUE_CCCCC_0000000000C"

CASES = [
    Case(
        "slack",
        "/api/v2.0.0/current",
        own_engine_fixture("slack-current-outage-notice-resolved.json"),
        "application/json; charset=utf-8",
        "critical",
        frozenset(
            {
                ("Messaging", "Messaging", "major_outage"),
                ("Connectivity", "Connectivity", "major_outage"),
                ("Search", "Search", "degraded_performance"),
            }
        ),
        frozenset(
            {
                ("1201", "Messages fail to send", "critical", "active"),
                ("1202", "Planned maintenance of search", "minor", "active"),
            }
        ),
    ),
    Case(
        "heroku",
        "/api/v4/current-status",
        own_engine_fixture("heroku-current-status-incident-maintenances.json"),
        "application/json",
        "minor",
        frozenset(
            {
                ("Apps", "Apps", "degraded_performance"),
                ("Data", "Data", "under_maintenance"),
                ("Tools", "Tools", "operational"),
            }
        ),
        frozenset({("2301", "Increased router latency", "minor", "update")}),
        frozenset({("2305", "Data service update", "in_progress"), ("2310", "Dashboard maintenance", "scheduled")}),
    ),
    Case(
        "aws",
        "/public/currentevents",
        _utf16("aws-currentevents-minor-major-numbers.json"),
        "application/json",
        "major",
        frozenset(
            {
                ("ec2-us-east-1", "Amazon Elastic Compute Cloud (us-east-1)", "partial_outage"),
                ("autoscaling-us-east-1", "Amazon EC2 Auto Scaling (us-east-1)", "operational"),
                ("iam", "AWS Identity and Access Management (global)", "degraded_performance"),
            }
        ),
        frozenset(
            {
                (AWS_EC2, "Increased launch latencies", "minor", "active"),
                (AWS_MULTI, "Connectivity issues", "major", "active"),
                (AWS_IAM, "Delayed propagation of policy changes", "minor", "active"),
            }
        ),
    ),
    Case(
        "google_cloud",
        "/incidents.json",
        own_engine_fixture("gcp-incidents-two-open-one-ended.json"),
        "application/json",
        "critical",
        frozenset(
            {
                ("UwaYoXQ5bHYHG6EdiPB8", "Cloud Storage", "major_outage"),
                ("9D7d2iNBQWN24zc1VamE", "Cloud Run", "major_outage"),
                ("fw8GzBdZdqy4THau7e1y", "Cloud Build", "degraded_performance"),
            }
        ),
        frozenset(
            {
                ("openOutage00000000001", "Cloud Storage requests fail in us-east1", "critical", "active"),
                ("openInfo000000000002", "Delays in Cloud Run and Cloud Build logs", "minor", "active"),
            }
        ),
    ),
]


def history_feed(ended: int) -> bytes:
    """A Google Cloud feed over the default 8 MiB cap: one open incident, then a long ended history."""
    old = {
        "id": "ended",
        "begin": "2026-11-20T01:00:00+00:00",
        "end": "2026-11-20T02:00:00+00:00",
        "external_desc": "Old trouble",
        "severity": "low",
        "status_impact": "SERVICE_INFORMATION",
        "affected_products": [{"id": "p1", "title": "P"}],
        "updates": [{"text": "x" * 2000, "status": "AVAILABLE"}],
    }
    current = dict(old, id="open", severity="medium", status_impact="SERVICE_DISRUPTION")
    del current["end"]
    return json.dumps([current] + [old] * ended).encode()


@pytest.fixture(scope="module")
def exporter(tmp_path_factory):
    fake = FakeStatuspage().start()
    for case in CASES:
        fake.set_document(f"/{case.engine}{case.path}", case.body, case.content_type)
    fake.set_document("/long-history/incidents.json", history_feed(5000))
    config = tmp_path_factory.mktemp("feeds") / "pages.yml"
    entries = [(case.engine, f"{fake.url}/{case.engine}", case.engine) for case in CASES]
    entries.append(("long-history", f"{fake.url}/long-history", "google_cloud"))
    config.write_text("pages:\n" + "".join(f"  - name: {n}\n    url: {u}\n    engine: {e}\n" for n, u, e in entries))
    with ExporterProcess(["--statuspage.url", fake.url, "--config.file", str(config)]) as process:
        yield process
    fake.stop()


def _series(text: str, metric: str, *labels: str) -> frozenset[tuple[str, ...]]:
    """The label values (in the order given) of every sample of `metric` whose value is 1."""
    return frozenset(
        tuple(dict(pairs)[label] for label in labels)
        for (name, pairs), sample in samples(text).items()
        if name == metric and sample == 1
    )


@pytest.mark.parametrize("case", CASES, ids=[case.engine for case in CASES])
def test_probe_exports_the_engines_page_under_the_usual_names(exporter, case):
    answer = exporter.get("/probe", params={"target": case.engine})
    assert answer.status_code == 200
    text = answer.text
    assert value(text, "statuspage_up") == 1
    assert _series(text, "statuspage_overall_status", "indicator") == {(case.indicator,)}
    assert _series(text, "statuspage_component_status", "component_id", "component", "status") == case.components
    assert _series(text, "statuspage_incident_info", "incident_id", "name", "impact", "status") == case.incidents
    assert _series(text, "statuspage_maintenance_info", "maintenance_id", "name", "status") == case.maintenances
    impacts = [impact for _, _, impact, _ in case.incidents]
    for impact in ("minor", "major", "critical"):
        assert value(text, "statuspage_incidents_unresolved", impact=impact) == impacts.count(impact)


def test_google_cloud_history_over_the_default_cap_is_read_whole(exporter):
    text = exporter.get("/probe", params={"target": "long-history"}).text
    assert value(text, "statuspage_up") == 1
    assert value(text, "statuspage_fetch_errors_total", reason="too_large") == 0
    assert _series(text, "statuspage_incident_info", "incident_id", "impact") == {("open", "major")}
    assert _series(text, "statuspage_component_status", "component_id", "status") == {("p1", "partial_outage")}
