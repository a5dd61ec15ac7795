"""The feed engine's malformed documents, each with the exact InvalidPayload message, and its
nearly-right feeds for the contract's property test.

A feed is XML, not JSON (`FORMAT`): the bodies are written out rather than made by
`json_cases`, and a body that is not XML is `InvalidPayload` ("not well-formed XML").
"""

from __future__ import annotations

from hypothesis import strategies as st

from tests.engine_fixtures import own_engine_fixture

FORMAT = "xml"

ATOM = b'<feed xmlns="http://www.w3.org/2005/Atom">%s</feed>'
ENTRY = b"<entry><id>e1</id><title>T</title><updated>2026-11-30T10:00:00Z</updated>%s</entry>"
RSS = b'<rss version="2.0"><channel>%s</channel></rss>'
#: Updated in 2999: open under any clock these tests run with (feed_max_age counts from the last update).
FUTURE_ENTRY = ENTRY.replace(b"2026-11-30T10:00:00Z", b"2999-01-01T00:00:00Z")
ITEM = b"<item><guid>i1</guid><title>T</title><pubDate>Mon, 30 Nov 2026 10:00:00 +0000</pubDate>%s</item>"

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE feed [
  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
  <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
]>
<feed xmlns="http://www.w3.org/2005/Atom"><title>&d;</title></feed>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>&secret;</title></channel></rss>"""
EXTERNAL_DTD = b'<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "http://127.0.0.1:9/feed.dtd">\n<rss version="2.0"/>'
NO_DTD = "document: a DTD (<!DOCTYPE>) is not allowed in a feed"

MALFORMED: list[tuple[list[bytes], str]] = [
    ([b""], "document: not well-formed XML: no element found: line 1, column 0"),
    ([b'{"page": {}}'], "document: not well-formed XML: not well-formed (invalid token): line 1, column 0"),
    ([b"<rss><channel>"], "document: not well-formed XML: no element found: line 1, column 14"),
    ([RSS % b"<title>&nbsp;</title>"], "document: not well-formed XML: undefined entity: line 1, column 35"),
    ([b'<?xml version="1.0" encoding="bogus"?><rss/>'], "document: unusable XML encoding: unknown encoding: bogus"),
    (
        [b'<?xml version="1.0" encoding="shift_jis"?><rss/>'],
        "document: unusable XML encoding: multi-byte encodings are not supported",
    ),
    ([BILLION_LAUGHS], NO_DTD),
    ([XXE], NO_DTD),
    ([EXTERNAL_DTD], NO_DTD),
    ([b"<html><body>Status</body></html>"], "document: expected an RSS 2.0 or Atom feed, got <html>"),
    (
        [b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>'],
        "document: expected an RSS 2.0 or Atom feed, got <{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF>",
    ),
    ([b'<rss version="2.0"/>'], "rss: missing 'channel'"),
    (
        [RSS % b"<item><title>T</title><pubDate>Mon, 30 Nov 2026 10:00:00 +0000</pubDate></item>"],
        "items[0]: missing 'guid'",
    ),
    (
        [RSS % b"<item><guid>i</guid><pubDate>Mon, 30 Nov 2026 10:00:00 +0000</pubDate></item>"],
        "items[0]: missing 'title'",
    ),
    ([RSS % b"<item><guid>i</guid><title>T</title></item>"], "items[0]: missing 'pubDate'"),
    (
        [RSS % b"<item><guid>i</guid><title>T</title><pubDate>yesterday</pubDate></item>"],
        "items[0].pubDate: not an RFC 822 date: 'yesterday'",
    ),
    (
        [RSS % b"<item><guid>i</guid><title>T</title><pubDate>Mon, 30 Nov 1969 10:00:00 +0000</pubDate></item>"],
        "items[0].pubDate: time out of range (1970 to 9999): 'Mon, 30 Nov 1969 10:00:00 +0000'",
    ),
    (
        [RSS % (b"<lastBuildDate>Mon, 31 Feb 2026 10:00:00 +0000</lastBuildDate>" + ITEM % b"")],
        "channel.lastBuildDate: not an RFC 822 date: 'Mon, 31 Feb 2026 10:00:00 +0000'",
    ),
    ([ATOM % b"<entry><title>T</title><updated>2026-11-30T10:00:00Z</updated></entry>"], "entries[0]: missing 'id'"),
    (
        [ATOM % b"<entry><id> </id><title>T</title><updated>2026-11-30T10:00:00Z</updated></entry>"],
        "entries[0]: missing 'id'",
    ),
    ([ATOM % b"<entry><id>e</id><updated>2026-11-30T10:00:00Z</updated></entry>"], "entries[0]: missing 'title'"),
    ([ATOM % b"<entry><id>e</id><title>T</title></entry>"], "entries[0]: missing 'updated'"),
    (
        [ATOM % b"<entry><id>e</id><title>T</title><updated>2026-11-30 10:00</updated></entry>"],
        "entries[0].updated: time without an offset: '2026-11-30 10:00'",
    ),
    (
        [ATOM % b"<entry><id>e</id><title>T</title><updated>30 Nov 2026</updated></entry>"],
        "entries[0].updated: not an RFC 3339 time: '30 Nov 2026'",
    ),
    (
        [ATOM % (ENTRY % b"<published>soon</published>")],
        "entries[0].published: not an RFC 3339 time: 'soon'",
    ),
    ([ATOM % b"<updated>never</updated>"], "feed.updated: not an RFC 3339 time: 'never'"),
    (
        [
            ATOM
            % (
                ENTRY % b'<content type="html">&lt;b&gt;Status: Investigating&lt;/b&gt;'
                b"&lt;b&gt;Affected components&lt;/b&gt;&lt;ul&gt;&lt;li&gt;API&lt;/li&gt;&lt;/ul&gt;</content>"
            )
        ],
        "entries[0].content: component 'API' is not 'Name (Status)'",
    ),
    (
        [ATOM % (FUTURE_ENTRY % b"" + FUTURE_ENTRY.replace(b"<title>T</title>", b"<title>U</title>") % b"")],
        "incident id 'e1' appears twice",
    ),
]


#: Spans feeds and their readers care about: markup, entities, dialect marks, dates at the edges.
NEAR_TOKENS = [
    b"<",
    b">",
    b"&",
    b"&amp;",
    b"]]>",
    b"<![CDATA[",
    b"<entry>",
    b"</entry>",
    b"<item>",
    b"</item>",
    b"<!DOCTYPE x>",
    b"\x00",
    b"\xff",
    b"</small><br><strong>Investigating</strong>",
    b"<p><strong>THIS IS A SCHEDULED EVENT",
    b"<b>Status: Monitoring</b>",
    b"<b>Affected components</b><ul><li>API (Full outage)</li>",
    b"<generator>AWS Service Health Dashboard</generator>",
    b"Mon, 30 Nov 2026 10:00:00 +0000",
    b"2026-11-30T10:00:00Z",
    b"9999-12-31T23:59:59-14:00",
    b"0001-01-01T00:00:00+14:00",
    b"Sat, 31 Feb 2026 10:00:00 +9999",
]
#: This suite's own feeds of every dialect.
BASES = [
    own_engine_fixture(name)
    for name in (
        "feed-incidentio-atom-open-incident-maintenances.xml",
        "feed-statuspage-atom-open-incidents-maintenances.xml",
        "feed-statuspage-rss-plain-times-open-maintenance.xml",
        "feed-rss-titles-resolved-mitigated-open.xml",
        "feed-aws-rss-open-degradation.xml",
    )
]


@st.composite
def nearly_right_feed(draw) -> list[bytes]:
    """One own feed (the engine's one endpoint) with one to four spans replaced by NEAR_TOKENS or bytes."""
    content = draw(st.sampled_from(BASES))
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(content)))
        end = draw(st.integers(start, min(len(content), start + 40)))
        content = content[:start] + draw(st.sampled_from(NEAR_TOKENS) | st.binary(max_size=8)) + content[end:]
    return [content]


NEARLY = nearly_right_feed()
