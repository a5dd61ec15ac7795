"""promtool and amtool on the shipped rules, their unit tests, prometheus.yml and alertmanager.yml.

CI installs the Debian packages `prometheus` and `prometheus-alertmanager`.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.test_rules import (
    ALERTMANAGER_CONFIG_PATH,
    PROMETHEUS_CONFIG_PATH,
    PROMETHEUS_DIR,
    RECORDING_PATH,
    RECORDING_TEST_PATH,
    RECORDS,
    RULES,
    RULES_PATH,
    RULES_TEST_PATH,
)


def _run(tool: str, *args: str) -> subprocess.CompletedProcess:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (Debian: apt-get install prometheus prometheus-alertmanager)")
    return subprocess.run([tool, *args], cwd=PROMETHEUS_DIR, capture_output=True, text=True, timeout=60)


def test_rules_pass_promtool_check():
    result = _run("promtool", "check", "rules", RULES_PATH.name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(RULES)} rules found" in result.stdout


def test_recording_rules_pass_promtool_check():
    result = _run("promtool", "check", "rules", RECORDING_PATH.name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(RECORDS)} rules found" in result.stdout


@pytest.mark.parametrize("path", [RULES_TEST_PATH, RECORDING_TEST_PATH], ids=lambda path: path.name)
def test_rule_unit_tests_pass(path):
    result = _run("promtool", "test", "rules", path.name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_prometheus_config_passes_promtool_check():
    result = _run("promtool", "check", "config", PROMETHEUS_CONFIG_PATH.name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 2 rule files found" in result.stdout


def test_alertmanager_config_passes_amtool_check():
    result = _run("amtool", "check-config", ALERTMANAGER_CONFIG_PATH.name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        ({"alertname": "StatuspageComponentMajorOutage", "severity": "critical", "component": "Actions"}, "pager"),
        ({"alertname": "StatuspageIncidentUnresolved", "severity": "critical", "impact": "critical"}, "pager"),
        ({"alertname": "StatuspageComponentDegraded", "severity": "warning", "component": "Actions"}, "chat"),
        ({"alertname": "StatuspageUpstreamDown", "severity": "warning"}, "chat"),
        ({"alertname": "StatuspageMaintenanceInProgress", "severity": "info", "component": "Actions"}, "info"),
        ({"alertname": "SomethingElse"}, "chat"),
    ],
)
def test_alertmanager_routes_by_severity(labels, receiver):
    pairs = [f"{key}={value}" for key, value in labels.items()]
    result = _run("amtool", "config", "routes", "test", f"--config.file={ALERTMANAGER_CONFIG_PATH.name}", *pairs)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split() == [receiver]
