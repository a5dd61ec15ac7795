"""model: the one RFC 3339 formatter and the one shortening of quoted text."""

from __future__ import annotations

import pytest

from exporter.model import LATEST_SECONDS, SHOWN_CHARACTERS, rfc3339, shorten

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
