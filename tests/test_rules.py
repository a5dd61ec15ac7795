"""The shipped Prometheus and Alertmanager configuration: alerting rules, their promtool unit tests,
the example prometheus.yml and alertmanager.yml.

This module reads the YAML; tests/integration/test_promtool.py runs promtool and amtool on the same
files.
"""

from __future__ import annotations

import re

import pytest
import yaml

from tests.test_dashboard import EXPORTER_METRICS, ROOT, metric_names

PROMETHEUS_DIR = ROOT / "prometheus"
RULES_PATH = PROMETHEUS_DIR / "alerts.yml"
RULES_TEST_PATH = PROMETHEUS_DIR / "alerts_test.yml"
RECORDING_PATH = PROMETHEUS_DIR / "recording.yml"
RECORDING_TEST_PATH = PROMETHEUS_DIR / "recording_test.yml"
PROMETHEUS_CONFIG_PATH = PROMETHEUS_DIR / "prometheus.yml"
ALERTMANAGER_CONFIG_PATH = PROMETHEUS_DIR / "alertmanager.yml"

SEVERITIES = ("critical", "warning", "info")
COMPONENT_ALERTS = (
    "StatuspageComponentMajorOutage",
    "StatuspageComponentDegraded",
    "StatuspageScopedComponentsImpaired",
)
UPSTREAM_ALERTS = ("StatuspageUpstreamDown", "StatuspageDataStale")


def _yaml(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


RULES = [rule for group in _yaml(RULES_PATH)["groups"] for rule in group["rules"]]
ALERTS = {rule["alert"]: rule for rule in RULES}
RECORDING_GROUPS = _yaml(RECORDING_PATH)["groups"]
RECORDS = {rule["record"]: rule for group in RECORDING_GROUPS for rule in group["rules"]}
WINDOWS = ("5m", "1d", "7d", "30d")
ALERTMANAGER = _yaml(ALERTMANAGER_CONFIG_PATH)


def _severities(value: str) -> set[str]:
    """The severities a (possibly templated) `severity` label can take."""
    if "{{" not in value:
        return {value}
    return set(re.findall(r"\}\}\s*(\w+)\s*\{\{", value))


# -- the rules, read as YAML ----------------------------------------------------------------------
def test_the_issue_s_alerts_are_all_there():
    assert sorted(ALERTS) == sorted(
        [
            "StatuspageExporterDown",
            "StatuspageUpstreamDown",
            "StatuspageDataStale",
            "StatuspageRateLimited",
            "StatuspageComponentMajorOutage",
            "StatuspageComponentDegraded",
            "StatuspageScopedComponentsImpaired",
            "StatuspageIncidentUnresolved",
            "StatuspageMaintenanceInProgress",
            "StatuspageExporterConfigReloadFailed",
        ]
    )
    assert len(RULES) == len(ALERTS), "alert names are unique and there are no recording rules"


@pytest.mark.parametrize("name", sorted(ALERTS))
def test_every_alert_has_a_severity_a_summary_a_description_and_a_runbook(name):
    rule = ALERTS[name]
    severities = _severities(rule["labels"]["severity"])
    assert severities and severities <= set(SEVERITIES), severities
    annotations = rule["annotations"]
    assert sorted(annotations) == ["description", "runbook", "summary"]
    assert all(text.strip() for text in annotations.values())
    subject = re.compile(r"\$labels\.(component|name|instance)\b")
    assert subject.search(annotations["summary"]), "the summary names what the alert is about"
    assert subject.search(annotations["description"])


@pytest.mark.parametrize("name", sorted(ALERTS))
def test_every_metric_an_alert_names_is_exported(name):
    names = metric_names(ALERTS[name]["expr"])
    assert names and names <= EXPORTER_METRICS | {"up"}, names


def test_severities_match_the_issue():
    assert ALERTS["StatuspageComponentMajorOutage"]["labels"]["severity"] == "critical"
    assert ALERTS["StatuspageComponentDegraded"]["labels"]["severity"] == "warning"
    assert ALERTS["StatuspageMaintenanceInProgress"]["labels"]["severity"] == "info"
    assert _severities(ALERTS["StatuspageIncidentUnresolved"]["labels"]["severity"]) == {"critical", "warning"}


def test_degraded_waits_longer_than_major_outage():
    def minutes(rule):
        return int(rule["for"].removesuffix("m"))

    assert minutes(ALERTS["StatuspageComponentDegraded"]) > minutes(ALERTS["StatuspageComponentMajorOutage"])


def test_only_info_alerts_look_at_maintenance():
    for name, rule in ALERTS.items():
        if "under_maintenance" in rule["expr"] or "maintenance_info" in rule["expr"]:
            assert rule["labels"]["severity"] == "info", name


def test_exporter_down_watches_the_job_of_the_example_config():
    scrapes = _yaml(PROMETHEUS_CONFIG_PATH)["scrape_configs"]
    # The job scraping /metrics (the exporter itself); the /probe job reads other pages through it.
    (job,) = [scrape["job_name"] for scrape in scrapes if scrape.get("metrics_path", "/metrics") == "/metrics"]
    assert job == "github-status"
    assert f'up{{job="{job}"}}' in ALERTS["StatuspageExporterDown"]["expr"]


# -- the promtool unit tests cover every alert ----------------------------------------------------
def _rule_test_cases():
    for test in _yaml(RULES_TEST_PATH)["tests"]:
        yield from test.get("alert_rule_test", [])


@pytest.mark.parametrize("name", sorted(ALERTS))
def test_every_alert_is_unit_tested_firing_and_silent(name):
    cases = [case for case in _rule_test_cases() if case["alertname"] == name]
    assert any(case["exp_alerts"] for case in cases), "never tested firing"
    assert any(not case["exp_alerts"] for case in cases), "never tested silent"


def test_the_unit_tests_load_the_shipped_rules():
    assert _yaml(RULES_TEST_PATH)["rule_files"] == ["alerts.yml"]


# -- the availability recording rules -------------------------------------------------------------
def test_availability_is_recorded_per_component_and_per_page_over_each_window():
    assert sorted(RECORDS) == sorted(
        f"{level}:{name}:ratio_{window}"
        for level, name in (("component", "statuspage_operational"), ("page", "statuspage_indicator_none"))
        for window in WINDOWS
    )
    assert all("alert" not in rule for group in RECORDING_GROUPS for rule in group["rules"])


def test_the_short_window_reads_raw_series_and_matches_the_groups_interval():
    (group,) = RECORDING_GROUPS
    assert group["interval"] == "5m"
    assert metric_names(RECORDS["component:statuspage_operational:ratio_5m"]["expr"]) == {"statuspage_component_status"}
    assert metric_names(RECORDS["page:statuspage_indicator_none:ratio_5m"]["expr"]) == {"statuspage_overall_status"}
    assert 'status="operational"' in RECORDS["component:statuspage_operational:ratio_5m"]["expr"]
    assert 'indicator="none"' in RECORDS["page:statuspage_indicator_none:ratio_5m"]["expr"]


@pytest.mark.parametrize("record", [r for r in RECORDS if not r.endswith("_5m")])
def test_long_windows_average_the_short_window_records_never_the_raw_series(record):
    short = record.rsplit("_", 1)[0] + "_5m"
    window = record.rsplit("_", 1)[1]
    assert RECORDS[record]["expr"] == f"sum_over_time({short}[{window}]) / count_over_time({short}[{window}])"


def test_the_recording_unit_tests_load_the_shipped_rules_and_check_every_record():
    tests = _yaml(RECORDING_TEST_PATH)
    assert tests["rule_files"] == ["recording.yml"]
    assert tests["evaluation_interval"] == RECORDING_GROUPS[0]["interval"]
    checked = {metric_names(case["expr"]).pop() for test in tests["tests"] for case in test.get("promql_expr_test", [])}
    assert checked == set(RECORDS)


def test_the_example_prometheus_config_loads_both_rule_files():
    assert _yaml(PROMETHEUS_CONFIG_PATH)["rule_files"] == [RULES_PATH.name, RECORDING_PATH.name]


# -- alertmanager.yml, read as YAML ---------------------------------------------------------------
def test_alertmanager_groups_by_alert_name_and_component():
    assert ALERTMANAGER["route"]["group_by"] == ["alertname", "component"]
    assert all("group_by" not in route for route in ALERTMANAGER["route"]["routes"])


def test_maintenance_never_reaches_the_pager():
    routes = {route["receiver"]: route["matchers"] for route in ALERTMANAGER["route"]["routes"]}
    assert routes["pager"] == ['severity="critical"']
    assert routes["info"] == ['severity="info"']


def _alertnames(matchers: list[str]) -> set[str]:
    (matcher,) = matchers
    found = re.fullmatch(r'alertname=~"([\w|]+)"', matcher)
    assert found, matcher
    return set(found.group(1).split("|"))


def test_failing_fetches_inhibit_the_component_alerts_of_the_same_exporter():
    (rule,) = ALERTMANAGER["inhibit_rules"]
    assert _alertnames(rule["source_matchers"]) == set(UPSTREAM_ALERTS)
    targets = _alertnames(rule["target_matchers"])
    assert set(COMPONENT_ALERTS) <= targets
    assert targets <= set(ALERTS), f"no such alerts: {targets - set(ALERTS)}"
    assert rule["equal"] == ["job", "instance"]


def test_example_receivers_stay_on_loopback():
    for receiver in ALERTMANAGER["receivers"]:
        for config in receiver.get("webhook_configs", []):
            assert config["url"].startswith("http://127.0.0.1:"), config["url"]
