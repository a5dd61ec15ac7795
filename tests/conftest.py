"""Shared fixtures; what marks integration tests; the hypothesis profiles; and the rule that CI runs
every test (in CI, any skipped test, unit or integration, fails the run).

An integration test is one that lives in tests/integration/ (it starts real processes and
servers): that location is the one mechanism that marks it, so `make unit` and `make integration`
split the suite by it. Hypothesis runs a fast profile by default and a thorough one in CI
(`HYPOTHESIS_PROFILE=thorough`, or CI=true).
"""

from __future__ import annotations

import io
import json
import logging
import os
from pathlib import Path

import pytest
import structlog
from hypothesis import HealthCheck, settings

from exporter import log

_skipped: list[str] = []
_INTEGRATION_DIR = Path(__file__).parent / "integration"

settings.register_profile("fast", max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("thorough" if os.environ.get("CI") else "fast"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _INTEGRATION_DIR in Path(item.fspath).parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture
def log_lines():
    """Configure JSON logging into a buffer; call the fixture's value to get the parsed lines."""
    buffer = io.StringIO()
    log.configure("debug", "json", stream=buffer)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    structlog.reset_defaults()
    logging.getLogger().handlers.clear()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CI") and _skipped:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if os.environ.get("CI") and _skipped:
        terminalreporter.write_line(f"CI=true: {len(_skipped)} test(s) skipped, which fails the run:", red=True)
        for nodeid in _skipped:
            terminalreporter.write_line(f"  {nodeid}", red=True)
