"""Hypothesis strategies for engine parsers: any JSON, and real documents with one value changed.

`assert_summary_or_typed_error` states the contract every engine's `interpret` keeps: whatever the
bodies, a Summary comes back (and renders) or InvalidPayload / FetchError("invalid_json") is raised.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Callable, Sequence

from hypothesis import strategies as st

from exporter.engines.base import Body
from exporter.errors import FetchError, InvalidPayload
from exporter.model import Summary
from tests.test_properties import ANY_JSON, FIELD_VALUES, _render

__all__ = ["ANY_JSON", "assert_summary_or_typed_error", "mutated"]


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path (a tuple of keys and indexes) to a value inside a decoded document."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


@st.composite
def mutated(draw: Callable, document: Any, values: st.SearchStrategy = FIELD_VALUES) -> Any:
    """The document with one to three values replaced (by near-miss values) or removed."""
    result = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(result) if p]
        if not paths:
            return draw(values)
        path = draw(st.sampled_from(paths))
        parent = result
        for step in path[:-1]:
            parent = parent[step]
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(values)
    return result


def assert_summary_or_typed_error(interpret: Callable[[Sequence[Body]], Summary], documents: Sequence[Any]) -> None:
    """Interpret the JSON-encoded documents: a Summary that renders, or the typed error, nothing else."""
    bodies = [Body(json.dumps(d).encode("utf-8", "surrogatepass"), "application/json") for d in documents]
    try:
        summary = interpret(bodies)
    except InvalidPayload:
        return
    except FetchError as err:
        assert err.reason == "invalid_json", err
        return
    assert isinstance(summary, Summary)
    _render(summary)
