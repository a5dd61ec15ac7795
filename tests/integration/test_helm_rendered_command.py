"""The chart's Deployment, run here: its command line, files and probes, against a loopback fake page.

`helm template` renders the chart; the test writes the page file ConfigMap and the Secrets where
the pod would mount them (under a temporary directory instead of /etc/github-status-exporter),
starts the exporter with exactly the rendered arguments (the listen address moved to a free
loopback port), and then does what the kubelet and Prometheus would: the liveness and readiness
probes as rendered (httpGet, or the exec command with the image's Python replaced by this one),
`/metrics` as the ServiceMonitor, and `/probe?target=NAME` for every target of the Probe(s).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests import webcerts
from tests.fakepage import FakeStatuspage
from tests.integration.exporter_process import ExporterProcess, free_port
from tests.test_helm_chart import container, find, one, render

POD_DIR = "/etc/github-status-exporter"


def materialize(docs: list[dict], root: Path) -> None:
    """Write the ConfigMap's and Secrets' keys where the Deployment mounts them, under `root`."""
    volumes = one(docs, "Deployment")["spec"]["template"]["spec"].get("volumes", [])
    mounts = {m["name"]: m["mountPath"] for m in container(docs).get("volumeMounts", [])}
    for volume in volumes:
        if "configMap" in volume:
            (source,) = find(docs, "ConfigMap", volume["configMap"]["name"])
            data = source["data"]
        else:
            (source,) = find(docs, "Secret", volume["secret"]["secretName"])
            data = source["stringData"]
        directory = root / Path(mounts[volume["name"]]).relative_to(POD_DIR)
        directory.mkdir(parents=True, exist_ok=True)
        for key, text in data.items():
            (directory / key).write_text(text, encoding="utf-8")


def local_args(docs: list[dict], root: Path, port: int) -> list[str]:
    args = []
    for arg in container(docs)["args"]:
        if arg.startswith("--web.listen-address="):
            arg = f"--web.listen-address=127.0.0.1:{port}"
        args.append(arg.replace(POD_DIR, str(root)))
    return args


def run_probe(handler: dict, root: Path, port: int, client: dict) -> int:
    """The kubelet's probe, run here: an exec command's exit code, or an httpGet's status code."""
    if "exec" in handler:
        command = [
            sys.executable if part == "/opt/venv/bin/python" else part.replace(POD_DIR, str(root))
            for part in handler["exec"]["command"]
        ]
        command = [part.replace("127.0.0.1:9747", f"127.0.0.1:{port}") for part in command]
        return subprocess.run(command, capture_output=True, timeout=30).returncode
    get = handler["httpGet"]
    assert get["port"] == "http"
    # The kubelet does not verify an https endpoint's certificate; neither does this.
    url = f"{get['scheme'].lower()}://127.0.0.1:{port}{get['path']}"
    return requests.get(url, timeout=10, verify=False, **client).status_code


def probe_targets(docs: list[dict]) -> list[str]:
    return [t for p in find(docs, "Probe") for t in p["spec"]["targets"]["staticConfig"]["static"]]


def page_values(page: FakeStatuspage) -> dict:
    return {
        "statuspage": {"url": page.url},
        "pageFile": {
            "pages": [{"name": "alpha", "url": f"{page.url}/alpha"}, {"name": "beta", "url": f"{page.url}/beta"}]
        },
    }


def test_rendered_deployment_starts_serves_and_passes_its_probes(tmp_path):
    with FakeStatuspage() as page:
        docs = render(page_values(page))
        materialize(docs, tmp_path)
        port = free_port()
        with ExporterProcess(local_args(docs, tmp_path, port), port=port) as exporter:
            spec = container(docs)
            assert run_probe(spec["livenessProbe"], tmp_path, port, {}) == 200
            assert run_probe(spec["readinessProbe"], tmp_path, port, {}) == 200
            assert "statuspage_up 1.0" in exporter.metrics()
            assert probe_targets(docs) == ["alpha", "beta"]
            for target in probe_targets(docs):
                response = exporter.get("/probe", params={"target": target})
                assert response.status_code == 200 and "statuspage_up 1.0" in response.text
            assert exporter.stop() == 0


def test_rendered_deployment_with_tls_and_basic_auth_passes_its_probes(tmp_path):
    pki = webcerts.make_pki(tmp_path / "pki")
    with FakeStatuspage() as page:
        values = {
            **page_values(page),
            "web": {
                "config": {
                    "tls_server_config": {"cert_file": "tls.crt", "key_file": "tls.key"},
                    "basic_auth_users": {"prometheus": webcerts.bcrypt_hash("s3cret")},
                },
                "files": {"tls.crt": pki.cert_file.read_text(), "tls.key": pki.key_file.read_text()},
            },
            "scrape": {"basicAuth": {"enabled": True, "password": "s3cret"}},
            "probe": {"perPage": True},
        }
        docs = render(values)
        root = tmp_path / "pod"
        materialize(docs, root)
        port = free_port()
        client = {"verify": str(pki.ca_file), "auth": ("prometheus", "s3cret")}
        args = local_args(docs, root, port)
        with ExporterProcess(args, port=port, scheme="https", client=client) as exporter:
            spec = container(docs)
            assert "exec" in spec["livenessProbe"] and "exec" in spec["readinessProbe"]
            assert run_probe(spec["livenessProbe"], root, port, {}) == 0
            assert run_probe(spec["readinessProbe"], root, port, {}) == 0
            # The same probe with a wrong password fails: it really sends the mounted credentials.
            (root / "scrape-auth" / "password").write_text("wrong", encoding="utf-8")
            assert run_probe(spec["readinessProbe"], root, port, {}) != 0
            assert exporter.get("/metrics", auth=None).status_code == 401
            assert "statuspage_up 1.0" in exporter.metrics()
            assert probe_targets(docs) == ["alpha", "beta"] and len(find(docs, "Probe")) == 2
            for target in probe_targets(docs):
                assert exporter.get("/probe", params={"target": target}).status_code == 200
            assert exporter.stop() == 0


@pytest.mark.parametrize("flag", ["--cache.ttl=0s", "--log.format=xml"])
def test_rendered_command_line_with_a_bad_value_exits_2_with_one_line(flag, tmp_path):
    with FakeStatuspage() as page:
        docs = render({**page_values(page), "extraArgs": [flag]})
        materialize(docs, tmp_path)
        args = local_args(docs, tmp_path, free_port())
        result = subprocess.run(
            [sys.executable, "-m", "exporter", *args, "--config.check"], capture_output=True, text=True
        )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and flag.split("=")[0] in result.stderr
