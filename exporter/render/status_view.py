"""What a page's status is, for people and programs: one cache view, as every renderer reads it.

`page_status(settings, view)` applies the page's component exclusion (`model.visible_components`,
as the metrics do) and says whether the data is fresh, stale (served after failures) or missing,
and why. The JSON API, the HTML page and the badges all start from a `PageStatus`, so they cannot
disagree with each other or with the metrics. The word and tone tables say each state in words and as one of
a few tones that the renderers colour. Knows nothing of HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from exporter.fetch.cache import CacheView
from exporter.model import Summary, visible_components
from exporter.pagefile import PageSettings
from exporter.urls import redact_url

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
    engine: str
    is_default: bool
    summary: Summary | None
    up: bool
    last_success: float | None
    error_reason: str
    error_detail: str

    @property
    def stale(self) -> bool:
        """The last good data is served while requests fail."""
        return self.summary is not None and not self.up

    @property
    def title(self) -> str:
        """The page's own name where it gives one, else its name in the configuration."""
        return (self.summary.page.name if self.summary else "") or self.target

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
        summary = replace(summary, components=visible_components(summary.components, settings.components_exclude))
    stats = view.stats
    return PageStatus(
        target=settings.name,
        url=redact_url(settings.url),
        engine=settings.engine,
        is_default=is_default,
        summary=summary,
        up=stats.up,
        last_success=stats.last_success_timestamp or None,
        error_reason=stats.last_error_reason,
        error_detail=stats.last_error_detail,
    )
