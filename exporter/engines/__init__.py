"""Status page engines by name: the table `--statuspage.engine` and a page's `engine:` choose from.

Each engine is a module with `endpoints(url)` and a pure `interpret(bodies)`; see `base.Engine`.
"""

from __future__ import annotations

from types import MappingProxyType

from exporter.engines import aws, betterstack, google_cloud, heroku, incidentio, instatus, slack, statusio, statuspage
from exporter.engines.base import Body, Engine

__all__ = ["ENGINES", "Body", "Engine", "engine_names"]

ENGINES = MappingProxyType(
    {
        engine.name: engine
        for engine in (
            Engine("statuspage", statuspage.endpoints, statuspage.interpret),
            Engine("incidentio", incidentio.endpoints, incidentio.interpret),
            Engine("statusio", statusio.endpoints, statusio.interpret),
            Engine("instatus", instatus.endpoints, instatus.interpret),
            Engine("betterstack", betterstack.endpoints, betterstack.interpret),
            Engine("slack", slack.endpoints, slack.interpret),
            Engine("google_cloud", google_cloud.endpoints, google_cloud.interpret, google_cloud.MAX_BYTES),
            Engine("aws", aws.endpoints, aws.interpret),
            Engine("heroku", heroku.endpoints, heroku.interpret),
        )
    }
)


def engine_names() -> tuple[str, ...]:
    """Every engine's name, in the order the table lists them (for help texts and errors)."""
    return tuple(ENGINES)
