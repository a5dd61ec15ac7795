"""Rendered exposition bytes, reused until something changed.

Rendering the registry costs far more than sending bytes, and scrapes come much more often than
the data changes. A rendering (and its gzip form, made on first demand) is reused while the
cache's generation is unchanged and it is younger than `max_age` seconds, which bounds how old the
process metrics and the stale-data expiry can look.
"""

from __future__ import annotations

import gzip
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Hashable

from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import CollectorRegistry


@dataclass
class _Rendering:
    generation: Hashable
    rendered_at: float
    body: bytes
    gzipped: bytes | None = field(default=None)


@dataclass(frozen=True)
class Exposition:
    body: bytes
    content_type: str
    gzipped: bool


@lru_cache(maxsize=32)
def _encoder(accept: str):
    """choose_encoder, memoised: scrapers send the same few Accept headers over and over."""
    return choose_encoder(accept)


def accepts_gzip(accept_encoding: str) -> bool:
    """True if the Accept-Encoding header lists gzip (without q=0)."""
    for item in accept_encoding.split(","):
        coding, _, params = item.partition(";")
        if coding.strip().lower() == "gzip":
            return params.replace(" ", "").lower() not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


class MetricsRenderer:
    """Not thread-safe: called from the event loop only."""

    def __init__(
        self,
        registry: CollectorRegistry,
        generation: Callable[[], Hashable],
        *,
        max_age: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._registry = registry
        self._generation = generation
        self._max_age = max_age
        self._clock = clock
        self._renderings: dict[str, _Rendering] = {}

    def render(self, accept: str = "", accept_encoding: str = "") -> Exposition:
        """The exposition for these request headers, from a reused rendering when still valid."""
        encode, content_type = _encoder(accept)
        generation = self._generation()
        now = self._clock()
        rendering = self._renderings.get(content_type)
        if rendering is None or rendering.generation != generation or now - rendering.rendered_at >= self._max_age:
            rendering = _Rendering(generation, now, encode(self._registry))
            self._renderings[content_type] = rendering
        if accepts_gzip(accept_encoding):
            if rendering.gzipped is None:
                rendering.gzipped = gzip.compress(rendering.body, compresslevel=6, mtime=0)
            return Exposition(rendering.gzipped, content_type, True)
        return Exposition(rendering.body, content_type, False)
