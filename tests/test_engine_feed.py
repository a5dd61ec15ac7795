"""The feed engine: RSS 2.0 and Atom status feeds -> Summary, at an injected "now".

Real captures (../shared) and this suite's own feeds give exact Summaries; tables pin each
dialect's words, titles and prefixes; hostile XML (entities, DTDs, encodings) ends in
InvalidPayload. The sample, the captures, the malformed table (tests/engine_cases/feed.py) and the
property tests run in the engine contract too.
"""

from __future__ import annotations

import time
from datetime import datetime
from html import escape

import pytest

from exporter.engines import ENGINES, Body, PageOptions
from exporter.model import Component, Incident, Maintenance, Page, Summary
from tests.engine_fixtures import own_engine_fixture, shared_engine_fixture

DAY = 86400.0
WEEK = 7 * DAY


def at(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


NOW = at("2026-12-01T00:00:00+00:00")


def interpret(content: bytes, now: float = NOW, max_age: float = WEEK) -> Summary:
    engine = ENGINES["feed"].for_page(PageOptions(feed_max_age=max_age), lambda: now)
    return engine.interpret([Body(content, "application/atom+xml")])


def atom(*entries: str, generator: str = "") -> bytes:
    return (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>'
        f"<generator>{generator}</generator>{''.join(entries)}</feed>"
    ).encode()


def entry(
    html: str = "", title: str = "Trouble", updated: str = "2026-11-30T00:00:00Z", published: str | None = None
) -> str:
    published_element = "" if published is None else f"<published>{published}</published>"
    return (
        f"<entry><id>e1</id><title>{escape(title)}</title><updated>{updated}</updated>{published_element}"
        f'<content type="html">{escape(html)}</content></entry>'
    )


def statuspage_html(*words: str, scheduled: bool = False) -> str:
    """Updates as Statuspage writes them, newest first."""
    opening = "<p><strong>THIS IS A SCHEDULED EVENT Dec <var data-var='date'>10</var></strong></p>" if scheduled else ""
    return opening + "".join(
        f"<p><small>Nov <var data-var='date'>30</var>, <var data-var='time'>0{i}:00</var> UTC</small><br>"
        f"<strong>{word}</strong> - Text with a <strong>bold</strong> word.</p>"
        for i, word in enumerate(words)
    )


def rss(*items: tuple[str, str], generator: str = "") -> bytes:
    """Items of (title, pubDate)."""
    body = "".join(
        f"<item><guid>g{i}</guid><title>{escape(title)}</title><pubDate>{date}</pubDate></item>"
        for i, (title, date) in enumerate(items)
    )
    return f'<rss version="2.0"><channel><generator>{generator}</generator>{body}</channel></rss>'.encode()


def states(summary: Summary) -> list[tuple[str, str, str]]:
    """(kind, status, impact) of every open item."""
    return [("incident", i.status, i.impact) for i in summary.incidents] + [
        ("maintenance", m.status, "") for m in summary.maintenances
    ]


# -- the real captures ---------------------------------------------------------------------------------

OPENAI_COMPONENTS = (
    "Responses, Conversations, ChatGPT Work, Agent, Login, Codex API, Image Generation, Sites, Ads Manager, Files, "
    "GPTs, Chat Completions, Images, Batch, Realtime, File uploads, Voice mode, Compliance API, Codex Web, Search, "
    "Sora, Codex in ChatGPT Desktop, Audio, Embeddings, Moderations, Connectors/Apps, CLI, VS Code extension, "
    "Fine-tuning, Deep Research, ChatGPT Atlas, FedRAMP"
).split(", ")

CAPTURES = [
    (
        "feed-statuspage-atom-github-2019-11-22-all-resolved.xml",
        "2019-11-22T08:10:02+00:00",
        Summary(
            Page("", "GitHub Status - Incident History", "https://www.githubstatus.com", 1574410202.0),
            "none",
            (),
            (),
            (),
        ),
    ),
    (
        "feed-statuspage-rss-digitalocean-2020-01-11-maintenance-in-progress.xml",
        "2020-01-11T11:57:20+00:00",
        Summary(
            Page("", "DigitalOcean Status - Incident History", "http://status.digitalocean.com", 1578743840.0),
            "none",
            (),
            (),
            (
                Maintenance(
                    "https://status.digitalocean.com/incidents/qz40dp1qcs1d",
                    "Block Storage Maintenance",
                    "in_progress",
                    None,
                    None,
                ),
            ),
        ),
    ),
    (
        "feed-statuspage-rss-parse-2014-01-09-plain-times-postmortem.xml",
        "2014-01-09T16:00:23-08:00",
        Summary(
            Page("", "Parse Status - Incident History", "http://status.parse.com", 1389312023.0), "none", (), (), ()
        ),
    ),
    (
        "feed-incidentio-atom-openai-2026-09-02-all-resolved.xml",
        "2026-09-02T01:32:11+00:00",
        Summary(
            Page("", "OpenAI status", "https://status.openai.com/", 1788312731.584),
            "none",
            tuple(Component(name, name, "operational", "", None) for name in OPENAI_COMPONENTS),
            (),
            (),
        ),
    ),
    (
        "feed-aws-rss-ec2-tokyo-2019-09-07-all-closed.xml",
        "2019-09-07T00:03:14-07:00",
        Summary(
            Page(
                "", "Amazon Elastic Compute Cloud (Tokyo) Service Status", "http://status.aws.amazon.com/", 1567839794.0
            ),
            "none",
            (),
            (),
            (),
        ),
    ),
]


@pytest.mark.parametrize(("name", "now", "expected"), CAPTURES, ids=[c[0] for c in CAPTURES])
def test_real_captures_give_their_exact_pages(name, now, expected):
    assert interpret(shared_engine_fixture(name), now=at(now)) == expected


def test_the_digitalocean_maintenance_is_over_once_older_than_feed_max_age():
    content = shared_engine_fixture("feed-statuspage-rss-digitalocean-2020-01-11-maintenance-in-progress.xml")
    # its last update: Wed, 08 Jan 2020 00:00:49 +0000, 3 days 11:56:31 before the capture
    now = at("2020-01-11T11:57:20+00:00")
    assert len(interpret(content, now=now, max_age=3 * DAY + 11 * 3600 + 56 * 60 + 31).maintenances) == 1
    assert interpret(content, now=now, max_age=3 * DAY + 11 * 3600 + 56 * 60 + 30).maintenances == ()


@pytest.mark.parametrize(
    ("name", "titles"),
    [
        (  # its "Update"-only and "Identified" entries would be open, were they recent
            "feed-statuspage-atom-github-2019-11-22-all-resolved.xml",
            25,
        ),
        ("feed-statuspage-rss-parse-2014-01-09-plain-times-postmortem.xml", 17),
        ("feed-incidentio-atom-openai-2026-09-02-all-resolved.xml", 82),
    ],
)
def test_captures_whose_every_item_is_closed_stay_closed_at_any_age(name, titles):
    content = shared_engine_fixture(name)
    summary = interpret(content, max_age=1e12)
    assert (summary.incidents, summary.maintenances) == ((), ())
    assert content.count(b"<item>") + content.count(b"<entry>") == titles


# -- this suite's own feeds -----------------------------------------------------------------------------

EXAMPLE_AI = "https://status.example-ai.com//incidents/01"
EXAMPLE = "tag:status.example.com,2005:Incident/"

OWN = [
    (
        "feed-incidentio-atom-open-incident-maintenances.xml",
        Summary(
            Page("", "Example AI status", "https://status.example-ai.com/", at("2026-11-30T10:00:00+00:00")),
            "minor",
            (
                Component("Conversations", "Conversations", "degraded_performance", "", None),
                Component("Login", "Login", "operational", "", None),
                Component("Files", "Files", "operational", "", None),
                Component("Batch", "Batch", "under_maintenance", "", None),
                Component("Images", "Images", "operational", "", None),  # its entry is 2 months old
            ),
            (Incident(EXAMPLE_AI + "A" * 24, "Elevated errors in Conversations", "investigating", "minor", None),),
            (
                Maintenance(
                    EXAMPLE_AI + "B" * 24, "Database upgrade", "scheduled", at("2099-01-10T02:00:00+00:00"), None
                ),
                Maintenance(EXAMPLE_AI + "C" * 24, "Batch maintenance", "in_progress", None, None),
            ),
        ),
    ),
    (
        "feed-statuspage-atom-open-incidents-maintenances.xml",
        Summary(
            Page(
                "", "Example Status - Incident History", "https://status.example.com", at("2026-11-30T11:00:00+00:00")
            ),
            "minor",
            (),
            (
                Incident(
                    EXAMPLE + "9001", "Errors on API requests", "identified", "minor", at("2026-11-30T09:00:00+00:00")
                ),
                Incident(EXAMPLE + "9002", "Slow webhooks", "update", "minor", at("2026-11-30T08:00:00+00:00")),
            ),
            (
                Maintenance(
                    EXAMPLE + "9003", "Network upgrade in FRA1", "scheduled", at("2026-12-10T02:00:00+00:00"), None
                ),
                Maintenance(
                    EXAMPLE + "9004", "Storage maintenance", "in_progress", at("2026-11-30T06:00:00+00:00"), None
                ),
                Maintenance(
                    EXAMPLE + "9005", "Database failover test", "in_progress", at("2026-11-30T04:00:00+00:00"), None
                ),
                # updated a month ago, but planned for December 20: current
                Maintenance(
                    EXAMPLE + "9006", "Load balancer replacement", "scheduled", at("2026-12-20T01:00:00+00:00"), None
                ),
            ),
        ),
    ),
    (
        "feed-statuspage-rss-plain-times-open-maintenance.xml",
        Summary(
            Page(
                "",
                "Example Org Status - Incident History",
                "http://status.example.org",
                at("2026-11-30T07:00:00+00:00"),
            ),
            "minor",
            (),
            (
                Incident(
                    "https://status.example.org/incidents/aaaa1111", "Elevated error rates", "identified", "minor", None
                ),
            ),
            (
                Maintenance(
                    "https://status.example.org/incidents/bbbb2222", "Search index rebuild", "in_progress", None, None
                ),
            ),
        ),
    ),
    (
        "feed-rss-titles-resolved-mitigated-open.xml",
        Summary(
            Page(
                "",
                "Example Cloud Status",
                "https://status.example-cloud.com/en-us/status",
                at("2026-11-30T12:00:00+00:00"),
            ),
            "minor",
            (),
            (
                Incident("TRK-101", "Active - Storage & Queues - elevated latency in East US", "active", "minor", None),
                Incident(
                    "okta-2003", "Investigating: Push notifications delayed for some orgs", "active", "minor", None
                ),
            ),
            (),
        ),
    ),
    (
        "feed-aws-rss-open-degradation.xml",
        Summary(
            Page(
                "",
                "Amazon Simple Storage Service (N. Virginia) Service Status",
                "http://status.aws.amazon.com/",
                at("2026-11-30T02:10:00-08:00"),
            ),
            "major",
            (),
            (
                Incident(
                    "http://status.aws.amazon.com/#s3-us-east-1_1796033400",
                    "Increased error rates",
                    "active",
                    "major",
                    None,
                ),
            ),
            (),
        ),
    ),
]


@pytest.mark.parametrize(("name", "expected"), OWN, ids=[c[0] for c in OWN])
def test_own_feeds_give_their_exact_pages(name, expected):
    assert interpret(own_engine_fixture(name)) == expected


def test_the_module_engine_reads_with_the_default_age_and_the_wall_clock():
    """ENGINE as listed: 7 days, time.time(); the 2099 maintenance is current under any clock."""
    summary = ENGINES["feed"].interpret([Body(own_engine_fixture(OWN[0][0]))])
    assert [m.name for m in summary.maintenances if m.status == "scheduled"] == ["Database upgrade"]


# -- feed_max_age -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("updated", "published", "open_"),
    [
        ("2026-11-24T00:00:00Z", None, True),  # exactly 7 days
        ("2026-11-23T23:59:59Z", None, False),  # one second more
        ("2026-12-02T00:00:00Z", None, True),  # a clock a day ahead of ours
        ("2026-11-01T00:00:00Z", "2026-11-24T00:00:00Z", True),  # published later than updated: it counts
        ("2026-11-01T00:00:00Z", "2026-11-23T23:59:59Z", False),
    ],
)
def test_an_item_is_open_while_its_last_activity_is_within_feed_max_age(updated, published, open_):
    content = atom(entry(statuspage_html("Investigating"), updated=updated, published=published))
    assert len(interpret(content).incidents) == (1 if open_ else 0)


@pytest.mark.parametrize(("max_age", "count"), [(DAY, 0), (2 * DAY, 1)])
def test_feed_max_age_is_the_pages_own(max_age, count):
    content = atom(entry(statuspage_html("Monitoring"), updated="2026-11-29T12:00:00Z"))
    assert len(interpret(content, max_age=max_age).incidents) == count


def test_the_clock_is_read_at_every_interpretation():
    times = iter([NOW, NOW + 30 * DAY])
    engine = ENGINES["feed"].for_page(PageOptions(), lambda: next(times))
    body = [Body(atom(entry(statuspage_html("Investigating"))))]
    assert [len(engine.interpret(body).incidents) for _ in range(2)] == [1, 0]


def test_engines_without_page_settings_are_themselves_for_every_page():
    engine = ENGINES["statuspage"]
    assert engine.for_page(PageOptions(feed_max_age=1.0)) is engine


# -- the dialects -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "scheduled", "expected"),
    [
        (["Investigating"], False, [("incident", "investigating", "minor")]),
        (["Identified", "Investigating"], False, [("incident", "identified", "minor")]),
        (["Update", "Monitoring", "Investigating"], False, [("incident", "monitoring", "minor")]),
        (["Update"], False, [("incident", "update", "minor")]),
        (["Update", "Update"], False, [("incident", "update", "minor")]),
        (["Resolved", "Update", "Investigating"], False, []),
        (["Postmortem", "Resolved"], False, []),
        (["Update", "Resolved"], False, []),
        (["In review", "Investigating"], False, [("incident", "in_review", "minor")]),  # unknown: its own state
        (["Scheduled"], False, [("maintenance", "scheduled", "")]),
        (["In progress", "Scheduled"], False, [("maintenance", "in_progress", "")]),
        (["Verifying", "In progress", "Scheduled"], False, [("maintenance", "in_progress", "")]),
        (["Update", "In progress", "Scheduled"], False, [("maintenance", "in_progress", "")]),
        (["Update", "Scheduled"], False, [("maintenance", "scheduled", "")]),
        (["Completed", "Verifying", "In progress"], False, []),
        (["Update", "Completed"], False, []),
        (["Update"], True, [("maintenance", "scheduled", "")]),
        ([], True, [("maintenance", "scheduled", "")]),
        (["In progress"], True, [("maintenance", "in_progress", "")]),
        (["Completed"], True, []),
    ],
)
def test_statuspage_updates_newest_word_but_update_is_the_state(words, scheduled, expected):
    assert states(interpret(atom(entry(statuspage_html(*words, scheduled=scheduled))))) == expected


def test_statuspage_updates_are_read_in_2014s_plain_time_layout():
    html = "<p><small>Nov 30, 09:00 PST</small><br><strong>Monitoring</strong> - A fix is out.</p>"
    assert states(interpret(atom(entry(html)))) == [("incident", "monitoring", "minor")]


def test_a_scheduled_event_paragraph_counts_only_where_the_entry_opens_with_it():
    html = "<p><small>Nov 30</small><br><strong>Update</strong> - We said THIS IS A SCHEDULED EVENT before.</p>"
    assert states(interpret(atom(entry(html)))) == [("incident", "update", "minor")]


def incidentio(status: str, *components: str) -> str:
    listed = "".join(f"<li>{c}</li>" for c in components)
    return f"<b>Status: {status}</b><br/><br/>Text.<br/><br/><b>Affected components</b><ul>{listed}</ul>"


@pytest.mark.parametrize(
    ("status", "components", "state", "component_statuses"),
    [
        (
            "Investigating",
            ["API (Degraded performance)"],
            ("incident", "investigating", "minor"),
            ["degraded_performance"],
        ),
        ("Identified", ["API (Partial outage)", "Web (Operational)"], ("incident", "identified", "major"), None),
        ("Monitoring", ["API (Full outage)"], ("incident", "monitoring", "critical"), ["major_outage"]),
        ("Investigating", [], ("incident", "investigating", "minor"), []),
        ("Investigating", ["API (Operational)"], ("incident", "investigating", "minor"), ["operational"]),
        ("Resolved", ["API (Full outage)"], None, ["operational"]),  # over: its components are not affected
        ("Scheduled", ["API (Operational)"], ("maintenance", "scheduled", ""), ["operational"]),
        ("In progress", ["API (Under maintenance)"], ("maintenance", "in_progress", ""), ["under_maintenance"]),
        ("Completed", ["API (Under maintenance)"], None, ["operational"]),
        ("Investigating", ["API (Sideways)"], ("incident", "investigating", "minor"), ["sideways"]),
    ],
)
def test_incidentio_status_and_components(status, components, state, component_statuses):
    summary = interpret(atom(entry(incidentio(status, *components)), generator="incident.io"))
    assert states(summary) == ([] if state is None else [state])
    if component_statuses is None:
        component_statuses = ["partial_outage", "operational"]
    assert [c.status for c in summary.components] == component_statuses
    assert [c.name for c in summary.components] == [c.rpartition(" (")[0] for c in components]


def test_incidentio_components_take_the_worst_status_any_open_entry_gives():
    content = atom(
        entry(incidentio("Monitoring", "API (Degraded performance)", "Web (Operational)")),
        entry(incidentio("Investigating", "API (Full outage)")).replace("e1", "e2"),
        entry(incidentio("Resolved", "Web (Full outage)")).replace("e1", "e3"),
    )
    summary = interpret(content)
    assert [(c.id, c.status) for c in summary.components] == [("API", "major_outage"), ("Web", "operational")]
    assert summary.indicator == "critical"


@pytest.mark.parametrize(
    ("title", "open_"),
    [
        ("Resolved: Users unable to sign in", False),
        ("RESOLVED - Delays", False),
        ("Mitigated - Azure Front Door - connectivity", False),
        ("[RESOLVED] Delays in SMS delivery", False),
        ("[Resolved] Delays in SMS delivery", False),
        ("Investigating: Delays", True),
        ("Unresolved: Delays", True),
        ("Active - Storage - latency", True),
        ("", True),
    ],
)
def test_titles_close_items_whose_feed_has_no_status_words(title, open_):
    summary = interpret(rss((title, "Mon, 30 Nov 2026 10:00:00 +0000")))
    assert states(summary) == ([("incident", "active", "minor")] if open_ else [])


AWS = "AWS Service Health Dashboard RSS Generator"


@pytest.mark.parametrize(
    ("title", "impact", "name"),
    [
        ("Informational message: Increased latency", "minor", "Increased latency"),
        ("Service degradation: Increased latency", "major", "Increased latency"),
        ("Service disruption: Instances unreachable", "critical", "Instances unreachable"),
        ("Service is operating normally: [RESOLVED] Increased latency", None, None),
        ("Service is operating normally: Increased latency", None, None),
        ("Informational message: [RESOLVED] Increased latency", None, None),
        ("[RESOLVED] Increased latency", None, None),
        ("Performance issues: Increased latency", "minor", "Increased latency"),  # a prefix we do not know
        ("Increased latency", "minor", "Increased latency"),
    ],
)
def test_aws_the_newest_items_title_decides(title, impact, name):
    older = ("Service disruption: Earlier trouble", "Mon, 30 Nov 2026 01:00:00 PST")
    summary = interpret(rss((title, "Mon, 30 Nov 2026 02:00:00 PST"), older, generator=AWS))
    expected = () if impact is None else (Incident("g0", name, "active", impact, None),)
    assert (summary.incidents, summary.indicator) == (expected, "none" if impact is None else impact)


def test_aws_is_known_by_its_link_too_and_its_newest_item_must_be_recent():
    content = rss(("Service disruption: Down", "Mon, 16 Nov 2026 02:00:00 PST")).replace(
        b"<channel>", b"<channel><link>https://status.aws.amazon.com/</link>"
    )
    assert interpret(content, max_age=30 * DAY).incidents == (Incident("g0", "Down", "active", "critical", None),)
    assert interpret(content).incidents == ()


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ('<title type="html">Errors in &lt;b&gt;API&lt;/b&gt; &amp;amp; Web</title>', "Errors in API & Web"),
        ('<title type="html">&lt;script&gt;alert(1)&lt;/script&gt;Down</title>', "alert(1) Down"),
        ("<title>A &lt;b&gt; is text here</title>", "A <b> is text here"),
        (
            '<title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">An <b>xhtml</b>\n  title</div></title>',
            "An xhtml title",
        ),
        ("<title><![CDATA[  Spaces\n\tcollapse  ]]></title>", "Spaces collapse"),
    ],
)
def test_names_are_the_titles_text_never_markup(title, name):
    content = atom(entry(statuspage_html("Investigating")).replace("<title>Trouble</title>", title))
    assert [i.name for i in interpret(content).incidents] == [name]


# -- encodings and hostile documents ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        '<?xml version="1.0" encoding="utf-8"?><rss><channel><title>Café</title></channel></rss>'.encode(),
        '<?xml version="1.0" encoding="iso-8859-1"?><rss><channel><title>Café</title></channel></rss>'.encode(
            "latin-1"
        ),
        "<rss><channel><title>Café</title></channel></rss>".encode("utf-16"),
        b"\xef\xbb\xbf<rss><channel><title>Caf\xc3\xa9</title></channel></rss>",
    ],
)
def test_a_feed_is_decoded_as_its_own_xml_says(content):
    assert interpret(content).page.name == "Café"


def test_hostile_html_in_a_large_feed_is_read_in_linear_time():
    """Millions of near-matches for every pattern: expat and the bounded patterns stay linear."""
    near_misses = "</small> <br> <strong>" * 100_000 + "<b>Status:" * 100_000 + "<li>" * 100_000 + "<" * 1_000_000
    content = atom(entry(near_misses + "<b>Affected components</b><ul>" + "<li>x" * 100_000))
    assert len(content) > 4_000_000
    started = time.monotonic()
    assert states(interpret(content)) == [("incident", "active", "minor")]
    assert time.monotonic() - started < 5.0  # generous: about 0.3 s here; quadratic would be hours
