"""The incidentio engine: incident.io's own page data (`/proxy/<host>`) into the one model."""

from __future__ import annotations

import json

import pytest

from exporter.engines import ENGINES, incidentio
from exporter.engines.base import Body
from exporter.model import Component, Incident, Maintenance, Page, Summary
from tests.engine_fixtures import own_engine_fixture, shared_engine_fixture

OPENAI = "incidentio-proxy-openai-2026-09-xx-operational-structure-groups.json"
OWN = "incidentio-proxy-affected-incident-maintenance.json"

OPENAI_GROUPS = {
    "APIs": [
        "Chat Completions", "Responses", "Fine-tuning", "Embeddings", "Images", "Batch", "Audio", "Moderations",
        "Realtime", "Files", "Login", "Sora",
    ],
    "ChatGPT": [
        "Conversations", "Login", "ChatGPT Work", "Codex in ChatGPT Desktop", "Compliance API", "Search",
        "File uploads", "Voice mode", "GPTs", "Image Generation", "Deep Research", "Agent", "ChatGPT Atlas", "Sites",
        "Connectors/Apps",
    ],
    "Codex": ["Codex Web", "Codex API", "CLI", "VS Code extension"],
    "FedRAMP": ["FedRAMP"],
    "Ads Platform": ["Ads Manager", "Ads API"],
}  # fmt: skip


def interpret(content: bytes) -> Summary:
    return incidentio.ENGINE.interpret([Body(content, "application/json")])


def parse(doc: dict) -> Summary:
    return interpret(json.dumps(doc).encode())


def own() -> dict:
    return json.loads(own_engine_fixture(OWN))


@pytest.mark.parametrize(
    ("url", "endpoint"),
    [
        ("https://status.openai.com", "https://status.openai.com/proxy/status.openai.com"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/proxy/127.0.0.1"),
        ("https://Status.Example.com/sub", "https://Status.Example.com/sub/proxy/status.example.com"),
    ],
)
def test_the_engine_reads_proxy_and_the_host_name(url, endpoint):
    assert ENGINES["incidentio"].interpret is incidentio.ENGINE.interpret
    assert ENGINES["incidentio"].endpoints(url) == (endpoint,)


def test_openai_capture_components_and_groups_from_the_structure_all_operational():
    summary = interpret(shared_engine_fixture(OPENAI))
    assert summary.page == Page(
        id="01JMDK9XYNY6RXSED6SDWW50WY", name="OpenAI", url="https://status.openai.com/", updated_at=None
    )
    assert summary.indicator == "none"
    assert [(c.group, c.name) for c in summary.components] == [
        (group, name) for group, names in OPENAI_GROUPS.items() for name in names
    ]
    assert {c.status for c in summary.components} == {"operational"}
    assert summary.components[0] == Component(
        "01JMXBRMFE6N2NNT7DG6XZQ6PW", "Chat Completions", "operational", "APIs", None
    )
    # Two components are named "Login" (in APIs and in ChatGPT): their ids keep them apart.
    assert len({c.id for c in summary.components}) == 34
    assert (summary.incidents, summary.maintenances) == ((), ())


def test_affected_components_ongoing_incidents_and_maintenances():
    summary = parse(own())
    assert summary == Summary(
        page=Page(
            id="01TESTPAGE0000000000000000", name="Example AI", url="https://status.example.com/", updated_at=None
        ),
        indicator="critical",
        # Hidden components and hidden groups are not on the page; "Chat" listed twice is one component.
        components=(
            Component("01COMPCHAT0000000000000000", "Chat", "major_outage", "API", None),
            Component("01COMPFILES000000000000000", "Files", "under_maintenance", "API", None),
            Component("01COMPLOGIN000000000000000", "Login", "degraded_performance", "", None),
        ),
        incidents=(
            Incident("01INCIDENT0000000000000001", "Chat is down", "identified", "critical", 1795842600.0),
            Incident("01INCIDENT0000000000000002", "Slow logins", "monitoring", "major", 1795838400.5),
        ),
        maintenances=(
            Maintenance(
                "01MAINTENANCE0000000000001", "File store migration", "in_progress", 1795842000.0, 1795849200.0
            ),
            Maintenance(
                "01MAINTENANCE0000000000002", "Login provider upgrade", "scheduled", 1795914000.0, 1795921200.0
            ),
        ),
    )


@pytest.mark.parametrize(
    ("status", "normalized"),
    [
        ("operational", "operational"),
        ("degraded_performance", "degraded_performance"),
        ("partial_outage", "partial_outage"),
        ("full_outage", "major_outage"),
        ("under_maintenance", "under_maintenance"),
        ("Brownout", "brownout"),  # beyond the table: kept lower-cased, a series of its own
    ],
)
def test_component_statuses(status, normalized):
    doc = own()
    doc["summary"]["affected_components"] = [{"component_id": "01COMPLOGIN000000000000000", "status": status}]
    login = [c for c in parse(doc).components if c.name == "Login"]
    assert [c.status for c in login] == [normalized]


@pytest.mark.parametrize(
    ("statuses", "impact"),
    [
        ([], "none"),
        (["degraded_performance"], "minor"),
        (["partial_outage", "degraded_performance"], "major"),
        (["degraded_performance", "full_outage"], "critical"),
        (["under_maintenance"], "none"),
    ],
)
def test_incident_impact_is_the_worst_status_of_its_affected_components(statuses, impact):
    doc = own()
    doc["summary"]["ongoing_incidents"][0]["affected_components"] = [
        {"component_id": f"c{i}", "status": s} for i, s in enumerate(statuses)
    ]
    assert parse(doc).incidents[0].impact == impact


@pytest.mark.parametrize(
    ("affected", "incident_impact", "indicator"),
    [
        ([], None, "none"),
        (["under_maintenance"], None, "maintenance"),
        (["under_maintenance", "degraded_performance"], None, "minor"),
        (["partial_outage"], None, "major"),
        ([], "full_outage", "critical"),  # an incident's impact counts even where no component shows it
    ],
)
def test_indicator_is_derived_from_components_and_incidents(affected, incident_impact, indicator):
    doc = own()
    ids = ["01COMPCHAT0000000000000000", "01COMPFILES000000000000000", "01COMPLOGIN000000000000000"]
    doc["summary"]["affected_components"] = [
        {"component_id": i, "status": s} for i, s in zip(ids[: len(affected)], affected, strict=True)
    ]
    doc["summary"]["ongoing_incidents"] = (
        [
            dict(
                doc["summary"]["ongoing_incidents"][0],
                affected_components=[{"component_id": "x", "status": incident_impact}],
            )
        ]
        if incident_impact
        else []
    )
    assert parse(doc).indicator == indicator


@pytest.mark.parametrize(
    ("status", "kept"),
    [
        ("maintenance_scheduled", "scheduled"),
        ("maintenance_in_progress", "in_progress"),
        ("maintenance_complete", None),
        ("Postponed", "postponed"),
    ],
)
def test_maintenance_statuses(status, kept):
    doc = own()
    doc["summary"]["scheduled_maintenances"] = [dict(doc["summary"]["scheduled_maintenances"][0], status=status)]
    doc["summary"]["ongoing_incidents"] = []
    assert [m.status for m in parse(doc).maintenances] == ([kept] if kept else [])


def test_resolved_incidents_are_not_ongoing():
    doc = own()
    doc["summary"]["ongoing_incidents"][1]["status"] = "resolved"
    assert [i.name for i in parse(doc).incidents] == ["Chat is down"]


@pytest.mark.parametrize(
    ("key", "read", "expected"),
    [
        ("affected_components", lambda s: {c.status for c in s.components}, {"operational"}),
        (
            "ongoing_incidents",
            lambda s: (s.incidents, [m.name for m in s.maintenances]),
            ((), ["Login provider upgrade"]),
        ),
        ("scheduled_maintenances", lambda s: [m.name for m in s.maintenances], ["File store migration"]),
    ],
)
@pytest.mark.parametrize("value", ["absent", None, []])
def test_missing_or_null_lists_are_empty(key, read, expected, value):
    doc = own()
    if value == "absent":
        del doc["summary"][key]
    else:
        doc["summary"][key] = value
    assert read(parse(doc)) == expected
