"""The real captured documents of status page engines in ../shared, and this suite's own small ones."""

from __future__ import annotations

from pathlib import Path

import pytest

#: Real responses captured from public repositories (see SOURCES.md there); absent outside the team's machines.
SHARED_ENGINE_FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "engines"
#: Documents written for this suite, for states no capture shows.
OWN_ENGINE_FIXTURES = Path(__file__).parent / "fixtures" / "engines"


def shared_engine_fixture(name: str) -> bytes:
    """The bytes of one shared capture, by file name; skips the test where ../shared is absent."""
    path = SHARED_ENGINE_FIXTURES / name
    if not path.is_file():
        pytest.skip(f"shared engine fixture {name} not present at {path}")
    return path.read_bytes()


def own_engine_fixture(name: str) -> bytes:
    """The bytes of one of this suite's engine fixtures (tests/fixtures/engines/)."""
    return (OWN_ENGINE_FIXTURES / name).read_bytes()


def without(*path):
    """A mutation for malformed-document tables: delete the value at `path` (keys and indexes)."""

    def mutate(document):
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        del parent[path[-1]]

    return mutate


def replaced(*path_and_value):
    """A mutation for malformed-document tables: `replaced("a", 0, "b", value)` sets document["a"][0]["b"]."""
    *path, value = path_and_value

    def mutate(document):
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        parent[path[-1]] = value

    return mutate
