"""A page's exposition, rendered once per state of what it shows and shared by every request.

Rendering costs far more than sending bytes (prometheus_client takes about 10 µs a series), and
scrapes and probes come much more often than the data changes. An exposition is the text of three
parts, in this order: the exporter's own metrics (`OwnMetrics`, the default page only: process,
build, reloads), the cache view's dozen series (fetch statistics, page info), and the page's
Summary. Each part's text is kept with the objects it was rendered from; the cache hands out the
very same objects until its state changes (and keeps an unchanged page's Summary), so a refresh
re-renders that dozen series, the components only when they changed, and a request that finds the same state gets
the same bytes, and the same gzip form, made on first demand. The own metrics are at most
`max_age` (1 s) old, and rendered again at once after a reload.

A rendering of a large page (over INLINE_SERIES series) and its gzip form are made on the render
thread, never on the event loop; requests that arrive meanwhile for the same state wait for that
one rendering.
"""

from __future__ import annotations

import asyncio
import gzip
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterable, Sequence

from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.exposition import generate_latest as generate_text
from prometheus_client.openmetrics.exposition import CONTENT_TYPE_LATEST as CONTENT_TYPE_OPENMETRICS
from prometheus_client.openmetrics.exposition import generate_latest as generate_openmetrics
from prometheus_client.registry import Collector

from exporter.model import CacheView, Summary
from exporter.render.collector import StatuspageCollector
from exporter.vocabulary import COMPONENT_STATUSES

#: Renderings of up to this many series (about 2 ms) are made on the event loop; larger ones on
#: the render thread, so that no request waits behind them.
INLINE_SERIES = 200
_EOF = b"# EOF\n"


@dataclass(frozen=True)
class Exposition:
    body: bytes
    content_type: str
    gzipped: bool


Encoder = Callable[["_Families"], bytes]

#: The two formats we answer in. Our metric names are all legacy-valid, so text 0.0.4 and
#: OpenMetrics 1.0.0 say everything any escaping scheme or later version would.
TEXT: tuple[Encoder, str] = (generate_text, CONTENT_TYPE_PLAIN_0_0_4)
OPENMETRICS: tuple[Encoder, str] = (generate_openmetrics, CONTENT_TYPE_OPENMETRICS)


@lru_cache(maxsize=64)
def negotiate(accept: str) -> tuple[Encoder, str]:
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


class OwnMetrics:
    """The exporter's own collectors as one part of the default page's exposition.

    Its state is a new object every `max_age` seconds, and at once when `generation()` changes
    (a reload of the page file or the web config): a reload shows in the very next scrape.
    """

    def __init__(
        self,
        collectors: Sequence[Collector],
        generation: Callable[[], object] = lambda: None,
        *,
        max_age: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._collectors = tuple(collectors)
        self._generation = generation
        self._max_age = max_age
        self._clock = clock
        self._state: tuple[float, object] | None = None

    def state(self) -> object:
        """The same object for as long as a rendering of these collectors may be reused."""
        now, generation = self._clock(), self._generation()
        state = self._state
        if state is None or now - state[0] >= self._max_age or state[1] != generation:
            state = self._state = (now, generation)
        return state

    def collect(self):
        for collector in self._collectors:
            yield from collector.collect()


class _Families:
    """What the client library's encoders take: anything with collect()."""

    def __init__(self, families: Iterable):
        self._families = families

    def collect(self):
        return self._families


@dataclass(frozen=True)
class _Piece:
    """One part's text, and the state it was rendered from."""

    state: object
    text: bytes


@dataclass
class _Rendering:
    """One exposition, handed to every request that finds the same state."""

    #: Its three parts (own metrics, cache view, Summary), each with the state it shows.
    pieces: tuple[_Piece, ...]
    plain: Exposition
    large: bool
    gzipped: Exposition | None = None
    gzipping: asyncio.Future | None = field(default=None)

    @property
    def key(self) -> tuple:
        """The state it shows, as `MetricsRenderer.state()` gives it: (own metrics, cache view)."""
        return (self.pieces[0].state, self.pieces[1].state)


def series_estimate(summary: Summary | None) -> int:
    """About how many series a Summary renders to (component states dominate)."""
    if summary is None:
        return 0
    per_component = len(COMPONENT_STATUSES) + 2
    return per_component * len(summary.components) + 3 * (len(summary.incidents) + len(summary.maintenances))


class MetricsRenderer:
    """One page's exposition. Used from the event loop only; large renderings run on the render thread."""

    def __init__(
        self,
        view: Callable[[], CacheView],
        collector: StatuspageCollector,
        own: OwnMetrics | None = None,
        *,
        executor: ThreadPoolExecutor | None = None,
    ):
        """`view` is the page's cache view; `own` the exporter's own metrics (the default page only)."""
        self._view = view
        self._collector = collector
        self._own = own
        self._executor = executor
        self._renderings: dict[str, _Rendering] = {}
        self._pending: dict[str, tuple[tuple, asyncio.Future[_Rendering]]] = {}
        #: Renderings made, for tests and the curious: one per state and format.
        self.renderings_made = 0

    def state(self) -> tuple:
        """What the exposition shows now: the own metrics' state and the cache's view (the same
        objects for as long as they are unchanged)."""
        return (self._own.state() if self._own is not None else None, self._view())

    def current(self, accept: str = "", accept_encoding: str = "") -> Exposition | None:
        """The exposition of the page's state now if it is at hand, else None (then `render`).

        This runs for every scrape: keep it to lookups and comparisons.
        """
        rendering = self._renderings.get(negotiate(accept)[1])
        if rendering is None or not _same(rendering.key, self.state()):
            return None
        if accept_encoding and accepts_gzip(accept_encoding):
            return rendering.gzipped
        return rendering.plain

    async def render(self, accept: str = "", accept_encoding: str = "") -> Exposition:
        """The exposition for these request headers, of the page's state now, rendered if need be."""
        encode, content_type = negotiate(accept)
        key = self.state()
        rendering = self._renderings.get(content_type)
        if rendering is None or not _same(rendering.key, key):
            rendering = await self._rendering(encode, content_type, key)
        if accept_encoding and accepts_gzip(accept_encoding):
            return rendering.gzipped or await self._gzip(rendering)
        return rendering.plain

    async def _rendering(self, encode: Encoder, content_type: str, key: tuple) -> _Rendering:
        pending = self._pending.get(content_type)
        if pending is not None and _same(pending[0], key):
            return await asyncio.shield(pending[1])
        latest = self._renderings.get(content_type)
        pieces = latest.pieces if latest is not None else (None, None, None)
        own, view = key
        states = (own, view, view.summary)
        large = series_estimate(view.summary) > INLINE_SERIES and (
            pieces[2] is None or pieces[2].state is not view.summary
        )

        def make() -> _Rendering:
            made = tuple(
                piece if piece is not None and piece.state is state else _Piece(state, self._text(encode, part, state))
                for part, (piece, state) in enumerate(zip(pieces, states, strict=True))
            )
            body = b"".join(piece.text for piece in made)
            if encode is OPENMETRICS[0]:
                body += _EOF
            return _Rendering(made, Exposition(body, content_type, False), large)

        if not large:
            return self._keep(content_type, make())
        future = asyncio.get_running_loop().run_in_executor(self._executor or render_executor(), make)
        shared: asyncio.Future[_Rendering] = asyncio.get_running_loop().create_future()

        def done(made: asyncio.Future) -> None:
            if self._pending.get(content_type, (None, None))[1] is shared:
                del self._pending[content_type]
            if made.exception() is not None:
                shared.set_exception(made.exception())
            else:
                shared.set_result(self._keep(content_type, made.result()))

        future.add_done_callback(done)
        self._pending[content_type] = (key, shared)
        return await asyncio.shield(shared)

    def _keep(self, content_type: str, rendering: _Rendering) -> _Rendering:
        self.renderings_made += 1
        latest = self._renderings.get(content_type)
        # Renderings of two states may finish out of order: the later state's stays.
        if latest is None or not _newer(latest.key, rendering.key, self.state()):
            self._renderings[content_type] = rendering
        return rendering

    def _text(self, encode: Encoder, part: int, state: object) -> bytes:
        if part == 0:
            families = self._own.collect() if self._own is not None else ()
        elif part == 1:
            families = self._collector.view_families(state)  # type: ignore[arg-type]
        else:
            families = self._collector.summary_families(state) if state is not None else ()  # type: ignore[arg-type]
        text = encode(_Families(families))
        return text.removesuffix(_EOF) if encode is OPENMETRICS[0] else text

    async def _gzip(self, rendering: _Rendering) -> Exposition:
        plain = rendering.plain

        def compress() -> Exposition:
            return Exposition(gzip.compress(plain.body, compresslevel=6, mtime=0), plain.content_type, True)

        if not rendering.large:
            rendering.gzipped = compress()
            return rendering.gzipped
        if rendering.gzipping is None:
            loop = asyncio.get_running_loop()
            rendering.gzipping = loop.run_in_executor(self._executor or render_executor(), compress)

            def done(future: asyncio.Future) -> None:
                if future.exception() is None:
                    rendering.gzipped = future.result()

            rendering.gzipping.add_done_callback(done)
        return await asyncio.shield(rendering.gzipping)


def _same(a: tuple, b: tuple) -> bool:
    """The same state: the very same objects (the cache hands out new ones only when they change)."""
    return a[0] is b[0] and a[1] is b[1]


def _newer(kept: tuple, made: tuple, now: tuple) -> bool:
    """Whether the rendering kept shows the state now while the one just made does not."""
    return _same(kept, now) and not _same(made, now)


_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def render_executor() -> ThreadPoolExecutor:
    """The process's one render thread, for renderings too large for the event loop."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(1, thread_name_prefix="statuspage-render")
        return _executor
