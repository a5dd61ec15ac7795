"""Benchmark: /metrics from a fresh cache against nginx serving the same bytes as a static file.

The servers run side by side in one run and are loaded alternately by the same wrk command
(2 threads, 32 keep-alive connections), so the ratio is what matters, not the absolute numbers
of a noisy machine: nginx, the exporter in plain HTTP, and a second exporter with a web config
(TLS 1.3 and basic auth with a cost-10 bcrypt hash, as a scrape would meet it). With `--baseline
DIR` (a checkout of another version, e.g. `git worktree add /tmp/base main`), that version's
exporter runs beside them, plain and with the web config, loaded in the same rounds: the
comparison of two versions in one run.
Usage: `make bench` (needs the Debian packages wrk and nginx).

    python bench/metrics_vs_nginx.py [--duration 10] [--rounds 3] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import payloads
from tests.fakepage import FakeStatuspage
from tests.integration.exporter_process import REPO, ExporterProcess, free_port
from tests.webcerts import bcrypt_hash, make_pki, tls_section, write_web_config

PASSWORD = "bench-secret"

NGINX_CONF = """
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {root}/tmp; proxy_temp_path {root}/tmp; fastcgi_temp_path {root}/tmp;
    uwsgi_temp_path {root}/tmp; scgi_temp_path {root}/tmp;
    server {{ listen 127.0.0.1:{port}; root {root}/www; default_type text/plain; }}
}}
"""


def github_like_payload() -> dict:
    """The modern GitHub page (11 components, an incident), from ../shared if present."""
    real = [p for p in payloads.shared_payloads("githubstatus-summary-2023") if p.exists()]
    if real:
        return json.loads(real[0].read_text(encoding="utf-8"))
    names = [
        "Git Operations",
        "Webhooks",
        "API Requests",
        "Issues",
        "Pull Requests",
        "Actions",
        "Packages",
        "Pages",
        "Codespaces",
        "Copilot",
        "Visit www.githubstatus.com for more information",
    ]
    components = [payloads.component(n, id=f"cmp{i:09d}") for i, n in enumerate(names)]
    return payloads.summary(components, indicator="minor", incidents=[payloads.incident("Degraded Actions")])


def wrk(url: str, duration: int, headers: tuple[str, ...] = ()) -> float:
    header_args = [arg for header in headers for arg in ("-H", header)]
    result = subprocess.run(
        ["wrk", "-t2", "-c32", f"-d{duration}s", *header_args, url], capture_output=True, text=True, check=True
    )
    if "Non-2xx" in result.stdout or "Socket errors" in result.stdout:
        raise SystemExit(f"wrk saw errors against {url}:\n{result.stdout}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout).group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per server")
    parser.add_argument("--baseline", type=Path, help="a checkout of another version to load in the same rounds")
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None:
            print(f"bench: {tool} not found (Debian packages wrk, nginx)", file=sys.stderr)
            return 1

    with FakeStatuspage() as page, tempfile.TemporaryDirectory() as root:
        page.set_summary(github_like_payload())
        flags = ["--statuspage.url", page.url, "--cache.ttl", "10m", "--log.level", "warn"]
        pki = make_pki(Path(root) / "pki")
        web = {"tls_server_config": tls_section(pki), "basic_auth_users": {"prometheus": bcrypt_hash(PASSWORD, 10)}}
        web_file = write_web_config(Path(root) / "web.yml", web)

        def secured_exporter(source: Path) -> ExporterProcess:
            return ExporterProcess(
                [*flags, "--web.config.file", str(web_file)],
                scheme="https",
                client={"verify": str(pki.ca_file), "auth": ("prometheus", PASSWORD)},
                source=source,
            )

        exporter, secured = ExporterProcess(flags), secured_exporter(REPO)
        baseline, secured_baseline = (
            (ExporterProcess(flags, source=args.baseline), secured_exporter(args.baseline))
            if args.baseline
            else (contextlib.nullcontext(), contextlib.nullcontext())
        )
        authorization = "Authorization: Basic " + base64.b64encode(f"prometheus:{PASSWORD}".encode()).decode()
        with exporter, secured, baseline, secured_baseline:
            body = requests.get(exporter.base_url + "/metrics", timeout=10).content
            Path(root).chmod(0o755)  # nginx's worker may run as another user (www-data under root)
            (Path(root) / "www").mkdir()
            (Path(root) / "tmp").mkdir()
            (Path(root) / "www" / "metrics").write_bytes(body)
            nginx_port = free_port()
            (Path(root) / "nginx.conf").write_text(NGINX_CONF.format(root=root, port=nginx_port))
            nginx = subprocess.Popen(["nginx", "-c", f"{root}/nginx.conf"], stderr=subprocess.DEVNULL)
            try:
                time.sleep(0.5)
                secured_body = secured.get("/metrics").content  # its own process metrics: not the same bytes
                if b"statuspage_up 1.0" not in secured_body:
                    raise SystemExit(f"bench: the TLS exporter did not serve the page:\n{secured_body[:500]!r}")
                # (row title, URL, wrk headers), loaded in this order every round; nginx first.
                servers = [
                    ("nginx 1 worker, static file", f"http://127.0.0.1:{nginx_port}/metrics", ()),
                    ("github-status-exporter /metrics", exporter.base_url + "/metrics", ()),
                ]
                if args.baseline:
                    servers.append((f"baseline {args.baseline} /metrics", baseline.base_url + "/metrics", ()))
                secured_title = "/metrics, TLS 1.3 + basic auth"
                servers.append(
                    (f"github-status-exporter {secured_title}", secured.base_url + "/metrics", (authorization,))
                )
                if args.baseline:
                    url = secured_baseline.base_url + "/metrics"
                    servers.append((f"baseline {args.baseline} {secured_title}", url, (authorization,)))
                results: dict[str, list[float]] = {title: [] for title, _, _ in servers}
                for _ in range(args.rounds):
                    for title, url, headers in servers:
                        results[title].append(wrk(url, args.duration, headers))
            finally:
                nginx.terminate()
                nginx.wait(10)
            upstream_requests = page.request_count

    print(
        f"/metrics body: {len(body)} bytes ({len(secured_body)} with TLS); "
        f"wrk -t2 -c32 -d{args.duration}s, median of {args.rounds} "
        f"alternating rounds; upstream requests during the run: {upstream_requests}"
    )
    print()
    print("| server | requests/s (median) | runs | ratio to nginx |")
    print("|---|---:|---|---:|")
    nginx_rps = statistics.median(results[servers[0][0]])
    for title, runs in results.items():
        rps = statistics.median(runs)
        print(f"| {title} | {rps:,.0f} | {', '.join(f'{r:,.0f}' for r in runs)} | {rps / nginx_rps:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
