"""Each engine's malformed-document table, one module per engine (`tests/engine_cases/<engine>.py`).

A module defines `MALFORMED`: a list of `(bodies, message)`, the bodies (bytes, one per endpoint)
of a document that is wrong in one place, and the exact `InvalidPayload` text that names it.
An engine whose documents are not JSON says so in `FORMAT` (default "json"; then any body that is
not JSON must be `FetchError("invalid_json")`) and defines `NEARLY`, a hypothesis strategy of
lists of nearly-right bodies (JSON engines get `nearly()` of their sample's documents). The contract test
(tests/test_engines_contract.py) runs every engine's module.
"""

from __future__ import annotations

import copy
import importlib
import json
from types import ModuleType
from typing import Any, Callable, Iterable, Sequence

from tests import engine_samples

Change = Callable[[Any], object]


def encode(documents: Sequence[Any]) -> list[bytes]:
    """Decoded JSON documents -> their bodies."""
    return [json.dumps(document).encode("utf-8", "surrogatepass") for document in documents]


def sample_documents(engine: str) -> list[Any]:
    """The decoded JSON documents of an engine's sample, one per endpoint."""
    return [json.loads(body.content) for body in engine_samples.SAMPLES[engine].bodies()]


def json_cases(
    base: Any, table: Iterable[tuple[Change, str]], *, several: bool = False
) -> list[tuple[list[bytes], str]]:
    """`(bodies, message)` for each `(change, message)`: `change` mutates a deep copy of `base` in
    place: one endpoint's document, or (`several`) the list of an engine's documents in endpoint order."""
    cases = []
    for change, message in table:
        document = copy.deepcopy(base)
        change(document)
        cases.append((encode(document if several else [document]), message))
    return cases


def case_module(engine: str) -> ModuleType:
    """The engine's case module; ModuleNotFoundError names the one missing."""
    return importlib.import_module(f"tests.engine_cases.{engine}")
