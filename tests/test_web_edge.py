"""The HTTP edge of ExporterApp: basic auth on every route, extra headers, the lifecycle switch, the telemetry path."""

from __future__ import annotations

import asyncio
import base64

import pytest
from aiohttp.test_utils import RawTestServer, TestClient

from exporter.__main__ import build_app
from exporter.config import load
from exporter.web.config import load as load_web_config
from exporter.web.server import LIFECYCLE_DISABLED
from exporter.web.watcher import WebConfigWatcher
from tests.test_web_server import GatedFetcher
from tests.webcerts import bcrypt_hash, write_web_config

ROUTES = [
    ("GET", "/"),
    ("GET", "/metrics"),
    ("HEAD", "/metrics"),
    ("GET", "/probe?target=x"),
    ("GET", "/-/healthy"),
    ("GET", "/-/ready"),
    ("POST", "/-/reload"),
    ("GET", "/nowhere"),
]
RIGHT = "Basic " + base64.b64encode(b"prometheus:secret").decode()
WRONG = "Basic " + base64.b64encode(b"prometheus:guess").decode()


def serve(scenario, argv=(), web_document=None, tmp_path=None):
    async def main():
        config = load(["--statuspage.url", "https://status.example.com", *argv], {})
        web = None
        if web_document is not None:
            path = str(write_web_config(tmp_path / "web.yml", web_document))
            web = WebConfigWatcher(path, load_web_config(path))
        app, _ = build_app(config, make_fetcher=lambda page: GatedFetcher(), web=web)
        async with TestClient(RawTestServer(app.handle, access_log=None)) as client:
            return await scenario(client)

    return asyncio.run(main())


@pytest.fixture
def secured(tmp_path):
    document = {
        "basic_auth_users": {"prometheus": bcrypt_hash("secret")},
        "http_server_config": {"headers": {"X-Frame-Options": "deny", "X-Content-Type-Options": "nosniff"}},
    }
    return lambda scenario, argv=(): serve(scenario, argv, document, tmp_path)


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize("authorization", [None, WRONG, "Basic %%%"])
def test_without_valid_credentials_every_route_answers_401_with_the_challenge(secured, method, path, authorization):
    async def scenario(client):
        headers = {"Authorization": authorization} if authorization else {}
        response = await client.request(method, path, headers=headers)
        return response.status, response.headers.get("WWW-Authenticate"), response.headers.get("X-Frame-Options")

    assert secured(scenario) == (401, "Basic", "deny")


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", 200),
        ("GET", "/metrics", 200),
        ("HEAD", "/metrics", 200),
        ("GET", "/probe?target=x", 400),
        ("GET", "/-/healthy", 200),
        ("GET", "/-/ready", 200),
        ("POST", "/-/reload", 403),
        ("GET", "/nowhere", 404),
    ],
)
def test_right_credentials_reach_every_route_and_every_answer_has_the_headers(secured, method, path, status):
    async def scenario(client):
        response = await client.request(method, path, headers={"Authorization": RIGHT})
        return response.status, response.headers.get("X-Frame-Options"), response.headers.get("X-Content-Type-Options")

    assert secured(scenario) == (status, "deny", "nosniff")


def test_reload_is_403_without_the_lifecycle_flag_and_works_with_it(tmp_path):
    async def scenario(client):
        response = await client.post("/-/reload")
        return response.status, await response.text()

    assert serve(scenario) == (403, LIFECYCLE_DISABLED)
    assert LIFECYCLE_DISABLED.count("\n") == 1
    assert serve(scenario, ["--web.enable-lifecycle"]) == (200, "config reloaded\n")


def test_reload_reports_a_bad_web_config(tmp_path):
    async def scenario(client):
        (tmp_path / "web.yml").write_text("basic_auth_users: []\n")
        response = await client.post("/-/reload")
        return response.status, await response.text()

    status, text = serve(scenario, ["--web.enable-lifecycle"], {}, tmp_path)
    assert (status, text) == (
        500,
        f"500 web config reload failed, old settings kept: {tmp_path / 'web.yml'}: basic_auth_users: expected a "
        "mapping of user to bcrypt hash, got a list\n",
    )


def test_telemetry_path_moves_the_metrics_and_the_landing_page_links_there():
    async def scenario(client):
        moved, old, landing = await client.get("/internal/metrics"), await client.get("/metrics"), await client.get("/")
        return moved.status, "statuspage_up 1.0" in await moved.text(), old.status, await landing.text()

    moved, has_metrics, old, landing = serve(scenario, ["--web.telemetry-path", "/internal/metrics"])
    assert (moved, has_metrics, old) == (200, True, 404)
    assert '<a href="internal/metrics">Metrics</a>' in landing
