"""The normalized status page every engine produces and every renderer reads (frozen dataclasses).

Times are Unix seconds (or None where the page gives none). Values are normalized to the words of
`exporter.vocabulary` where the engine's vocabulary maps onto them; a value beyond those is kept as
the engine spells it (lower-cased), so that it is exported as a series of its own.
`FetchStats` and `CacheView` are what a cache holds of a page, as the renderers read it.
Knows nothing of HTTP, engines or Prometheus.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import time
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Mapping

from exporter.errors import InvalidPayload
from exporter.patterns import NamePattern
from exporter.vocabulary import REASONS

# JSON may escape half a surrogate pair ("\\ud800"); such a string cannot be written as UTF-8.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def clean(text: str) -> str:
    """The text with lone surrogates replaced by U+FFFD, so that it encodes as UTF-8."""
    return _LONE_SURROGATE.sub("\ufffd", text)


#: The times every renderer can write (RFC 3339, four-digit years): 1970 to just before 10000.
EARLIEST_SECONDS, LATEST_SECONDS = 0.0, 253_402_300_798.0
#: How much of a client's or a page's text an error message or a page quotes.
SHOWN_CHARACTERS = 200


def rfc3339(moment: float, *, milliseconds: bool = False) -> str:
    """Unix seconds as RFC 3339 UTC with `Z`, to the nearest millisecond: `2026-11-20T10:15:30.123Z`.

    The milliseconds are written where there are any, or always with `milliseconds=True`.
    """
    seconds, millis = divmod(round(moment * 1000), 1000)
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    return f"{text}.{millis:03d}Z" if millis or milliseconds else text + "Z"


def shorten(text: str) -> str:
    """The text as quoted back: its first SHOWN_CHARACTERS characters, and "..." if there were more."""
    return text if len(text) <= SHOWN_CHARACTERS else text[:SHOWN_CHARACTERS] + "..."


#: The most one page may hold: a document beyond these is `InvalidPayload`, never rendered. Far
#: above any real page (GitHub lists about 20 components, the largest pages a few hundred), far
#: below what would make a rendering slow (10,000 components cost 0.5 s a rendering).
MAX_COMPONENTS = 5000
MAX_INCIDENTS = 500
MAX_MAINTENANCES = 500
#: The longest text (a name, an id, a status word) kept, in characters: a longer one is cut to
#: this length, its last character an ellipsis "…". Bounds every label value, log field and line
#: of the status page an upstream can fill.
MAX_TEXT_LENGTH = 256


def cut(text: str, limit: int = MAX_TEXT_LENGTH) -> str:
    """The text, or its first `limit - 1` characters and "…" when it is longer than `limit`."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


class _Checked:
    """Whatever an engine forgets, nothing it builds can break a rendering later.

    Every string field holds text that encodes as UTF-8 (JSON can escape half a surrogate pair:
    lone surrogates become U+FFFD) and is at most `MAX_TEXT_LENGTH` characters (longer text is
    `cut`); the state words (`_WORDS`) are not empty; and every time is within the years renderers
    can write. A page breaking the last two is invalid: `InvalidPayload`.
    """

    _WORDS: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in self._WORDS:
            if getattr(self, name) == "":
                raise InvalidPayload(f"{type(self).__name__.lower()} {name}: empty")
        for name in _field_names(type(self)):
            value = getattr(self, name)
            if isinstance(value, str):
                if len(value) > MAX_TEXT_LENGTH:
                    value = cut(value)
                    object.__setattr__(self, name, value)
                if _LONE_SURROGATE.search(value):
                    object.__setattr__(self, name, clean(value))
            elif isinstance(value, (int, float)) and not EARLIEST_SECONDS <= value <= LATEST_SECONDS:
                raise InvalidPayload(f"{type(self).__name__.lower()} {name}: time out of range: {value!r}")


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    # dataclasses.fields() builds its tuple anew on every call: a third of a Component's cost.
    return tuple(field.name for field in fields(cls))


@dataclass(frozen=True)
class Page(_Checked):
    """The page itself: its id, name and public URL where the engine publishes them, else ""."""

    id: str
    name: str
    url: str
    updated_at: float | None


@dataclass(frozen=True)
class Component(_Checked):
    """A component (never a group); `group` is its group's name, "" when it has none."""

    _WORDS = ("status",)

    id: str
    name: str
    status: str
    group: str
    updated_at: float | None


@dataclass(frozen=True)
class Incident(_Checked):
    """An unresolved incident."""

    _WORDS = ("status", "impact")

    id: str
    name: str
    status: str
    impact: str
    started_at: float | None


@dataclass(frozen=True)
class Maintenance(_Checked):
    """A scheduled maintenance that is upcoming (`scheduled`) or in progress (`in_progress`)."""

    _WORDS = ("status",)

    id: str
    name: str
    status: str
    scheduled_for: float | None
    scheduled_until: float | None


@dataclass(frozen=True)
class Summary(_Checked):
    """Everything one page says, in the order the page lists it.

    Ids are unique within each kind: a series per id must never repeat, or Prometheus would refuse
    the whole scrape (the exporter's own series with it). A page repeating one, or holding more
    than `MAX_COMPONENTS`, `MAX_INCIDENTS` or `MAX_MAINTENANCES`, is `InvalidPayload`.
    """

    _WORDS = ("indicator",)

    def __post_init__(self) -> None:
        super().__post_init__()
        for kind, items, limit in (
            ("component", self.components, MAX_COMPONENTS),
            ("incident", self.incidents, MAX_INCIDENTS),
            ("maintenance", self.maintenances, MAX_MAINTENANCES),
        ):
            if len(items) > limit:
                raise InvalidPayload(f"{len(items)} {kind}s: over the limit of {limit} {kind}s per page")
            seen: set[str] = set()
            for item in items:
                if item.id in seen:
                    raise InvalidPayload(f"{kind} id {item.id[:100]!r} appears twice")
                seen.add(item.id)

    page: Page
    indicator: str
    components: tuple[Component, ...]
    incidents: tuple[Incident, ...]
    maintenances: tuple[Maintenance, ...]


def visible_components(
    components: tuple[Component, ...],
    exclude: NamePattern | None,
    *,
    include: NamePattern | None = None,
) -> tuple[Component, ...]:
    """The components a page's scope leaves, in their order: the one place component filters match.

    First `include` (`--components.include`): only the components it finds in their name or, for a
    component in a group, in `group/name` (every component for None). Then `exclude`
    (`--components.exclude`): less those it finds in their name (none for None).

    The patterns are RE2's (linear time, `exporter.patterns`) and a name, a group, is at most
    MAX_TEXT_LENGTH characters, so matching 5,000 components takes milliseconds whatever the
    patterns an upstream's names meet.
    """
    if include is None and exclude is None:
        return components
    return tuple(component for component in components if _in_scope(component, include, exclude))


def _in_scope(component: Component, include: NamePattern | None, exclude: NamePattern | None) -> bool:
    if include is not None and not include.search(component.name):
        if not component.group or not include.search(f"{component.group}/{component.name}"):
            return False
    return exclude is None or not exclude.search(component.name)


@dataclass(frozen=True)
class FetchStats:
    """Counters and gauges about a page's upstream requests, as exported."""

    fetches: int = 0
    errors: Mapping[str, int] = dataclasses.field(default_factory=lambda: MappingProxyType(dict.fromkeys(REASONS, 0)))
    not_modified: int = 0
    last_duration_seconds: float = 0.0
    last_success_timestamp: float = 0.0
    up: bool = False
    #: The latest failure's reason (one of REASONS) and detail; "" after a success.
    last_error_reason: str = ""
    last_error_detail: str = ""


@dataclass(frozen=True)
class CacheView:
    """What every renderer reads of a page: its Summary if fresh enough (else None) and the fetch statistics.

    A cache hands out the very same objects until its state changes, so renderers can key what they
    build on the objects' identity.
    """

    summary: Summary | None
    stats: FetchStats
    #: The engine of the latest successful fetch ("" before one): the detected one for `engine: auto`.
    engine: str = ""
