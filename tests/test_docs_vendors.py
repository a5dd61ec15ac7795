"""docs/vendors.md's five-step walk-through runs as written, so it cannot rot.

Its shell commands run in bash (with `github-status-exporter` meaning this checkout's exporter), its
page file passes `--config.check` and scopes a real GitHub capture as the prose says, its Prometheus
config passes `promtool check config` with the shipped rule files and probes the way every other
probe job of the docs does, its API command reads fields the real exporter serves, and its alert is
the shipped one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import yaml

from exporter import catalog
from exporter.config import load as load_config
from exporter.engines import ENGINES
from exporter.engines.base import Body
from exporter.model import visible_components
from exporter.pagefile import load_pages
from tests.integration.exporter_process import ExporterProcess, free_port
from tests.shared_fixtures import STATUSPAGE, shared_bytes

REPO = Path(__file__).resolve().parents[1]
VENDORS_DOC = REPO / "docs" / "vendors.md"
WALKTHROUGH = "From an empty file to the overview, in five steps"
#: A fenced code block: its info string and its text.
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)


def walkthrough() -> str:
    """The walk-through's section of docs/vendors.md, up to the next `## ` heading."""
    text = VENDORS_DOC.read_text(encoding="utf-8")
    start = text.index(f"## {WALKTHROUGH}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def steps() -> dict[int, str]:
    """The walk-through's text by step number (`**1. ...` to the next step)."""
    parts = re.split(r"^\*\*(\d)\. ", walkthrough(), flags=re.MULTILINE)
    return {int(number): text for number, text in zip(parts[1::2], parts[2::2], strict=True)}


def blocks(text: str, language: str) -> list[str]:
    return [body for info, body in _FENCE.findall(text) if info == language]


def run_shell(commands: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run documented shell lines in bash, `github-status-exporter` being this checkout's exporter."""
    script = 'set -euo pipefail\ngithub-status-exporter() { "$GSE_PYTHON" -m exporter "$@"; }\n' + commands
    env = {**os.environ, "GSE_PYTHON": sys.executable, "PYTHONPATH": str(REPO)}
    return subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def page_file_text() -> str:
    (text,) = [b for b in blocks(steps()[2], "yaml") if b.startswith("# pages.yml\n")]
    return text


def prometheus_config() -> dict:
    (text,) = [b for b in blocks(steps()[3], "yaml") if b.startswith("# prometheus.yml\n")]
    return yaml.safe_load(text)


def page_names(tmp_path: Path) -> list[str]:
    path = tmp_path / "walkthrough-pages.yml"
    path.write_text(page_file_text(), encoding="utf-8")
    return [page.name for page in load_pages(str(path), load_config([], {}))]


def test_walkthrough_has_five_steps_with_their_blocks():
    assert sorted(steps()) == [1, 2, 3, 4, 5]
    assert [len(_FENCE.findall(steps()[n])) for n in range(1, 6)] == [1, 2, 1, 0, 1]


def test_catalog_commands_find_the_vendors_of_the_page_file_and_write_a_checked_page_file(tmp_path):
    (commands,) = blocks(steps()[1], "sh")
    result = run_shell(commands, tmp_path)
    assert result.returncode == 0, result.stderr
    found = [line.split()[0] for line in result.stdout.splitlines()]
    assert sorted(found) == sorted(page_names(tmp_path)) == ["cloudflare", "github", "openai", "slack"]
    check = run_shell("github-status-exporter --config.file pages.yml --config.check", tmp_path)
    assert check.returncode == 0, check.stderr
    assert check.stdout == (f"github-status-exporter: configuration OK ({len(catalog.vendors())} pages in pages.yml)\n")


def test_page_file_passes_config_check_as_the_walkthrough_runs_it(tmp_path):
    (tmp_path / "pages.yml").write_text(page_file_text(), encoding="utf-8")
    commands = [line for line in blocks(steps()[2], "sh")[0].splitlines() if "--config.check" in line]
    assert commands == ["github-status-exporter --config.file pages.yml --config.check"]
    result = run_shell(commands[0], tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "github-status-exporter: configuration OK (4 pages in pages.yml)\n",
        "",
    )


def test_githubs_scope_keeps_the_components_the_walkthrough_names_on_a_real_capture(tmp_path):
    path = tmp_path / "pages.yml"
    path.write_text(page_file_text(), encoding="utf-8")
    github = next(page for page in load_pages(str(path), load_config([], {})) if page.name == "github")
    capture = shared_bytes(
        "githubstatus-summary-2023-09-20-actions-partial-outage-unresolved-incident.json", STATUSPAGE
    )
    summary = ENGINES["statuspage"].interpret([Body(capture, "application/json")])
    kept = visible_components(summary.components, github.components_exclude, include=github.components_include)
    assert [c.name for c in kept] == ["Git Operations", "API Requests", "Actions"]
    assert "here: GitHub's Actions, Git Operations and API" in steps()[2].replace("\n", " ")


def probe_jobs_of_the_docs() -> list[dict]:
    """Every `statuspage-probe` job in a yaml block of README.md or docs/*.md, and the shipped one."""
    found = []
    for doc in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        for text in blocks(doc.read_text(encoding="utf-8"), "yaml"):
            try:
                document = yaml.safe_load(text)
            except yaml.YAMLError:  # the reference's placeholder grammar (`[ - <page> ... ]`)
                continue
            if isinstance(document, dict) and isinstance(document.get("scrape_configs"), list):
                found += [job for job in document["scrape_configs"] if job.get("job_name") == "statuspage-probe"]
    shipped = yaml.safe_load((REPO / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    return found + [job for job in shipped["scrape_configs"] if job["job_name"] == "statuspage-probe"]


def test_prometheus_config_probes_the_page_files_pages_as_every_probe_job_does(tmp_path):
    jobs = {job["job_name"]: job for job in prometheus_config()["scrape_configs"]}
    assert list(jobs) == ["github-status", "statuspage-probe"]
    probe = jobs["statuspage-probe"]
    assert probe["static_configs"] == [{"targets": page_names(tmp_path)}]
    others = probe_jobs_of_the_docs()
    assert len(others) >= 3  # the README's, this walk-through's, prometheus/prometheus.yml's
    assert all((job["metrics_path"], job["relabel_configs"]) == ("/probe", probe["relabel_configs"]) for job in others)
    assert probe["relabel_configs"][-1] == {"target_label": "__address__", "replacement": "localhost:9747"}
    # The exporter's own job is the one its health alert watches, at the address the probes go to.
    assert 'up{job="github-status"}' in (REPO / "prometheus" / "alerts.yml").read_text(encoding="utf-8")
    assert jobs["github-status"]["static_configs"] == [{"targets": ["localhost:9747"]}]


@pytest.mark.integration
def test_prometheus_config_passes_promtool_check_config_with_the_shipped_rules(tmp_path):
    if shutil.which("promtool") is None:
        pytest.skip("promtool is not installed (Debian: apt-get install prometheus)")
    config = prometheus_config()
    assert config["rule_files"] == ["alerts.yml", "recording.yml"]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    for name in config["rule_files"]:
        shutil.copy(REPO / "prometheus" / name, tmp_path / name)
    result = subprocess.run(
        ["promtool", "check", "config", "prometheus.yml"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " SUCCESS: prometheus.yml is valid prometheus config file syntax\n" in result.stdout
    for name in config["rule_files"]:
        groups = yaml.safe_load((tmp_path / name).read_text(encoding="utf-8"))["groups"]
        count = sum(len(group["rules"]) for group in groups)
        assert f"Checking {name}\n  SUCCESS: {count} rules found\n" in result.stdout


@pytest.mark.integration
def test_api_command_reads_fields_the_exporter_serves_for_every_page(tmp_path):
    (tmp_path / "pages.yml").write_text(page_file_text(), encoding="utf-8")
    (curl,) = [line for line in blocks(steps()[2], "sh")[0].splitlines() if line.startswith("curl ")]
    path = re.search(r"localhost:9747(/\S+)", curl).group(1)
    fields = re.findall(r"\\\(\.(\w+)\)", curl)
    assert (path, fields) == ("/api/v1/pages", ["name", "indicator", "components_worst_status"])
    assert "'.pages[] | " in curl
    # Nothing may leave the machine: /api/v1/pages reads the caches, and any fetch meets a closed port.
    closed = f"http://127.0.0.1:{free_port()}"
    env = {"HTTPS_PROXY": closed, "HTTP_PROXY": closed, "NO_PROXY": ""}
    with ExporterProcess(["--config.file", str(tmp_path / "pages.yml")], env=env) as exporter:
        response = requests.get(exporter.base_url + path, timeout=10)
    assert response.status_code == 200
    pages = response.json()["pages"]
    assert [page["name"] for page in pages] == ["default", *page_names(tmp_path)]
    assert all(set(fields) <= set(page) for page in pages), json.dumps(pages)


def test_alert_of_step_five_is_the_shipped_rule_without_its_annotations():
    (text,) = blocks(steps()[5], "yaml")
    (documented,) = yaml.safe_load(text)
    shipped = yaml.safe_load((REPO / "prometheus" / "alerts.yml").read_text(encoding="utf-8"))
    (rule,) = [r for g in shipped["groups"] for r in g["rules"] if r.get("alert") == documented["alert"]]
    assert documented == {key: value for key, value in rule.items() if key != "annotations"}
