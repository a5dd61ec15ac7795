"""The normalized status page every engine produces and every renderer reads (frozen dataclasses).

Times are Unix seconds (or None where the page gives none). Values are normalized to the words of
`exporter.vocabulary` where the engine's vocabulary maps onto them; a value beyond those is kept as
the engine spells it (lower-cased), so that it is exported as a series of its own.
Knows nothing of HTTP, engines or Prometheus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    """The page itself: its id, name and public URL where the engine publishes them, else ""."""

    id: str
    name: str
    url: str
    updated_at: float | None


@dataclass(frozen=True)
class Component:
    """A component (never a group); `group` is its group's name, "" when it has none."""

    id: str
    name: str
    status: str
    group: str
    updated_at: float | None


@dataclass(frozen=True)
class Incident:
    """An unresolved incident."""

    id: str
    name: str
    status: str
    impact: str
    started_at: float | None


@dataclass(frozen=True)
class Maintenance:
    """A scheduled maintenance that is upcoming (`scheduled`) or in progress (`in_progress`)."""

    id: str
    name: str
    status: str
    scheduled_for: float | None
    scheduled_until: float | None


@dataclass(frozen=True)
class Summary:
    """Everything one page says, in the order the page lists it."""

    page: Page
    indicator: str
    components: tuple[Component, ...]
    incidents: tuple[Incident, ...]
    maintenances: tuple[Maintenance, ...]


def visible_components(components: tuple[Component, ...], exclude: re.Pattern[str] | None) -> tuple[Component, ...]:
    """The components an `--components.exclude` pattern leaves (all of them for None)."""
    if exclude is None:
        return components
    return tuple(component for component in components if not exclude.search(component.name))
