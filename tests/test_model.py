"""model.visible_components: a page's component scope, include then exclude, in one place."""

from __future__ import annotations

import re

import pytest

from exporter.model import Component, visible_components

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
