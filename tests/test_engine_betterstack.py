"""The betterstack engine: a Better Stack status page's index.json (JSON:API) into the one model."""

from __future__ import annotations

import json

import pytest

from exporter.engines import ENGINES, betterstack
from exporter.engines.base import Body
from exporter.model import Component, Incident, Maintenance, Page, Summary
from tests.engine_fixtures import own_engine_fixture, shared_engine_fixture

TOGETHER = "betterstack-together.ai-2026-09-04-index-operational-downtime-history-resolved-maintenance.json"
OWN = "betterstack-index-degraded-downtime-incident-maintenance.json"

TOGETHER_SECTIONS = {
    "Website": ["Website", "Playground"],
    "Inference - Chat": [
        "OpenAI GPT OSS 120B", "OpenAI GPT OSS 20B", "Meta Llama 3.3 70B Instruct Turbo", "Google Gemma 4 31B IT",
        "Qwen3.5 9B", "MiniMax M3", "GLM 5.2", "Inkling", "Kimi K3", "Inkling Small", "DeepSeek V4 Flash 0731",
        "Muse Glimmer 30B", "Qwen3.8-2.4T-A95B", "DeepSeek V4 Pro 0813", "GLM 5.3 Flash", "GLM 5.3",
    ],
    "Inference - Embeddings": ["Multilingual E5 Large Instruct"],
    "Inference - Voice": ["Whisper Large V3", "Orpheus TTS", "Kokoro-82M"],
}  # fmt: skip


def interpret(content: bytes) -> Summary:
    return betterstack.ENGINE.interpret([Body(content, "application/json")])


def parse(doc: dict) -> Summary:
    return interpret(json.dumps(doc).encode())


def own() -> dict:
    return json.loads(own_engine_fixture(OWN))


def test_the_engine_reads_index_json():
    assert ENGINES["betterstack"].endpoints("https://status.together.ai") == ("https://status.together.ai/index.json",)


def test_together_capture_operational_resources_by_section_and_a_resolved_maintenance():
    summary = interpret(shared_engine_fixture(TOGETHER))
    assert summary.page == Page(id="197766", name="Together AI", url="", updated_at=1788517042.958)
    assert summary.indicator == "none"
    assert [(c.group, c.name) for c in summary.components] == [
        (section, name) for section, names in TOGETHER_SECTIONS.items() for name in names
    ]
    assert summary.components[0] == Component("8475065", "Website", "operational", "Website", None)
    assert {c.status for c in summary.components} == {"operational"}
    assert len({c.id for c in summary.components}) == 22
    # Its one report, a maintenance, is resolved: neither an incident nor a maintenance.
    assert (summary.incidents, summary.maintenances) == ((), ())


def test_resources_down_degraded_in_maintenance_and_ongoing_reports():
    assert parse(own()) == Summary(
        page=Page(id="100001", name="Example", url="", updated_at=1795843800.0),
        indicator="critical",
        components=(
            Component("300001", "REST API", "major_outage", "API", None),
            Component("300002", "Webhooks", "degraded_performance", "API", None),
            Component("300003", "Dashboard", "under_maintenance", "", None),
            Component("300004", "Nightly export", "operational", "", None),
        ),
        incidents=(Incident("500001", "API unavailable", "downtime", "critical", 1795842600.0),),
        maintenances=(
            Maintenance("500002", "Dashboard move", "in_progress", 1795842000.0, 1795849200.0),
            Maintenance("500003", "Database upgrade", "scheduled", 1795914000.0, 1795921200.0),
        ),
    )


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("operational", "operational"),
        ("degraded", "degraded_performance"),
        ("downtime", "major_outage"),
        ("maintenance", "under_maintenance"),
        ("Not_Monitored", "not_monitored"),  # beyond the table: kept lower-cased
    ],
)
def test_resource_statuses(state, status):
    doc = own()
    doc["included"][2]["attributes"]["status"] = state
    assert parse(doc).components[0].status == status


@pytest.mark.parametrize(
    ("state", "indicator"),
    [("operational", "none"), ("degraded", "minor"), ("downtime", "critical"), ("maintenance", "maintenance"),
     ("Unknown", "unknown")],
)  # fmt: skip
def test_page_aggregate_state_to_indicator(state, indicator):
    doc = own()
    doc["data"]["attributes"]["aggregate_state"] = state
    assert parse(doc).indicator == indicator


@pytest.mark.parametrize(
    ("state", "impact"),
    [("downtime", "critical"), ("degraded", "minor"), ("operational", "none"), ("maintenance", "maintenance")],
)
def test_incident_report_state_is_its_status_and_gives_its_impact(state, impact):
    doc = own()
    doc["included"][7]["attributes"]["aggregate_state"] = state
    assert [(i.status, i.impact) for i in parse(doc).incidents] == [(state, impact)]


@pytest.mark.parametrize(
    ("state", "status"),
    [("maintenance", "in_progress"), ("operational", "scheduled"), ("degraded", "degraded"), ("resolved", None)],
)
def test_maintenance_report_state_to_status(state, status):
    doc = own()
    doc["included"][8]["attributes"]["aggregate_state"] = state
    expected = ([status] if status else []) + ["scheduled"]
    assert [m.status for m in parse(doc).maintenances] == expected


@pytest.mark.parametrize("included", ["absent", None, []])
def test_without_included_there_is_nothing_but_the_page(included):
    doc = own()
    if included == "absent":
        del doc["included"]
    else:
        doc["included"] = included
    summary = parse(doc)
    assert (summary.indicator, summary.components, summary.incidents, summary.maintenances) == ("critical", (), (), ())


def test_included_types_it_does_not_read_are_not_checked():
    doc = own()
    doc["included"][6]["attributes"] = None  # a status_update
    assert len(parse(doc).components) == 4
