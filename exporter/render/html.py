"""The status page: a `PageStatus` (and the other pages' cached states) -> one HTML document.

Server-rendered and complete without JavaScript: one inline stylesheet (allowed by its hash,
`STYLE_HASH`, so the Content-Security-Policy can forbid everything else), no fonts, scripts or
images, every value escaped. Readable at 375 px (nothing has a fixed width, long words wrap) and
in dark mode (`prefers-color-scheme`). Every state is said in words; colour only repeats it.
Knows nothing of HTTP.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import Iterable, Sequence
from urllib.parse import quote

from exporter.model import Component, Incident, Maintenance
from exporter.render.documents import rfc3339
from exporter.render.status_view import UNKNOWN_TONE, PageStatus, tone, words, worst_first

STYLE = """\
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--card:#f6f8fa;\
--ok:#1a7f37;--minor:#9a6700;--major:#bc4c00;--critical:#cf222e;--maintenance:#0969da;--unknown:#59636e}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;\
--card:#151b23;--ok:#3fb950;--minor:#d29922;--major:#db6d28;--critical:#f85149;--maintenance:#4493f8;\
--unknown:#9198a1}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",\
Roboto,sans-serif;overflow-wrap:anywhere}
main{max-width:48rem;margin:0 auto;padding:1rem}
a{color:var(--maintenance)}
h1{font-size:1.5rem;margin:0}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
h3{font-size:1rem;margin:1rem 0 .25rem;color:var(--muted)}
ul{list-style:none;margin:0;padding:0}
.banner{background:var(--card);border-left:.5rem solid var(--tone);border-radius:.375rem;padding:.75rem 1rem}
.banner .state{font-size:1.25rem;font-weight:600;color:var(--tone);margin:.25rem 0}
.meta,.muted,footer{color:var(--muted);font-size:.875rem}
.meta{margin:0}
.warning{border:2px solid var(--critical);border-radius:.375rem;padding:.5rem .75rem;margin:1rem 0}
.rows li{display:flex;flex-wrap:wrap;justify-content:space-between;gap:0 1rem;padding:.4rem 0;\
border-bottom:1px solid var(--line)}
.status{color:var(--tone);font-weight:600}
.status::before{content:"\\25CF\\00A0"}
.event{padding:.5rem 0;border-bottom:1px solid var(--line)}
.event .name{font-weight:600}
.ok{--tone:var(--ok)}.minor{--tone:var(--minor)}.major{--tone:var(--major)}.critical{--tone:var(--critical)}
.maintenance{--tone:var(--maintenance)}.unknown{--tone:var(--unknown)}
footer{margin-top:2rem;border-top:1px solid var(--line);padding-top:.75rem}
footer ul{display:flex;flex-wrap:wrap;gap:0 1rem}
"""
#: The CSP source that allows exactly STYLE.
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()


@dataclass(frozen=True)
class Footer:
    """What the page says about the exporter itself."""

    version: str
    cache_ttl: float
    telemetry_path: str = "/metrics"


def render(status: PageStatus, others: Sequence[PageStatus], footer: Footer, now: float) -> str:
    """The whole page for `status`; `others` are indexed, worst first, with their cached state and the
    worst status of their components in scope; `now` is Unix time."""
    summary = status.summary
    sections = [_banner(status, now), _warning(status, now)]
    if summary is not None:
        sections += [
            _components(summary.components),
            _incidents(summary.incidents, now),
            _maintenances(summary.maintenances, now),
        ]
    sections += [_index(others), _footer(footer)]
    return _document(f"{status.title} status", "".join(sections))


def render_unknown_target(target: str) -> str:
    """The 400 page for a target that is not listed."""
    shown = target if len(target) <= 200 else target[:200] + "..."
    body = (
        "<h1>Unknown page</h1>"
        f"<p>No page named {_e(repr(shown))} is listed in <code>--config.file</code>. "
        '<a href="./">The default page</a> lists the others.</p>'
    )
    return _document("Unknown page", body)


def _document(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{STYLE}</style></head>\n"
        f"<body><main>{body}</main></body></html>\n"
    )


def _e(text: str) -> str:
    return escape(text, quote=True)


def _banner(status: PageStatus, now: float) -> str:
    summary = status.summary
    if summary is None:
        state, tone_name = "Status unknown", UNKNOWN_TONE
    else:
        state, tone_name = words(summary.indicator), tone(summary.indicator)
    meta = []
    if status.last_success is not None:
        meta.append(f"Read {_e(_ago(now - status.last_success))}")
    if summary is not None and summary.page.updated_at is not None:
        meta.append(f"page updated {_moment(summary.page.updated_at, now)}")
    source = f'<a href="{_e(status.url)}">{_e(status.url)}</a>'
    return (
        f'<header class="banner {tone_name}"><h1>{_e(status.title)}</h1>'
        f'<p class="state">{_e(state)}</p>'
        f'<p class="meta">{", ".join(meta) + ". " if meta else ""}Source: {source}</p></header>'
    )


def _warning(status: PageStatus, now: float) -> str:
    why = f" ({status.error_reason}: {status.error_detail})" if status.error_reason else ""
    if status.stale:
        since = _ago(now - status.last_success) if status.last_success is not None else "earlier"
        text = (
            f"Stale data: the latest request to the status page failed{why}. "
            f"Shown is what it said when last read, {since}."
        )
    elif status.summary is None:
        text = f"No data: the status page could not be read{why or ' yet'}. Nothing is known about its state."
    else:
        return ""
    return f'<p class="warning" role="alert"><strong>{_e(text)}</strong></p>'


def _components(components: Sequence[Component]) -> str:
    if not components:
        return '<h2>Components</h2><p class="muted">The page lists no components.</p>'
    groups: dict[str, list[Component]] = {}
    for component in components:
        groups.setdefault(component.group, []).append(component)
    parts = ["<h2>Components</h2>"]
    for group, members in groups.items():
        if group:
            parts.append(f"<h3>{_e(group)}</h3>")
        rows = "".join(f'<li><span class="name">{_e(c.name)}</span>{_status(c.status)}</li>' for c in members)
        parts.append(f'<ul class="rows">{rows}</ul>')
    return "".join(parts)


def _status(value: str) -> str:
    return f'<span class="status {tone(value)}">{_e(words(value))}</span>'


def _incidents(incidents: Iterable[Incident], now: float) -> str:
    items = "".join(
        f'<li class="event"><div class="name">{_e(i.name)}</div>'
        f'<div><span class="status {tone(i.impact)}">{_e(_impact(i.impact))}</span> · {_e(words(i.status))}'
        f"{' · started ' + _moment(i.started_at, now) if i.started_at is not None else ''}</div></li>"
        for i in incidents
    )
    return "<h2>Incidents</h2>" + (f"<ul>{items}</ul>" if items else '<p class="muted">No unresolved incidents.</p>')


def _impact(impact: str) -> str:
    return "No impact" if impact == "none" else f"{impact.replace('_', ' ').capitalize()} impact"


def _maintenances(maintenances: Iterable[Maintenance], now: float) -> str:
    items = "".join(
        f'<li class="event"><div class="name">{_e(m.name)}</div>'
        f'<div><span class="status maintenance">{_e(words(m.status))}</span>'
        f"{' · starts ' + _moment(m.scheduled_for, now) if m.scheduled_for is not None else ''}"
        f"{' · ends ' + _moment(m.scheduled_until, now) if m.scheduled_until is not None else ''}</div></li>"
        for m in maintenances
    )
    return "<h2>Maintenances</h2>" + (
        f"<ul>{items}</ul>" if items else '<p class="muted">No scheduled maintenances.</p>'
    )


def _index(others: Sequence[PageStatus]) -> str:
    if not others:
        return ""
    rows = []
    for other in worst_first(others):
        href = "./" if other.is_default else "status?target=" + quote(other.target, safe="")
        if other.summary is None:
            state = f'<span class="status {UNKNOWN_TONE}">No data</span>'
        else:
            stale = " (stale)" if other.stale else ""
            value = other.summary.indicator
            worst = other.components_worst_status or "operational"
            state = (
                f'<span><span class="status {tone(value)}">{_e(words(value) + stale)}</span>'
                f' · components: <span class="status {tone(worst)}">{_e(words(worst))}</span></span>'
            )
        rows.append(f'<li><a href="{_e(href)}">{_e(other.title)}</a>{state}</li>')
    return f'<h2>Other pages</h2><ul class="rows">{"".join(rows)}</ul>'


def _footer(footer: Footer) -> str:
    return (
        f"<footer><p>github-status-exporter {_e(footer.version)}: reads each page at most once every "
        f"{footer.cache_ttl:g} s, however often this page, the API or Prometheus ask.</p>"
        f'<ul><li><a href="{_e(quote(footer.telemetry_path.lstrip("/")))}">Metrics</a></li>'
        '<li><a href="-/healthy">Health</a></li>'
        '<li><a href="-/ready">Readiness</a></li><li><a href="api/v1/status">JSON</a></li></ul></footer>'
    )


def _moment(moment: float, now: float) -> str:
    """`<time>` with the UTC time and how long ago (or how soon) it is."""
    when = datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M UTC")
    delta = now - moment
    relative = _ago(delta) if delta >= 0 else "in " + _duration(-delta)
    return f'<time datetime="{rfc3339(moment)}">{when}</time> ({relative})'


def _ago(seconds: float) -> str:
    return _duration(max(0.0, seconds)) + " ago"


def _duration(seconds: float) -> str:
    s = int(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    if s < 86400:
        return f"{s // 3600} h {s % 3600 // 60} min"
    return f"{s // 86400} d {s % 86400 // 3600} h"
