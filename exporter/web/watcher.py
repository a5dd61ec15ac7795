"""Keeping the `--web.config.file` in force: reloads when it, or a file it names, changes.

`poll()` (at most once a second, from the serving loop) compares the files' identities (inode,
size, mtime) with those of the last attempt and reloads when they differ; `reload()` (SIGHUP,
`POST /-/reload`) reloads unconditionally. A file that turns bad keeps the last good settings in
force, is logged once per bad state, and shows in
`statuspage_exporter_web_config_last_reload_successful 0`.
"""

from __future__ import annotations

import os
import time
from typing import Callable, Iterable, Iterator

from prometheus_client.core import GaugeMetricFamily, Metric

from exporter import log
from exporter.web.auth import BasicAuth, BcryptRunner, Guard
from exporter.web.config import WebConfig, WebConfigError, load

_log = log.get_logger(__name__)


def log_warnings(config: WebConfig, path: str) -> None:
    """Log what the file allows but is unwise, one line each (at start and at every reload)."""
    for warning in config.warnings:
        _log.warning("web config warning", file=path, warning=warning)


def fingerprint(paths: Iterable[str]) -> tuple:
    """What identifies the files' current contents, cheaply: a new file or a rewrite changes it."""
    identity = []
    for path in paths:
        try:
            stat = os.stat(path)
        except OSError as err:
            identity.append((path, err.errno))
        else:
            identity.append((path, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns))
    return tuple(identity)


class WebConfigWatcher:
    """Owns the web config in force and the Guard built from it. Used on the event loop only."""

    def __init__(
        self,
        path: str,
        initial: WebConfig,
        runner: BcryptRunner | None = None,
        loader: Callable[[str], WebConfig] = load,
        wall: Callable[[], float] = time.time,
    ):
        """`initial` is the file as loaded (and validated) at start."""
        self.path = path
        self._loader = loader
        self._wall = wall
        self._runner = runner or BcryptRunner()
        self._watched = initial.files
        self._fingerprint = fingerprint(self._watched)
        self.current = initial
        self.guard = self._guard(initial, None)
        self.last_successful = True
        self.last_success_timestamp = wall()
        #: Changes with every reload attempt, so that renderings of collect() are redone.
        self.generation = 0
        self._listeners: list[Callable[[], None]] = []

    def on_reload(self, callback: Callable[[], None]) -> None:
        """Call `callback` after every reload attempt, good or bad (whatever asked for it)."""
        self._listeners.append(callback)

    def _guard(self, config: WebConfig, previous: Guard | None) -> Guard:
        # The verdicts of the auth in force carry over where a user's hash is unchanged: a reload
        # (a touched certificate file, a rotation) must not put known scrapers back in the queue.
        kept = previous.auth if previous is not None else None
        auth = BasicAuth(config.users, self._runner, kept) if config.users else None
        return Guard(auth, config.headers)

    def poll(self) -> None:
        """Reload if any watched file changed since the last attempt."""
        if self.path and fingerprint(self._watched) != self._fingerprint:
            self._reload()

    def reload(self) -> str | None:
        """Reload now; return None on success, else the error (the old settings stay)."""
        if not self.path:
            return None
        return self._reload()

    def _reload(self) -> str | None:
        try:
            return self._load()
        finally:
            for callback in self._listeners:
                callback()

    def _load(self) -> str | None:
        # Each attempt follows a change of the files (or a request): a bad file is logged once.
        self.generation += 1
        before = fingerprint(self._watched)
        try:
            config = self._loader(self.path)
        except WebConfigError as err:
            self._watch(err.files or (self.path,), before)
            self.last_successful = False
            _log.error("web config reload failed, previous settings kept", file=self.path, error=str(err))
            return str(err)
        self._watch(config.files, before)
        log_warnings(config, self.path)
        self.current = config
        self.guard = self._guard(config, self.guard)
        self.last_successful = True
        self.last_success_timestamp = self._wall()
        _log.info(
            "web config reloaded",
            file=self.path,
            tls=config.tls,
            client_auth_type=config.client_auth_type,
            basic_auth_users=len(config.users),
        )
        return None

    def _watch(self, files: tuple[str, ...], before: tuple) -> None:
        # Identities taken before reading: a change while reading shows at the next poll.
        self._fingerprint = before if files == self._watched else fingerprint(files)
        self._watched = files

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "statuspage_exporter_web_config_last_reload_successful",
            "1 if the latest (re)load of --web.config.file succeeded (also 1 without one), else 0.",
            value=1 if self.last_successful else 0,
        )
        yield GaugeMetricFamily(
            "statuspage_exporter_web_config_last_reload_success_timestamp_seconds",
            "Unix time of the latest successful (re)load of --web.config.file.",
            value=self.last_success_timestamp,
        )
