"""badge: what a badge says for a page or a component, and the SVG it is drawn as."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import pytest

from exporter.engines.statuspage import parse_summary
from exporter.render import badge
from exporter.render.status_view import page_status
from tests import payloads
from tests.statusdocs import settings, view

SVG = "{http://www.w3.org/2000/svg}"
SUMMARY = parse_summary(
    payloads.summary(
        [
            payloads.component("Git Operations", "major_outage", id="gitops000001"),
            payloads.component("Actions", "degraded_performance", id="actions00001"),
            payloads.component("Visit www.githubstatus.com for more information", id="visit0000001"),
        ],
        indicator="major",
    )
)


@pytest.mark.parametrize(
    ("summary", "up", "component", "expected"),
    [
        (SUMMARY, True, None, ("Example", "partial outage", "major")),
        (SUMMARY, False, None, ("Example", "partial outage (stale)", "major")),
        (SUMMARY, True, "Git Operations", ("Git Operations", "major outage", "critical")),
        (SUMMARY, True, "actions00001", ("Actions", "degraded performance", "minor")),
        (SUMMARY, True, "Nope", None),
        (SUMMARY, True, "Visit www.githubstatus.com for more information", None),  # excluded
        (None, False, None, ("default", "unknown", "unknown")),
        (None, False, "Actions", ("Actions", "unknown", "unknown")),
    ],
)
def test_face_says_the_state_in_words(summary, up, component, expected):
    assert badge.face(page_status(settings(), view(summary, up=up)), component) == expected


@pytest.mark.parametrize("indicator", ["none", "minor", "major", "critical", "maintenance", "brand_new"])
def test_every_indicator_has_words_and_a_colour(indicator):
    label, message, tone = badge.face(
        page_status(settings(), view(parse_summary(payloads.summary(indicator=indicator))))
    )
    expected = badge.INDICATOR_MESSAGES.get(indicator, "brand new")
    assert (message, badge.COLOURS[tone]) == (
        expected,
        badge.COLOURS[{"none": "ok", "brand_new": "unknown"}.get(indicator, indicator)],
    )


def test_render_is_well_formed_svg_with_escaped_text_and_a_title():
    svg = badge.render('<b a="1">&', "major outage", "critical")
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("height") == "20"
    assert root.find(f"{SVG}title").text == '<b a="1">&: major outage'
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ['<b a="1">&', '<b a="1">&', "major outage", "major outage"]
    fills = [r.get("fill") for r in root.iter(f"{SVG}rect")]
    assert fills[1:3] == ["#555", "#e05d44"]


def test_width_grows_with_the_text_and_long_text_is_cut():
    short = ElementTree.fromstring(badge.render("a", "ok", "ok"))
    long = ElementTree.fromstring(badge.render("a much longer label", "ok", "ok"))
    assert int(short.get("width")) < int(long.get("width"))
    cut = ElementTree.fromstring(badge.render("x" * 500, "ok", "ok"))
    assert cut.find(f"{SVG}title").text == "x" * 99 + "…: ok"


@pytest.mark.parametrize("name", ["Shared\u000bservers", "\x00\x01", "a\ufffeb"])
def test_characters_xml_forbids_are_replaced_so_the_badge_stays_well_formed(name):
    """Regression: a component name with a control character gave an SVG no browser would draw."""
    svg = badge.render(name, "operational", "ok")
    root = ElementTree.fromstring(svg)
    title = root.find("{http://www.w3.org/2000/svg}title").text
    assert title.endswith(": operational") and "\ufffd" in title
