"""What a page's status is, for people and programs: one cache view, as every renderer reads it.

`page_status(settings, view)` applies the page's component scope (`model.visible_components`: its
include, then its exclude, as the metrics do) and says whether the data is fresh, stale (served
after failures) or missing, and why. The JSON API, the HTML page and the badges all start from a
`PageStatus`, so they cannot disagree with each other or with the metrics. The word and tone tables
say each state in words and as one of a few tones that the renderers colour; `worst_first` orders
pages as the page list and the status page's index show them. Knows nothing of HTTP.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import Iterable

from exporter.model import CacheView, Summary, visible_components
from exporter.pagefile import PageSettings
from exporter.urls import redact_url
from exporter.vocabulary import component_status_rank, indicator_rank, worst_component_status

#: An indicator in words, as a person reads it.
INDICATOR_WORDS = {
    "none": "All systems operational",
    "minor": "Minor service outage",
    "major": "Partial system outage",
    "critical": "Major system outage",
    "maintenance": "Service under maintenance",
}
#: A component status in words.
STATUS_WORDS = {
    "operational": "Operational",
    "degraded_performance": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
    "under_maintenance": "Under maintenance",
}
#: The tone (and so the colour) of an indicator, a component status or an incident's impact.
TONES = {
    "none": "ok",
    "operational": "ok",
    "minor": "minor",
    "degraded_performance": "minor",
    "major": "major",
    "partial_outage": "major",
    "critical": "critical",
    "major_outage": "critical",
    "maintenance": "maintenance",
    "under_maintenance": "maintenance",
}
#: The tone of a state this code does not know, and of missing data.
UNKNOWN_TONE = "unknown"


def words(value: str) -> str:
    """A status or indicator in words; a value beyond the vocabularies as the engine spells it."""
    return STATUS_WORDS.get(value) or INDICATOR_WORDS.get(value) or value.replace("_", " ").capitalize()


def tone(value: str) -> str:
    return TONES.get(value, UNKNOWN_TONE)


@dataclass(frozen=True)
class PageStatus:
    """One page as the status API, page and badges show it.

    `url` is the configured one with its credentials redacted (`exporter.urls`). `summary` is
    None when there is no data to give (never fetched successfully, or expired past
    max-stale); its components are those the metrics export. `error_reason` and `error_detail`
    describe the latest failure ("" when the latest request succeeded or none has ended yet).
    """

    target: str
    url: str
    #: The engine that reads the page: the detected one for `auto` once known.
    engine: str
    is_default: bool
    summary: Summary | None
    up: bool
    last_success: float | None
    error_reason: str
    error_detail: str
    #: The page's name for people until its data names it (the catalog's, else `target`).
    display_name: str = ""

    @property
    def stale(self) -> bool:
        """The last good data is served while requests fail."""
        return self.summary is not None and not self.up

    @property
    def title(self) -> str:
        """The page's own name where it gives one, else its catalog name, else its configured name."""
        return (self.summary.page.name if self.summary else "") or self.display_name or self.target

    @functools.cached_property
    def components_worst_status(self) -> str | None:
        """The worst status among the page's components in scope (`operational` when none is); None
        while there is no data. Worked out once: the pages list reads it to sort and to show."""
        if self.summary is None:
            return None
        return worst_component_status(component.status for component in self.summary.components)

    @property
    def state(self) -> str:
        """`up`, `stale` or `down` (no data to give)."""
        if self.summary is None:
            return "down"
        return "stale" if self.stale else "up"


def page_status(settings: PageSettings, view: CacheView, *, is_default: bool = False) -> PageStatus:
    """The page's status from its cache view, with its components filtered as the metrics are."""
    summary = view.summary
    if summary is not None:
        components = visible_components(
            summary.components, settings.components_exclude, include=settings.components_include
        )
        summary = replace(summary, components=components)
    stats = view.stats
    return PageStatus(
        target=settings.name,
        url=redact_url(settings.url),
        engine=view.engine or settings.engine,
        is_default=is_default,
        summary=summary,
        up=stats.up,
        last_success=stats.last_success_timestamp or None,
        error_reason=stats.last_error_reason,
        error_detail=stats.last_error_detail,
        display_name=settings.display_name,
    )


def worst_first(statuses: Iterable[PageStatus]) -> list[PageStatus]:
    """The pages, worst first: those without data (nothing is known of them), then by the worst
    status of their components in scope, then by their overall indicator; ties keep their order
    (the default page first, then the page file's)."""
    return sorted(statuses, key=_badness, reverse=True)


def _badness(status: PageStatus) -> tuple[bool, float, float]:
    if status.summary is None:
        return (True, 0.0, 0.0)
    worst = status.components_worst_status or "operational"
    return (False, component_status_rank(worst), indicator_rank(status.summary.indicator))
