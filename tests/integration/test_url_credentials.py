"""A page URL with credentials: they are sent to the page as basic auth and shown nowhere.

Regression: `url: http://user:secret@host/` appeared, password included, in /api/v1/pages, the
status page, /api/v1/status, the `url` label of statuspage_page_info and the logs.
"""

from __future__ import annotations

import base64
import subprocess
import sys

from tests import payloads
from tests.fakepage import FakeStatuspage, Reply
from tests.integration.exporter_process import REPO, ExporterProcess
from tests.integration.test_exporter_process import wait_for

PASSWORD = "s3cr3t-pass"


def with_credentials(url: str, user: str = "scraper", password: str = PASSWORD) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{user}:{password}@{rest}"


def test_credentials_in_a_page_url_are_used_for_requests_and_never_shown(tmp_path):
    with FakeStatuspage() as page:
        document = payloads.summary([payloads.component("Actions", id="c1")])
        document["page"]["url"] = ""  # the page names no URL of its own: the configured one is shown
        page.set_summary(document)
        config = tmp_path / "pages.yml"
        config.write_text(f"pages:\n  - name: private\n    url: {with_credentials(page.url)}\n", encoding="utf-8")
        flags = ["--statuspage.url", with_credentials(page.url), "--config.file", str(config)]
        with ExporterProcess([*flags, "--log.level", "debug", "--cache.ttl", "1s"]) as exporter:
            shown = [
                exporter.metrics(),
                exporter.get("/probe", params={"target": "private"}).text,
                exporter.get("/api/v1/pages").text,
                exporter.get("/api/v1/status", params={"target": "private"}).text,
                exporter.get("/status", params={"target": "private"}).text,
                exporter.get("/status").text,
            ]
            page.set_reply(Reply(status=500, body=b"oops"))
            wait_for(lambda: '"stale":true' in exporter.get("/api/v1/status").text, timeout=10)
            shown.append(exporter.get("/api/v1/status").text)
            logs = exporter.stderr_text()
        expected = "Basic " + base64.b64encode(f"scraper:{PASSWORD}".encode()).decode()
        assert {request.headers.get("Authorization") for request in page.requests} == {expected}
    redacted = f"scraper:&lt;secret&gt;@127.0.0.1:{page.port}"
    assert f'url="http://scraper:<secret>@127.0.0.1:{page.port}"' in shown[0]
    assert f'url="http://scraper:<secret>@127.0.0.1:{page.port}"' in shown[1]
    assert f'"url":"http://scraper:<secret>@127.0.0.1:{page.port}"' in shown[2]
    assert redacted in shown[4]
    for text in [*shown, logs]:
        assert PASSWORD not in text


def test_config_check_never_prints_the_password_of_a_bad_url(tmp_path):
    config = tmp_path / "pages.yml"
    config.write_text(f"pages:\n  - name: a\n    url: http://u:{PASSWORD}@a.example/?q=1\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "exporter", "--config.check", "--config.file", str(config)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().endswith(
        "pages[0].url: invalid URL 'http://u:<secret>@a.example/?q=1' (no query or fragment: it is the page's base URL)"
    )
    assert PASSWORD not in result.stderr + result.stdout
