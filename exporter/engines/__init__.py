"""Status page engines by name: the table `--statuspage.engine` and a page's `engine:` choose from.

Each engine is a module that defines `ENGINE` (see `base.Engine`): which documents it reads under a
page's URL and a pure `interpret` of their bodies. Adding an engine is one module, one line in
`_MODULES` and one in `detection.DETECTION_ORDER` (where `engine: auto` asks it); the table's order
is the order of the help texts and errors.
"""

from __future__ import annotations

from types import MappingProxyType

from exporter.engines import (
    apple,
    aws,
    azure_devops,
    betterstack,
    cachet,
    feed,
    google_cloud,
    heroku,
    ibm_cloud,
    incidentio,
    instatus,
    salesforce,
    slack,
    statusio,
    statuspage,
    uptime_kuma,
)
from exporter.engines.base import Body, Engine, PageOptions

__all__ = ["ENGINES", "Body", "Engine", "PageOptions", "engine_names"]

_MODULES = (
    statuspage,
    incidentio,
    statusio,
    instatus,
    betterstack,
    slack,
    google_cloud,
    aws,
    heroku,
    cachet,
    uptime_kuma,
    salesforce,
    azure_devops,
    ibm_cloud,
    apple,
    feed,
)

ENGINES = MappingProxyType({module.ENGINE.name: module.ENGINE for module in _MODULES})


def engine_names() -> tuple[str, ...]:
    """Every engine's name, in the order the table lists them (for help texts and errors)."""
    return tuple(ENGINES)
