"""The Grafana dashboard and provisioning files, read as JSON and YAML (Grafana itself is not needed).

Also home of the small PromQL helpers (`metric_names`, `EXPORTER_METRICS`, `dashboard_queries`) that
tests/test_rules.py and tests/integration/test_monitoring_e2e.py reuse.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
GRAFANA = ROOT / "grafana"
PROVISIONING = GRAFANA / "provisioning"
DASHBOARD_PATH = PROVISIONING / "dashboards" / "github-status.json"

#: Every metric family the exporter exposes (the exporter's contract), plus the client library's.
EXPORTER_METRICS = frozenset(
    {
        "statuspage_up",
        "statuspage_engine_detected",
        "statuspage_overall_status",
        "statuspage_component_status",
        "statuspage_component_updated_timestamp_seconds",
        "statuspage_components_worst_status",
        "statuspage_page_info",
        "statuspage_page_updated_timestamp_seconds",
        "statuspage_incidents_unresolved",
        "statuspage_incident_info",
        "statuspage_incident_started_timestamp_seconds",
        "statuspage_maintenance_info",
        "statuspage_maintenance_start_timestamp_seconds",
        "statuspage_maintenance_end_timestamp_seconds",
        "statuspage_fetches_total",
        "statuspage_fetch_errors_total",
        "statuspage_fetch_not_modified_total",
        "statuspage_last_fetch_duration_seconds",
        "statuspage_last_success_timestamp_seconds",
        "statuspage_exporter_build_info",
        "statuspage_exporter_config_last_reload_successful",
        "statuspage_exporter_config_last_reload_success_timestamp_seconds",
        "statuspage_exporter_web_config_last_reload_successful",
        "statuspage_exporter_web_config_last_reload_success_timestamp_seconds",
        "process_cpu_seconds_total",
        "process_open_fds",
        "process_max_fds",
        "process_virtual_memory_bytes",
        "process_resident_memory_bytes",
        "process_start_time_seconds",
        "python_info",
    }
)

#: The data source every panel and query must use: the dashboard's `datasource` variable.
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}

_PROMQL_KEYWORDS = frozenset(
    {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset"}
)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGE = re.compile(r"\[[^\]]*\]")
_LABEL_LISTS = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENTIFIER = re.compile(r"(?<![\w$.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])(\s*\()?")
_LABEL_VALUES = re.compile(r"^\s*label_values\((?P<expr>.*),\s*(?P<label>\w+)\s*\)\s*$", re.S)


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression (or a Grafana `label_values(...)` query) selects."""
    found = _LABEL_VALUES.match(expr)
    if found:
        expr = found["expr"]
    expr = _STRING.sub('""', expr)
    expr = _MATCHERS.sub("", expr)
    expr = _RANGE.sub("", expr)
    expr = _LABEL_LISTS.sub("", expr)
    names = set()
    for match in _IDENTIFIER.finditer(expr):
        name, is_call = match.group(1), match.group(2)
        if is_call or name in _PROMQL_KEYWORDS or name.lower() in {"inf", "nan"}:
            continue
        names.add(name)
    return names


def load_dashboard() -> dict:
    return json.loads(DASHBOARD_PATH.read_text(encoding="utf-8"))


def dashboard_queries(dashboard: dict) -> list[tuple[str, str]]:
    """(where, expr) for every panel target and every query variable."""
    queries = [
        (f"panel {panel['id']} {panel['title']!r} target {target['refId']}", target["expr"])
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
    ]
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            query = variable["query"]
            queries.append((f"variable {variable['name']}", query["query"] if isinstance(query, dict) else query))
    return queries


DASHBOARD = load_dashboard()
PANELS = DASHBOARD["panels"]
QUERIES = dashboard_queries(DASHBOARD)
VARIABLES = {variable["name"]: variable for variable in DASHBOARD["templating"]["list"]}


def _panel(title: str) -> dict:
    (panel,) = [p for p in PANELS if p["title"] == title]
    return panel


def _mapping_texts(panel: dict) -> dict[str, tuple[str, str]]:
    """{value: (text, colour)} from a panel's value mappings."""
    result = {}
    for mapping in panel["fieldConfig"]["defaults"]["mappings"]:
        assert mapping["type"] == "value"
        for value, option in mapping["options"].items():
            result[value] = (option["text"], option["color"])
    return result


# -- the PromQL helper ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ("statuspage_up", {"statuspage_up"}),
        ('up{job="github-status"} == 0', {"up"}),
        (
            'sum by (reason) (rate(statuspage_fetch_errors_total{job=~"$job", reason="a:b"}[$__rate_interval]))',
            {"statuspage_fetch_errors_total"},
        ),
        ("time() - statuspage_last_success_timestamp_seconds > 600", {"statuspage_last_success_timestamp_seconds"}),
        ('max without (status) (a{status="x"} * 1 or b:rule{status="y"} * 2) > 0', {"a", "b:rule"}),
        ("x * on (job, instance) group_left (name, impact) y * 1000", {"x", "y"}),
        ("sum(x) or vector(0)", {"x"}),
        ('label_values(statuspage_up{job=~"$job"}, instance)', {"statuspage_up"}),
        ("label_values(statuspage_up, job)", {"statuspage_up"}),
        ("1e3 * Inf + NaN", set()),
    ],
)
def test_metric_names_finds_selected_metrics_only(expr, names):
    assert metric_names(expr) == names


# -- the dashboard as a whole ---------------------------------------------------------------------
def test_dashboard_is_importable_into_grafana_10():
    assert DASHBOARD["schemaVersion"] >= 38
    assert DASHBOARD["id"] is None
    assert DASHBOARD["uid"] == "github-status"
    assert DASHBOARD["title"] == "GitHub status"
    grafana = [r for r in DASHBOARD["__requires"] if r["type"] == "grafana"]
    assert [int(r["version"].split(".")[0]) for r in grafana] == [10]
    assert DASHBOARD["__inputs"] == []


def test_panel_ids_are_unique():
    ids = [panel["id"] for panel in PANELS]
    assert len(ids) == len(set(ids))
    assert all(isinstance(i, int) and i > 0 for i in ids)


def test_panel_titles_are_unique():
    titles = [panel["title"] for panel in PANELS]
    assert len(titles) == len(set(titles))


def test_panels_fit_the_24_column_grid():
    for panel in PANELS:
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["y"] >= 0 and grid["w"] > 0 and grid["h"] > 0, panel["title"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]


def test_panels_do_not_overlap():
    def cells(panel):
        g = panel["gridPos"]
        return {(x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])}

    for a, b in itertools.combinations(PANELS, 2):
        assert not cells(a) & cells(b), f"{a['title']!r} overlaps {b['title']!r}"


@pytest.mark.parametrize("panel", PANELS, ids=[p["title"] for p in PANELS])
def test_every_panel_has_the_datasource_variable_and_a_target(panel):
    assert panel["datasource"] == DATASOURCE
    assert len(panel["targets"]) >= 1
    ref_ids = [target["refId"] for target in panel["targets"]]
    assert len(ref_ids) == len(set(ref_ids))
    for target in panel["targets"]:
        assert target["datasource"] == DATASOURCE
        assert target["expr"].strip()


def test_no_data_source_uid_is_hard_coded():
    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("datasource"), dict):
                yield node["datasource"]
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    references = list(walk(DASHBOARD))
    assert references
    assert all(ref == DATASOURCE for ref in references), [ref for ref in references if ref != DATASOURCE]
    assert "DS_PROMETHEUS" not in DASHBOARD_PATH.read_text(encoding="utf-8")


def test_variables_are_datasource_job_instance_and_component():
    assert list(VARIABLES) == ["datasource", "job", "instance", "component"]
    datasource = VARIABLES["datasource"]
    assert (datasource["type"], datasource["query"]) == ("datasource", "prometheus")
    expected = {
        "job": "label_values(statuspage_up, job)",
        "instance": 'label_values(statuspage_up{job=~"$job"}, instance)',
        "component": 'label_values(statuspage_component_status{job=~"$job", instance=~"$instance"}, component)',
    }
    for name, query in expected.items():
        variable = VARIABLES[name]
        assert variable["type"] == "query"
        assert variable["datasource"] == DATASOURCE
        assert variable["query"]["query"] == query
        assert variable["definition"] == query
        assert (variable["multi"], variable["includeAll"], variable["allValue"]) == (True, True, ".*")


@pytest.mark.parametrize(("where", "expr"), QUERIES, ids=[w for w, _ in QUERIES])
def test_every_metric_a_query_names_is_exported(where, expr):
    names = metric_names(expr)
    assert names, f"{where}: names no metric"
    assert names <= EXPORTER_METRICS, f"{where}: unknown metrics {sorted(names - EXPORTER_METRICS)}"


PANEL_QUERIES = [(w, e) for w, e in QUERIES if w.startswith("panel")]


@pytest.mark.parametrize(("where", "expr"), PANEL_QUERIES, ids=[w for w, _ in PANEL_QUERIES])
def test_every_panel_query_filters_by_job_and_instance(where, expr):
    selectors = re.findall(r"\b(statuspage_\w+)(\{[^}]*\})?", expr)
    assert selectors, where
    for metric, matchers in selectors:
        assert 'job=~"$job"' in matchers and 'instance=~"$instance"' in matchers, f"{where}: {metric}{matchers}"
        if metric.startswith("statuspage_component_"):
            assert 'component=~"$component"' in matchers, f"{where}: {metric}{matchers}"


def test_dashboard_covers_every_panel_the_issue_lists():
    by_metric = {}
    for panel in PANELS:
        for target in panel["targets"]:
            for name in metric_names(target["expr"]):
                by_metric.setdefault(name, set()).add(panel["type"])
    assert "stat" in by_metric["statuspage_overall_status"]
    assert "state-timeline" in by_metric["statuspage_component_status"]
    assert "table" in by_metric["statuspage_incident_started_timestamp_seconds"]
    assert "table" in by_metric["statuspage_maintenance_start_timestamp_seconds"]
    assert "table" in by_metric["statuspage_maintenance_end_timestamp_seconds"]
    assert "timeseries" in by_metric["statuspage_fetch_errors_total"]
    assert "timeseries" in by_metric["statuspage_fetches_total"]
    assert "timeseries" in by_metric["statuspage_last_success_timestamp_seconds"]
    assert "timeseries" in by_metric["statuspage_last_fetch_duration_seconds"]
    errors = _panel("Upstream errors by reason")["targets"][0]
    assert "sum by (reason)" in errors["expr"] and errors["legendFormat"] == "{{reason}}"


def _codes_in(expr: str, label: str) -> dict[str, int]:
    return {value: int(code) for value, code in re.findall(label + r'="(\w+)"\} \* (\d)', expr)}


def test_component_timeline_maps_each_status_to_one_value_and_its_usual_colour():
    panel = _panel("Component status")
    assert panel["type"] == "state-timeline"
    (target,) = panel["targets"]
    assert target["legendFormat"] == "{{component}}"
    assert target["expr"].startswith("max without (status) (")
    assert _codes_in(target["expr"], "status") == {
        "operational": 0,
        "degraded_performance": 1,
        "partial_outage": 2,
        "major_outage": 3,
        "under_maintenance": 4,
    }
    assert _mapping_texts(panel) == {
        "0": ("operational", "green"),
        "1": ("degraded performance", "yellow"),
        "2": ("partial outage", "orange"),
        "3": ("major outage", "red"),
        "4": ("under maintenance", "blue"),
    }


def test_overall_status_maps_each_indicator_to_one_value_and_colour():
    panel = _panel("Overall status")
    (target,) = panel["targets"]
    codes = _codes_in(target["expr"], "indicator")
    assert codes == {"none": 0, "minor": 1, "major": 2, "critical": 3, "maintenance": 4}
    assert _mapping_texts(panel) == {
        "0": ("All systems operational", "green"),
        "1": ("Minor", "yellow"),
        "2": ("Major", "orange"),
        "3": ("Critical", "red"),
        "4": ("Maintenance", "blue"),
    }


@pytest.mark.parametrize("title", ["Unresolved incidents", "Upcoming and in-progress maintenances"])
def test_incident_and_maintenance_tables_show_times_as_dates(title):
    panel = _panel(title)
    assert panel["type"] == "table"
    assert panel["fieldConfig"]["defaults"]["unit"] == "dateTimeAsIso"
    for target in panel["targets"]:
        assert (target["format"], target["instant"]) == ("table", True)
        assert target["expr"].rstrip().endswith("* 1000"), "Grafana dates are in milliseconds"


# -- provisioning ---------------------------------------------------------------------------------
def test_datasource_provisioning_defines_a_default_prometheus():
    files = sorted((PROVISIONING / "datasources").glob("*.yml"))
    assert [f.name for f in files] == ["prometheus.yml"]
    config = yaml.safe_load(files[0].read_text(encoding="utf-8"))
    assert config["apiVersion"] == 1
    (source,) = config["datasources"]
    assert (source["type"], source["access"], source["isDefault"]) == ("prometheus", "proxy", True)
    assert source["url"].startswith("http")


def test_dashboard_provisioning_loads_the_dashboard_next_to_it():
    files = sorted((PROVISIONING / "dashboards").glob("*.yml"))
    assert [f.name for f in files] == ["github-status.yml"]
    config = yaml.safe_load(files[0].read_text(encoding="utf-8"))
    assert config["apiVersion"] == 1
    (provider,) = config["providers"]
    assert provider["type"] == "file"
    # Grafana's default provisioning directory is /etc/grafana/provisioning: the provider reads this
    # very folder once grafana/provisioning is mounted there.
    assert provider["options"]["path"] == "/etc/grafana/provisioning/dashboards"
    # ...and so every dashboard in it: this one and the vendors overview (tests/test_dashboard_overview.py).
    assert sorted(f.name for f in (PROVISIONING / "dashboards").glob("*.json")) == [
        DASHBOARD_PATH.name,
        "vendors-overview.json",
    ]
