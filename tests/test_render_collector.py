"""collector.StatuspageCollector: every metric of the contract, exact values, escaping."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

import pytest
from prometheus_client import generate_latest
from prometheus_client.openmetrics.exposition import generate_latest as generate_openmetrics
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import CollectorRegistry

from exporter.config import load
from exporter.engines.statuspage import parse_summary
from exporter.model import CacheView, FetchStats, Page
from exporter.patterns import compile_pattern
from exporter.render.collector import BuildInfoCollector, StatuspageCollector
from exporter.vocabulary import COMPONENT_STATUSES, INDICATORS, REASONS
from tests import payloads

DEFAULT_EXCLUDE = load([], {}).components_exclude
FIXTURE = parse_summary(payloads.load_fixture("summary-groups-incident-maintenance.json"))
STATS = FetchStats(
    fetches=7,
    errors=MappingProxyType({**dict.fromkeys(REASONS, 0), "timeout": 2, "too_large": 1}),
    not_modified=3,
    last_duration_seconds=0.125,
    last_success_timestamp=1_795_000_000.5,
    up=True,
)


def registry_for(summary=FIXTURE, stats=STATS, exclude=DEFAULT_EXCLUDE, include=None) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(StatuspageCollector(lambda: CacheView(summary, stats), exclude, include=include))
    registry.register(BuildInfoCollector("1.2.3"))
    return registry


def test_fetch_statistics_are_exported():
    registry = registry_for()
    value = registry.get_sample_value
    assert value("statuspage_up") == 1
    assert value("statuspage_fetches_total") == 7
    assert {r: value("statuspage_fetch_errors_total", {"reason": r}) for r in REASONS} == {
        "timeout": 2,
        "connection": 0,
        "rate_limited": 0,
        "http_status": 0,
        "invalid_json": 0,
        "invalid_payload": 0,
        "too_large": 1,
        "unknown_engine": 0,
    }
    assert value("statuspage_fetch_not_modified_total") == 3
    assert value("statuspage_last_fetch_duration_seconds") == 0.125
    assert value("statuspage_last_success_timestamp_seconds") == 1_795_000_000.5
    assert value("statuspage_exporter_build_info", {"version": "1.2.3"}) == 1


def test_page_and_overall_status():
    value = registry_for().get_sample_value
    assert (
        value(
            "statuspage_page_info",
            {
                "page_id": "fixt0page001",
                "name": 'Fixture "Status" Page',
                "url": "https://status.example.org",
                "engine": "statuspage",
            },
        )
        == 1
    )
    assert value("statuspage_page_updated_timestamp_seconds") == FIXTURE.page.updated_at
    assert {i: value("statuspage_overall_status", {"indicator": i}) for i in INDICATORS} == {
        "none": 0,
        "minor": 0,
        "major": 1,
        "critical": 0,
        "maintenance": 0,
    }


def test_page_info_takes_the_configured_name_and_url_where_the_page_publishes_none():
    summary = parse_summary(payloads.summary())
    anonymous = dataclasses.replace(summary, page=Page("", "", "", None))
    registry = CollectorRegistry()
    collector = StatuspageCollector(
        lambda: CacheView(anonymous, STATS),
        None,
        engine="betterstack",
        name="together",
        url="https://status.together.ai",
    )
    registry.register(collector)
    labels = {"page_id": "", "name": "together", "url": "https://status.together.ai", "engine": "betterstack"}
    assert registry.get_sample_value("statuspage_page_info", labels) == 1


def component_states(registry, name, component_id, group):
    labels = {"component": name, "component_id": component_id, "group": group}
    return {
        s: registry.get_sample_value("statuspage_component_status", {**labels, "status": s}) for s in COMPONENT_STATUSES
    }


def test_components_one_series_per_known_status_with_group_names():
    registry = registry_for()
    assert component_states(registry, "API", "cmp000000001", "Regions") == {
        "operational": 0,
        "degraded_performance": 0,
        "partial_outage": 1,
        "major_outage": 0,
        "under_maintenance": 0,
    }
    assert component_states(registry, "API", "cmp000000002", "Regions")["operational"] == 1
    odd_name = 'Web "UI" \\ naïve\nsecond line ☃'
    assert component_states(registry, odd_name, "cmp000000003", "")["under_maintenance"] == 1
    assert (
        registry.get_sample_value(
            "statuspage_component_updated_timestamp_seconds",
            {"component": "API", "component_id": "cmp000000001", "group": "Regions"},
        )
        == FIXTURE.components[0].updated_at
    )


def test_group_containers_and_excluded_components_are_not_exported():
    names = {s.labels["component"] for s in samples(registry_for(), "statuspage_component_status")}
    assert "Regions" not in names
    assert "Visit www.githubstatus.com for more information" not in names
    assert len(names) == 2  # "API" (twice, by id) and the odd name


def test_exclude_regex_is_searched_anywhere_in_the_name():
    registry = registry_for(exclude=compile_pattern("UI"))
    names = {s.labels["component_id"] for s in samples(registry, "statuspage_component_status")}
    assert names == {"cmp000000001", "cmp000000002", "0l2p9nhqnxpd"}


def test_an_empty_exclude_exports_every_component():
    registry = registry_for(exclude=None)
    names = {s.labels["component"] for s in samples(registry, "statuspage_component_status")}
    assert "Visit www.githubstatus.com for more information" in names
    assert len(names) == 3


def test_include_keeps_only_matching_components_by_name_or_group_path_and_exclude_applies_after():
    registry = registry_for(include=compile_pattern("^Regions/|Visit"))
    names = {s.labels["component_id"] for s in samples(registry, "statuspage_component_status")}
    assert names == {"cmp000000001", "cmp000000002"}  # both "API"s of group Regions; Visit is excluded


def worst_states(registry) -> dict[str, float]:
    return {s.labels["status"]: s.value for s in samples(registry, "statuspage_components_worst_status")}


@pytest.mark.parametrize(
    ("statuses", "include", "worst"),
    [
        (["operational", "degraded_performance", "major_outage"], None, "major_outage"),
        (["operational", "degraded_performance", "major_outage"], "^(A|B)$", "degraded_performance"),
        (["under_maintenance", "operational"], None, "under_maintenance"),
        (["under_maintenance", "partial_outage"], None, "partial_outage"),
        (["operational", "operational"], None, "operational"),
        (["major_outage"], "^Nothing$", "operational"),  # no component in scope: nothing is wrong with it
        ([], None, "operational"),
    ],
)
def test_worst_status_is_one_series_per_known_status_at_1_on_the_worst_component_in_scope(statuses, include, worst):
    components = [payloads.component("ABC"[index], status) for index, status in enumerate(statuses)]
    summary = parse_summary(payloads.summary(components, indicator="critical"))
    registry = registry_for(summary, include=None if include is None else compile_pattern(include))
    assert worst_states(registry) == {status: float(status == worst) for status in COMPONENT_STATUSES}
    assert registry.get_sample_value("statuspage_overall_status", {"indicator": "critical"}) == 1  # the vendor's


def test_worst_status_beyond_the_vocabulary_is_one_more_series_and_ranks_below_any_trouble():
    unknown = parse_summary(payloads.summary([payloads.component("A", "sleeping"), payloads.component("B")]))
    assert worst_states(registry_for(unknown)) == {**dict.fromkeys(COMPONENT_STATUSES, 0.0), "sleeping": 1.0}
    both = [payloads.component("A", "sleeping"), payloads.component("B", "under_maintenance")]
    assert worst_states(registry_for(parse_summary(payloads.summary(both))))["under_maintenance"] == 1.0


def test_worst_status_is_not_exported_without_data():
    assert worst_states(registry_for(summary=None)) == {}


def test_incidents_and_maintenances():
    value = registry_for().get_sample_value
    assert {
        i: value("statuspage_incidents_unresolved", {"impact": i}) for i in ("none", "minor", "major", "critical")
    } == {"none": 1, "minor": 0, "major": 1, "critical": 0}
    assert (
        value(
            "statuspage_incident_info",
            {
                "incident_id": "inc000000001",
                "name": 'Elevated "errors" on API',
                "impact": "major",
                "status": "identified",
            },
        )
        == 1
    )
    assert (
        value("statuspage_incident_started_timestamp_seconds", {"incident_id": "inc000000001"})
        == FIXTURE.incidents[0].started_at
    )
    assert (
        value("statuspage_incident_started_timestamp_seconds", {"incident_id": "inc000000002"})
        == FIXTURE.incidents[1].started_at
    )  # created_at stands in for a missing started_at
    assert (
        value(
            "statuspage_maintenance_info",
            {"maintenance_id": "mnt000000001", "name": "Database upgrade", "status": "in_progress"},
        )
        == 1
    )
    assert (
        value(
            "statuspage_maintenance_info",
            {"maintenance_id": "mnt000000002", "name": "Network work", "status": "scheduled"},
        )
        == 1
    )
    assert (
        value("statuspage_maintenance_start_timestamp_seconds", {"maintenance_id": "mnt000000001"})
        == FIXTURE.maintenances[0].scheduled_for
    )
    assert (
        value("statuspage_maintenance_end_timestamp_seconds", {"maintenance_id": "mnt000000001"})
        == FIXTURE.maintenances[0].scheduled_until
    )


def test_no_incidents_still_exports_every_impact_at_zero():
    value = registry_for(summary=parse_summary(payloads.summary())).get_sample_value
    assert [
        value("statuspage_incidents_unresolved", {"impact": i}) for i in ("none", "minor", "major", "critical")
    ] == [0, 0, 0, 0]


def test_without_data_only_the_exporters_own_series_remain():
    stats = FetchStats()
    registry = registry_for(summary=None, stats=stats)
    names = {metric.name for metric in registry.collect()}
    assert names == {
        "statuspage_up",
        "statuspage_fetches",
        "statuspage_fetch_errors",
        "statuspage_fetch_not_modified",
        "statuspage_last_fetch_duration_seconds",
        "statuspage_last_success_timestamp_seconds",
        "statuspage_exporter_build_info",
        "statuspage_engine_detected",
        "statuspage_page_info",
    }
    assert registry.get_sample_value("statuspage_up") == 0
    assert registry.get_sample_value("statuspage_last_success_timestamp_seconds") == 0
    assert registry.get_sample_value("statuspage_fetch_errors_total", {"reason": "connection"}) == 0


def test_unknown_values_become_their_own_series_and_rendering_logs_nothing(log_lines):
    summary = parse_summary(
        payloads.summary(
            [
                payloads.component("Actions", "on_fire", id="actions00001"),
                payloads.component("Pages", "on_fire", id="p1"),
            ],
            indicator="apocalypse",
            incidents=[payloads.incident("odd", impact="maintenance")],
        )
    )
    registry = registry_for(summary=summary)
    for _ in range(3):  # every scrape collects again: the fetch warned already (exporter.fetch.unknown)
        list(registry.collect())
    assert component_states(registry, "Actions", "actions00001", "") == dict.fromkeys(COMPONENT_STATUSES, 0)
    assert (
        registry.get_sample_value(
            "statuspage_component_status",
            {"component": "Actions", "component_id": "actions00001", "group": "", "status": "on_fire"},
        )
        == 1
    )
    assert registry.get_sample_value("statuspage_overall_status", {"indicator": "apocalypse"}) == 1
    assert registry.get_sample_value("statuspage_overall_status", {"indicator": "none"}) == 0
    assert registry.get_sample_value("statuspage_incidents_unresolved", {"impact": "maintenance"}) == 1
    assert log_lines() == []


def test_a_page_of_a_thousand_unknown_values_logs_nothing_at_any_rendering(log_lines):
    """Regression: past 256 remembered values, every rendering re-warned about each (1,000 lines a scrape)."""
    document = payloads.summary([payloads.component(f"C{i}", f"odd-{i}", id=f"c{i}") for i in range(1000)])
    registry = registry_for(summary=parse_summary(document), exclude=None)
    for _ in range(3):
        list(registry.collect())
    assert log_lines() == []


def test_no_sample_carries_a_timestamp():
    for sample in samples(registry_for()):
        assert sample.timestamp is None


@pytest.mark.parametrize("generate", [generate_latest, generate_openmetrics], ids=["text", "openmetrics"])
def test_label_values_survive_exposition_unchanged(generate):
    names = ['quote " here', "back\\slash", "new\nline", "emoji 🚀 ünïcödé", "trailing \\", "\\n literal"]
    summary = parse_summary(payloads.summary([payloads.component(n, id=f"id{i}") for i, n in enumerate(names)]))
    text = generate(registry_for(summary=summary)).decode("utf-8")
    parsed = {
        s.labels["component"]
        for f in text_string_to_metric_families(text)
        for s in f.samples
        if s.name == "statuspage_component_status"
    }
    assert parsed == set(names)


def samples(registry, name=None):
    return [s for metric in registry.collect() for s in metric.samples if name is None or s.name == name]


@pytest.mark.parametrize(
    ("configured", "view_engine", "label", "detected"),
    [
        ("statuspage", "", "statuspage", 0),
        ("statuspage", "statuspage", "statuspage", 0),
        ("auto", "", "auto", 1),
        ("auto", "incidentio", "incidentio", 1),
    ],
)
def test_page_info_is_there_before_any_data_with_the_configured_name_and_the_engine_in_use(
    configured, view_engine, label, detected
):
    registry = CollectorRegistry()
    collector = StatuspageCollector(
        lambda: CacheView(None, FetchStats(), view_engine),
        None,
        engine=configured,
        name="GitHub",
        url="https://www.githubstatus.com",
    )
    registry.register(collector)
    labels = {"page_id": "", "name": "GitHub", "url": "https://www.githubstatus.com", "engine": label}
    assert registry.get_sample_value("statuspage_page_info", labels) == 1
    assert registry.get_sample_value("statuspage_engine_detected") == detected


def test_the_fetch_counters_say_they_count_fetches_not_requests():
    """Regression: statuspage_fetches_total counts fetches (one per refresh) while its help said requests."""
    documentation = {metric.name: metric.documentation for metric in registry_for().collect()}
    assert documentation["statuspage_fetches"] == (
        "Fetches of the status page: one per refresh, whatever the number of documents its engine reads."
    )
    assert documentation["statuspage_fetch_errors"] == "Failed fetches of the status page, by reason."
