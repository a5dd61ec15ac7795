"""The vendors overview dashboard, read as JSON: one row per page worst first, linking to the per-page
dashboard. Its queries run against a real Prometheus in tests/integration/test_overview_e2e.py."""

from __future__ import annotations

import itertools
import json
import re

import pytest

from exporter.vocabulary import COMPONENT_STATUSES, INDICATORS, component_status_rank, indicator_rank
from tests.test_dashboard import (
    DASHBOARD,
    DATASOURCE,
    EXPORTER_METRICS,
    PROVISIONING,
    dashboard_queries,
    metric_names,
)
from tests.test_rules import RECORDS

OVERVIEW_PATH = PROVISIONING / "dashboards" / "vendors-overview.json"


def load_overview() -> dict:
    return json.loads(OVERVIEW_PATH.read_text(encoding="utf-8"))


OVERVIEW = load_overview()
PANELS = OVERVIEW["panels"]
QUERIES = dashboard_queries(OVERVIEW)
VARIABLES = {variable["name"]: variable for variable in OVERVIEW["templating"]["list"]}


def panel(title: str) -> dict:
    (found,) = [p for p in PANELS if p["title"] == title]
    return found


def table_targets() -> dict[str, str]:
    """Column name -> the query of that column in the main table."""
    table = panel("Vendors, worst first")
    (organize,) = [t for t in table["transformations"] if t["id"] == "organize"]
    names = organize["options"]["renameByName"]
    return {names[f"Value #{target['refId']}"]: target["expr"] for target in table["targets"]}


def value_texts(mappings: list[dict]) -> dict[str, str]:
    return {value: option["text"] for m in mappings if m["type"] == "value" for value, option in m["options"].items()}


def override_properties(table: dict, name: str) -> dict:
    (found,) = [o for o in table["fieldConfig"]["overrides"] if o["matcher"] == {"id": "byName", "options": name}]
    return {p["id"]: p["value"] for p in found["properties"]}


def codes(expr: str, label: str) -> dict[str, int]:
    return {value: int(code) for value, code in re.findall(label + r'="(\w+)"\} \* (\d+)', expr)}


# -- the dashboard as a whole ---------------------------------------------------------------------
def test_overview_is_importable_into_grafana_10_beside_the_per_page_dashboard():
    assert OVERVIEW["schemaVersion"] >= 38
    assert (OVERVIEW["id"], OVERVIEW["__inputs"]) == (None, [])
    assert (OVERVIEW["uid"], OVERVIEW["title"]) == ("vendors-overview", "Vendors overview")
    assert OVERVIEW["uid"] != DASHBOARD["uid"] and OVERVIEW["title"] != DASHBOARD["title"]
    grafana = [r for r in OVERVIEW["__requires"] if r["type"] == "grafana"]
    assert [int(r["version"].split(".")[0]) for r in grafana] == [10]
    assert sorted(r["id"] for r in OVERVIEW["__requires"] if r["type"] == "panel") == sorted(
        {p["type"] for p in PANELS}
    )


def test_panel_ids_and_titles_are_unique_and_panels_tile_the_grid_without_overlap():
    assert len({p["id"] for p in PANELS}) == len(PANELS)
    assert len({p["title"] for p in PANELS}) == len(PANELS)

    def cells(p):
        g = p["gridPos"]
        assert g["x"] >= 0 and g["w"] > 0 and g["x"] + g["w"] <= 24, p["title"]
        return {(x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])}

    for a, b in itertools.combinations(PANELS, 2):
        assert not cells(a) & cells(b), f"{a['title']!r} overlaps {b['title']!r}"


def test_every_panel_and_query_uses_the_datasource_variable():
    for p in PANELS:
        assert p["datasource"] == DATASOURCE
        assert p["targets"] and all(t["datasource"] == DATASOURCE for t in p["targets"])
        assert len({t["refId"] for t in p["targets"]}) == len(p["targets"])
    assert "DS_PROMETHEUS" not in OVERVIEW_PATH.read_text(encoding="utf-8")


def test_variables_are_the_datasource_and_the_job():
    assert list(VARIABLES) == ["datasource", "job"]
    assert (VARIABLES["datasource"]["type"], VARIABLES["datasource"]["query"]) == ("datasource", "prometheus")
    job = VARIABLES["job"]
    assert job["query"]["query"] == job["definition"] == "label_values(statuspage_up, job)"
    assert (job["multi"], job["includeAll"], job["allValue"]) == (True, True, ".*")


@pytest.mark.parametrize(("where", "expr"), QUERIES, ids=[w for w, _ in QUERIES])
def test_every_query_names_exported_or_recorded_metrics_only_and_filters_by_job(where, expr):
    names = metric_names(expr)
    assert names and names <= EXPORTER_METRICS | set(RECORDS), f"{where}: {sorted(names)}"
    if where.startswith("panel"):
        selectors = re.findall(r"\b((?:statuspage_|page:)[\w:]+)(\{[^}]*\})?", expr)
        assert selectors, where
        assert all('job=~"$job"' in matchers for _, matchers in selectors), f"{where}: {selectors}"


# -- the table: one row per page, worst first ---------------------------------------------------
def test_the_table_has_a_column_for_everything_the_issue_lists_and_is_sorted_by_severity():
    assert list(table_targets()) == [
        "Severity",
        "Overall status",
        "Worst component in scope",
        "Components not operational",
        "Unresolved incidents",
        "Worst incident impact",
        "Maintenances in progress",
        "Data age",
        "Reachable",
        "Operational, 30 days",
    ]
    table = panel("Vendors, worst first")
    assert table["options"]["sortBy"] == [{"displayName": "Severity", "desc": True}]
    assert [t["id"] for t in table["transformations"]] == ["merge", "organize"]
    assert all((t["format"], t["instant"]) == ("table", True) for t in table["targets"])
    assert override_properties(table, "Severity") == {"custom.hidden": True}
    assert metric_names(table_targets()["Operational, 30 days"]) == {"page:statuspage_indicator_none:ratio_30d"}


def test_severity_orders_pages_as_the_api_does():
    """No data first; then the worst component in scope; then the indicator (exporter.vocabulary's ranks)."""
    severity = table_targets()["Severity"]
    components = codes(severity, "status")
    indicators = codes(severity, "indicator")
    assert components == {s: int(component_status_rank(s) * 10) for s in COMPONENT_STATUSES}
    assert indicators == {i: int(indicator_rank(i)) for i in INDICATORS}
    assert max(indicators.values()) < min(v for v in components.values() if v > 0)  # components first
    assert severity.rstrip().endswith("* 0 + 100")  # a page with no data: above any page with data
    assert 100 > max(components.values()) + max(indicators.values())


@pytest.mark.parametrize(
    ("column", "label", "expected"),
    [
        (
            "Overall status",
            "indicator",
            {"0": "All systems operational", "1": "Minor", "2": "Major", "3": "Critical", "4": "Maintenance"},
        ),
        (
            "Worst component in scope",
            "status",
            {
                "0": "operational",
                "1": "degraded performance",
                "2": "partial outage",
                "3": "major outage",
                "4": "under maintenance",
            },
        ),
    ],
)
def test_state_columns_map_each_code_to_the_words_of_the_per_page_dashboard(column, label, expected):
    texts = value_texts(override_properties(panel("Vendors, worst first"), column)["mappings"])
    assert texts == expected
    code_of = codes(table_targets()[column], label)
    assert {str(code): value for value, code in code_of.items()}.keys() == expected.keys()


def test_worst_impact_is_minus_one_without_incidents_and_the_worst_impact_otherwise():
    expr = table_targets()["Worst incident impact"]
    found = dict(re.findall(r'impact="(\w+)"\} > bool 0\) \* (\d) - 1', expr))
    assert {impact: int(factor) - 1 for impact, factor in found.items()} == {
        "none": 0,
        "minor": 1,
        "major": 2,
        "critical": 3,
    }
    texts = value_texts(override_properties(panel("Vendors, worst first"), "Worst incident impact")["mappings"])
    assert texts == {"-1": "—", "0": "none", "1": "minor", "2": "major", "3": "critical"}


@pytest.mark.parametrize("title", ["Vendors, worst first", "Components not operational"])
def test_each_page_links_to_the_per_page_dashboard_with_that_page_selected(title):
    (link,) = override_properties(panel(title), "Page")["links"]
    path, _, query = link["url"].partition("?")
    assert path == f"/d/{DASHBOARD['uid']}/github-status"
    per_page_variables = {variable["name"] for variable in DASHBOARD["templating"]["list"]}
    parameters = dict(pair.split("=", 1) for pair in query.split("&") if "=" in pair)
    assert parameters == {
        "var-datasource": "${datasource}",
        "var-job": "${__data.fields.job}",
        "var-instance": "${__data.fields.instance}",
    }
    assert {name.removeprefix("var-") for name in parameters} <= per_page_variables
    assert "${__url_time_range}" in query


def test_the_timeline_draws_every_pages_overall_status_over_the_time_range():
    timeline = panel("Overall status over time")
    assert timeline["type"] == "state-timeline"
    (target,) = timeline["targets"]
    assert (target["range"], target["instant"], target["legendFormat"]) == (True, False, "{{instance}}")
    assert target["expr"] == table_targets()["Overall status"]
    assert value_texts(timeline["fieldConfig"]["defaults"]["mappings"]) == {
        "0": "All systems operational",
        "1": "Minor",
        "2": "Major",
        "3": "Critical",
        "4": "Maintenance",
    }


def test_the_30_day_figure_per_page_is_the_recording_rule():
    bars = panel("Operational over 30 days")
    (target,) = bars["targets"]
    assert target["expr"] == 'page:statuspage_indicator_none:ratio_30d{job=~"$job"}'
    assert bars["fieldConfig"]["defaults"]["unit"] == "percentunit"
