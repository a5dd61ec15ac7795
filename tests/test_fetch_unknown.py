"""fetch.unknown: each value beyond the vocabularies warned about once per process, within bounds."""

from __future__ import annotations

from exporter.engines.statuspage import parse_summary
from exporter.fetch.unknown import MAX_LOGGED_LENGTH, MAX_REMEMBERED, UnknownValues
from tests import payloads

URL = "https://user:secret@status.example.com"
WARNED = "unknown value exported as its own series"
TOO_MANY = "unknown values exported as their own series, too many to warn about each"


def page(statuses, indicator: str = "none"):
    components = [payloads.component(f"C{i}", status, id=f"c{i}") for i, status in enumerate(statuses)]
    return parse_summary(payloads.summary(components, indicator=indicator))


def warnings(lines):
    return [(line["msg"], line.get("kind"), line.get("value")) for line in lines if line["level"] == "warn"]


def test_each_unknown_value_is_warned_about_once_for_the_life_of_the_process(log_lines):
    unknown = UnknownValues()
    for _ in range(3):
        unknown.report(page(["on_fire", "operational", "on_fire"], indicator="apocalypse"), URL)
    unknown.report(page(["on_fire", "melting"]), URL)
    assert warnings(log_lines()) == [
        (WARNED, "indicator", "apocalypse"),
        (WARNED, "component status", "on_fire"),
        (WARNED, "component status", "melting"),
    ]
    assert {line["url"] for line in log_lines()} == {"https://user:<secret>@status.example.com"}


def test_past_the_bound_each_fetch_logs_one_summary_line_and_nothing_is_forgotten(log_lines):
    statuses = [f"odd-{i:04d}" for i in range(MAX_REMEMBERED + 44)]
    unknown = UnknownValues()
    unknown.report(page(statuses), URL)
    unknown.report(page(statuses), URL)
    unknown.report(page(statuses[:10]), URL)  # remembered: never warned again
    lines = log_lines()
    assert [line["value"] for line in lines if line["msg"] == WARNED] == statuses[:MAX_REMEMBERED]
    summaries = [line for line in lines if line["msg"] == TOO_MANY]
    assert [(line["count"], line["example_value"], line["remembered"]) for line in summaries] == [
        (44, "odd-0256", 256),
        (44, "odd-0256", 256),
    ]
    assert len(lines) == MAX_REMEMBERED + 2


def test_a_long_value_is_logged_cut(log_lines):
    UnknownValues().report(page(["x" * 250]), URL)
    (line,) = log_lines()
    assert line["value"] == "x" * MAX_LOGGED_LENGTH + "..."
