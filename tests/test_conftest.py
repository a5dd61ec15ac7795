"""The suite's own rule: in CI (CI=true) any skipped test fails the run, unit or integration."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

CONFTEST = (Path(__file__).parent / "conftest.py").read_text()


@pytest.mark.parametrize(("ci", "code"), [("true", pytest.ExitCode.TESTS_FAILED), ("", pytest.ExitCode.OK)])
def test_a_skipped_unit_test_fails_the_run_only_in_ci(pytester, monkeypatch, ci, code):
    monkeypatch.setenv("CI", ci)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        test_sample="import pytest\n\ndef test_runs():\n    pass\n\ndef test_skips():\n    pytest.skip('absent')\n"
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, skipped=1)
    assert result.ret == code
    if ci:
        assert "CI=true: 1 test(s) skipped, which fails the run:" in result.outlines
