"""The Helm chart (deploy/helm/github-status-exporter), rendered by the real `helm` and checked offline.

Every rendered object is validated against the Kubernetes OpenAPI schemas of every minor version
the chart's `kubeVersion` allows (kubernetes-validate, strict: no unknown fields), and the
Operator's objects against the Operator's CRD schemas (the compiled validators of the npm package
@kubernetes-models/prometheus-operator, plus a check for unknown fields from the same package's
type declarations). The rules pass promtool and the existing promtool unit tests, the page file
passes `--config.check`, and the plain manifests in deploy/kubernetes/ equal the chart's render.

The tools come from `make k8s-tools` (deploy/tools/install-k8s-tools.sh, run by .ci/run) into
.tools/; these tests are integration tests: without the tools they skip, which fails CI.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from exporter.config import SETTINGS

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[1]
CHART = REPO / "deploy" / "helm" / "github-status-exporter"
TOOLS = REPO / ".tools"
HELM = TOOLS / "bin" / "helm"
KUBECTL = TOOLS / "bin" / "kubectl"
NODE_MODULES = TOOLS / "node_modules"
OPERATOR_MODELS = NODE_MODULES / "@kubernetes-models" / "prometheus-operator"
PLAIN_MANIFESTS = REPO / "deploy" / "kubernetes" / "github-status-exporter.yaml"
RELEASE, NAMESPACE = "gse", "monitoring"
FULLNAME = f"{RELEASE}-github-status-exporter"
OPERATOR_KINDS = {"ServiceMonitor", "Probe", "PrometheusRule"}

_PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
#: Every option on: TLS and basic auth, per-page Probes, NetworkPolicy, 3 replicas, every flag.
EVERYTHING = {
    "replicas": 3,
    "image": {"repository": "registry.example.com/gse", "digest": "sha256:" + "a" * 64},
    "statuspage": {"url": "https://www.githubstatus.com", "engine": "statuspage", "vendor": "github"},
    "cache": {"ttl": "1m", "maxStale": "15m"},
    "fetch": {"timeout": "7s"},
    "components": {"exclude": "^Visit", "include": "^Git"},
    "log": {"level": "debug", "format": "logfmt"},
    "web": {
        "enableLifecycle": True,
        "telemetryPath": "/exporter-metrics",
        "config": {
            "tls_server_config": {"cert_file": "tls.crt", "key_file": "tls.key"},
            "basic_auth_users": {"prometheus": "$2b$12$" + "x" * 53},
        },
        "files": {"tls.crt": _PEM, "tls.key": _PEM, "ca.crt": _PEM},
    },
    "extraArgs": ["--log.level=warn"],
    "extraEnv": [{"name": "NO_PROXY", "value": ".svc"}],
    "scrape": {
        "tlsConfig": {"ca": {"secret": {"name": f"{FULLNAME}-web", "key": "ca.crt"}}, "serverName": FULLNAME},
        "basicAuth": {"enabled": True, "password": "s3cret"},
    },
    "pageFile": {
        "pages": [
            {"name": "github", "url": "https://www.githubstatus.com"},
            {
                "name": "google_cloud",
                "url": "https://status.cloud.google.com",
                "engine": "google_cloud",
                "cache_ttl": "2m",
            },
            {
                "name": "gitlab",
                "url": "https://api.status.io/1.0/status/5b36dc6502d06804c08349f7",
                "engine": "statusio",
            },
        ]
    },
    "probe": {"perPage": True, "perPageInterval": {"google_cloud": "2m"}, "targetLabels": {"team": "sre"}},
    "serviceMonitor": {"labels": {"release": "kube-prometheus-stack"}},
    "prometheusRule": {"additionalRuleLabels": {"team": "sre"}},
    "networkPolicy": {"enabled": True},
    "dashboards": {"annotations": {"grafana_folder": "Status pages"}},
}
EXISTING_SECRETS = {
    "web": {"existingSecret": "my-web-config"},
    "scrape": {"scheme": "https", "basicAuth": {"enabled": True, "existingSecret": "my-scrape-auth"}},
}
ALL_OFF = {
    "serviceMonitor": {"enabled": False},
    "probe": {"enabled": False},
    "prometheusRule": {"enabled": False},
    "dashboards": {"enabled": False},
    "serviceAccount": {"create": False},
}
SCENARIOS = {"defaults": {}, "everything": EVERYTHING, "existing-secrets": EXISTING_SECRETS, "all-off": ALL_OFF}


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path.relative_to(REPO)} is missing: run `make k8s-tools` (deploy/tools/install-k8s-tools.sh)")
    return path


def helm(*args: str, values: dict | None = None) -> subprocess.CompletedProcess:
    command = [str(_need(HELM)), *args]
    if values is not None:
        command += ["--values", "-"]
    return subprocess.run(
        command, input=json.dumps(values or {}), capture_output=True, text=True, timeout=120, cwd=REPO
    )


@cache
def _render_text(values_json: str) -> str:
    result = helm("template", RELEASE, str(CHART), "--namespace", NAMESPACE, values=json.loads(values_json))
    assert result.returncode == 0, result.stderr
    return result.stdout


def render(values: dict) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(_render_text(json.dumps(values, sort_keys=True))) if doc]


def find(docs: list[dict], kind: str, name: str | None = None) -> list[dict]:
    return [d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]


def one(docs: list[dict], kind: str) -> dict:
    found = find(docs, kind)
    assert len(found) == 1, f"{len(found)} {kind} objects"
    return found[0]


def container(docs: list[dict]) -> dict:
    (exporter,) = one(docs, "Deployment")["spec"]["template"]["spec"]["containers"]
    return exporter


def with_values(base: dict, **changes) -> dict:
    values = copy.deepcopy(base)
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = values
        for parent in parents:
            node = node.setdefault(parent, {})
        node[last] = value
    return values


# --- helm itself ---------------------------------------------------------------------------------
def test_chart_app_version_is_the_package_version():
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text(encoding="utf-8"))
    version = subprocess.run(
        [sys.executable, "-m", "exporter", "--version"], capture_output=True, text=True, cwd=REPO, check=True
    ).stdout.split()[-1]
    assert chart["appVersion"] == version
    assert chart["kubeVersion"] == ">=1.25.0-0"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_helm_lint_passes(scenario):
    result = helm("lint", "--strict", str(CHART), values=SCENARIOS[scenario])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 chart(s) linted, 0 chart(s) failed" in result.stdout


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"scrape": {"basicAuth": {"enabled": True, "password": ""}}, "web": {"existingSecret": "w"}},
            "scrape.basicAuth.password: required",
        ),
        (
            {"scrape": {"basicAuth": {"enabled": True, "password": "p"}}},
            "scrape.basicAuth.enabled: the exporter checks no password",
        ),
        ({"scrape": {"scheme": "ftp"}}, 'scrape.scheme: want http or https, got "ftp"'),
        ({"replicas": 0}, "replicas: want 1 or more, got 0"),
        ({"pageFile": {"pages": [{"url": "https://x.example"}]}}, "pageFile.pages[0]: every page needs a name"),
        (
            {"web": {"config": {"basic_auth_users": {}}, "files": {"web.yml": "x"}}},
            "web.files: web.yml is the web config",
        ),
    ],
)
def test_bad_values_fail_the_render_with_the_reason(values, message):
    result = helm("template", RELEASE, str(CHART), values=values)
    assert result.returncode != 0
    assert message in result.stderr


# --- schemas ----------------------------------------------------------------------------------------
def kubernetes_versions() -> list[str]:
    """Every minor version kubernetes-validate has schemas for, within the chart's kubeVersion (>=1.25)."""
    versions = sorted({tuple(int(n) for n in v.split(".")[:2]) for v in kubernetes_validate.utils.all_versions()})
    return [f"{major}.{minor}.0" for major, minor in versions if (major, minor) >= (1, 25)]


def test_kubernetes_versions_cover_the_range():
    assert kubernetes_versions()[0] == "1.25.0"
    assert len(kubernetes_versions()) >= 9


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_rendered_objects_validate_against_kubernetes_schemas(scenario):
    docs = [d for d in render(SCENARIOS[scenario]) if d["kind"] not in OPERATOR_KINDS]
    assert docs
    errors = []
    for version in kubernetes_versions():
        for doc in docs:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as err:
                errors.append(f"{version} {doc['kind']}/{doc['metadata']['name']}: {err.message}")
    assert errors == []


def test_kubernetes_validation_rejects_an_unknown_field():
    deployment = copy.deepcopy(one(render({}), "Deployment"))
    deployment["spec"]["template"]["spec"]["containers"][0]["readOnlyRootFileSystem"] = True  # a typo
    with pytest.raises(kubernetes_validate.ValidationError, match="readOnlyRootFileSystem"):
        kubernetes_validate.validate(deployment, kubernetes_versions()[-1], strict=True)


def crd_errors(docs: list[dict]) -> list[str | None]:
    """The Operator's CRD validators on each object: None where valid, else the message."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    result = subprocess.run(
        [node, str(REPO / "deploy" / "tools" / "validate-crds.mjs"), str(_need(OPERATOR_MODELS))],
        input=json.dumps(docs),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


_IMPORT = re.compile(r'^import \{ (\w+) \} from "([^"]+)";$', re.M)
_PROPERTY = re.compile(r'^    "([^"]+)"\??: (.+?);?$')


@cache
def declared_fields(dts: Path) -> dict[str, Path | None]:
    """The properties of the class a .d.ts of the models declares -> the .d.ts of their type (None: a leaf)."""
    text = dts.read_text(encoding="utf-8")
    imports = {}
    for name, spec in _IMPORT.findall(text):
        base = (dts.parent / spec) if spec.startswith(".") else (NODE_MODULES / spec)
        imports[name] = Path(str(base).removesuffix(".js") + ".d.ts")
    start = text.index("\nexport declare class ")
    body = text[start : text.index("\n}", start)]
    fields: dict[str, Path | None] = {}
    for line in body.splitlines()[1:]:
        match = _PROPERTY.match(line)
        if match:
            type_name = re.sub(r"^Array<(.+)>$", r"\1", match.group(2))
            target = imports.get(type_name)
            fields[match.group(1)] = target if target and "export declare class" in target.read_text() else None
    return fields


def unknown_fields(value, dts: Path, where: str) -> list[str]:
    if isinstance(value, list):
        return [e for i, item in enumerate(value) for e in unknown_fields(item, dts, f"{where}[{i}]")]
    if not isinstance(value, dict):
        return []
    fields = declared_fields(dts)
    errors = [f"{where}.{key}: unknown field" for key in value if key not in fields]
    for key, item in value.items():
        if fields.get(key) is not None:
            errors += unknown_fields(item, fields[key], f"{where}.{key}")
    return errors


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_operator_objects_validate_against_the_crd_schemas(scenario):
    docs = [d for d in render(SCENARIOS[scenario]) if d["kind"] in OPERATOR_KINDS]
    if scenario == "all-off":
        assert docs == []
        return
    assert {d["kind"] for d in docs} == OPERATOR_KINDS
    assert crd_errors(docs) == [None] * len(docs)
    v1 = _need(OPERATOR_MODELS) / "monitoring.coreos.com" / "v1"
    assert [e for d in docs for e in unknown_fields(d, v1 / f"{d['kind']}.d.ts", d["kind"])] == []


def test_crd_validation_rejects_bad_values_and_unknown_fields():
    probe = copy.deepcopy(one(render({}), "Probe"))
    probe["spec"]["interval"] = "every minute"
    assert "interval must match pattern" in crd_errors([probe])[0]
    probe = copy.deepcopy(one(render({}), "Probe"))
    probe["spec"]["prober"]["schema"] = "https"  # a typo of scheme
    v1 = _need(OPERATOR_MODELS) / "monitoring.coreos.com" / "v1"
    assert unknown_fields(probe, v1 / "Probe.d.ts", "Probe") == ["Probe.spec.prober.schema: unknown field"]


# --- the Deployment -------------------------------------------------------------------------------
def args_of(values: dict) -> list[str]:
    return container(render(values))["args"]


def test_every_flag_of_the_exporter_is_reachable_from_values():
    args = args_of(EVERYTHING)
    flags = {arg.split("=", 1)[0] for arg in args}
    assert {setting.flag for setting in SETTINGS} <= flags
    # The upcoming flags, and extraArgs last.
    assert "--statuspage.vendor=github" in args and "--components.include=^Git" in args
    assert args[-1] == "--log.level=warn"
    assert "--web.telemetry-path=/exporter-metrics" in args


def test_default_args_are_the_exporters_defaults_with_the_page_file():
    assert args_of({}) == [
        "--web.listen-address=:9747",
        "--web.telemetry-path=/metrics",
        "--statuspage.url=https://www.githubstatus.com",
        "--statuspage.engine=statuspage",
        "--cache.ttl=30s",
        "--cache.max-stale=10m",
        "--fetch.timeout=5s",
        r"--components.exclude=^Visit www\.githubstatus\.com",
        "--log.level=info",
        "--log.format=json",
        "--config.file=/etc/github-status-exporter/pages/pages.yml",
    ]


def test_upcoming_flags_and_lifecycle_are_absent_unless_set():
    args = " ".join(args_of({}))
    assert "--statuspage.vendor" not in args and "--components.include" not in args
    assert "--web.enable-lifecycle" not in args and "--web.config.file" not in args


def test_pod_is_locked_down_as_the_image_expects():
    docs = render({})
    pod = one(docs, "Deployment")["spec"]["template"]["spec"]
    uid = re.search(r"^USER (\d+):(\d+)$", (REPO / "Dockerfile").read_text(), re.M)
    assert pod["automountServiceAccountToken"] is False
    assert one(docs, "ServiceAccount")["automountServiceAccountToken"] is False
    assert pod["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": int(uid.group(1)),
        "runAsGroup": int(uid.group(2)),
        "fsGroup": int(uid.group(2)),
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert pod["containers"][0]["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
    }
    assert all(mount["readOnly"] for mount in pod["containers"][0]["volumeMounts"])
    assert pod["containers"][0]["resources"] == {
        "requests": {"cpu": "25m", "memory": "64Mi"},
        "limits": {"memory": "128Mi"},
    }


def test_probes_are_http_gets_without_basic_auth_https_with_tls():
    plain = container(render({}))
    assert plain["livenessProbe"]["httpGet"] == {"path": "/-/healthy", "port": "http", "scheme": "HTTP"}
    assert plain["readinessProbe"]["httpGet"] == {"path": "/-/ready", "port": "http", "scheme": "HTTP"}
    tls = container(render({"web": {"config": {"tls_server_config": {"cert_file": "a", "key_file": "b"}}}}))
    assert tls["readinessProbe"]["httpGet"]["scheme"] == "HTTPS"


def test_probes_with_basic_auth_read_the_password_from_the_mounted_secret():
    exporter = container(render(EVERYTHING))
    command = exporter["readinessProbe"]["exec"]["command"]
    assert command[:2] == ["/opt/venv/bin/python", "-c"]
    assert command[3:] == [
        "https://127.0.0.1:9747/-/ready",
        "/etc/github-status-exporter/scrape-auth/username",
        "/etc/github-status-exporter/scrape-auth/password",
    ]
    assert "s3cret" not in json.dumps(one(render(EVERYTHING), "Deployment"))
    assert {"name": "scrape-auth", "mountPath": "/etc/github-status-exporter/scrape-auth", "readOnly": True} in (
        exporter["volumeMounts"]
    )


def checksum(values: dict) -> str:
    return one(render(values), "Deployment")["spec"]["template"]["metadata"]["annotations"]["checksum/config"]


def test_checksum_is_stable_across_identical_renders():
    renders = [helm("template", RELEASE, str(CHART), "--namespace", NAMESPACE, values=EVERYTHING) for _ in range(2)]
    assert renders[0].returncode == 0, renders[0].stderr
    assert renders[0].stdout == renders[1].stdout
    assert re.search(r"checksum/config: [0-9a-f]{64}\n", renders[0].stdout)


@pytest.mark.parametrize(
    "change",
    [
        {"pageFile__pages": [{"name": "github", "url": "https://www.githubstatus.com", "cache_ttl": "1m"}]},
        {"web__config": {"basic_auth_users": {"prometheus": "$2b$12$" + "y" * 53}}},
        {"web__files": {"tls.crt": _PEM + "\n", "tls.key": _PEM, "ca.crt": _PEM}},
        {"scrape__basicAuth": {"enabled": True, "password": "n3w"}},
    ],
)
def test_checksum_changes_with_the_page_file_and_the_secrets(change):
    assert checksum(with_values(EVERYTHING, **change)) != checksum(EVERYTHING)


def test_pod_disruption_budget_only_with_more_than_one_replica():
    assert find(render({}), "PodDisruptionBudget") == []
    budget = one(render(EVERYTHING), "PodDisruptionBudget")
    assert budget["spec"] == {
        "minAvailable": 1,
        "selector": {"matchLabels": one(render(EVERYTHING), "Deployment")["spec"]["selector"]["matchLabels"]},
    }


def test_existing_secrets_are_mounted_and_referenced_not_created():
    docs = render(EXISTING_SECRETS)
    assert find(docs, "Secret") == []
    volumes = {v["name"]: v for v in one(docs, "Deployment")["spec"]["template"]["spec"]["volumes"]}
    assert volumes["web"]["secret"]["secretName"] == "my-web-config"
    assert volumes["scrape-auth"]["secret"]["secretName"] == "my-scrape-auth"
    assert "--web.config.file=/etc/github-status-exporter/web/web.yml" in container(docs)["args"]
    basic_auth = one(docs, "ServiceMonitor")["spec"]["endpoints"][0]["basicAuth"]
    assert basic_auth == {
        "username": {"name": "my-scrape-auth", "key": "username"},
        "password": {"name": "my-scrape-auth", "key": "password"},
    }


# --- the page file ------------------------------------------------------------------------------
def page_file(docs: list[dict]) -> str:
    configmap = find(docs, "ConfigMap", f"{FULLNAME}-pages")
    return configmap[0]["data"]["pages.yml"]


@pytest.mark.parametrize("scenario", ["defaults", "everything"])
def test_rendered_page_file_passes_config_check(scenario, tmp_path):
    values = SCENARIOS[scenario]
    path = tmp_path / "pages.yml"
    path.write_text(page_file(render(values)), encoding="utf-8")
    assert yaml.safe_load(path.read_text()) == (
        values.get("pageFile") or yaml.safe_load((CHART / "values.yaml").read_text())["pageFile"]
    )
    result = subprocess.run(
        [sys.executable, "-m", "exporter", "--config.file", str(path), "--config.check"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_no_pages_means_no_page_file_and_no_probe():
    docs = render({"pageFile": {"pages": []}})
    assert find(docs, "ConfigMap", f"{FULLNAME}-pages") == [] and find(docs, "Probe") == []
    assert not any(arg.startswith("--config.file") for arg in container(docs)["args"])


# --- ServiceMonitor, Probe ------------------------------------------------------------------------
def test_service_monitor_scrapes_metrics_as_the_job_the_alerts_expect():
    docs = render({})
    monitor = one(docs, "ServiceMonitor")
    service = one(docs, "Service")
    assert service["metadata"]["labels"][monitor["spec"]["jobLabel"]] == "github-status"
    assert 'up{job="github-status"}' in (REPO / "prometheus" / "alerts.yml").read_text()
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert monitor["spec"]["endpoints"] == [
        {"port": "http", "path": "/metrics", "scheme": "http", "interval": "30s", "scrapeTimeout": "10s"}
    ]


def test_probe_lists_the_pages_by_name_through_the_exporters_probe_path():
    docs = render({})
    probe = one(docs, "Probe")
    prometheus_job = next(
        job
        for job in yaml.safe_load((REPO / "prometheus" / "prometheus.yml").read_text())["scrape_configs"]
        if job["job_name"] == "statuspage-probe"
    )
    assert probe["spec"]["jobName"] == prometheus_job["job_name"]
    assert probe["spec"]["prober"] == {"url": f"{FULLNAME}.{NAMESPACE}.svc:9747", "scheme": "http", "path": "/probe"}
    assert probe["spec"]["targets"] == {"staticConfig": {"static": ["github", "cloudflare", "openai"]}}
    assert prometheus_job["metrics_path"] == "/probe"


def test_per_page_probes_have_unique_valid_names_and_their_own_intervals():
    probes = find(render(EVERYTHING), "Probe")
    assert [p["spec"]["targets"]["staticConfig"]["static"] for p in probes] == [
        ["github"],
        ["google_cloud"],
        ["gitlab"],
    ]
    assert [p["spec"]["interval"] for p in probes] == ["60s", "2m", "60s"]
    names = [p["metadata"]["name"] for p in probes]
    assert len(set(names)) == 3
    assert all(re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", n) and len(n) <= 63 for n in names), names
    assert all(p["spec"]["targets"]["staticConfig"]["labels"] == {"team": "sre"} for p in probes)


def test_tls_and_basic_auth_reach_both_scrapes():
    docs = render(EVERYTHING)
    auth = {
        "basicAuth": {
            "username": {"name": f"{FULLNAME}-scrape-auth", "key": "username"},
            "password": {"name": f"{FULLNAME}-scrape-auth", "key": "password"},
        },
        "tlsConfig": EVERYTHING["scrape"]["tlsConfig"],
    }
    endpoint = one(docs, "ServiceMonitor")["spec"]["endpoints"][0]
    assert endpoint["scheme"] == "https" and {k: endpoint[k] for k in auth} == auth
    for probe in find(docs, "Probe"):
        assert probe["spec"]["prober"]["scheme"] == "https" and {k: probe["spec"][k] for k in auth} == auth
    secret = find(docs, "Secret", f"{FULLNAME}-scrape-auth")[0]
    assert secret["stringData"] == {"username": "prometheus", "password": "s3cret"}


def test_switches_turn_the_operator_objects_and_dashboards_off():
    kinds = {d["kind"] for d in render(ALL_OFF)}
    assert kinds.isdisjoint(OPERATOR_KINDS)
    assert [d for d in render(ALL_OFF) if d["kind"] == "ConfigMap" and "dashboard" in d["metadata"]["name"]] == []


# --- PrometheusRule, dashboards --------------------------------------------------------------------
def shipped_groups() -> list[dict]:
    return yaml.safe_load((REPO / "prometheus" / "alerts.yml").read_text(encoding="utf-8"))["groups"]


def test_chart_copies_of_alerts_and_dashboards_equal_the_shipped_files():
    assert (CHART / "files" / "alerts.yml").read_bytes() == (REPO / "prometheus" / "alerts.yml").read_bytes()
    shipped = sorted((REPO / "grafana" / "provisioning" / "dashboards").glob("*.json"))
    copies = sorted((CHART / "files" / "dashboards").glob("*.json"))
    assert [p.name for p in copies] == [p.name for p in shipped]
    assert all(c.read_bytes() == s.read_bytes() for c, s in zip(copies, shipped, strict=True))


def test_prometheus_rule_holds_exactly_the_shipped_alerts():
    assert one(render({}), "PrometheusRule")["spec"]["groups"] == shipped_groups()


def test_prometheus_rule_options_add_labels_disable_groups_and_follow_the_job():
    groups = one(
        render(
            {
                "prometheusRule": {
                    "additionalRuleLabels": {"team": "sre", "severity": "page"},
                    "disabledGroups": ["github-status-page"],
                },
                "serviceMonitor": {"jobLabel": "status"},
            }
        ),
        "PrometheusRule",
    )["spec"]["groups"]
    assert [g["name"] for g in groups] == ["github-status-exporter"]
    rules = groups[0]["rules"]
    assert all(r["labels"]["team"] == "sre" and r["labels"]["severity"] != "page" for r in rules)
    assert rules[0]["expr"] == 'up{job="status"} == 0'


@pytest.fixture
def rendered_rules_dir(tmp_path) -> Path:
    (tmp_path / "alerts.yml").write_text(
        yaml.safe_dump({"groups": one(render({}), "PrometheusRule")["spec"]["groups"]})
    )
    shutil.copy(REPO / "prometheus" / "alerts_test.yml", tmp_path / "alerts_test.yml")
    return tmp_path


def promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    if shutil.which("promtool") is None:
        pytest.skip("promtool is not installed (Debian: apt-get install prometheus)")
    return subprocess.run(["promtool", *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_rendered_rules_pass_promtool_check(rendered_rules_dir):
    result = promtool("check", "rules", "alerts.yml", cwd=rendered_rules_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    count = sum(len(g["rules"]) for g in shipped_groups())
    assert f"SUCCESS: {count} rules found" in result.stdout


def test_rendered_rules_pass_the_promtool_unit_tests(rendered_rules_dir):
    result = promtool("test", "rules", "alerts_test.yml", cwd=rendered_rules_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_dashboards_are_config_maps_for_the_grafana_sidecar():
    dashboards = [d for d in render(EVERYTHING) if d["kind"] == "ConfigMap" and "dashboard" in d["metadata"]["name"]]
    shipped = sorted((REPO / "grafana" / "provisioning" / "dashboards").glob("*.json"))
    assert [p.name for p in shipped] == ["github-status.json", "vendors-overview.json"]
    assert sorted(name for d in dashboards for name in d["data"]) == [p.name for p in shipped]  # one each
    for dashboard in dashboards:
        assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
        assert dashboard["metadata"]["annotations"] == {"grafana_folder": "Status pages"}
        ((name, text),) = dashboard["data"].items()
        assert json.loads(text) == json.loads((REPO / "grafana" / "provisioning" / "dashboards" / name).read_bytes())


# --- NetworkPolicy ----------------------------------------------------------------------------------
def test_network_policy_lets_in_prometheus_only_and_out_https_and_dns():
    assert find(render({}), "NetworkPolicy") == []
    policy = one(render(EVERYTHING), "NetworkPolicy")["spec"]
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    assert policy["ingress"] == [
        {
            "from": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}}],
            "ports": [{"port": "http", "protocol": "TCP"}],
        }
    ]
    assert policy["egress"] == [
        {"ports": [{"port": 443, "protocol": "TCP"}]},
        {"ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]},
    ]


# --- plain manifests, README ----------------------------------------------------------------------
def test_plain_manifests_equal_the_chart_rendered_with_default_values():
    result = helm("template", "github-status-exporter", str(CHART), "--namespace", "monitoring")
    assert result.returncode == 0, result.stderr
    header = (
        "# Generated by `make chart` from deploy/helm/github-status-exporter with its default values:\n"
        "# do not edit (tests/test_helm_chart.py checks it). Namespace: monitoring.\n"
    )
    assert PLAIN_MANIFESTS.read_text(encoding="utf-8") == header + result.stdout, "run `make chart`"


def test_kubectl_kustomize_reads_the_plain_manifests():
    result = subprocess.run(
        [str(_need(KUBECTL)), "kustomize", str(PLAIN_MANIFESTS.parent)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    read = [d for d in yaml.safe_load_all(result.stdout) if d]
    written = [d for d in yaml.safe_load_all(PLAIN_MANIFESTS.read_text(encoding="utf-8")) if d]
    key = lambda d: (d["kind"], d["metadata"]["name"])  # noqa: E731
    assert sorted(read, key=key) == sorted(written, key=key)


def test_chart_readme_values_table_is_up_to_date():
    result = subprocess.run(
        [sys.executable, str(REPO / "deploy" / "tools" / "chart_readme.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    readme = (CHART / "README.md").read_text(encoding="utf-8")
    for key in ("replicas", "statuspage.vendor", "components.include", "web.existingSecret", "probe.perPage"):
        assert f"| `{key}` |" in readme
