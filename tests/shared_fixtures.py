"""The one reader of `../shared/fixtures`: real responses captured in public repositories.

The folder sits beside the checkout on the team's machines and in CI (each capture's origin is in
its SOURCES.md). Where it is absent a test that needs a capture skips, and in CI (CI=true) any
skipped test fails the run (tests/conftest.py), so no test can vanish there unnoticed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
STATUSPAGE = ROOT / "statuspage"
ENGINES = ROOT / "engines"


def find(relative: str | Path, folder: Path = ENGINES) -> Path | None:
    """The path of one capture (relative to `folder`), or None where it is absent (for benchmarks)."""
    path = folder / relative
    return path if path.is_file() else None


def shared_path(relative: str | Path, folder: Path = ENGINES) -> Path:
    """The path of one capture (relative to `folder`); skips the test where it is absent."""
    path = find(relative, folder)
    if path is None:
        pytest.skip(f"shared fixture {relative} not present at {folder / relative}")
    return path


def shared_bytes(relative: str | Path, folder: Path = ENGINES) -> bytes:
    """The bytes of one capture (relative to `folder`); skips the test where it is absent."""
    return shared_path(relative, folder).read_bytes()


def shared_paths(folder: Path, pattern: str = "*") -> list[Path]:
    """The captures in `folder` matching `pattern`, sorted; empty where the folder is absent (a
    parametrized test over an empty list is reported as skipped, which CI counts as a failure)."""
    if not folder.is_dir():
        return []
    return sorted(folder.glob(pattern))
