"""Hypothesis strategies for the parsers: any JSON, and real documents with a few fields broken;
and `render`, a Summary's exposition (the contract every engine keeps is tests/test_engines_contract.py).
"""

from __future__ import annotations

import copy
from typing import Any, Iterator

from hypothesis import strategies as st
from prometheus_client import generate_latest
from prometheus_client.registry import CollectorRegistry

from exporter.model import CacheView, FetchStats, Summary
from exporter.render.collector import StatuspageCollector

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()


def _containers(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)


ANY_JSON = st.recursive(JSON_SCALARS, _containers, max_leaves=30)
#: Wrong types mixed with values that are nearly right: times, codes and words engines use.
FIELD_VALUES = ANY_JSON | st.sampled_from(
    [
        "operational",
        "major_outage",
        "none",
        "2026-11-28T05:30:00-08:00",
        "9999-12-31T23:59:59+14:00",
        "",
        "0",
        "3",
        "1772369485",
        "1e400",
        "NaN",
        10**400,
        "ok",
        "active",
        "outage",
        "green",
        "SERVICE_OUTAGE",
        "high",
        "2026-11-28T05:30:00.123Z",
        "2026-02-30T00:00:00Z",
        "2026-11-28T05:30:00",
        "\ud800",
        "arn:aws:health::",
        [],
        {},
    ]
)


def _slots(value: Any) -> Iterator[tuple[Any, Any]]:
    """Every (container, key) pair in a decoded JSON value, depth first."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield value, key
            yield from _slots(child)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield value, index
            yield from _slots(child)


@st.composite
def nearly(draw, document: Any, max_changes: int = 3) -> Any:
    """`document` with one to `max_changes` values replaced by FIELD_VALUES or object keys deleted."""
    changed = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, max_changes))):
        slots = list(_slots(changed))
        if not slots:
            break
        container, key = draw(st.sampled_from(slots))
        if isinstance(container, dict) and draw(st.booleans()):
            del container[key]
        else:
            container[key] = draw(FIELD_VALUES)
    return changed


def render(summary: Summary) -> str:
    """The summary's exposition, as a scrape writes it (so whatever parsed can be written out)."""
    registry = CollectorRegistry()
    registry.register(StatuspageCollector(lambda: CacheView(summary, FetchStats()), None))
    return generate_latest(registry).decode("utf-8")
