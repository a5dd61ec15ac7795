"""Status badges: a `PageStatus` (or one of its components) -> a small flat SVG, shields.io style.

    [GitHub | partial outage]      label on grey, the state in words on its tone's colour

Text is escaped and its width estimated from Verdana's metrics at 11 px (the font shields.io
measures with), so the badge fits its words without a font of ours. Knows nothing of HTTP.
"""

from __future__ import annotations

import re
from html import escape

from exporter.model import cut
from exporter.render.status_view import UNKNOWN_TONE, PageStatus, tone

__all__ = ["CONTENT_TYPE", "UNKNOWN_TONE", "face", "render"]

CONTENT_TYPE = "image/svg+xml; charset=utf-8"

#: A page's indicator as a badge says it (short: badges are small).
INDICATOR_MESSAGES = {
    "none": "operational",
    "minor": "minor outage",
    "major": "partial outage",
    "critical": "major outage",
    "maintenance": "maintenance",
}
#: The colour of each tone (shields.io's palette; the grey also stands for missing data).
COLOURS = {
    "ok": "#4c1",
    "minor": "#dfb317",
    "major": "#fe7d37",
    "critical": "#e05d44",
    "maintenance": "#007ec6",
    UNKNOWN_TONE: "#9f9f9f",
}
LABEL_COLOUR = "#555"

#: Advance widths in px of Verdana at 11 px, by character class; anything else counts as wide.
_NARROW = dict.fromkeys("fijlrtI!|.,:;'()[]{}` ", 4.0)
_WIDE = dict.fromkeys("mwMW@%&", 10.5)
_UPPER = 7.5
_DEFAULT = 6.8
_PADDING = 6
_MAX_TEXT = 100


def text_width(text: str) -> float:
    """The estimated width in px of `text` in Verdana 11 px."""
    return sum(_NARROW.get(ch) or _WIDE.get(ch) or (_UPPER if ch.isupper() else _DEFAULT) for ch in text)


def face(status: PageStatus, component: str | None = None) -> tuple[str, str, str] | None:
    """(label, message, tone) for the page, or for its component of that id or name.

    None when the page has data but no such component (excluded ones included).
    """
    summary = status.summary
    if summary is None:
        return (component or status.title, "unknown", UNKNOWN_TONE)
    suffix = " (stale)" if status.stale else ""
    if component is None:
        value = summary.indicator
        message = INDICATOR_MESSAGES.get(value, value.replace("_", " "))
        return (status.title, message + suffix, tone(value))
    for candidate in summary.components:
        if component in (candidate.id, candidate.name):
            return (candidate.name, candidate.status.replace("_", " ") + suffix, tone(candidate.status))
    return None


#: Characters XML 1.0 does not allow at all, escaped or not (JSON can carry them in any name).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_characters(text: str) -> str:
    """The text with the characters XML forbids replaced by U+FFFD, so the SVG stays well-formed."""
    return _NOT_XML.sub("\ufffd", text)


def render(label: str, message: str, tone_name: str) -> str:
    """The SVG text of a badge; `tone_name` is a key of COLOURS."""
    label, message = cut(_xml_characters(label), _MAX_TEXT), cut(_xml_characters(message), _MAX_TEXT)
    label_width = round(text_width(label)) + 2 * _PADDING
    message_width = round(text_width(message)) + 2 * _PADDING
    width = label_width + message_width
    colour = COLOURS.get(tone_name, COLOURS[UNKNOWN_TONE])
    title = escape(f"{label}: {message}")
    label_text, message_text = escape(label), escape(message)
    label_x, message_x = label_width / 2, label_width + message_width / 2
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" aria-label="{title}">'
        f"<title>{title}</title>"
        '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        '<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{width}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{label_width}" height="20" fill="{LABEL_COLOUR}"/>'
        f'<rect x="{label_width}" width="{message_width}" height="20" fill="{colour}"/>'
        f'<rect width="{width}" height="20" fill="url(#s)"/></g>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{label_x:g}" y="15" fill="#010101" fill-opacity=".3">{label_text}</text>'
        f'<text x="{label_x:g}" y="14">{label_text}</text>'
        f'<text x="{message_x:g}" y="15" fill="#010101" fill-opacity=".3">{message_text}</text>'
        f'<text x="{message_x:g}" y="14">{message_text}</text></g></svg>'
    )
