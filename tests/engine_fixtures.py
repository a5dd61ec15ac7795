"""The real engine captures in ../shared/fixtures/engines (see its SOURCES.md), and our own small ones."""

from __future__ import annotations

from pathlib import Path

import pytest

#: Real responses of status page engines; present on the team's machines and in CI.
SHARED_ENGINE_FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "engines"
#: Small documents written for this suite, for states no capture shows.
OWN_ENGINE_FIXTURES = Path(__file__).parent / "fixtures" / "engines"


def shared_engine_fixture(name: str) -> bytes:
    """The bytes of one shared capture; skips the test where ../shared is absent."""
    path = SHARED_ENGINE_FIXTURES / name
    if not path.is_file():
        pytest.skip(f"shared engine fixture {name} is absent")
    return path.read_bytes()


def own_engine_fixture(name: str) -> bytes:
    """The bytes of one of our own engine fixtures (tests/fixtures/engines/)."""
    return (OWN_ENGINE_FIXTURES / name).read_bytes()
