"""The exporter's real memory and CPU under a page file of many pages: the Helm chart's resource defaults.

It starts a loopback fake Statuspage page that serves a summary of `--components` components (and
two incidents) under /p1 ... /pN, writes a page file listing those N pages, starts the exporter
with it and `--cache.ttl 1s` (so every scrape round refetches), then for `--duration` seconds
scrapes `/metrics` and `/probe?target=pI` for every page once a second, sampling the process's RSS
(VmRSS), its peak (VmHWM) and CPU time from /proc. It prints one markdown table.

    python bench/rss_for_chart.py [--pages 20] [--components 120] [--duration 60]

Everything listens on and talks to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.procfs import cpu_seconds, memory_kib  # noqa: E402
from tests import payloads  # noqa: E402
from tests.fakepage import FakeStatuspage  # noqa: E402
from tests.integration.exporter_process import ExporterProcess  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--components", type=int, default=120)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument(
        "--big-mib", type=float, default=0.0, help="one more page whose summary is this large (incident updates)"
    )
    args = parser.parse_args()

    components = [payloads.component(f"Component {i}", id=f"comp{i:08d}") for i in range(args.components)]
    incidents = [payloads.incident("Degraded Actions", id="inc000000001"), payloads.incident("Slow Git", id="inc2")]
    with FakeStatuspage() as page, tempfile.TemporaryDirectory() as tmp:
        page.set_summary(payloads.summary(components, indicator="minor", incidents=incidents))
        names = [f"p{i}" for i in range(1, args.pages + 1)]
        if args.big_mib:
            big = payloads.summary(components, indicator="minor", incidents=[payloads.incident("Big", id="big")])
            update = {"id": "u", "status": "investigating", "body": "x" * 1000, "created_at": "2026-11-28T05:11:00Z"}
            big["incidents"][0]["incident_updates"] = [update] * int(args.big_mib * 1024)
            page.set_document("/big/api/v2/summary.json", json.dumps(big).encode())
            names.append("big")
        page_file = Path(tmp) / "pages.yml"
        page_file.write_text(
            "pages:\n" + "".join(f"  - name: {name}\n    url: {page.url}/{name}\n" for name in names), encoding="utf-8"
        )
        flags = ["--statuspage.url", page.url, "--config.file", str(page_file), "--cache.ttl", "1s"]
        with ExporterProcess(flags) as exporter:
            pid = exporter.proc.pid
            idle = memory_kib(pid)
            session = requests.Session()
            rounds = 0
            scraped_bytes = 0
            start_cpu = cpu_seconds(pid)
            end = time.monotonic() + args.duration
            while time.monotonic() < end:
                round_start = time.monotonic()
                for path in ["/metrics", *(f"/probe?target={name}" for name in names)]:
                    response = session.get(exporter.base_url + path, timeout=15)
                    assert response.status_code == 200, (path, response.status_code)
                    scraped_bytes += len(response.content)
                rounds += 1
                time.sleep(max(0.0, 1.0 - (time.monotonic() - round_start)))
            used_cpu = cpu_seconds(pid) - start_cpu
            loaded = memory_kib(pid)
            exporter.stop()
    print("| pages | components per page | rounds | idle RSS | RSS after | peak RSS (VmHWM) | CPU |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {len(names)} | {args.components} | {rounds} (1/s, {len(names) + 1} scrapes each) "
        f"| {idle['VmRSS'] / 1024:.1f} MiB | {loaded['VmRSS'] / 1024:.1f} MiB | {loaded['VmHWM'] / 1024:.1f} MiB "
        f"| {used_cpu / args.duration * 1000:.0f} millicores |"
    )
    print(f"upstream requests: {page.request_count}, bytes scraped: {scraped_bytes}")


if __name__ == "__main__":
    main()
