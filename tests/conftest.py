"""Shared fixtures, and the rule that CI runs every integration test (a skip there is a failure)."""

from __future__ import annotations

import io
import json
import logging
import os

import pytest
import structlog

from exporter import log

_skipped_integration: list[str] = []


@pytest.fixture
def log_lines():
    """Configure JSON logging into a buffer; call the fixture's value to get the parsed lines."""
    buffer = io.StringIO()
    log.configure("debug", "json", stream=buffer)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    structlog.reset_defaults()
    logging.getLogger().handlers.clear()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and "integration" in report.keywords:
        _skipped_integration.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CI") and _skipped_integration:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if os.environ.get("CI") and _skipped_integration:
        terminalreporter.write_line(
            f"CI=true: {len(_skipped_integration)} integration test(s) skipped, which fails the run:", red=True
        )
        for nodeid in _skipped_integration:
            terminalreporter.write_line(f"  {nodeid}", red=True)
