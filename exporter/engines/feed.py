"""The `feed` engine: `{url}` itself, an RSS 2.0 or Atom document of a page's incidents.

Every item (RSS) or entry (Atom) is an incident or a maintenance. It is open while the newest
status word its own text gives is not a closing word, and while it was updated within the page's
`feed_max_age` (its last activity is the later of its update time and, in Atom, its `published`
time, which a scheduled maintenance sets to its planned start, possibly in the future).

Dialects, each recognized by the document's own marks:

* Atlassian Statuspage history (`history.atom`, `history.rss`): each update is a paragraph
  `<small>time</small><br><strong>Word</strong> - text`, newest first (times in `<var>` or, in
  2014's layout, plain). The newest word other than "Update" is the state (`STATUS_WORDS`); an entry
  whose updates say only "Update" is an open incident (status `update`), a maintenance keeps its
  last state. An entry is a maintenance when any of its words is a maintenance word or it opens
  with a "THIS IS A SCHEDULED EVENT" paragraph.
* incident.io (`<b>Status: Word</b>`, then `<li>Name (Status)</li>` per affected component): the
  same words; the components every entry names become the page's components, each with the worst
  status an open entry gives it (operational otherwise), and an open incident's impact is the worst
  of its own components' statuses.
* AWS per-service RSS (the channel's `generator`): every item is an update of the one service, the
  newest item decides. It is open unless its title begins with "Service is operating normally" or
  the event's name with "[RESOLVED]"; its impact comes from the title's prefix (`AWS_IMPACTS`).
* Any other item: closed when its title begins with "Resolved", "Mitigated" or "[RESOLVED]" (Okta,
  Azure), open otherwise.

An open item's impact is `minor` unless its dialect says more; its status is its state word, or
`active` where the feed has none. The indicator is derived from the components and incidents.
Names are titles as text (markup dropped, references decoded); ids are `guid` (else `link`) or `id`.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Callable, Iterable, Sequence
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

from exporter.engines.affected import AffectedComponents, derived_summary
from exporter.engines.base import Body, Engine, PageOptions
from exporter.engines.fields import in_range, time_text
from exporter.engines.incidentio import COMPONENT_STATUSES as INCIDENTIO_COMPONENT_STATUSES
from exporter.engines.markup import collapse, html_text, parse_xml
from exporter.errors import InvalidPayload
from exporter.model import Incident, Maintenance, Page, Summary
from exporter.vocabulary import COMPONENT_STATUS_INDICATOR, derive_indicator

#: Feeds by their media types first, any XML next, anything last (some servers say text/xml or text/plain).
ACCEPT = "application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.8"

ATOM = "{http://www.w3.org/2005/Atom}"
RSS_CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"

INCIDENT, MAINTENANCE = "incident", "maintenance"
#: A status word (lower case) -> (what it says the item is, its state; None: over).
STATUS_WORDS: dict[str, tuple[str, str | None]] = {
    "investigating": (INCIDENT, "investigating"),
    "identified": (INCIDENT, "identified"),
    "monitoring": (INCIDENT, "monitoring"),
    "resolved": (INCIDENT, None),
    "postmortem": (INCIDENT, None),
    "scheduled": (MAINTENANCE, "scheduled"),
    "in progress": (MAINTENANCE, "in_progress"),
    "verifying": (MAINTENANCE, "in_progress"),
    "completed": (MAINTENANCE, None),
}
#: The word of an update that changes no state.
UPDATE = "update"
#: The state of an item whose feed gives no status word (AWS, Okta, Azure).
ACTIVE = "active"
#: The impact of an open incident whose feed says nothing of it.
DEFAULT_IMPACT = "minor"

#: Titles (case-insensitive) that close an item of a feed without status words.
CLOSING_TITLES = ("resolved", "mitigated", "[resolved]")
#: An AWS item's title prefix (before the colon, lower case) -> the impact while open.
AWS_IMPACTS = {
    "informational message": "minor",
    "service degradation": "major",
    "service disruption": "critical",
}
AWS_NORMAL = "service is operating normally"
AWS_RESOLVED = "[resolved]"
#: Marks of an AWS Service Health Dashboard feed: its generator, or the host of its link.
AWS_GENERATOR = "AWS Service Health Dashboard"
AWS_HOSTS = frozenset({"status.aws.amazon.com", "health.aws.amazon.com"})

# Bounded patterns: each begins with a literal and cannot run past the next `<`.
_STATUSPAGE_WORD = re.compile(r"</small>\s*<br\s*/?>\s*<strong>([^<]{1,64})</strong>")
_SCHEDULED_EVENT = re.compile(r"\s*<p>\s*<strong>\s*THIS IS A SCHEDULED EVENT")
_INCIDENTIO_STATUS = re.compile(r"<b>\s*Status:([^<]{1,64})</b>")
_INCIDENTIO_AFFECTED = "<b>Affected components</b>"
_LIST_ITEM = re.compile(r"<li>([^<]*)</li>")
_COMPONENT = re.compile(r"(.+) \(([^()]+)\)")


@dataclass(frozen=True)
class Item:
    """One item or entry, as read from the document."""

    where: str
    id: str
    title: str
    #: Its content as HTML ("" when it has none).
    html: str
    updated: float
    #: Atom's `published`: first publication, or a maintenance's planned start.
    published: float | None

    @property
    def last_activity(self) -> float:
        return self.updated if self.published is None else max(self.updated, self.published)


@dataclass(frozen=True)
class Feed:
    page: Page
    generator: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Event:
    """What an item says: incident or maintenance, its state (None: over), impact and components."""

    kind: str
    state: str | None
    impact: str = DEFAULT_IMPACT
    components: tuple[tuple[str, str], ...] = ()


def endpoints(url: str) -> tuple[str, ...]:
    """The feed is the page's URL itself."""
    return (url,)


def reader(options: PageOptions, wall: Callable[[], float]) -> Callable[[Sequence[Body]], Summary]:
    """The `interpret` of one page: items count as open for `options.feed_max_age` after their last activity."""

    def interpret(bodies: Sequence[Body]) -> Summary:
        (body,) = bodies
        return summarize(read_feed(parse_xml(body.content)), now=wall(), max_age=options.feed_max_age)

    interpret.__doc__ = f"Read the feed; items older than {options.feed_max_age:g}s are over."
    return interpret


# -- the document -> Feed ----------------------------------------------------------------------------


def read_feed(root: Element) -> Feed:
    """The page and items of an RSS 2.0 or Atom document; InvalidPayload for any other document."""
    read = _FORMATS.get(root.tag)
    if read is None:
        raise InvalidPayload(f"document: expected an RSS 2.0 or Atom feed, got <{root.tag[:64]}>")
    return read(root)


def _read_rss(root: Element) -> Feed:
    channel = root.find("channel")
    if channel is None:
        raise InvalidPayload("rss: missing 'channel'")
    items = []
    for i, element in enumerate(channel.findall("item")):
        where = f"items[{i}]"
        content = element.find(RSS_CONTENT)
        if content is None:
            content = element.find("description")
        items.append(
            Item(
                where=where,
                id=collapse(_text(element.find("guid")) or _text(element.find("link"))) or _missing(where, "guid"),
                title=html_text(_required(element, "title", where)),
                html="" if content is None else _text(content),
                updated=_rfc822(_required(element, "pubDate", where), f"{where}.pubDate"),
                published=None,
            )
        )
    updated = _text(channel.find("lastBuildDate")) or _text(channel.find("pubDate"))
    page = Page(
        id="",
        name=html_text(_text(channel.find("title"))),
        url=collapse(_text(channel.find("link"))),
        updated_at=_rfc822(updated, "channel.lastBuildDate") if updated else None,
    )
    return Feed(page, collapse(_text(channel.find("generator"))), tuple(items))


def _read_atom(root: Element) -> Feed:
    items = []
    for i, element in enumerate(root.findall(f"{ATOM}entry")):
        where = f"entries[{i}]"
        content = element.find(f"{ATOM}content")
        if content is None:
            content = element.find(f"{ATOM}summary")
        published = element.find(f"{ATOM}published")
        items.append(
            Item(
                where=where,
                id=collapse(_required(element, f"{ATOM}id", where)) or _missing(where, "id"),
                title=_atom_text(_element(element, f"{ATOM}title", where)),
                html="" if content is None else _atom_html(content),
                updated=_rfc3339(_required(element, f"{ATOM}updated", where), f"{where}.updated"),
                published=None if published is None else _rfc3339(_text(published), f"{where}.published"),
            )
        )
    title = root.find(f"{ATOM}title")
    updated = root.find(f"{ATOM}updated")
    page = Page(
        id="",
        name="" if title is None else _atom_text(title),
        url=_alternate(root),
        updated_at=None if updated is None else _rfc3339(_text(updated), "feed.updated"),
    )
    return Feed(page, collapse(_text(root.find(f"{ATOM}generator"))), tuple(items))


_FORMATS: dict[str, Callable[[Element], Feed]] = {"rss": _read_rss, f"{ATOM}feed": _read_atom}


def _text(element: Element | None) -> str:
    return "" if element is None else "".join(element.itertext())


def _element(parent: Element, tag: str, where: str) -> Element:
    found = parent.find(tag)
    if found is None:
        _missing(where, tag.removeprefix(ATOM))
    return found


def _required(parent: Element, tag: str, where: str) -> str:
    return _text(_element(parent, tag, where))


def _missing(where: str, name: str) -> str:
    raise InvalidPayload(f"{where}: missing {name!r}")


def _atom_text(element: Element) -> str:
    """An Atom text construct as plain text: HTML (`type="html"`) loses its markup."""
    text = _text(element)
    return html_text(text) if element.get("type") == "html" else collapse(text)


def _atom_html(element: Element) -> str:
    """An Atom text construct as HTML: only `type="html"` holds markup we read."""
    return _text(element) if element.get("type") == "html" else ""


def _alternate(root: Element) -> str:
    for link in root.findall(f"{ATOM}link"):
        if link.get("rel", "alternate") == "alternate":
            return collapse(link.get("href", ""))
    return ""


def _rfc3339(text: str, where: str) -> float:
    return time_text(text.strip(), where)


def _rfc822(text: str, where: str) -> float:
    """An RSS date; one in an unknown zone (or `-0000`) is read as UTC."""
    text = text.strip()
    try:
        moment = parsedate_to_datetime(text[:100])
    except (ValueError, OverflowError):  # no date, or a field out of range
        raise InvalidPayload(f"{where}: not an RFC 822 date: {text[:64]!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return in_range(moment.timestamp(), where, text)


# -- Feed -> Summary ---------------------------------------------------------------------------------


def summarize(feed: Feed, now: float, max_age: float) -> Summary:
    """The page a feed describes at `now`; an item is over `max_age` seconds after its last activity."""
    if _is_aws(feed):
        return _aws_summary(feed, now, max_age)
    incidents: list[Incident] = []
    maintenances: list[Maintenance] = []
    components = AffectedComponents()
    for item in feed.items:
        event = _event(item)
        is_open = event.state is not None and now - item.last_activity <= max_age
        for name, status in event.components:
            components.add(name, name, status if is_open else "operational")
        if not is_open:
            continue
        if event.kind == MAINTENANCE:
            maintenances.append(Maintenance(item.id, item.title, event.state, item.published, None))
        else:
            incidents.append(Incident(item.id, item.title, event.state, event.impact, item.published))
    return derived_summary(components.components(), incidents, feed.page, maintenances=maintenances)


def _event(item: Item) -> Event:
    words = [word.strip().lower() for word in _STATUSPAGE_WORD.findall(item.html)]
    scheduled = _SCHEDULED_EVENT.match(item.html) is not None
    if words or scheduled:
        return _statuspage_event(words, scheduled)
    status = _INCIDENTIO_STATUS.search(item.html)
    if status is not None:
        return _incidentio_event(status.group(1).strip().lower(), item)
    closed = item.title.casefold().startswith(CLOSING_TITLES)
    return Event(INCIDENT, None if closed else ACTIVE)


def _statuspage_event(words: list[str], scheduled: bool) -> Event:
    """Words newest first: the newest but "Update" is the state."""
    maintenance = scheduled or any(STATUS_WORDS.get(word, (INCIDENT,))[0] == MAINTENANCE for word in words)
    kind = MAINTENANCE if maintenance else INCIDENT
    stated = [word for word in words if word != UPDATE]
    if not stated:
        return Event(kind, "scheduled" if maintenance else UPDATE)
    return Event(kind, _state(stated[0]))


def _state(word: str) -> str | None:
    """A known word's state; an unknown word is a state of its own (`in review` -> `in_review`)."""
    known = STATUS_WORDS.get(word)
    return word.replace(" ", "_") if known is None else known[1]


def _incidentio_event(word: str, item: Item) -> Event:
    components = tuple(_incidentio_components(item))
    kind = STATUS_WORDS.get(word, (INCIDENT,))[0]
    worst = derive_indicator(s for _, s in components if COMPONENT_STATUS_INDICATOR.get(s) != "maintenance")
    return Event(kind, _state(word), DEFAULT_IMPACT if worst == "none" else worst, components)


def _incidentio_components(item: Item) -> Iterable[tuple[str, str]]:
    """(name, status) of each `<li>Name (Status)</li>` in the list after "Affected components"."""
    start = item.html.find(_INCIDENTIO_AFFECTED)
    if start < 0:
        return
    end = item.html.find("</ul>", start)
    listed = item.html[start : len(item.html) if end < 0 else end]
    for text in _LIST_ITEM.findall(listed):
        match = _COMPONENT.fullmatch(html_text(text))
        if match is None:
            raise InvalidPayload(f"{item.where}.content: component {html_text(text)[:64]!r} is not 'Name (Status)'")
        spelled = match.group(2).strip().lower().replace(" ", "_")
        yield match.group(1).strip(), INCIDENTIO_COMPONENT_STATUSES.get(spelled, spelled)


def _is_aws(feed: Feed) -> bool:
    return feed.generator.startswith(AWS_GENERATOR) or urlsplit(feed.page.url).hostname in AWS_HOSTS


def _aws_summary(feed: Feed, now: float, max_age: float) -> Summary:
    """The newest item decides: one open incident, or none."""
    incidents = []
    if feed.items:
        newest = max(feed.items, key=lambda item: item.updated)  # the first of equals: the feed's order
        prefix, colon, rest = newest.title.partition(":")
        name = rest.strip() if colon else newest.title
        closed = newest.title.casefold().startswith(AWS_NORMAL) or name.casefold().startswith(AWS_RESOLVED)
        if not closed and now - newest.last_activity <= max_age:
            impact = AWS_IMPACTS.get(prefix.strip().lower(), DEFAULT_IMPACT) if colon else DEFAULT_IMPACT
            incidents.append(Incident(newest.id, name, ACTIVE, impact, None))
    return derived_summary((), incidents, feed.page)


ENGINE = Engine("feed", endpoints, reader(PageOptions(), time.time), accept=ACCEPT, configure=reader)
