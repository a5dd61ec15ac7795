"""Pages as scrape targets: each with its cache, collector and reusable rendering.

`CachePool` keeps one SummaryCache per distinct way of fetching a page, so a page listed twice
(or the default page listed in the file too) is fetched once, and a reload keeps the caches, and
so the data and counters, of every page it did not change.
"""

from __future__ import annotations

import threading
from typing import Callable, Iterable, Mapping, Sequence

from exporter.fetch.cache import Fetcher, SummaryCache
from exporter.fetch.detect import DetectingFetcher
from exporter.pagefile import PageSettings
from exporter.render.collector import StatuspageCollector
from exporter.render.metrics import MetricsRenderer, OwnMetrics


class PageTarget:
    """One page's metrics, ready to serve: its cache, and the renderer of its exposition."""

    def __init__(self, settings: PageSettings, cache: SummaryCache, own: OwnMetrics | None = None):
        """`own`: the exporter's own metrics, exposed before the page's (the default page's only)."""
        self.settings = settings
        self.cache = cache
        collector = StatuspageCollector(
            cache.view,
            settings.components_exclude,
            include=settings.components_include,
            engine=settings.engine,
            name=settings.display_name,
            url=settings.url,
        )
        self.renderer = MetricsRenderer(cache.view, collector, own)


class CachePool:
    """Thread-safe. Hands out the cache for a page's fetch settings, creating it on first use."""

    def __init__(self, make_fetcher: Callable[[PageSettings], Fetcher]):
        """`make_fetcher` builds the client for a page (a PageFetcher, or a fake in tests)."""
        self._make_fetcher = make_fetcher
        self._lock = threading.Lock()
        self._caches: dict[tuple, SummaryCache] = {}

    def cache_for(self, page: PageSettings) -> SummaryCache:
        with self._lock:
            cache = self._caches.get(page.fetch_key)
            if cache is None:
                cache = SummaryCache(self._make_fetcher(page), page.cache_ttl, page.cache_max_stale)
                self._caches[page.fetch_key] = cache
            return cache

    def reset_detection(self) -> None:
        """Make every `engine: auto` page detect its engine again at its next fetch (after a reload)."""
        with self._lock:
            caches = list(self._caches.values())
        for cache in caches:
            if isinstance(cache.fetcher, DetectingFetcher):
                cache.fetcher.reset_detection()

    def retain_only(self, pages: Iterable[PageSettings]) -> None:
        """Forget the caches no listed page uses any more."""
        keep = {page.fetch_key for page in pages}
        with self._lock:
            for key in [key for key in self._caches if key not in keep]:
                del self._caches[key]


class ProbeTargets:
    """The pages `/probe` may read, looked up by name or by their exact configured URL. Immutable."""

    def __init__(self, targets: Sequence[PageTarget]):
        self._targets = tuple(targets)
        self._by_key: Mapping[str, PageTarget] = {
            **{t.settings.url: t for t in targets},
            **{t.settings.url + "/": t for t in targets},
            **{t.settings.name: t for t in targets},
        }

    @classmethod
    def build(cls, pages: Sequence[PageSettings], pool: CachePool) -> ProbeTargets:
        return cls([PageTarget(page, pool.cache_for(page)) for page in pages])

    def lookup(self, target: str) -> PageTarget | None:
        return self._by_key.get(target)

    def __iter__(self):
        return iter(self._targets)

    def __len__(self) -> int:
        return len(self._targets)
