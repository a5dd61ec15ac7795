"""Entry point: flags and environment -> Config -> logging -> wiring -> serve until SIGTERM/SIGINT.

The only module with side effects (with `exporter.launch`, the console script, which holds SIGHUP
before importing this). `python -m exporter` runs `main()` here, which holds SIGHUP from its first
line; the console script holds it from before the imports.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import resource
import signal
import sys
from typing import Callable, Mapping, Sequence

from prometheus_client import PlatformCollector, ProcessCollector

from exporter import __version__, catalog, log
from exporter.config import PROGRAM, Config, ConfigError, load
from exporter.engines import ENGINES
from exporter.engines.detection import AUTO
from exporter.fetch.alarms import alarm_clock
from exporter.fetch.cache import Fetcher
from exporter.fetch.detect import DetectingFetcher
from exporter.fetch.fetcher import PageFetcher
from exporter.fetch.slots import Upstream
from exporter.fetch.unknown import UnknownValues
from exporter.fetch.workers import shared_workers
from exporter.launch import HeldHangups
from exporter.pagefile import PageSettings, default_page, load_pages
from exporter.reload import Reloader
from exporter.render.collector import BuildInfoCollector
from exporter.render.metrics import OwnMetrics, render_executor
from exporter.targets import CachePool, PageTarget
from exporter.urls import redact_url
from exporter.web.config import PLAIN, WebConfig
from exporter.web.config import load as load_web_config
from exporter.web.listener import Listener, follow_web_config
from exporter.web.server import ClientErrorLogFilter, ExporterApp, PageInfo, http_server
from exporter.web.watcher import WebConfigWatcher, log_warnings

#: How long open connections get to finish their answer after SIGTERM.
SHUTDOWN_GRACE_SECONDS = 2.0

_log = log.get_logger("exporter")


def build_app(
    config: Config,
    pages: tuple[PageSettings, ...] = (),
    make_fetcher: Callable[[PageSettings], Fetcher] | None = None,
    web: WebConfigWatcher | None = None,
) -> tuple[ExporterApp, Reloader]:
    """Wire the default page (for /metrics) and the file's pages (for /probe).

    `make_fetcher` replaces the real page fetcher, for tests; `web` holds the web config
    (plain HTTP, no auth, if not given).
    """
    if web is None:
        web = WebConfigWatcher("", PLAIN)
    upstream = Upstream()
    unknown = UnknownValues()
    if make_fetcher is None:

        def make_fetcher(page: PageSettings) -> Fetcher:
            if page.engine == AUTO:
                return DetectingFetcher(
                    page.url,
                    page.fetch_timeout,
                    page.cache_max_stale,
                    upstream=upstream,
                    options=page.engine_options,
                    unknown=unknown,
                )
            engine = ENGINES[page.engine].for_page(page.engine_options)
            return PageFetcher(page.url, page.fetch_timeout, engine=engine, upstream=upstream, unknown=unknown)

    pool = CachePool(make_fetcher)
    default = default_page(config)
    reloader = Reloader(
        config,
        pool,
        pinned=default,
        pages=pages,
        after_reload=lambda in_use: upstream.retain(page.url for page in in_use),
    )
    own = [
        ProcessCollector(registry=None),
        PlatformCollector(registry=None),
        BuildInfoCollector(__version__),
        reloader,
        web,
    ]
    own_metrics = OwnMetrics(own, generation=lambda: (reloader.generation, web.generation))
    target = PageTarget(default, pool.cache_for(default), own_metrics)
    info = PageInfo(version=__version__, cache_ttl=config.cache_ttl, telemetry_path=config.web_telemetry_path)
    app = ExporterApp(
        target,
        reloader,
        info,
        guard=lambda: web.guard,
        enable_lifecycle=config.web_enable_lifecycle,
        reload_web=web.reload,
    )
    return app, reloader


async def serve(
    config: Config,
    app: ExporterApp,
    reloader: Reloader,
    web: WebConfigWatcher | None = None,
    held: HeldHangups | None = None,
) -> None:
    """Serve until SIGTERM or SIGINT, then close connections and return. SIGHUP reloads.

    `held` counts the SIGHUPs that came before the reload handler was in place: any is one reload.
    """
    if web is None:
        web = WebConfigWatcher("", PLAIN)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    web_changed = asyncio.Event()
    received: list[str] = []

    def on_signal(sig: signal.Signals) -> None:
        received.append(sig.name)
        stop.set()

    def on_hangup() -> None:
        reloader.reload()
        web.reload()

    # After a reload (SIGHUP, POST /-/reload, a poll), new connections get its TLS context at once.
    web.on_reload(web_changed.set)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal, sig)
    loop.add_signal_handler(signal.SIGHUP, on_hangup)
    if held is not None and held.count:
        _log.info("reloading for a SIGHUP received while starting", signals=held.count)
        on_hangup()
    http = http_server(app)
    listener = Listener(http, config.listen_host or None, config.listen_port)
    addresses = sorted({_format_address(name) for name in await listener.start(web.current.ssl_context)})
    watching = asyncio.ensure_future(follow_web_config(web, listener, web_changed))
    _log.info(
        "exporter started",
        version=__version__,
        listen_address=",".join(addresses),
        url=redact_url(config.status_url),
        vendor=config.vendor or None,
        engine=config.engine,
        cache_ttl_seconds=config.cache_ttl,
        cache_max_stale_seconds=config.cache_max_stale,
        fetch_timeout_seconds=config.fetch_timeout,
        config_file=config.config_file or None,
        probe_pages=len(reloader.targets),
        web_config_file=config.web_config_file or None,
        tls=web.current.tls,
        basic_auth=bool(web.current.users),
    )
    await stop.wait()
    _log.info("exporter stopping", signal=received[0])
    app.begin_shutdown()
    watching.cancel()
    listener.close()
    await http.shutdown(SHUTDOWN_GRACE_SECONDS)
    _log.info("exporter stopped")


def _format_address(sockname: tuple) -> str:
    host, port = sockname[:2]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _raise_open_files_limit() -> None:
    """Lift the soft limit on open files to the hard one, as Go programs do at start.

    Every client connection costs a descriptor; a soft limit of 1024 would let a few hundred idle
    or hostile connections lock Prometheus out.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _event_loop_runner():
    try:
        import uvloop
    except ImportError:  # optional: the stdlib loop is slower but correct
        return asyncio.run
    return uvloop.run


#: `--output` -> how `--catalog` prints.
CATALOG_RENDERERS: Mapping[str, Callable[[], str]] = {"text": catalog.render_text, "yaml": catalog.render_page_file}


def run(argv: Sequence[str], environ: Mapping[str, str], held: HeldHangups | None = None) -> int:
    """The whole program; returns the exit code. `held`: SIGHUPs held since the start (see launch)."""
    try:
        config = load(argv, environ)
        if config.catalog:  # the catalog needs no page file nor web config
            print(CATALOG_RENDERERS[config.output](), end="")
            return 0
        pages = load_pages(config.config_file, config) if config.config_file else ()
        web_config = load_web_config(config.web_config_file)
    except ConfigError as err:
        print(f"{PROGRAM}: {err}", file=sys.stderr)
        return 2
    if config.config_check:
        for warning in web_config.warnings:
            print(f"{PROGRAM}: warning: {config.web_config_file}: {warning}", file=sys.stderr)
        print(
            f"{PROGRAM}: configuration OK ({len(pages)} pages in {config.config_file or 'no --config.file'}"
            + (f"; {_describe(web_config)} in {config.web_config_file})" if config.web_config_file else ")")
        )
        return 0
    log.configure(config.log_level, config.log_format)
    logging.getLogger("aiohttp.server").addFilter(ClientErrorLogFilter())
    _raise_open_files_limit()
    log_warnings(web_config, config.web_config_file)
    web = WebConfigWatcher(config.web_config_file, web_config)
    app, reloader = build_app(config, pages, web=web)
    # Every thread the fetches use, started now: the thread count stays what it is from the start.
    shared_workers().start()
    alarm_clock().start()
    render_executor().submit(int).result()
    # What was built so far lives as long as the process: full collections need not walk it again
    # (they hold the interpreter, and so the event loop, for as long as they take).
    gc.freeze()
    try:
        _event_loop_runner()(serve(config, app, reloader, web, held))
    except OSError as err:
        _log.error("cannot listen", listen_address=config.listen_address, error=str(err))
        return 1
    return 0


def _describe(web: WebConfig) -> str:
    tls = f"TLS with {web.client_auth_type}" if web.tls else "no TLS"
    return f"{tls}, {len(web.users)} basic auth users, {len(web.headers)} headers"


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m exporter`: SIGHUP held from the first line (its imports are done by then)."""
    held = HeldHangups.hold()
    sys.exit(run(sys.argv[1:] if argv is None else argv, os.environ, held))


if __name__ == "__main__":
    main()
