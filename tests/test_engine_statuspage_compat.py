"""The statuspage engine on pages that are not Atlassian's own: incident.io's Statuspage-compatible
summary.json (ULID ids, no groups, `incidents` / `scheduled_maintenances` missing or null) and a
Statuspage page under maintenance."""

from __future__ import annotations

import json

from exporter.engines import statuspage
from exporter.engines.base import Body
from exporter.model import Incident, Maintenance, Page, Summary
from tests.engine_fixtures import shared_engine_fixture

OPENAI_DEGRADED = "incidentio-compat-openai-2026-09-29-degraded-2incidents.json"
OPENAI_OPERATIONAL = "../statuspage/openaistatus-summary-2026-07-09-incidentio-compat-operational.json"
CLOUDAMQP = "statuspage-cloudamqp-2020-07-16-under-maintenance-in-progress.json"


def interpret(content: bytes) -> Summary:
    return statuspage.ENGINE.interpret([Body(content, "application/json")])


def test_incidentio_compat_degraded_with_two_incidents_and_no_maintenance_key():
    content = shared_engine_fixture(OPENAI_DEGRADED)
    assert "scheduled_maintenances" not in json.loads(content)
    summary = interpret(content)
    assert summary.page == Page("01JMDK9XYNY6RXSED6SDWW50WY", "OpenAI", "https://status.openai.com/", 1790706581.0)
    assert summary.indicator == "minor"
    operational = {"Ads API", "Decisions", "dots"}
    assert len(summary.components) == 25
    assert [(c.name, c.status, c.group) for c in summary.components if c.name in operational] == [
        ("Ads API", "operational", ""),
        ("Decisions", "operational", ""),
        ("dots", "operational", ""),
    ]
    assert {c.status for c in summary.components if c.name not in operational} == {"degraded_performance"}
    assert all(len(c.id) == 26 for c in summary.components)  # ULIDs
    assert summary.components[0].id == "01JMXBRMFEQW613TFE89F45035"
    # Without `started_at` an incident starts at its `created_at`.
    assert summary.incidents == (
        Incident(
            "01M3Q4RK1SM4EMK445GGPG7C0N",
            "Elevated errors across ChatGPT, Codex, and the API including the Agents API",
            "investigating",
            "minor",
            1790704372.0,
        ),
        Incident("01M3Q4HMNP8SZ27DTZKW6F5BJ4", "Support chat unavailable", "investigating", "none", 1790704145.0),
    )
    assert summary.maintenances == ()


def test_incidentio_compat_operational_without_incident_or_maintenance_keys():
    content = shared_engine_fixture(OPENAI_OPERATIONAL)
    assert "incidents" not in json.loads(content)
    summary = interpret(content)
    assert summary.page == Page("01JMDK9XYNY6RXSED6SDWW50WY", "OpenAI", "https://status.openai.com/", 1783625156.0)
    assert summary.indicator == "none"
    assert len(summary.components) == 25
    assert {(c.status, c.group) for c in summary.components} == {("operational", "")}
    assert (summary.incidents, summary.maintenances) == ((), ())


def test_statuspage_under_maintenance_with_one_maintenance_in_progress():
    summary = interpret(shared_engine_fixture(CLOUDAMQP))
    assert summary.page == Page("2126xm8ctzlk", "CloudAMQP", "https://status.cloudamqp.com", 1594933837.516)
    assert summary.indicator == "maintenance"
    assert len(summary.components) == 23
    assert [(c.name, c.status) for c in summary.components if c.status != "operational"] == [
        ("Shared servers", "under_maintenance")
    ]
    assert summary.incidents == ()
    assert summary.maintenances == (
        Maintenance(
            "qy6n39trpl7l",
            "Upgrade of shared servers \u201cjellyfish\u201d, \u201cwildboar\u201d, and \u201creindeer\u201d",
            "in_progress",
            1594933200.0,
            1594940400.0,
        ),
    )
