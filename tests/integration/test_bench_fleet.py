"""The fleet benchmark runs end to end: both servers answer every probe, with one upstream request
per document and round, and it prints the table that `docs/operations.md` quotes.

It measures nothing here (timings are for `make bench`): this only keeps the benchmark working.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests import shared_fixtures

ROOT = Path(__file__).resolve().parents[2]


def test_fleet_benchmark_measures_the_exporter_and_the_skeleton():
    if not shared_fixtures.shared_paths(shared_fixtures.ENGINES, "*.json"):
        pytest.skip(f"the fleet is built from the captures in {shared_fixtures.ENGINES}, absent here")
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "fleet.py"), "--pages", "17", "--rounds", "1", "--warmup", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "17 pages from 17 real captures of 15 engines" in result.stdout
    assert "22 upstream requests (all 200) a server" in result.stdout
    row = re.search(r"^\| ratio \| ([\d.]+) \| ([\d.]+) \|$", result.stdout, re.MULTILINE)
    assert row is not None, result.stdout
    # CPU time comes in clock ticks (10 ms): a single round of 17 probes may read 0 for the skeleton.
    cpu = re.search(r"^\| CPU per page refresh \(probe served\) \| ([\d.]+) ms \| ([\d.]+) ms \|$", result.stdout, re.M)
    assert cpu is not None, result.stdout
