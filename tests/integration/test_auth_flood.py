"""Basic auth under a flood of distinct wrong passwords from another address: nobody honest is locked out.

Regression: the flood kept the 8-place bcrypt queue full, so a scraper whose credentials were not
cached yet got only 429s for as long as it lasted, and a reload of the web config (a touched
certificate file) threw away the cached good credentials, re-opening the lock.
"""

from __future__ import annotations

import base64
import http.client
import threading
import time

import requests

from exporter.healthcheck import check
from tests.fakepage import FakeStatuspage
from tests.integration.exporter_process import ExporterProcess
from tests.integration.test_exporter_process import wait_for
from tests.webcerts import bcrypt_hash, write_web_config

SCRAPER_PASSWORD = "correct horse"
HEALTH_PASSWORD = "battery staple"
#: Dear enough that the flood keeps the bcrypt thread busy (tens of milliseconds a check).
COST = 10
ATTACKER = "127.0.0.2"


class Flood:
    """Threads sending distinct wrong passwords for `prometheus` from another loopback address."""

    def __init__(self, port: int, threads: int = 16):
        self._port = port
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.statuses: dict[int, int] = {}
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)]

    def __enter__(self) -> Flood:
        for thread in self._threads:
            thread.start()
        wait_for(lambda: self.statuses.get(429, 0) >= 20, timeout=20)  # the flood fills its places
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(10)

    def _run(self, index: int) -> None:
        guess = 0
        while not self._stop.is_set():
            connection = http.client.HTTPConnection("127.0.0.1", self._port, timeout=10, source_address=(ATTACKER, 0))
            try:
                while not self._stop.is_set():
                    guess += 1
                    token = base64.b64encode(f"prometheus:guess-{index}-{guess}".encode()).decode()
                    connection.request("GET", "/metrics", headers={"Authorization": f"Basic {token}"})
                    response = connection.getresponse()
                    response.read()
                    with self._lock:
                        self.statuses[response.status] = self.statuses.get(response.status, 0) + 1
            except (OSError, http.client.HTTPException):  # the exporter closed the connection: open another
                pass
            finally:
                connection.close()


def test_a_scraper_and_the_health_check_get_in_during_a_flood_and_across_a_reload(tmp_path):
    users = {"prometheus": bcrypt_hash(SCRAPER_PASSWORD, COST), "healthcheck": bcrypt_hash(HEALTH_PASSWORD, COST)}
    web = write_web_config(tmp_path / "web.yml", {"basic_auth_users": users})
    (tmp_path / "health-password").write_text(HEALTH_PASSWORD + "\n")
    scraper = {"auth": ("prometheus", SCRAPER_PASSWORD)}
    with FakeStatuspage() as page:
        flags = ["--statuspage.url", page.url, "--web.config.file", str(web)]
        with ExporterProcess(flags, client=scraper) as exporter, Flood(exporter.port) as flood:
            started = time.monotonic()
            first = requests.get(exporter.base_url + "/metrics", auth=scraper["auth"], timeout=3)
            first_seconds = time.monotonic() - started
            health = check(
                {
                    "LISTEN_ADDRESS": f"127.0.0.1:{exporter.port}",
                    "WEB_CONFIG_FILE": str(web),
                    "HEALTHCHECK_USERNAME": "healthcheck",
                    "HEALTHCHECK_PASSWORD_FILE": str(tmp_path / "health-password"),
                }
            )
            write_web_config(web, {"basic_auth_users": users})  # rewritten: the watcher reloads it
            wait_for(lambda: any(line["msg"] == "web config reloaded" for line in exporter.log_lines()), timeout=10)
            after_reload = [
                requests.get(exporter.base_url + "/metrics", auth=scraper["auth"], timeout=3) for _ in range(5)
            ]
        assert (first.status_code, health) == (200, None)
        assert first_seconds < 2.0
        assert [response.status_code for response in after_reload] == [200] * 5
        assert flood.statuses.get(429, 0) >= 20, "the flood's own requests are still bounded"
        assert set(flood.statuses) <= {401, 429}
