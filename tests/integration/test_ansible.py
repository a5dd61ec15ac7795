"""The Ansible deployment: `ansible/playbook.yml` run against localhost on a real Docker engine.

The playbook builds the image from the source tree and runs the container on the host network,
listening on a free loopback port and reading a loopback fake status page. The tests walk through
one deployment's life: first run, an unchanged run, a changed variable, a changed source tree.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests import payloads
from tests.fakepage import FakeStatuspage
from tests.integration import docker_engine
from tests.integration.docker_engine import REPO_ROOT, Engine, free_port, http_get, wait_for
from tests.webcerts import bcrypt_hash, make_pki

IMAGE = "gse-test-ansible:latest"
CONTAINER = "gse-test-ansible"
RECAP = re.compile(
    r"^localhost\s+:\s+ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)"
    r"\s+failed=(?P<failed>\d+)",
    re.M,
)
#: What the Dockerfile builds from (the rest of the tree is excluded by .dockerignore anyway).
SOURCE_FILES = ("Dockerfile", ".dockerignore", "pyproject.toml", "setup.cfg", "README.md", "requirements.lock")


@dataclass(frozen=True)
class Run:
    changed: int
    failed: int
    output: str


@dataclass
class Deployment:
    engine: Engine
    page: FakeStatuspage
    port: int
    variables: dict
    vars_dir: Path
    first_run: Run | None = None

    def play(self, cwd: Path = REPO_ROOT, **overrides) -> Run:
        """`ansible-playbook playbook.yml -i hosts` with the test's variables, from `cwd`."""
        variables = {**self.variables, **{f"github_status_exporter_{k}": v for k, v in overrides.items()}}
        vars_file = self.vars_dir / "vars.json"
        vars_file.write_text(json.dumps(variables))
        playbook = (REPO_ROOT / "ansible" / "playbook.yml").relative_to(cwd)
        inventory = (REPO_ROOT / "ansible" / "hosts").relative_to(cwd)
        ansible_playbook = docker_engine.tool("ansible-playbook")
        result = subprocess.run(
            [ansible_playbook, str(playbook), "-i", str(inventory), "-e", f"@{vars_file}"],
            cwd=cwd,
            env=ansible_env(ansible_playbook),
            capture_output=True,
            text=True,
            timeout=600,
        )
        output = result.stdout + result.stderr
        recap = RECAP.search(result.stdout)
        assert result.returncode == 0 and recap, f"ansible-playbook exited {result.returncode}:\n{output[-8000:]}"
        return Run(int(recap["changed"]), int(recap["failed"]), output)

    def container(self) -> dict:
        return self.engine.inspect(CONTAINER)

    def metrics(self) -> str:
        def scrape() -> str | None:
            answer = http_get(f"http://127.0.0.1:{self.port}/metrics")
            return answer[1] if answer and answer[0] == 200 else None

        return wait_for("the deployed exporter's /metrics", scrape)


def ansible_env(tool_path: str) -> dict[str, str]:
    """The environment for Ansible's tools: their venv first on PATH, no colours."""
    return {
        **os.environ,
        "PATH": f"{Path(tool_path).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
    }


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    with docker_engine.shared_engine() as shared:
        yield shared


@pytest.fixture(scope="module")
def deployment(engine: Engine, tmp_path_factory) -> Iterator[Deployment]:
    """The first run of the playbook, from the repository root, with the test's variables."""
    base = docker_engine.base_image(engine)
    engine.remove_container(CONTAINER)
    with FakeStatuspage() as page:
        page.set_summary(
            payloads.summary(
                components=[payloads.component("Actions", "major_outage", id="actions00001")], indicator="major"
            )
        )
        port = free_port()
        deployment = Deployment(
            engine,
            page,
            port,
            {
                "github_status_exporter_docker_host": engine.host,
                "github_status_exporter_image": IMAGE,
                "github_status_exporter_container_name": CONTAINER,
                "github_status_exporter_base_image": base,
                "github_status_exporter_build_network": "host",
                "github_status_exporter_network_mode": "host",
                "github_status_exporter_listen_ip": "127.0.0.1",
                "github_status_exporter_port": port,
                "github_status_exporter_status_url": page.url,
                "github_status_exporter_cache_ttl": "1s",
            },
            tmp_path_factory.mktemp("ansible"),
        )
        deployment.first_run = deployment.play()
        try:
            yield deployment
        finally:
            engine.remove_container(CONTAINER)


def test_first_run_builds_and_starts_the_exporter(deployment: Deployment) -> None:
    run = deployment.first_run
    assert run.failed == 0
    assert run.changed >= 2, run.output  # at least the image and the container
    assert "RUNNING HANDLER [github_status_exporter : Wait for the exporter to report healthy]" in run.output

    text = deployment.metrics()
    assert "statuspage_up 1.0" in text.splitlines()
    assert (
        'statuspage_component_status{component="Actions",component_id="actions00001",group="",'
        'status="major_outage"} 1.0'
    ) in text.splitlines()
    assert deployment.page.request_count >= 1
    assert http_get(f"http://127.0.0.1:{deployment.port}/-/healthy")[0] == 200


def test_second_run_from_inside_ansible_dir_changes_nothing(deployment: Deployment) -> None:
    before = deployment.container()["Id"]

    run = deployment.play(cwd=REPO_ROOT / "ansible")

    assert run.changed == 0, run.output
    assert deployment.container()["Id"] == before


def test_deployed_container_is_hardened_and_configured(deployment: Deployment) -> None:
    info = deployment.container()
    host = info["HostConfig"]

    assert info["State"]["Running"] is True
    assert info["Config"]["User"] == "10001:10001"
    assert host["ReadonlyRootfs"] is True
    assert host["CapDrop"] == ["ALL"]
    assert host["SecurityOpt"] == ["no-new-privileges"]
    assert host["NetworkMode"] == "host"
    assert host["RestartPolicy"]["Name"] == "unless-stopped"
    env = dict(item.split("=", 1) for item in info["Config"]["Env"])
    assert env["STATUS_URL"] == deployment.page.url
    assert env["LISTEN_ADDRESS"] == f"127.0.0.1:{deployment.port}"
    assert env["CACHE_TTL"] == "1s"
    assert env["LOG_LEVEL"] == "info"
    assert env["LOG_FORMAT"] == "json"
    assert info["Image"] == deployment.engine.image_id(IMAGE)


@pytest.mark.parametrize(
    ("variable", "value", "where", "expected"),
    [
        ("log_level", "debug", lambda c: dict(e.split("=", 1) for e in c["Config"]["Env"])["LOG_LEVEL"], "debug"),
        ("restart_policy", "on-failure", lambda c: c["HostConfig"]["RestartPolicy"]["Name"], "on-failure"),
    ],
    ids=["log_level", "restart_policy"],
)
def test_changing_a_variable_recreates_the_container_with_it(
    deployment: Deployment, variable, value, where, expected
) -> None:
    deployment.play()  # back to the test's settings, whatever ran before
    before = deployment.container()["Id"]

    run = deployment.play(**{variable: value})

    assert run.changed == 1, run.output  # the container, nothing else
    after = deployment.container()
    assert after["Id"] != before
    assert where(after) == expected
    assert "statuspage_up 1.0" in deployment.metrics().splitlines()


def test_changing_the_source_rebuilds_the_image_and_recreates_the_container(
    deployment: Deployment, tmp_path: Path
) -> None:
    source = tmp_path / "src"
    source.mkdir()
    for name in SOURCE_FILES:
        shutil.copy2(REPO_ROOT / name, source / name)
    shutil.copytree(REPO_ROOT / "exporter", source / "exporter", ignore=shutil.ignore_patterns("__pycache__"))
    deployment.play()
    before_container, before_image = deployment.container()["Id"], deployment.engine.image_id(IMAGE)

    with (source / "exporter" / "__init__.py").open("a") as init:
        init.write("\n# A change of source: the deployment must build a new image and run it.\n")
    run = deployment.play(source_dir=str(source))

    assert run.changed == 2, run.output  # the image and the container
    after = deployment.container()
    new_image = deployment.engine.image_id(IMAGE)
    assert new_image != before_image
    assert after["Id"] != before_container
    assert after["Image"] == new_image
    assert "statuspage_up 1.0" in deployment.metrics().splitlines()


def test_a_web_config_with_tls_and_basic_auth_is_delivered_rotated_and_healthy(
    deployment: Deployment, tmp_path: Path
) -> None:
    pki, successor = make_pki(tmp_path / "pki"), make_pki(tmp_path / "next")
    web_dir = tmp_path / "web"
    secured = {
        "web_config": {
            "tls_server_config": {"cert_file": "server.crt", "key_file": "server.key"},
            "basic_auth_users": {"prometheus": bcrypt_hash("scrape-secret")},
        },
        "web_config_dir": str(web_dir),
        "tls_cert": pki.cert_file.read_text(),
        "tls_key": pki.key_file.read_text(),
        "healthcheck_username": "prometheus",
        "healthcheck_password": "scrape-secret",
    }
    url = f"https://127.0.0.1:{deployment.port}"

    def scrape(ca: Path) -> str | None:
        try:
            answer = requests.get(f"{url}/metrics", verify=str(ca), auth=("prometheus", "scrape-secret"), timeout=5)
        except requests.RequestException:
            return None
        return answer.text if answer.status_code == 200 else None

    deployment.play()  # from the repository's source, whatever an earlier test deployed
    run = deployment.play(**secured)
    # The directory, web.yml, the files (server.crt, server.key, healthcheck.password) and the container.
    assert run.changed == 4, run.output
    assert "RUNNING HANDLER [github_status_exporter : Wait for the exporter to report healthy]" in run.output
    assert "scrape-secret" not in run.output
    wait_for(
        "the image's HEALTHCHECK over TLS with basic auth",
        lambda: docker_engine.health_status(deployment.engine, CONTAINER) == "healthy" or None,
    )
    assert "statuspage_up 1.0" in wait_for("/metrics over TLS", lambda: scrape(pki.ca_file)).splitlines()
    assert requests.get(f"{url}/metrics", verify=str(pki.ca_file), timeout=5).status_code == 401
    modes = {
        name: (oct(stat.st_mode & 0o777), stat.st_uid, stat.st_gid)
        for name in ("", "web.yml", "server.crt", "server.key", "healthcheck.password")
        for stat in [(web_dir / name).stat()]
    }
    assert modes == {
        "": ("0o750", 0, 10001),
        "web.yml": ("0o640", 0, 10001),
        "server.crt": ("0o644", 0, 10001),
        "server.key": ("0o640", 0, 10001),
        "healthcheck.password": ("0o640", 0, 10001),
    }
    mounts = [(m["Source"], m["Destination"], m["RW"]) for m in deployment.container()["Mounts"]]
    assert mounts == [(str(web_dir), str(web_dir), False)]
    before = deployment.container()["Id"]

    # A new certificate: the files' task changes, the container stays and serves it without a restart.
    run = deployment.play(
        **{**secured, "tls_cert": successor.cert_file.read_text(), "tls_key": successor.key_file.read_text()}
    )
    assert run.changed == 1, run.output
    assert "changed: [localhost] => (item=server.crt)" in run.output
    assert deployment.container()["Id"] == before
    wait_for("the rotated certificate served", lambda: scrape(successor.ca_file))
    deployment.play()  # back to plain HTTP for the tests after this one
    assert deployment.container()["Mounts"] == []


def test_role_and_playbook_are_ansible_lint_clean_on_the_production_profile() -> None:
    ansible_lint = docker_engine.tool("ansible-lint")
    result = subprocess.run(
        [ansible_lint, "--offline", "--profile", "production", "playbook.yml", "roles/github_status_exporter"],
        cwd=REPO_ROOT / "ansible",
        env=ansible_env(ansible_lint),
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Profile 'production' was required, and it passed" in result.stdout + result.stderr
