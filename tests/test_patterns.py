"""patterns: name filters compile with RE2 and match in linear time; what RE2 cannot do is a clear error."""

from __future__ import annotations

import time

import pytest

from exporter.model import Component, visible_components
from exporter.patterns import compile_pattern


def test_a_backtracking_pattern_matches_an_upstream_chosen_name_in_linear_time():
    """Regression: `^(a+)+$` against a 25-character name blocked every endpoint 1.2 s, doubling per character."""
    pattern = compile_pattern("^(a+)+$")
    names = ["a" * n + "!" for n in range(20, 256)]
    components = tuple(Component(f"c{i}", name, "operational", "", None) for i, name in enumerate(names))
    started = time.monotonic()
    assert visible_components(components * 20, pattern) == components * 20
    assert time.monotonic() - started < 0.5  # 4,720 names up to 256 characters
    assert [c.name for c in visible_components((Component("x", "aaaa", "operational", "", None),), pattern)] == []


@pytest.mark.parametrize(
    ("pattern", "names", "left"),
    [
        (r"^Visit www\.githubstatus\.com", ["Visit www.githubstatus.com for more", "Actions"], ["Actions"]),
        ("(?i)^visit", ["VISIT us", "Actions"], ["Actions"]),
        ("UI|API", ["Web UI", "REST API", "Git"], ["Git"]),
        ("é$", ["Café", "Cafe"], ["Cafe"]),
    ],
)
def test_the_usual_patterns_filter_as_before(pattern, names, left):
    components = tuple(Component(f"c{i}", name, "operational", "", None) for i, name in enumerate(names))
    assert [c.name for c in visible_components(components, compile_pattern(pattern))] == left


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (
            r"(a)\1",
            r"invalid regular expression '(a)\\1': not supported by RE2, the linear-time engine names are matched "
            r"with (no backreferences or lookaround): invalid escape sequence: \1",
        ),
        (
            "^(?!Visit)",
            "invalid regular expression '^(?!Visit)': not supported by RE2, the linear-time engine names are matched "
            "with (no backreferences or lookaround): invalid perl operator: (?!",
        ),
        ("[", "invalid regular expression '[': unterminated character set at position 0"),
    ],
)
def test_a_pattern_re2_cannot_compile_is_one_clear_line(pattern, message):
    with pytest.raises(ValueError) as caught:
        compile_pattern(pattern)
    assert str(caught.value) == message
    assert "\n" not in str(caught.value)


def test_patterns_compare_by_their_text():
    assert compile_pattern("^x") == compile_pattern("^x")
    assert compile_pattern("^x") != compile_pattern("^y")
