"""Status page engines by name: the table `--statuspage.engine` and a page's `engine:` choose from.

Each engine is a module with `endpoints(url)` and a pure `interpret(bodies)`; see `base.Engine`.
"""

from __future__ import annotations

from types import MappingProxyType

from exporter.engines import aws, google_cloud, heroku, slack, statuspage
from exporter.engines.base import Body, Engine

__all__ = ["ENGINES", "Body", "Engine", "engine_names"]

ENGINES = MappingProxyType(
    {
        engine.name: engine
        for engine in (
            Engine("statuspage", statuspage.endpoints, statuspage.interpret),
            Engine("slack", slack.endpoints, slack.interpret),
            Engine("heroku", heroku.endpoints, heroku.interpret),
            Engine("aws", aws.endpoints, aws.interpret),
            Engine("google_cloud", google_cloud.endpoints, google_cloud.interpret, google_cloud.MAX_BYTES),
        )
    }
)


def engine_names() -> tuple[str, ...]:
    """Every engine's name, in the order the table lists them (for help texts and errors)."""
    return tuple(ENGINES)
