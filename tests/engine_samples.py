"""One tiny sample page per engine, as the bytes of each of its endpoints (in `endpoints()` order).

Every engine in `exporter.engines.ENGINES` needs an entry here: the status API's schema tests run
over all of them, and fail for an engine without a sample. `SHARED_CAPTURES` names the real
captures in ../shared/fixtures/ that an engine's documents come from, where there are any.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

from exporter.engines import Body
from tests import payloads

SHARED_ROOT = payloads.SHARED_FIXTURES.parent

#: Engine name -> the body of each endpoint, in order.
SAMPLES: dict[str, tuple[bytes, ...]] = {
    "statuspage": (
        json.dumps(
            payloads.summary(
                [
                    payloads.component("API", "partial_outage", id="api000000001"),
                    payloads.component("Web", id="web000000001"),
                ],
                indicator="major",
                incidents=[payloads.incident("API errors", impact="major")],
                maintenances=[payloads.maintenance("Upgrade")],
            )
        ).encode(),
    ),
}

#: Engine name -> real captures, each a sequence of files (one per endpoint) under ../shared/fixtures.
SHARED_CAPTURES: dict[str, tuple[tuple[str, ...], ...]] = {
    "statuspage": tuple((f"statuspage/{path.name}",) for path in payloads.shared_payloads() if "-summary-" in path.name)
    + (("engines/statuspage-cloudamqp-2020-07-16-under-maintenance-in-progress.json",),),
}


def bodies(contents: Sequence[bytes]) -> list[Body]:
    return [Body(content, "application/json") for content in contents]


def shared_bodies(files: Sequence[str]) -> list[Body] | None:
    """The capture's bodies, or None where ../shared is absent."""
    paths = [SHARED_ROOT / name for name in files]
    if not all(path.is_file() for path in paths):
        return None
    return bodies([Path(path).read_bytes() for path in paths])
