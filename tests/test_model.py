"""model: a page's component scope (include then exclude, in one place); the limits every page is held to;
the one RFC 3339 formatter and the one shortening of quoted text."""

from __future__ import annotations

import pytest

from exporter.engines.fields import MAX_ARRAY_ITEMS, as_array
from exporter.errors import InvalidPayload
from exporter.model import (
    LATEST_SECONDS,
    MAX_COMPONENTS,
    MAX_INCIDENTS,
    MAX_MAINTENANCES,
    MAX_TEXT_LENGTH,
    SHOWN_CHARACTERS,
    Component,
    Incident,
    Maintenance,
    Page,
    Summary,
    cut,
    rfc3339,
    shorten,
    visible_components,
)
from exporter.patterns import compile_pattern

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
        None if exclude is None else compile_pattern(exclude),
        include=None if include is None else compile_pattern(include),
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


# -- the limits ---------------------------------------------------------------------------------

PAGE = Page("p", "Page", "https://status.example.com", None)


def components(count: int) -> tuple[Component, ...]:
    return tuple(Component(f"c{i}", f"C{i}", "operational", "", None) for i in range(count))


def incidents(count: int) -> tuple[Incident, ...]:
    return tuple(Incident(f"i{i}", f"I{i}", "investigating", "minor", None) for i in range(count))


def maintenances(count: int) -> tuple[Maintenance, ...]:
    return tuple(Maintenance(f"m{i}", f"M{i}", "scheduled", None, None) for i in range(count))


def summary(n_components: int = 0, n_incidents: int = 0, n_maintenances: int = 0) -> Summary:
    return Summary(PAGE, "none", components(n_components), incidents(n_incidents), maintenances(n_maintenances))


def test_a_page_at_every_limit_is_valid():
    page = summary(MAX_COMPONENTS, MAX_INCIDENTS, MAX_MAINTENANCES)
    assert (len(page.components), len(page.incidents), len(page.maintenances)) == (5000, 500, 500)


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ((5001, 0, 0), "5001 components: over the limit of 5000 components per page"),
        ((0, 501, 0), "501 incidents: over the limit of 500 incidents per page"),
        ((0, 0, 501), "501 maintenances: over the limit of 500 maintenances per page"),
    ],
)
def test_a_page_past_a_limit_is_invalid_and_the_message_names_the_limit(counts, message):
    with pytest.raises(InvalidPayload) as caught:
        summary(*counts)
    assert str(caught.value) == message


def test_an_array_past_the_item_limit_is_refused_before_any_item_is_read():
    with pytest.raises(InvalidPayload) as caught:
        as_array([{}] * (MAX_ARRAY_ITEMS + 1), "components")
    assert str(caught.value) == "components: 20001 items, over the limit of 20000 items in one array"
    assert len(as_array([{}] * MAX_ARRAY_ITEMS, "components")) == 20000


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("a" * 256, "a" * 256),
        ("a" * 257, "a" * 255 + "\u2026"),
        ("é" * 10_000, "é" * 255 + "\u2026"),
        ("", ""),
    ],
)
def test_cut_keeps_text_up_to_the_limit_and_ends_longer_text_with_an_ellipsis(text, kept):
    assert cut(text) == kept
    assert len(cut(text)) <= MAX_TEXT_LENGTH


def test_every_text_field_is_cut_to_the_limit():
    long = "x" * 100_000
    component = Component(long, long, long, long, None)
    assert [len(value) for value in (component.id, component.name, component.status, component.group)] == [256] * 4
    assert component.name == "x" * 255 + "\u2026"
    assert len(Page(long, long, long, None).url) == 256


def test_ids_equal_once_cut_are_a_repeated_id():
    twins = (
        Component("c" * 300 + "1", "A", "operational", "", None),
        Component("c" * 300 + "2", "B", "operational", "", None),
    )
    with pytest.raises(InvalidPayload) as caught:
        Summary(PAGE, "none", twins, (), ())
    assert str(caught.value) == f"component id {('c' * 100)!r} appears twice"
