"""Rendered exposition bytes, reused for up to a second.

Rendering the registry costs far more than sending bytes, and scrapes come much more often than
the data changes. A rendering (and its gzip form, made on first demand) is reused while it is
younger than `max_age` seconds, which bounds how old anything it shows can look; a scrape that
has just waited for new data asks for a fresh one.
"""

from __future__ import annotations

import gzip
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.exposition import generate_latest as generate_text
from prometheus_client.openmetrics.exposition import CONTENT_TYPE_LATEST as CONTENT_TYPE_OPENMETRICS
from prometheus_client.openmetrics.exposition import generate_latest as generate_openmetrics
from prometheus_client.registry import CollectorRegistry


@dataclass(frozen=True)
class Exposition:
    body: bytes
    content_type: str
    gzipped: bool


@dataclass
class _Rendering:
    """One rendering and its answers, built once and handed out to every request that fits."""

    rendered_at: float
    plain: Exposition
    gzipped: Exposition | None = field(default=None)


#: The two formats we answer in. Our metric names are all legacy-valid, so text 0.0.4 and
#: OpenMetrics 1.0.0 say everything any escaping scheme or later version would.
TEXT = (generate_text, CONTENT_TYPE_PLAIN_0_0_4)
OPENMETRICS = (generate_openmetrics, CONTENT_TYPE_OPENMETRICS)


@lru_cache(maxsize=64)
def negotiate(accept: str) -> tuple[Callable[[CollectorRegistry], bytes], str]:
    """OpenMetrics if the Accept header lists it (with q > 0), else the text format.

    Only two formats, whatever the header says: a rendering is kept per format, so letting
    clients name arbitrary versions would let them grow that store (and defeat the reuse).
    """
    if not accept:
        return TEXT
    for item in accept.split(","):
        media_type, _, params = item.partition(";")
        if media_type.strip().lower() == "application/openmetrics-text" and not _q_is_zero(params):
            return OPENMETRICS
    return TEXT


def _q_is_zero(params: str) -> bool:
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value) == 0
            except ValueError:
                return False
    return False


@lru_cache(maxsize=64)
def accepts_gzip(accept_encoding: str) -> bool:
    """True if the Accept-Encoding header lists gzip (without q=0)."""
    for item in accept_encoding.split(","):
        coding, _, params = item.partition(";")
        if coding.strip().lower() == "gzip":
            return not _q_is_zero(params)
    return False


class MetricsRenderer:
    """Not thread-safe: called from the event loop only."""

    def __init__(
        self,
        registry: CollectorRegistry,
        *,
        max_age: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._registry = registry
        self._max_age = max_age
        self._clock = clock
        self._renderings: dict[str, _Rendering] = {}

    def render(self, accept: str = "", accept_encoding: str = "", *, fresh: bool = False) -> Exposition:
        """The exposition for these request headers, from a rendering younger than `max_age` unless `fresh`.

        This runs for every scrape: keep it to lookups and comparisons.
        """
        encode, content_type = negotiate(accept)
        now = self._clock()
        rendering = self._renderings.get(content_type)
        if fresh or rendering is None or now - rendering.rendered_at >= self._max_age:
            plain = Exposition(encode(self._registry), content_type, False)
            rendering = self._renderings[content_type] = _Rendering(now, plain)
        if accept_encoding and accepts_gzip(accept_encoding):
            if rendering.gzipped is None:
                body = gzip.compress(rendering.plain.body, compresslevel=6, mtime=0)
                rendering.gzipped = Exposition(body, content_type, True)
            return rendering.gzipped
        return rendering.plain
