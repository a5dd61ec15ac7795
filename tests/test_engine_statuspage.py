"""engines.statuspage.parse_summary and friends: our fixtures, the real captured payloads, and bad shapes."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from exporter.engines.statuspage import parse_components, parse_incident, parse_maintenance, parse_summary
from exporter.model import Component, Incident, Maintenance, Page
from tests import payloads


def ts(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def test_fixture_with_groups_incidents_and_maintenances_parses_exactly():
    summary = parse_summary(payloads.load_fixture("summary-groups-incident-maintenance.json"))

    assert summary.page == Page(
        "fixt0page001", 'Fixture "Status" Page', "https://status.example.org", ts("2026-03-08T09:59:00.500+00:00")
    )
    assert summary.indicator == "major"
    assert summary.components == (
        Component("cmp000000001", "API", "partial_outage", "Regions", ts("2026-03-08T10:00:00+00:00")),
        Component("cmp000000002", "API", "operational", "Regions", ts("2026-03-08T09:00:00+00:00")),
        Component("cmp000000003", 'Web "UI" \\ naïve\nsecond line ☃', "under_maintenance", "", None),
        Component(
            "0l2p9nhqnxpd",
            "Visit www.githubstatus.com for more information",
            "operational",
            "",
            ts("2026-03-08T09:00:00+00:00"),
        ),
    )
    assert summary.incidents == (
        Incident("inc000000001", 'Elevated "errors" on API', "identified", "major", ts("2026-03-08T09:20:00+00:00")),
        Incident(
            "inc000000002", "Old incident without started_at", "monitoring", "none", ts("2026-03-08T00:00:00+00:00")
        ),
    )
    assert summary.maintenances == (
        Maintenance(
            "mnt000000001",
            "Database upgrade",
            "in_progress",
            ts("2026-03-08T09:00:00+00:00"),
            ts("2026-03-08T11:00:00+00:00"),
        ),
        Maintenance(
            "mnt000000002",
            "Network work",
            "scheduled",
            ts("2026-03-20T08:00:00+00:00"),
            ts("2026-03-20T09:00:00+00:00"),
        ),
    )


def test_offsets_that_change_with_dst_inside_one_payload_give_true_unix_times():
    # 01:00-08:00 and 03:00-07:00 are one hour apart in real time (the night DST started).
    api, other_api, *_ = parse_summary(payloads.load_fixture("summary-groups-incident-maintenance.json")).components
    assert api.updated_at - other_api.updated_at == 3600.0


def test_resolved_incidents_and_completed_maintenances_are_not_unresolved():
    document = payloads.summary(
        incidents=[payloads.incident("done", status="resolved"), payloads.incident("open", id="inc2")],
        maintenances=[payloads.maintenance("old", status="completed"), payloads.maintenance("next", id="m2")],
    )
    summary = parse_summary(document)
    assert [i.name for i in summary.incidents] == ["open"]
    assert [m.name for m in summary.maintenances] == ["next"]


def test_statuspage_compatible_page_without_optional_sections_parses():
    document = {
        "page": {
            "id": "01J",
            "name": "OpenAI",
            "url": "https://status.openai.com/",
            "updated_at": "2026-07-09T19:25:56Z",
        },
        "components": [{"id": "01JMXBRMFE4MAP2BHSJNZ787WX", "name": "Images", "status": "operational"}],
        "status": {"indicator": "none", "description": "All Systems Operational"},
    }
    summary = parse_summary(document)
    assert summary.components == (Component("01JMXBRMFE4MAP2BHSJNZ787WX", "Images", "operational", "", None),)
    assert summary.incidents == () and summary.maintenances == ()
    assert summary.page.updated_at == ts("2026-07-09T19:25:56+00:00")


def test_child_of_an_unknown_group_has_empty_group():
    [child] = parse_components([payloads.component("Orphan", group_id="missing00001")])
    assert child.group == ""


def test_unknown_status_values_are_kept_verbatim():
    document = payloads.summary([payloads.component("Actions", "on_fire")], indicator="apocalypse")
    summary = parse_summary(document)
    assert summary.indicator == "apocalypse"
    assert summary.components[0].status == "on_fire"


# -- the real payloads captured in ../shared ---------------------------------------------------------

SHARED_SUMMARIES = payloads.shared_payloads()


def _shared(kind: str) -> list:
    return [p for p in SHARED_SUMMARIES if f"-{kind}-" in p.name]


@pytest.mark.parametrize("path", _shared("summary"), ids=lambda p: p.name)
def test_every_real_summary_payload_parses(path):
    document = json.loads(path.read_text(encoding="utf-8"))
    summary = parse_summary(document)
    # Everything the payload lists survives parsing: no component is dropped, groups aside.
    non_groups = [c for c in document["components"] if not c.get("group")]
    assert [c.id for c in summary.components] == [c["id"] for c in non_groups]
    assert summary.indicator == document["status"]["indicator"]
    assert len(summary.incidents) == len(document.get("incidents") or [])


def test_real_payload_surprises_come_out_right():
    by_name = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in SHARED_SUMMARIES}
    maintenance = parse_summary(by_name["githubstatus-summary-2020-12-17-maintenance-in-progress.json"])
    assert maintenance.indicator == "maintenance"
    assert "under_maintenance" in {c.status for c in maintenance.components}
    assert [m.status for m in maintenance.maintenances] == ["in_progress"]

    intercom = parse_summary(by_name["intercomstatus-summary-2023-10-22-component-groups-operational.json"])
    assert len(intercom.components) == 20  # 24 objects, 4 of them groups
    web_apps = [c for c in intercom.components if c.name == "Intercom Web Application"]
    assert len(web_apps) == 3 and len({c.id for c in web_apps}) == 3
    assert {c.group for c in intercom.components} >= {"Intercom Messenger", ""}


@pytest.mark.parametrize("path", _shared("components"), ids=lambda p: p.name)
def test_real_components_endpoint_objects_parse_as_components(path):
    document = json.loads(path.read_text(encoding="utf-8"))
    components = parse_components(document["components"])
    assert [c.name for c in components] == [c["name"] for c in document["components"] if not c.get("group")]


@pytest.mark.parametrize("path", _shared("incidents"), ids=lambda p: p.name)
def test_real_incident_objects_parse(path):
    document = json.loads(path.read_text(encoding="utf-8"))
    incidents = [parse_incident(obj) for obj in document["incidents"]]
    assert [i.id for i in incidents] == [obj["id"] for obj in document["incidents"]]
    for incident, obj in zip(incidents, document["incidents"], strict=True):
        expected = obj.get("started_at") or obj["created_at"]
        assert incident.started_at == ts(expected.replace("Z", "+00:00"))
        parse_components(obj["components"], "incident.components")


@pytest.mark.parametrize("path", _shared("scheduled"), ids=lambda p: p.name)
def test_real_maintenance_objects_parse(path):
    document = json.loads(path.read_text(encoding="utf-8"))
    maintenances = [parse_maintenance(obj) for obj in document["scheduled_maintenances"]]
    for maintenance, obj in zip(maintenances, document["scheduled_maintenances"], strict=True):
        assert maintenance.status == obj["status"]
        assert maintenance.scheduled_until - maintenance.scheduled_for > 0
