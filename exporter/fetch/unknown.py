"""Values beyond the vocabularies, warned about once per value for the life of the process.

A page may use a state this code does not know (`on_fire`); the collector exports it as a series
of its own, and the operator should hear of it once, not at every scrape. So each new Summary (a
fetch answered 200) is checked here: a value never seen before is logged once (cut to
`MAX_LOGGED_LENGTH` characters) and remembered. At most `MAX_REMEMBERED` values are remembered;
past that, each fetch that brings values not remembered logs one summary line with their number.
"""

from __future__ import annotations

import threading
from typing import Iterator

from exporter import log
from exporter.model import Summary
from exporter.urls import redact_url
from exporter.vocabulary import COMPONENT_STATUSES, INDICATORS

#: Distinct (kind, value) pairs remembered, for all pages together.
MAX_REMEMBERED = 256
#: The longest part of a value a log line shows.
MAX_LOGGED_LENGTH = 100

_log = log.get_logger(__name__)


def unknown_values(summary: Summary) -> Iterator[tuple[str, str]]:
    """Every (kind, value) of the Summary beyond its vocabulary, in page order (repeats included)."""
    if summary.indicator not in INDICATORS:
        yield "indicator", summary.indicator
    for component in summary.components:
        if component.status not in COMPONENT_STATUSES:
            yield "component status", component.status


class UnknownValues:
    """Thread-safe; one per process, shared by every page's fetcher."""

    def __init__(self, max_remembered: int = MAX_REMEMBERED):
        self._max_remembered = max_remembered
        self._lock = threading.Lock()
        self._seen: set[tuple[str, str]] = set()

    def report(self, summary: Summary, url: str) -> None:
        """Warn about the Summary's unknown values not warned about yet (fetched from `url`)."""
        new: list[tuple[str, str]] = []
        beyond: set[tuple[str, str]] = set()
        with self._lock:
            for pair in unknown_values(summary):
                if pair in self._seen or pair in beyond:
                    continue
                if len(self._seen) < self._max_remembered:
                    self._seen.add(pair)
                    new.append(pair)
                else:
                    beyond.add(pair)
        shown = redact_url(url)
        for kind, value in new:
            _log.warning("unknown value exported as its own series", kind=kind, value=_cut(value), url=shown)
        if beyond:
            kind, value = min(beyond)
            _log.warning(
                "unknown values exported as their own series, too many to warn about each",
                count=len(beyond),
                example_kind=kind,
                example_value=_cut(value),
                remembered=self._max_remembered,
                url=shown,
            )


def _cut(value: str) -> str:
    return value if len(value) <= MAX_LOGGED_LENGTH else value[:MAX_LOGGED_LENGTH] + "..."
