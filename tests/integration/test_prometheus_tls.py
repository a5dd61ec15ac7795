"""A real Prometheus scrapes the exporter over TLS with basic auth: `up` is 1 with the password, 0 without."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.fakepage import FakeStatuspage
from tests.integration.exporter_process import ExporterProcess
from tests.integration.test_monitoring_e2e import PROMETHEUS, Process, eventually, free_port, http_get, wait_ready
from tests.webcerts import bcrypt_hash, make_pki, tls_section, write_web_config

pytestmark = pytest.mark.integration

PASSWORD = "scrape-secret"


def scrape_job(name: str, target: str, ca_file: Path, password: str) -> dict:
    return {
        "job_name": name,
        "scheme": "https",
        "tls_config": {"ca_file": str(ca_file)},
        "basic_auth": {"username": "prometheus", "password": password},
        "static_configs": [{"targets": [target]}],
    }


def test_prometheus_scrapes_over_tls_with_basic_auth(tmp_path):
    if PROMETHEUS is None:
        pytest.skip("prometheus is not installed (Debian: prometheus)")
    pki = make_pki(tmp_path / "pki")
    web = write_web_config(
        tmp_path / "web.yml",
        {"tls_server_config": tls_section(pki), "basic_auth_users": {"prometheus": bcrypt_hash(PASSWORD)}},
    )
    client = {"verify": str(pki.ca_file), "auth": ("prometheus", PASSWORD)}
    with FakeStatuspage() as page:
        flags = ["--statuspage.url", page.url, "--cache.ttl", "1s", "--web.config.file", str(web)]
        with ExporterProcess(flags, scheme="https", client=client) as exporter:
            target = f"127.0.0.1:{exporter.port}"
            config = {
                "global": {"scrape_interval": "1s", "scrape_timeout": "1s"},
                "scrape_configs": [
                    scrape_job("right-password", target, pki.ca_file, PASSWORD),
                    scrape_job("wrong-password", target, pki.ca_file, "guess"),
                ],
            }
            config_path = tmp_path / "prometheus.yml"
            config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
            address = f"127.0.0.1:{free_port()}"
            prometheus = Process(
                "prometheus",
                [PROMETHEUS, f"--config.file={config_path}", f"--storage.tsdb.path={tmp_path / 'data'}",
                 f"--web.listen-address={address}", "--log.level=warn"],
                tmp_path,
            )  # fmt: skip
            try:
                wait_ready(prometheus, f"http://{address}/-/ready")

                def up_by_job():
                    answer = http_get(f"http://{address}/api/v1/query", {"query": "up"})
                    values = {s["metric"]["job"]: s["value"][1] for s in answer["data"]["result"]}
                    assert values == {"right-password": "1", "wrong-password": "0"}, values
                    return values

                eventually(up_by_job, what="up == 1 with the password and 0 with a wrong one")
                statuspage_up = http_get(f"http://{address}/api/v1/query", {"query": "statuspage_up"})
                assert [s["metric"]["job"] for s in statuspage_up["data"]["result"]] == ["right-password"]
                targets = http_get(f"http://{address}/api/v1/targets")["data"]["activeTargets"]
                errors = {t["labels"]["job"]: t["lastError"] for t in targets}
                assert errors == {
                    "right-password": "",
                    "wrong-password": "server returned HTTP status 401 Unauthorized",
                }
            finally:
                prometheus.stop()
