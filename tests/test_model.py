"""model: visible_components (a page's component scope, include then exclude, in one place), the one RFC 3339
formatter and the one shortening of quoted text."""

from __future__ import annotations

import re

import pytest

from exporter.model import LATEST_SECONDS, SHOWN_CHARACTERS, Component, rfc3339, shorten, visible_components

COMPONENTS = (
    Component("c1", "API", "operational", "", None),
    Component("c2", "API", "major_outage", "EU", None),
    Component("c3", "Git Operations", "operational", "", None),
    Component("c4", "Webhooks", "operational", "EU", None),
    Component("c5", "Visit www.githubstatus.com", "operational", "", None),
)


def ids(components) -> list[str]:
    return [component.id for component in components]


@pytest.mark.parametrize(
    ("include", "exclude", "expected"),
    [
        (None, None, ["c1", "c2", "c3", "c4", "c5"]),
        (None, "^Visit", ["c1", "c2", "c3", "c4"]),
        ("^API$", None, ["c1", "c2"]),
        # `group/name` is searched too, so a group (or one member of it) can be chosen...
        ("^EU/", None, ["c2", "c4"]),
        ("^EU/API$", None, ["c2"]),
        # ...but an ungrouped component has no `/name` to match.
        ("^/", None, []),
        ("Git|Visit", "^Visit", ["c3"]),  # include first, then exclude
        ("^EU/", "API", ["c4"]),  # exclude reads the name only, whatever include matched
        ("Nothing", None, []),
    ],
)
def test_include_keeps_what_it_finds_in_name_or_group_path_then_exclude_drops_by_name(include, exclude, expected):
    scoped = visible_components(
        COMPONENTS,
        None if exclude is None else re.compile(exclude),
        include=None if include is None else re.compile(include),
    )
    assert ids(scoped) == expected


def test_no_filter_returns_the_very_same_tuple():
    assert visible_components(COMPONENTS, None, include=None) is COMPONENTS


NOW = 1_795_845_600.0  # 2026-11-28T06:00:00Z


@pytest.mark.parametrize(
    ("moment", "milliseconds", "text"),
    [
        (0.0, False, "1970-01-01T00:00:00Z"),
        (0.0, True, "1970-01-01T00:00:00.000Z"),
        (NOW, False, "2026-11-28T06:00:00Z"),
        (NOW + 0.123, False, "2026-11-28T06:00:00.123Z"),
        (NOW + 0.123, True, "2026-11-28T06:00:00.123Z"),
        (NOW + 0.9996, False, "2026-11-28T06:00:01Z"),
        (NOW + 0.9996, True, "2026-11-28T06:00:01.000Z"),
        (LATEST_SECONDS, False, "9999-12-31T23:59:58Z"),
    ],
)
def test_rfc3339_is_utc_with_z_to_the_nearest_millisecond(moment, milliseconds, text):
    assert rfc3339(moment, milliseconds=milliseconds) == text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("", ""),
        ("github", "github"),
        ("x" * SHOWN_CHARACTERS, "x" * SHOWN_CHARACTERS),
        ("x" * (SHOWN_CHARACTERS + 1), "x" * SHOWN_CHARACTERS + "..."),
    ],
)
def test_quoted_text_is_cut_at_200_characters_with_an_ellipsis(text, shown):
    assert SHOWN_CHARACTERS == 200
    assert shorten(text) == shown
