"""Structured logging: one JSON object (or logfmt line) per line on stderr, through structlog.

Every line starts with `time` (RFC 3339, UTC, milliseconds), `level` and `msg`, then its context
fields. Log calls elsewhere use a constant message and pass context as keywords:

    log.warning("fetch failed", url=url, reason="timeout", duration_seconds=5.0)

Lines from the standard library's loggers (aiohttp, urllib3) go through the same renderer.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any, TextIO

import structlog

from exporter.model import rfc3339

#: Our level names (Prometheus style) -> the standard library's levels.
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warn": logging.WARNING, "error": logging.ERROR}
#: How a level is written in a line: as it is spelled on the command line.
_LEVEL_NAMES = {"warning": "warn", "critical": "error", "exception": "error"}
_FIRST_KEYS = ("time", "level", "msg")


def _add_time(_logger: Any, _method: str, event: dict) -> dict:
    event["time"] = rfc3339(time.time(), milliseconds=True)
    return event


def _normalise_level(_logger: Any, method: str, event: dict) -> dict:
    level = event.get("level", method)
    event["level"] = _LEVEL_NAMES.get(level, level)
    return event


def _order_keys(_logger: Any, _method: str, event: dict) -> dict:
    ordered = {key: event.pop(key) for key in _FIRST_KEYS if key in event}
    ordered.update(event)
    return ordered


def _renderer(fmt: str) -> structlog.typing.Processor:
    if fmt == "logfmt":
        return structlog.processors.LogfmtRenderer(key_order=list(_FIRST_KEYS), bool_as_flag=False)
    return structlog.processors.JSONRenderer()


def configure(level: str = "info", fmt: str = "json", stream: TextIO | None = None) -> None:
    """Set up logging for the whole process. Called once, by the entry point."""
    shared: list[structlog.typing.Processor] = [
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        _normalise_level,
        _add_time,
        structlog.processors.format_exc_info,
        structlog.processors.EventRenamer("msg"),
    ]
    formatter = structlog.stdlib.ProcessorFormatter(
        # Context a standard-library record carries (set by our own filters) becomes fields.
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder(allow=("error",))],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _order_keys,
            _renderer(fmt),
        ],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(LEVELS[level])
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """A logger for one module; safe to call at import time (nothing is configured here)."""
    return structlog.get_logger(name)
