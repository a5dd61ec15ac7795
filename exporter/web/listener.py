"""The listening sockets, and taking a new TLS context into use without refusing a connection.

`Listener` serves one set of sockets with the TLS context in force; `follow_web_config` keeps it
in step with the web config (a poll of its files once a second, or at once after any reload).
"""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
from typing import Callable

from exporter import log
from exporter.web.watcher import WebConfigWatcher

#: Pending connections the kernel queues for us: a burst of scrapers must not be refused.
LISTEN_BACKLOG = 1024
#: How often the web config file and the certificates it names are checked for changes.
WEB_CONFIG_POLL_SECONDS = 1.0
#: A client gets this long to finish its TLS handshake.
TLS_HANDSHAKE_TIMEOUT_SECONDS = 10.0

_log = log.get_logger("exporter")


class Listener:
    """The listening sockets, served with the TLS context in force.

    A new context (a changed web config or certificate) is taken into use by serving duplicates
    of the same sockets with it, then closing the servers of the old one: the kernel's queue of
    pending connections is shared, so no connection is refused in between, and open connections
    keep the settings they started with.
    """

    def __init__(self, protocol_factory: Callable[[], asyncio.Protocol], host: str | None, port: int):
        self._factory = protocol_factory
        self._host = host
        self._port = port
        self._servers: list[asyncio.AbstractServer] = []
        self._sockets: list[socket.socket] = []
        self.ssl_context: ssl.SSLContext | None = None

    async def start(self, context: ssl.SSLContext | None) -> list[tuple]:
        """Listen; return the addresses listened on."""
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            self._factory, self._host, self._port, reuse_address=True, backlog=LISTEN_BACKLOG, **_tls(context)
        )
        self._servers, self.ssl_context = [server], context
        self._sockets = [socket.socket(fileno=os.dup(sock.fileno())) for sock in server.sockets]
        return [sock.getsockname() for sock in self._sockets]

    async def use(self, context: ssl.SSLContext | None) -> None:
        """Serve new connections with `context`."""
        loop = asyncio.get_running_loop()
        servers = [
            await loop.create_server(self._factory, sock=sock.dup(), backlog=LISTEN_BACKLOG, **_tls(context))
            for sock in self._sockets
        ]
        old, self._servers, self.ssl_context = self._servers, servers, context
        for server in old:
            server.close()

    def close(self) -> None:
        for server in self._servers:
            server.close()
        for sock in self._sockets:
            sock.close()


def _tls(context: ssl.SSLContext | None) -> dict:
    return {"ssl": context, "ssl_handshake_timeout": TLS_HANDSHAKE_TIMEOUT_SECONDS} if context else {}


async def follow_web_config(web: WebConfigWatcher, listener: Listener, changed: asyncio.Event) -> None:
    """Poll the web config's files; serve new connections with its TLS context when that changes."""
    while True:
        try:
            await asyncio.wait_for(changed.wait(), WEB_CONFIG_POLL_SECONDS)
        except TimeoutError:
            web.poll()
        changed.clear()
        context = web.current.ssl_context
        if context is not listener.ssl_context:
            try:
                await listener.use(context)
            except OSError as err:
                _log.error("cannot serve with the new web config", error=str(err))
