"""The container image, built from the repo's Dockerfile on a real Docker engine and run hardened.

The image is built once for this module on the local Debian base (python3 + python3-venv only) and
each test runs it with `--network host --read-only --cap-drop ALL --security-opt no-new-privileges`
against a loopback fake status page.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from exporter import __version__
from tests import payloads
from tests.fakepage import FakeStatuspage
from tests.integration import docker_engine
from tests.integration.docker_engine import REPO_ROOT, Engine, free_port, http_get, wait_for
from tests.webcerts import bcrypt_hash, make_pki, write_web_config

IMAGE = "gse-test-exporter:latest"
HARDENING = ("--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges")
UID_GID = "10001:10001"


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    with docker_engine.shared_engine() as shared:
        yield shared


@pytest.fixture(scope="module")
def image(engine: Engine) -> str:
    """The repo's Dockerfile built on the local Debian base; returns the image ID."""
    return docker_engine.build_image(engine, IMAGE, docker_engine.base_image(engine))


@pytest.fixture()
def page() -> Iterator[FakeStatuspage]:
    with FakeStatuspage() as fake:
        fake.set_summary(
            payloads.summary(
                components=[payloads.component("Actions", "major_outage", id="actions00001")], indicator="major"
            )
        )
        yield fake


@dataclass(frozen=True)
class Running:
    name: str
    port: int


@pytest.fixture()
def container(request, engine: Engine, image: str, page: FakeStatuspage) -> Iterator[Running]:
    """The image running hardened on the host network, listening on a free loopback port."""
    name = f"gse-test-{re.sub(r'[^a-z0-9]+', '-', request.node.name.lower())[:40]}"
    port = free_port()
    engine.remove_container(name)
    engine.docker(
        "run",
        "--detach",
        "--name",
        name,
        "--network",
        "host",
        *HARDENING,
        # The image's own check, asked every second instead of every 15 s so the test is quick.
        "--health-interval",
        "1s",
        "--env",
        f"STATUS_URL={page.url}",
        "--env",
        f"LISTEN_ADDRESS=127.0.0.1:{port}",
        "--env",
        "CACHE_TTL=1s",
        image,
    )
    try:
        yield Running(name, port)
    finally:
        engine.remove_container(name)


def sample(exposition: str, name: str, labels: dict[str, str]) -> float | None:
    for family in text_string_to_metric_families(exposition):
        for s in family.samples:
            if s.name == name and s.labels == labels:
                return s.value
    return None


def scrape(port: int) -> str | None:
    answer = http_get(f"http://127.0.0.1:{port}/metrics")
    return answer[1] if answer and answer[0] == 200 else None


def test_container_exports_the_fake_page(container: Running, page: FakeStatuspage) -> None:
    text = wait_for("/metrics from the container", lambda: scrape(container.port))

    assert sample(text, "statuspage_up", {}) == 1.0
    actions = {"component": "Actions", "component_id": "actions00001", "group": ""}
    assert sample(text, "statuspage_component_status", {**actions, "status": "major_outage"}) == 1.0
    assert sample(text, "statuspage_component_status", {**actions, "status": "operational"}) == 0.0
    assert sample(text, "statuspage_overall_status", {"indicator": "major"}) == 1.0
    assert page.request_count >= 1
    assert {r.path for r in page.requests} == {"/api/v2/summary.json"}


def test_healthcheck_follows_listen_address_and_reports_healthy(engine: Engine, container: Running) -> None:
    # LISTEN_ADDRESS is not the image's :9747, so a healthy report proves the check follows it.
    status = wait_for(
        "the image's HEALTHCHECK to pass",
        lambda: docker_engine.health_status(engine, container.name) == "healthy" or None,
        timeout=60,
    )

    assert status is True
    log = engine.inspect(container.name)["State"]["Health"]["Log"]
    assert log[-1]["ExitCode"] == 0, log[-1]
    assert http_get(f"http://127.0.0.1:{container.port}/-/healthy")[0] == 200


def readable_by_the_image_user(path, mode: int = 0o400) -> None:
    """Owned by the image's UID (as the Ansible role delivers secrets), or world-readable if we cannot chown."""
    try:
        os.chown(path, 10001, 10001)
    except PermissionError:
        mode |= 0o044
    os.chmod(path, mode)


def test_container_with_tls_and_basic_auth_is_healthy_and_serves_https(
    request, tmp_path, engine: Engine, image: str, page: FakeStatuspage
) -> None:
    secrets = tmp_path / "gse"
    pki = make_pki(secrets)
    write_web_config(
        secrets / "web.yml",
        {
            "tls_server_config": {"cert_file": "server.crt", "key_file": "server.key"},
            "basic_auth_users": {"prometheus": bcrypt_hash("scrape-secret")},
        },
    )
    (secrets / "healthcheck.password").write_text("scrape-secret\n")
    for secret in ("server.key", "healthcheck.password"):
        readable_by_the_image_user(secrets / secret)
    secrets.chmod(0o755)
    name, port = "gse-test-tls-basic-auth", free_port()
    engine.remove_container(name)
    engine.docker(
        "run", "--detach", "--name", name, "--network", "host", *HARDENING, "--health-interval", "1s",
        "--volume", f"{secrets}:/etc/gse:ro",
        "--env", f"STATUS_URL={page.url}", "--env", f"LISTEN_ADDRESS=127.0.0.1:{port}",
        "--env", "WEB_CONFIG_FILE=/etc/gse/web.yml", "--env", "HEALTHCHECK_USERNAME=prometheus",
        "--env", "HEALTHCHECK_PASSWORD_FILE=/etc/gse/healthcheck.password",
        image,
    )  # fmt: skip
    try:
        wait_for(
            "the image's HEALTHCHECK to pass over TLS with basic auth",
            lambda: docker_engine.health_status(engine, name) == "healthy" or None,
            timeout=60,
        )
        log = engine.inspect(name)["State"]["Health"]["Log"]
        assert log[-1]["ExitCode"] == 0, log[-1]
        credentials = ("prometheus", "scrape-secret")
        url = f"https://127.0.0.1:{port}"
        scrape = requests.get(f"{url}/metrics", verify=str(pki.ca_file), auth=credentials, timeout=10)
        assert scrape.status_code == 200
        assert sample(scrape.text, "statuspage_exporter_web_config_last_reload_successful", {}) == 1.0
        anonymous = requests.get(f"{url}/-/healthy", verify=str(pki.ca_file), timeout=10)
        assert (anonymous.status_code, anonymous.headers["WWW-Authenticate"]) == (401, "Basic")
    finally:
        engine.remove_container(name)


def test_container_runs_hardened_as_a_fixed_non_root_uid(engine: Engine, container: Running) -> None:
    wait_for("/metrics from the container", lambda: scrape(container.port))
    info = engine.inspect(container.name)

    assert info["State"]["Running"] is True
    assert info["Config"]["User"] == UID_GID
    assert info["HostConfig"]["ReadonlyRootfs"] is True
    assert info["HostConfig"]["CapDrop"] == ["ALL"]
    assert info["HostConfig"]["SecurityOpt"] == ["no-new-privileges"]
    ids = engine.docker(
        "exec", container.name, "/opt/venv/bin/python", "-c", "import os; print(os.getuid(), os.getgid())"
    ).stdout.split()
    assert ids == ["10001", "10001"]


def test_the_images_python_can_accept_any_client_certificate(engine: Engine, container: Running) -> None:
    """RequestClientCert / RequireAnyClientCert reach into CPython's ssl internals: check the image's own."""
    code = (
        "import ssl; from exporter.web.anycert import accept_any_certificate; "
        "c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); accept_any_certificate(c, True); print(c.verify_mode.name)"
    )
    result = engine.docker("exec", container.name, "/opt/venv/bin/python", "-c", code)
    assert result.stdout.split() == ["CERT_REQUIRED"]


def test_logs_are_one_json_object_per_line(engine: Engine, container: Running) -> None:
    wait_for("/metrics from the container", lambda: scrape(container.port))
    records = docker_engine.json_log_lines(engine.logs(container.name))

    assert records, "the exporter logged nothing"
    for record in records:
        assert list(record)[:3] == ["time", "level", "msg"], record
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["time"]), record
    assert any(r["msg"] == "exporter started" and r["level"] == "info" for r in records), records


def test_docker_stop_ends_the_exporter_quickly_with_exit_code_0(engine: Engine, container: Running) -> None:
    wait_for("/metrics from the container", lambda: scrape(container.port))

    started = time.monotonic()
    engine.docker("stop", "--time", "10", container.name, timeout=30)
    took = time.monotonic() - started

    state = engine.inspect(container.name)["State"]
    assert state["ExitCode"] == 0, engine.logs(container.name)
    assert state["OOMKilled"] is False
    assert took < 5.0, f"docker stop took {took:.1f}s: SIGTERM was not handled by PID 1"
    records = docker_engine.json_log_lines(engine.logs(container.name))
    assert any(r.get("signal") == "SIGTERM" for r in records), records


def test_image_metadata(engine: Engine, image: str) -> None:
    config = engine.inspect(image)["Config"]

    assert config["User"] == UID_GID
    assert config["Entrypoint"] == ["github-status-exporter"]
    assert config["ExposedPorts"] == {"9747/tcp": {}}
    assert "PYTHONUNBUFFERED=1" in config["Env"]
    assert "LISTEN_ADDRESS=:9747" in config["Env"]
    labels = config["Labels"]
    assert labels["org.opencontainers.image.version"] == __version__, "bump ARG VERSION in the Dockerfile"
    assert (
        labels["org.opencontainers.image.source"] == "https://github.com/github-status-exporter/github-status-exporter"
    )
    assert labels["org.opencontainers.image.licenses"] == "Apache-2.0"
    assert config["Healthcheck"]["Test"] == ["CMD", "/opt/venv/bin/python", "-m", "exporter.healthcheck"]


def test_runtime_image_has_no_installer_and_the_locked_versions(engine: Engine, image: str) -> None:
    """pip and setuptools left the venv; every third-party package is at its requirements.lock pin."""
    locked = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", (REPO_ROOT / "requirements.lock").read_text(), re.M))
    probe = (
        "import importlib.metadata as m, importlib.util as u, json; "
        "print(json.dumps({'pip': bool(u.find_spec('pip')), 'setuptools': bool(u.find_spec('setuptools')), "
        "'dists': {d.metadata['Name'].lower().replace('_', '-'): d.version for d in m.distributions()}}))"
    )
    out = engine.docker(
        "run", "--rm", "--network", "none", *HARDENING, "--entrypoint", "/opt/venv/bin/python", image, "-c", probe
    ).stdout
    found = json.loads(out)

    assert found["pip"] is False and found["setuptools"] is False
    installed = found["dists"]
    assert installed.pop("github-status-exporter") == __version__
    assert installed == {name.lower(): version for name, version in locked.items()}


def test_dockerfile_is_hadolint_clean() -> None:
    hadolint = docker_engine.tool("hadolint")
    result = subprocess.run([hadolint, "Dockerfile"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
