"""The feed engine through the real exporter's /probe, on a loopback fake.

The fake serves feeds whose times are set relative to the moment the test starts (the exporter
reads the wall clock), the page file lists them with `engine: feed` (two with the same feed and
different `feed_max_age`), and each probe must carry what its feed says under the usual names.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape

import pytest

from tests.engine_cases.feed import BILLION_LAUGHS
from tests.fakepage import FakeStatuspage
from tests.integration.exporter_process import ExporterProcess
from tests.integration.test_exporter_process import samples, value

pytestmark = pytest.mark.integration

HOUR = 3600.0
ACCEPT = "application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.8"


def rfc3339(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


def statuspage_atom(now: float) -> bytes:
    """A Statuspage history: open incident 3 h old, maintenance in progress, one over by age, one resolved."""

    def entry(number: int, title: str, age_hours: float, *words: str) -> str:
        html = "".join(
            f"<p><small>Dec <var data-var='date'>1</var>, <var data-var='time'>0{i}:00</var> UTC</small>"
            f"<br><strong>{word}</strong> - Text.</p>"
            for i, word in enumerate(words)
        )
        when = rfc3339(now - age_hours * HOUR)
        return (
            f"<entry><id>tag:fake,2005:Incident/{number}</id><published>{when}</published><updated>{when}</updated>"
            f'<title>{escape(title)}</title><content type="html">{escape(html)}</content></entry>'
        )

    return (
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Fake Status - Incident History</title>"
        + entry(1, "Errors on <API> & Web", 3, "Update", "Identified", "Investigating")
        + entry(2, "Storage maintenance", 1, "In progress", "Scheduled")
        + entry(3, "Never closed", 30 * 24, "Monitoring")
        + entry(4, "Fixed already", 1, "Resolved", "Investigating")
        + "</feed>"
    ).encode()


def incidentio_atom(now: float) -> bytes:
    content = (
        "<b>Status: Identified</b><br/><br/>Text.<br/><br/><b>Affected components</b>"
        "<ul><li>Conversations (Partial outage)</li><li>Login (Operational)</li></ul>"
    )
    return (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>Fake AI status</title><generator>incident.io</generator>'
        f'<entry><id>https://fake/incidents/01X</id><title type="html">Slow &lt;b&gt;chats&lt;/b&gt;</title>'
        f'<updated>{rfc3339(now - HOUR)}</updated><content type="html">{escape(content)}</content></entry></feed>'
    ).encode()


def aws_rss(now: float) -> bytes:
    def item(guid: str, title: str, age_hours: float) -> str:
        when = format_datetime(datetime.fromtimestamp(now - age_hours * HOUR, UTC))
        return f"<item><guid>{guid}</guid><title><![CDATA[{title}]]></title><pubDate>{when}</pubDate></item>"

    return (
        '<rss version="2.0"><channel><title>Amazon S3 (Fake) Service Status</title>'
        "<generator>AWS Service Health Dashboard RSS Generator</generator>"
        + item("s3_2", "Service disruption: Requests failing", 0.5)
        + item("s3_1", "Informational message: Requests failing", 1)
        + "</channel></rss>"
    ).encode()


@pytest.fixture(scope="module")
def feeds():
    now = time.time()
    fake = FakeStatuspage().start()
    fake.set_document("/statuspage/history.atom", statuspage_atom(now), "application/atom+xml")
    fake.set_document("/again/history.atom", statuspage_atom(now), "application/atom+xml")
    fake.set_document("/openai/feed.atom", incidentio_atom(now), "application/atom+xml; charset=utf-8")
    fake.set_document("/aws/s3.rss", aws_rss(now), "application/rss+xml")
    fake.set_document("/hostile/feed.atom", BILLION_LAUGHS, "application/atom+xml")
    pages = [
        ("statuspage", "/statuspage/history.atom", ""),
        ("short", "/again/history.atom", "    feed_max_age: 2h\n"),
        ("openai", "/openai/feed.atom", ""),
        ("aws", "/aws/s3.rss", ""),
        ("hostile", "/hostile/feed.atom", ""),
    ]
    yield fake, pages
    fake.stop()


@pytest.fixture(scope="module")
def exporter(feeds, tmp_path_factory):
    fake, pages = feeds
    config = tmp_path_factory.mktemp("feed") / "pages.yml"
    config.write_text(
        "pages:\n"
        + "".join(
            f"  - name: {name}\n    url: {fake.url}{path}\n    engine: feed\n{extra}" for name, path, extra in pages
        )
    )
    with ExporterProcess(["--statuspage.url", fake.url, "--config.file", str(config)]) as process:
        yield process


def ones(text: str, metric: str, *labels: str) -> set[tuple[str, ...]]:
    """The label values (in the order given) of every sample of `metric` whose value is 1."""
    return {
        tuple(dict(pairs)[label] for label in labels)
        for (name, pairs), sample in samples(text).items()
        if name == metric and sample == 1
    }


INFO = ("incident_id", "name", "impact", "status")


@pytest.mark.parametrize(
    ("target", "indicator", "components", "incidents", "maintenances"),
    [
        (
            "statuspage",
            "minor",
            set(),
            {("tag:fake,2005:Incident/1", "Errors on <API> & Web", "minor", "identified")},
            {("tag:fake,2005:Incident/2", "Storage maintenance", "in_progress")},
        ),
        (  # the same feed, items over after 2 h: the 3 h old incident is no longer open
            "short",
            "none",
            set(),
            set(),
            {("tag:fake,2005:Incident/2", "Storage maintenance", "in_progress")},
        ),
        (
            "openai",
            "major",
            {("Conversations", "partial_outage"), ("Login", "operational")},
            {("https://fake/incidents/01X", "Slow chats", "major", "identified")},
            set(),
        ),
        ("aws", "critical", set(), {("s3_2", "Requests failing", "critical", "active")}, set()),
    ],
)
def test_probe_exports_each_feeds_open_items(exporter, target, indicator, components, incidents, maintenances):
    answer = exporter.get("/probe", params={"target": target})
    assert answer.status_code == 200
    text = answer.text
    assert value(text, "statuspage_up") == 1
    assert ones(text, "statuspage_overall_status", "indicator") == {(indicator,)}
    assert ones(text, "statuspage_component_status", "component", "status") == components
    assert ones(text, "statuspage_incident_info", *INFO) == incidents
    assert ones(text, "statuspage_maintenance_info", "maintenance_id", "name", "status") == maintenances


def test_a_feed_is_asked_for_as_a_feed(exporter, feeds):
    fake, _ = feeds
    exporter.get("/probe", params={"target": "aws"})
    seen = [request for request in fake.requests if request.path == "/aws/s3.rss"]
    assert seen and {request.headers["Accept"] for request in seen} == {ACCEPT}


def test_a_hostile_feed_is_classified_and_the_exporter_keeps_serving(exporter):
    text = exporter.get("/probe", params={"target": "hostile"}).text
    assert value(text, "statuspage_up") == 0
    assert value(text, "statuspage_fetch_errors_total", reason="invalid_payload") == 1
    assert value(exporter.get("/probe", params={"target": "aws"}).text, "statuspage_up") == 1
