"""statushtml: the status page's HTML, on real captured pages and on states no capture shows."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html import escape
from html.parser import HTMLParser

import pytest

from exporter.engines import ENGINES
from exporter.engines.statuspage import parse_summary
from exporter.render import html as statushtml
from exporter.render.status_view import page_status, tone, words
from tests import engine_samples, payloads, shared_fixtures
from tests.statusdocs import NOW, settings, view

FOOTER = statushtml.Footer("1.2.3", 30.0)
GITHUB_OUTAGE = "githubstatus-summary-2020-04-02-major-outage-unresolved-incident.json"
INTERCOM_GROUPS = "intercomstatus-summary-2023-10-22-component-groups-operational.json"

HOSTILE = "<script>alert(1)</script>"
MIXED = payloads.summary(
    [
        payloads.component("Git Operations", "major_outage", id="gitops000001"),
        payloads.component("Actions", "degraded_performance", id="actions00001"),
        payloads.component(HOSTILE, "partial_outage", id="hostile00001"),
        payloads.component("Pages", "under_maintenance", id="pages0000001"),
        payloads.component("Copilot", "operational", id="copilot00001"),
        payloads.component("Visit www.githubstatus.com for more information", id="visit0000001"),
    ],
    indicator="critical",
    incidents=[
        payloads.incident('Git "push" <fails>', impact="critical", started_at="2026-11-28T04:55:00.000Z"),
    ],
    maintenances=[
        payloads.maintenance(
            "DB upgrade",
            scheduled_for="2026-11-28T08:00:00.000Z",
            scheduled_until="2026-11-28T10:30:00.000Z",
        )
    ],
)


def shared(name: str):
    return parse_summary(json.loads(shared_fixtures.shared_bytes(name, shared_fixtures.STATUSPAGE)))


def render(summary=None, *, up=True, others=(), error=("", ""), name="default", last_success=NOW - 12) -> str:
    status = page_status(settings(name), view(summary, up=up, error=error, last_success=last_success))
    return statushtml.render(status, list(others), FOOTER, now=NOW)


class Tags(HTMLParser):
    """Every start tag and its attributes, to check what the page would load or run."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_every_component_of_githubs_real_outage_is_shown_with_its_status_in_words():
    html = render(shared(GITHUB_OUTAGE))
    expected = [
        ("Git Operations", "critical", "Major outage"),
        ("API Requests", "critical", "Major outage"),
        ("Webhooks", "critical", "Major outage"),
        ("Issues, PRs, Projects", "critical", "Major outage"),
        ("GitHub Actions", "major", "Partial outage"),
        ("GitHub Packages", "critical", "Major outage"),
        ("GitHub Pages", "ok", "Operational"),
        ("Other", "ok", "Operational"),
    ]
    rows = re.findall(r'<li><span class="name">(.*?)</span><span class="status (\w+)">(.*?)</span></li>', html)
    assert rows == expected
    assert "Visit www.githubstatus.com" not in html  # excluded as from the metrics
    assert '<header class="banner major"><h1>GitHub</h1><p class="state">Partial system outage</p>' in html


def test_components_are_listed_under_their_groups_in_page_order():
    html = render(shared(INTERCOM_GROUPS))
    headings = re.findall(r"<h3>(.*?)</h3>", html)
    assert headings[:2] == ["Intercom message delivery", "Intercom Messenger"]
    assert len(headings) == len(set(headings)) == 4


def test_a_hostile_component_name_is_text_and_the_page_loads_and_runs_nothing():
    html = render(parse_summary(MIXED))
    assert '<span class="name">&lt;script&gt;alert(1)&lt;/script&gt;</span>' in html
    assert "Git &quot;push&quot; &lt;fails&gt;" in html
    tags = Tags(html).tags
    assert [tag for tag, _ in tags if tag in ("script", "img", "link", "iframe", "object", "embed", "form")] == []
    assert [a for _, attrs in tags for a in attrs if a == "src" or a == "style" or a.startswith("on")] == []


def test_the_stylesheet_is_exactly_what_the_csp_hash_allows():
    (style,) = re.findall(r"<style>(.*?)</style>", render(parse_summary(MIXED)), flags=re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert statushtml.STYLE_HASH == f"sha256-{digest}"
    assert "prefers-color-scheme:dark" in style


def test_incidents_show_impact_status_start_and_how_long_ago():
    html = render(parse_summary(MIXED))
    assert (
        '<div><span class="status critical">Critical impact</span> · Investigating · started '
        '<time datetime="2026-11-28T04:55:00Z">2026-11-28 04:55 UTC</time> (1 h 5 min ago)</div>'
    ) in html


def test_maintenances_show_start_and_end():
    html = render(parse_summary(MIXED))
    assert (
        '<span class="status maintenance">Scheduled</span>'
        ' · starts <time datetime="2026-11-28T08:00:00Z">2026-11-28 08:00 UTC</time> (in 2 h 0 min)'
        ' · ends <time datetime="2026-11-28T10:30:00Z">2026-11-28 10:30 UTC</time> (in 4 h 30 min)'
    ) in html


def test_the_age_of_the_data_and_of_the_page_is_shown():
    html = render(parse_summary(payloads.summary()))
    assert '<p class="meta">Read 12 s ago, page updated <time datetime="2026-11-28T05:30:00.123Z">' in html
    assert "(29 min ago)" in html


def test_quiet_page_says_so_and_has_no_warning():
    html = render(parse_summary(payloads.summary()))
    assert '<p class="state">All systems operational</p>' in html
    assert "No unresolved incidents." in html and "No scheduled maintenances." in html
    assert 'role="alert"' not in html


def test_stale_data_is_shown_under_a_clear_warning():
    html = render(parse_summary(MIXED), up=False, error=("http_status", "HTTP 502"), last_success=NOW - 300)
    assert (
        '<p class="warning" role="alert"><strong>Stale data: the latest request to the status page failed '
        "(http_status: HTTP 502). Shown is what it said when last read, 5 min ago.</strong></p>"
    ) in html
    assert '<span class="name">Git Operations</span>' in html


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (
            ("timeout", "no answer within 5s"),
            "No data: the status page could not be read (timeout: no answer within 5s).",
        ),
        (("", ""), "No data: the status page could not be read yet."),
    ],
)
def test_no_data_says_why_and_shows_no_components(error, text):
    html = render(None, up=False, error=error, last_success=0.0)
    assert f'<p class="warning" role="alert"><strong>{text} Nothing is known about its state.</strong></p>' in html
    assert '<header class="banner unknown"><h1>default</h1><p class="state">Status unknown</p>' in html
    assert "<h2>Components</h2>" not in html


def test_index_links_the_other_pages_worst_first_with_their_cached_state_and_worst_component():
    degraded = [payloads.component("Actions", "degraded_performance"), payloads.component("Pages")]
    others = [
        page_status(settings(), view(parse_summary(payloads.summary(indicator="minor"))), is_default=True),
        page_status(settings("cloudflare"), view(parse_summary(payloads.summary(indicator="major")), up=False)),
        page_status(settings("discord"), view(None, up=False)),
        page_status(settings("slack"), view(parse_summary(payloads.summary(degraded, indicator="minor")))),
    ]
    html = render(parse_summary(payloads.summary()), name="statusio", others=others)
    assert (
        '<h2>Other pages</h2><ul class="rows">'
        '<li><a href="status?target=discord">discord</a><span class="status unknown">No data</span></li>'
        '<li><a href="status?target=slack">Example</a><span><span class="status minor">Minor service outage</span>'
        ' · components: <span class="status minor">Degraded performance</span></span></li>'
        '<li><a href="status?target=cloudflare">Example</a>'
        '<span><span class="status major">Partial system outage (stale)</span>'
        ' · components: <span class="status ok">Operational</span></span></li>'
        '<li><a href="./">Example</a><span><span class="status minor">Minor service outage</span>'
        ' · components: <span class="status ok">Operational</span></span></li></ul>'
    ) in html


def test_operator_links_stay_at_the_bottom():
    html = render(parse_summary(payloads.summary()))
    footer = html[html.index("<footer>") :]
    assert "github-status-exporter 1.2.3: reads each page at most once every 30 s" in footer
    for link in ('href="metrics"', 'href="-/healthy"', 'href="-/ready"', 'href="api/v1/status"'):
        assert link in footer


def test_unknown_target_page_escapes_the_target():
    html = statushtml.render_unknown_target(HOSTILE)
    assert "No page named &#x27;&lt;script&gt;alert(1)&lt;/script&gt;&#x27; is listed" in html
    assert "<script>" not in html


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (59.9, "59 s"), (60, "1 min"), (3599, "59 min"), (3600, "1 h 0 min"), (90061, "1 d 1 h")],
)
def test_durations_in_words(seconds, text):
    assert statushtml._duration(seconds) == text


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_every_engines_sample_page_shows_each_component_with_its_status(engine):
    summary = ENGINES[engine].interpret(engine_samples.SAMPLES[engine].bodies())
    status = page_status(settings(engine=engine, exclude=None), view(summary))
    html = statushtml.render(status, [], FOOTER, now=NOW)
    row = r'<li><span class="name">(.*?)</span><span class="status (\w+)">(.*?)</span></li>'
    rows = re.findall(row, html, flags=re.DOTALL)
    # Grouped, so in the order of the groups' first appearance: compare as multisets.
    assert sorted(rows) == sorted((escape(c.name), tone(c.status), escape(words(c.status))) for c in summary.components)
    assert html.count('<li class="event">') == len(summary.incidents) + len(summary.maintenances)


@pytest.mark.parametrize(
    ("value", "text", "tone_name"),
    [
        ("major_outage", "Major outage", "critical"),
        ("under_maintenance", "Under maintenance", "maintenance"),
        ("security_issue", "Security issue", "unknown"),  # statusio's, beyond the vocabulary
        ("minor", "Minor service outage", "minor"),
    ],
)
def test_states_beyond_the_vocabulary_are_said_as_the_engine_spells_them(value, text, tone_name):
    assert (words(value), tone(value)) == (text, tone_name)
