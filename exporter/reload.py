"""Reloading the `--config.file` (on SIGHUP or `POST /-/reload`) without losing anything.

A good file replaces the probe targets at once; pages whose fetch settings did not change keep
their caches (and `engine: auto` pages detect their engine again at their next fetch). A bad file
keeps the old targets, is logged, and shows in `statuspage_exporter_config_last_reload_successful 0`.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Iterator, Sequence

from prometheus_client.core import GaugeMetricFamily, Metric

from exporter import log
from exporter.config import Config, ConfigError
from exporter.pagefile import PageSettings, load_pages
from exporter.targets import CachePool, ProbeTargets

_log = log.get_logger(__name__)


class Reloader:
    """Owns the current ProbeTargets. `reload()` may be called from any thread."""

    def __init__(
        self,
        config: Config,
        pool: CachePool,
        pinned: PageSettings,
        pages: tuple[PageSettings, ...] = (),
        wall: Callable[[], float] = time.time,
        after_reload: Callable[[Sequence[PageSettings]], None] = lambda pages: None,
    ):
        """`pages` come from the file as already loaded at start; `pinned` keeps its cache always.

        `after_reload` gets every page in use after a good reload (the pinned one included).
        """
        self._after_reload = after_reload
        self._config = config
        self._pool = pool
        self._pinned = pinned
        self._wall = wall
        self._lock = threading.Lock()
        self._targets = ProbeTargets.build(pages, pool)
        self.last_successful = True
        self.last_success_timestamp = wall()

    @property
    def targets(self) -> ProbeTargets:
        return self._targets

    def reload(self) -> str | None:
        """Re-read the file; return None on success, else the error (the old targets stay)."""
        with self._lock:
            path = self._config.config_file
            try:
                pages = load_pages(path, self._config) if path else ()
            except ConfigError as err:
                self.last_successful = False
                _log.error("config reload failed", file=path, error=str(err))
                return str(err)
            self._targets = ProbeTargets.build(pages, self._pool)
            in_use = [self._pinned, *pages]
            self._pool.retain_only(in_use)
            self._pool.reset_detection()
            self._after_reload(in_use)
            self.last_successful = True
            self.last_success_timestamp = self._wall()
            _log.info("config reloaded", file=path, pages=len(pages))
            return None

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "statuspage_exporter_config_last_reload_successful",
            "1 if the latest reload of --config.file succeeded, else 0.",
            value=1 if self.last_successful else 0,
        )
        yield GaugeMetricFamily(
            "statuspage_exporter_config_last_reload_success_timestamp_seconds",
            "Unix time of the latest successful (re)load of --config.file.",
            value=self.last_success_timestamp,
        )
