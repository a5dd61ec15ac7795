"""Components that only incidents name (for engines that publish no component list: clouds, Slack),
and the Summary of every engine whose page publishes no overall indicator.

Each service an unresolved incident names becomes a component, with the worst status any of its
incidents gives it; `derived_summary` derives the page's indicator from the components' statuses
and the incidents' impacts.
"""

from __future__ import annotations

from typing import Iterable

from exporter.model import Component, Incident, Maintenance, Page, Summary
from exporter.vocabulary import derive_indicator, worst_component_status

NO_PAGE = Page(id="", name="", url="", updated_at=None)


class AffectedComponents:
    """Collects (id, name, status) as incidents name them; `components()` keeps the worst per id."""

    def __init__(self) -> None:
        self._by_id: dict[str, tuple[str, list[str]]] = {}  # id -> (name, every status it was given)

    def add(self, component_id: str, name: str, status: str) -> None:
        self._by_id.setdefault(component_id, (name, []))[1].append(status)

    def components(self) -> tuple[Component, ...]:
        """In the order they were first named."""
        return tuple(
            Component(id=component_id, name=name, status=worst_component_status(statuses), group="", updated_at=None)
            for component_id, (name, statuses) in self._by_id.items()
        )


def derived_summary(
    components: tuple[Component, ...],
    incidents: Iterable[Incident],
    page: Page = NO_PAGE,
    indicator: str | None = None,
    maintenances: Iterable[Maintenance] = (),
) -> Summary:
    """A Summary whose indicator (unless given) is derived from its components and incidents."""
    incidents = tuple(incidents)
    if indicator is None:
        indicator = derive_indicator([c.status for c in components], [i.impact for i in incidents])
    return Summary(
        page=page, indicator=indicator, components=components, incidents=incidents, maintenances=tuple(maintenances)
    )
