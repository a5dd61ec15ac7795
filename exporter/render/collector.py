"""The cache's view as Prometheus metric families, built afresh on every collect().

Sample output (abridged):

    statuspage_up 1.0
    statuspage_engine_detected 0.0
    statuspage_page_info{engine="statuspage",name="GitHub",page_id="kctbh9vrtdwd",url="https://githubstatus.com"} 1.0
    statuspage_overall_status{indicator="none"} 1.0
    statuspage_overall_status{indicator="minor"} 0.0
    statuspage_component_status{component="Actions",component_id="br0l2tvcx85d",group="",status="operational"} 1.0
    statuspage_component_status{component="Actions",component_id="br0l2tvcx85d",group="",status="major_outage"} 0.0
    statuspage_components_worst_status{status="operational"} 1.0
    statuspage_components_worst_status{status="degraded_performance"} 0.0
    statuspage_incidents_unresolved{impact="major"} 1.0
    statuspage_fetch_errors_total{reason="timeout"} 0.0

`statuspage_page_info` is there from the start: before the page's first answer it carries the
configured (or catalog) name and URL, and for `engine: auto` the engine `auto` until one is detected.

State metrics carry one series per known state (1 for the current one, 0 for the rest) so that
series never vanish and alerts can say `== 1`. A state this code does not know is exported as one
more series, never dropped (and warned about once per fetch, by `exporter.fetch.unknown`).
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator, Sequence

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from exporter.engines.detection import AUTO
from exporter.model import CacheView, FetchStats, Summary, visible_components
from exporter.patterns import NamePattern
from exporter.urls import redact_url
from exporter.vocabulary import COMPONENT_STATUSES, IMPACTS, INDICATORS, REASONS, worst_component_status


class StatuspageCollector:
    """Exports one page's Summary and fetch statistics. `view` is read once per collect().

    A renderer that keeps the text of each part apart calls `view_families` and `summary_families`
    itself: together they are collect(), in that order.
    """

    def __init__(
        self,
        view: Callable[[], CacheView],
        exclude: NamePattern | None,
        *,
        include: NamePattern | None = None,
        engine: str = "statuspage",
        name: str = "",
        url: str = "",
    ):
        """`engine` is the configured one (maybe `auto`); `include` and `exclude` scope the components
        (`model.visible_components`); `name` and `url` are the configured ones, for what the page
        itself does not publish."""
        self._view = view
        self._exclude = exclude
        self._include = include
        self._engine = engine
        self._name = name
        self._url = redact_url(url)  # its credentials are for requests, not for the url label

    def describe(self) -> Iterable[Metric]:
        """Nothing: registering must never make the registry collect (that would read the page)."""
        return ()

    def collect(self) -> Iterator[Metric]:
        view = self._view()
        yield from self.view_families(view)
        if view.summary is not None:
            yield from self.summary_families(view.summary)

    def view_families(self, view: CacheView) -> Iterator[Metric]:
        """What collect() yields first: the fetch statistics, whether the engine is detected, the
        page's info. A dozen series, whatever the page's size."""
        yield from self._fetch_metrics(view.stats)
        yield GaugeMetricFamily(
            "statuspage_engine_detected",
            "1 if the page's engine is detected (engine auto), 0 if it is configured.",
            value=1 if self._engine == AUTO else 0,
        )
        yield self._page_info(view)

    # -- the fetch statistics --------------------------------------------------------------------
    @staticmethod
    def _fetch_metrics(stats: FetchStats) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "statuspage_up",
            "1 if the latest request to the status page succeeded (200 or 304), else 0.",
            value=1 if stats.up else 0,
        )
        yield CounterMetricFamily(
            "statuspage_fetches",
            "Fetches of the status page: one per refresh, whatever the number of documents its engine reads.",
            value=stats.fetches,
        )
        errors = CounterMetricFamily(
            "statuspage_fetch_errors", "Failed fetches of the status page, by reason.", labels=["reason"]
        )
        for reason in REASONS:
            errors.add_metric([reason], stats.errors[reason])
        yield errors
        yield CounterMetricFamily(
            "statuspage_fetch_not_modified", "Requests answered 304 Not Modified.", value=stats.not_modified
        )
        yield GaugeMetricFamily(
            "statuspage_last_fetch_duration_seconds",
            "Duration of the latest request to the status page.",
            value=stats.last_duration_seconds,
        )
        yield GaugeMetricFamily(
            "statuspage_last_success_timestamp_seconds",
            "Unix time the latest successful request ended; 0 before the first success.",
            value=stats.last_success_timestamp,
        )

    # -- the page's series ---------------------------------------------------------------------
    def _page_info(self, view: CacheView) -> Metric:
        page = view.summary.page if view.summary is not None else None
        info = GaugeMetricFamily(
            "statuspage_page_info", "The status page; always 1.", labels=["page_id", "name", "url", "engine"]
        )
        page_id, name, url = (page.id, page.name, redact_url(page.url)) if page is not None else ("", "", "")
        info.add_metric([page_id, name or self._name, url or self._url, view.engine or self._engine], 1)
        return info

    def summary_families(self, summary: Summary) -> Iterator[Metric]:
        """The page's families, after `view_families` (none without a Summary)."""
        page = summary.page
        if page.updated_at is not None:
            yield GaugeMetricFamily(
                "statuspage_page_updated_timestamp_seconds",
                "Unix time the page was last updated.",
                value=page.updated_at,
            )

        overall = GaugeMetricFamily(
            "statuspage_overall_status", "The page's overall indicator: 1 for the current one.", labels=["indicator"]
        )
        self._add_states(overall, [], summary.indicator, INDICATORS)
        yield overall

        yield from self._component_metrics(summary)
        yield from self._incident_metrics(summary)
        yield from self._maintenance_metrics(summary)

    def _component_metrics(self, summary: Summary) -> Iterator[Metric]:
        labels = ["component", "component_id", "group"]
        status = GaugeMetricFamily(
            "statuspage_component_status", "A component's status: 1 for the current one.", labels=[*labels, "status"]
        )
        updated = GaugeMetricFamily(
            "statuspage_component_updated_timestamp_seconds", "Unix time a component was last updated.", labels=labels
        )
        components = visible_components(summary.components, self._exclude, include=self._include)
        for component in components:
            values = [component.name, component.id, component.group]
            self._add_states(status, values, component.status, COMPONENT_STATUSES)
            if component.updated_at is not None:
                updated.add_metric(values, component.updated_at)
        yield status
        yield updated
        worst = GaugeMetricFamily(
            "statuspage_components_worst_status",
            "The worst status among the components exported (operational when none is): 1 for it.",
            labels=["status"],
        )
        worst_status = worst_component_status(component.status for component in components)
        self._add_states(worst, [], worst_status, COMPONENT_STATUSES)
        yield worst

    def _incident_metrics(self, summary: Summary) -> Iterator[Metric]:
        counts = dict.fromkeys(IMPACTS, 0)
        info = GaugeMetricFamily(
            "statuspage_incident_info",
            "An unresolved incident; always 1.",
            labels=["incident_id", "name", "impact", "status"],
        )
        started = GaugeMetricFamily(
            "statuspage_incident_started_timestamp_seconds",
            "Unix time an unresolved incident started.",
            labels=["incident_id"],
        )
        for incident in summary.incidents:
            counts[incident.impact] = counts.get(incident.impact, 0) + 1
            info.add_metric([incident.id, incident.name, incident.impact, incident.status], 1)
            if incident.started_at is not None:
                started.add_metric([incident.id], incident.started_at)
        unresolved = GaugeMetricFamily(
            "statuspage_incidents_unresolved", "Unresolved incidents, by impact.", labels=["impact"]
        )
        for impact, count in counts.items():
            unresolved.add_metric([impact], count)
        yield unresolved
        yield info
        yield started

    @staticmethod
    def _maintenance_metrics(summary: Summary) -> Iterator[Metric]:
        info = GaugeMetricFamily(
            "statuspage_maintenance_info",
            "An upcoming or in-progress scheduled maintenance; always 1.",
            labels=["maintenance_id", "name", "status"],
        )
        start = GaugeMetricFamily(
            "statuspage_maintenance_start_timestamp_seconds",
            "Unix time a maintenance is scheduled to start.",
            labels=["maintenance_id"],
        )
        end = GaugeMetricFamily(
            "statuspage_maintenance_end_timestamp_seconds",
            "Unix time a maintenance is scheduled to end.",
            labels=["maintenance_id"],
        )
        for maintenance in summary.maintenances:
            info.add_metric([maintenance.id, maintenance.name, maintenance.status], 1)
            if maintenance.scheduled_for is not None:
                start.add_metric([maintenance.id], maintenance.scheduled_for)
            if maintenance.scheduled_until is not None:
                end.add_metric([maintenance.id], maintenance.scheduled_until)
        yield info
        yield start
        yield end

    @staticmethod
    def _add_states(family: GaugeMetricFamily, labels: list[str], current: str, known: Sequence[str]) -> None:
        if current not in known:
            known = (*known, current)
        for state in known:
            family.add_metric([*labels, state], 1 if state == current else 0)


class BuildInfoCollector:
    """`statuspage_exporter_build_info{version}`: which exporter is running."""

    def __init__(self, version: str):
        self._version = version

    def collect(self) -> Iterator[Metric]:
        build = GaugeMetricFamily(
            "statuspage_exporter_build_info", "The exporter's version; always 1.", labels=["version"]
        )
        build.add_metric([self._version], 1)
        yield build
