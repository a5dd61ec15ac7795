"""The least a Python exporter can do per probe, for the fleet benchmark to measure beside ours.

An aiohttp application on uvloop (the exporter's own server stack) whose `/probe?target=NAME`
GETs each of the page's documents with `http.client` (one new connection per probe, blocking,
right on the event loop), `json.loads` each body, and answers a fixed exposition of
`EXPOSITION_BYTES`. No deadline, thread, cache, engine, rendering, gzip, logging or metrics: what
remains is serving one HTTP request and making the page's GETs. Its CPU per probe is the floor of
this stack on this machine, which a ratio against `json.loads` cannot go under.

    python bench/skeleton.py --web.listen-address 127.0.0.1:PORT PAGES_JSON
    # PAGES_JSON: {"name": ["http://host:port/path", ...]}; the flag and /-/healthy are the
    # exporter's, so tests' ExporterProcess runs it as it runs the exporter
"""

from __future__ import annotations

import argparse
import http.client
import json
from urllib.parse import urlsplit

import uvloop
from aiohttp import web

#: About the size of a fleet page's exposition (17 KB on average).
EXPOSITION_BYTES = 17_000
_BODY = (b'skeleton_series{label="value"} 1.0\n' * (EXPOSITION_BYTES // 35 + 1))[:EXPOSITION_BYTES]


def fetch(url: str) -> None:
    """GET `url` over a connection of its own and parse the body."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", parts.path, headers={"Accept": "application/json"})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise web.HTTPBadGateway(text=f"{url}: HTTP {response.status}")
        json.loads(body)
    finally:
        connection.close()


def application(pages: dict[str, list[str]]) -> web.Application:
    async def probe(request: web.Request) -> web.Response:
        urls = pages.get(request.query.get("target", ""))
        if urls is None:
            raise web.HTTPNotFound()
        for url in urls:
            fetch(url)
        return web.Response(body=_BODY, content_type="text/plain")

    app = web.Application()
    app.router.add_get("/probe", probe)
    app.router.add_get("/-/healthy", lambda request: web.Response(text="OK\n"))
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--web.listen-address", dest="listen", required=True, help="HOST:PORT")
    parser.add_argument("pages", help="a JSON file: each page's name and the URLs of its documents")
    args = parser.parse_args()
    host, _, port = args.listen.rpartition(":")
    with open(args.pages, encoding="utf-8") as file:
        pages = json.load(file)
    uvloop.install()
    web.run_app(application(pages), host=host, port=int(port), print=None, access_log=None)


if __name__ == "__main__":
    main()
