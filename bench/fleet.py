"""Benchmark: what one page refresh costs the exporter, against a bare `json.loads` of its documents.

N pages (default 100) are served on loopback from the real JSON captures in
../shared/fixtures/engines (every engine's, in turn; full 200 answers without validators, so every
refresh reads and parses its documents), listed in one page file. A round probes every page once (`/probe?target=`, 4
clients at a time) after every page's `--cache.ttl` has passed, so each probe makes one refresh
and one rendering. The exporter's CPU time (user + system, from /proc) over the measured rounds,
divided by the page refreshes, includes the serving of the probes; the floor is `json.loads` of
the same bytes, timed in the same run. Also printed: the exporter's resident memory.
Usage: `make bench` (the fleet half), or

    python bench/fleet.py [--pages 100] [--rounds 5] [--warmup 1]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from exporter.engines import ENGINES
from tests.engine_samples import SAMPLES, SHARED_CAPTURES
from tests.fakepage import FakeStatuspage, Reply
from tests.integration.exporter_process import ExporterProcess
from tests.shared_fixtures import ENGINES as SHARED_ENGINES

CLIENTS = 4
TTL_SECONDS = 1.0


def captures() -> list[tuple[str, str, list[bytes]]]:
    """(engine, page URL path, bodies) of every real JSON capture under ../shared/fixtures/engines
    (the floor is `json.loads`: the feeds' XML has none to compare with)."""
    found = []
    for engine, files in SHARED_CAPTURES.items():
        for names in files:
            paths = [SHARED_ENGINES / name for name in names]
            if any(name.startswith("../") for name in names) or not all(path.is_file() for path in paths):
                continue
            bodies = [path.read_bytes() for path in paths]
            if all(_is_json(body) for body in bodies):
                found.append((engine, SAMPLES[engine].url_path, bodies))
    return found


def _is_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def cpu_seconds(pid: int) -> float:
    """The process's user + system CPU time so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak resident) in KiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0])
    return values


def json_floor(bodies: list[list[bytes]], repeat: int) -> float:
    """CPU seconds of one `json.loads` of every page's documents, best of `repeat` passes."""
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        for page in bodies:
            for body in page:
                json.loads(body)
        best = min(best, time.process_time() - started)
    return best


def probe_round(session: requests.Session, base_url: str, names: list[str]) -> list[float]:
    """Probe every page once, CLIENTS at a time; check each answer carries the page's data."""

    def probe(name: str) -> float:
        started = time.monotonic()
        response = session.get(base_url + "/probe", params={"target": name}, timeout=30)
        elapsed = time.monotonic() - started
        if response.status_code != 200 or b"\nstatuspage_up 1.0\n" not in response.content:
            raise SystemExit(f"bench: probe of {name} failed: {response.status_code} {response.content[:300]!r}")
        return elapsed

    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(probe, names))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100, help="pages in the page file")
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds")
    parser.add_argument("--warmup", type=int, default=1, help="rounds before measuring")
    args = parser.parse_args()
    available = captures()
    if not available:
        print(f"bench: no real captures under {SHARED_ENGINES}", file=sys.stderr)
        return 1

    with FakeStatuspage() as upstream, tempfile.TemporaryDirectory() as root:
        pages = []  # (name, engine, url, bodies)
        for index in range(args.pages):
            engine, url_path, bodies = available[index % len(available)]
            url = f"{upstream.url}/p{index}{url_path}"
            for endpoint, body in zip(ENGINES[engine].endpoints(url), bodies, strict=True):
                reply = Reply(body=body, headers={"Content-Type": "application/json"}, etag=False)
                upstream.set_route(urlsplit(endpoint).path, reply)
            pages.append((f"p{index}", engine, url, bodies))
        page_file = Path(root) / "pages.yml"
        page_file.write_text(
            "pages:\n" + "".join(f"  - {{name: {n}, url: '{u}', engine: {e}}}\n" for n, e, u, _ in pages)
        )
        flags = [
            *("--statuspage.url", pages[0][2], "--statuspage.engine", pages[0][1]),
            *("--config.file", str(page_file), "--cache.ttl", f"{TTL_SECONDS:g}s", "--log.level", "warn"),
        ]
        names = [name for name, *_ in pages]
        with ExporterProcess(flags) as exporter, requests.Session() as session:
            pid = exporter.proc.pid
            latencies: list[float] = []
            for round_number in range(args.warmup + args.rounds):
                if round_number == args.warmup:
                    requests_before = upstream.request_count
                    cpu_before = cpu_seconds(pid)
                    wall_before = time.monotonic()
                round_latencies = probe_round(session, exporter.base_url, names)
                if round_number >= args.warmup:
                    latencies.extend(round_latencies)
                    cpu_after = cpu_seconds(pid)
                    wall_after = time.monotonic()
                time.sleep(TTL_SECONDS + 0.05)  # every page is due again when the next round starts
            memory = memory_kib(pid)
            upstream_requests = upstream.request_count - requests_before

    refreshes = args.pages * args.rounds
    expected_requests = args.rounds * sum(len(bodies) for *_, bodies in pages)
    if upstream_requests != expected_requests:
        raise SystemExit(f"bench: {upstream_requests} upstream requests, expected {expected_requests}")
    exporter_ms = (cpu_after - cpu_before) * 1000 / refreshes
    floor_ms = json_floor([bodies for *_, bodies in pages], repeat=20) * 1000 / args.pages
    total_bytes = sum(len(body) for *_, bodies in pages for body in bodies)
    engines = sorted({engine for _, engine, *_ in pages})
    print(
        f"{args.pages} pages from {len(available)} real captures of {len(engines)} engines "
        f"({total_bytes / 1e6:.2f} MB of documents a round), {args.rounds} measured rounds after {args.warmup}, "
        f"{upstream_requests} upstream requests (all 200), {CLIENTS} probing clients"
    )
    print()
    print("| measure | value |")
    print("|---|---:|")
    print(f"| exporter CPU per page refresh (probe served) | {exporter_ms:.3f} ms |")
    print(f"| json.loads of the same documents | {floor_ms:.3f} ms |")
    print(f"| ratio | {exporter_ms / floor_ms:.1f} |")
    print(
        f"| exporter CPU share over the measured rounds | {(cpu_after - cpu_before) / (wall_after - wall_before):.2f} |"
    )
    print(f"| probe latency p50 / max | {statistics.median(latencies) * 1000:.1f} / {max(latencies) * 1000:.1f} ms |")
    print(f"| exporter RSS at the end / peak | {memory['VmRSS'] / 1024:.1f} / {memory['VmHWM'] / 1024:.1f} MiB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
