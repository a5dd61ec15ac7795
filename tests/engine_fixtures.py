"""This suite's own engine documents, the shared captures by name (through tests/shared_fixtures.py), and
the mutations of malformed-document tables."""

from __future__ import annotations

from pathlib import Path

from tests import shared_fixtures

SHARED_ENGINE_FIXTURES = shared_fixtures.ENGINES
#: Documents written for this suite, for states no capture shows.
OWN_ENGINE_FIXTURES = Path(__file__).parent / "fixtures" / "engines"


def shared_engine_fixture(name: str) -> bytes:
    """The bytes of one shared engine capture, by file name; skips the test where ../shared is absent."""
    return shared_fixtures.shared_bytes(name)


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
