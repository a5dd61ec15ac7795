"""Benchmark: what one page refresh costs the exporter, against a bare `json.loads` of its documents.

N pages (default 100) are served on loopback from the real JSON captures in
../shared/fixtures/engines (every engine's, in turn; full 200 answers without validators, so every
refresh reads and parses its documents), listed in one page file. A round probes every page once (`/probe?target=`, 4
clients at a time) after every page's `--cache.ttl` has passed, so each probe makes one refresh
and one rendering. The exporter's CPU time (user + system, from /proc) over the measured rounds,
divided by the page refreshes, includes the serving of the probes; the floor is `json.loads` of
the same bytes, timed in the same run. The same rounds then load the skeleton (`skeleton.py`: the
least a Python exporter on our stack can do per probe) for its CPU per probe beside ours. Also
printed: each server's probe latency and resident memory.
Usage: `make bench` (the fleet half), or

    python bench/fleet.py [--pages 100] [--rounds 5] [--warmup 1]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.procfs import cpu_seconds, memory_kib
from exporter.engines import ENGINES
from tests import shared_fixtures
from tests.engine_samples import SAMPLES, SHARED_CAPTURES
from tests.fakepage import FakeStatuspage, Reply
from tests.integration.exporter_process import ExporterProcess

CLIENTS = 4
SKELETON = Path(__file__).with_name("skeleton.py")
TTL_SECONDS = 1.0


def captures() -> list[tuple[str, str, list[bytes]]]:
    """(engine, page URL path, bodies) of every real JSON capture under ../shared/fixtures/engines
    (the floor is `json.loads`: the feeds' XML has none to compare with)."""
    found = []
    for engine, files in SHARED_CAPTURES.items():
        for names in files:
            paths = [shared_fixtures.find(name) for name in names]
            if any(name.startswith("../") for name in names) or None in paths:
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


def probe_round(session: requests.Session, base_url: str, names: list[str], carries: bytes) -> list[float]:
    """Probe every page once, CLIENTS at a time; check each answer carries `carries`."""

    def probe(name: str) -> float:
        started = time.monotonic()
        response = session.get(base_url + "/probe", params={"target": name}, timeout=30)
        elapsed = time.monotonic() - started
        if response.status_code != 200 or carries not in response.content:
            raise SystemExit(f"bench: probe of {name} failed: {response.status_code} {response.content[:300]!r}")
        return elapsed

    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(probe, names))


@dataclass
class Measured:
    """One server's CPU per probe (each probe one page refresh), over the measured rounds."""

    cpu_ms: float
    cpu_share: float
    latencies: list[float]
    upstream_requests: int
    memory: dict[str, int]


def measure(
    pid: int, base_url: str, names: list[str], upstream: FakeStatuspage, args: argparse.Namespace, carries: bytes
) -> Measured:
    """Probe every page `args.warmup + args.rounds` times, every page due again each round."""
    latencies: list[float] = []
    with requests.Session() as session:
        for round_number in range(args.warmup + args.rounds):
            if round_number == args.warmup:
                requests_before = upstream.request_count
                cpu_before = cpu_seconds(pid)
                wall_before = time.monotonic()
            round_latencies = probe_round(session, base_url, names, carries)
            if round_number >= args.warmup:
                latencies.extend(round_latencies)
                cpu_after = cpu_seconds(pid)
                wall_after = time.monotonic()
            time.sleep(TTL_SECONDS + 0.05)  # every page is due again when the next round starts
    return Measured(
        (cpu_after - cpu_before) * 1000 / (len(names) * args.rounds),
        (cpu_after - cpu_before) / (wall_after - wall_before),
        latencies,
        upstream.request_count - requests_before,
        memory_kib(pid),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100, help="pages in the page file")
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds")
    parser.add_argument("--warmup", type=int, default=1, help="rounds before measuring")
    args = parser.parse_args()
    available = captures()
    if not available:
        print(f"bench: no real captures under {shared_fixtures.ENGINES}", file=sys.stderr)
        return 1

    with FakeStatuspage() as upstream, tempfile.TemporaryDirectory() as root:
        pages = []  # (name, engine, url, bodies)
        documents: dict[str, list[str]] = {}  # name -> the URLs of its documents, for the skeleton
        for index in range(args.pages):
            engine, url_path, bodies = available[index % len(available)]
            url = f"{upstream.url}/p{index}{url_path}"
            endpoints = ENGINES[engine].endpoints(url)
            for endpoint, body in zip(endpoints, bodies, strict=True):
                reply = Reply(body=body, headers={"Content-Type": "application/json"}, etag=False)
                upstream.set_route(urlsplit(endpoint).path, reply)
            pages.append((f"p{index}", engine, url, bodies))
            documents[f"p{index}"] = list(endpoints)
        page_file = Path(root) / "pages.yml"
        page_file.write_text(
            "pages:\n" + "".join(f"  - {{name: {n}, url: '{u}', engine: {e}}}\n" for n, e, u, _ in pages)
        )
        flags = [
            *("--statuspage.url", pages[0][2], "--statuspage.engine", pages[0][1]),
            *("--config.file", str(page_file), "--cache.ttl", f"{TTL_SECONDS:g}s", "--log.level", "warn"),
        ]
        names = [name for name, *_ in pages]
        with ExporterProcess(flags) as exporter:
            ours = measure(exporter.proc.pid, exporter.base_url, names, upstream, args, b"\nstatuspage_up 1.0\n")
        skeleton_pages = Path(root) / "skeleton-pages.json"
        skeleton_pages.write_text(json.dumps(documents))
        with ExporterProcess([str(skeleton_pages)], program=(str(SKELETON),)) as server:
            skeleton = measure(server.proc.pid, server.base_url, names, upstream, args, b"skeleton_series")

    expected_requests = args.rounds * sum(len(bodies) for *_, bodies in pages)
    for server, measured in (("exporter", ours), ("skeleton", skeleton)):
        if measured.upstream_requests != expected_requests:
            raise SystemExit(
                f"bench: {server}: {measured.upstream_requests} upstream requests, expected {expected_requests}"
            )
    floor_ms = json_floor([bodies for *_, bodies in pages], repeat=50) * 1000 / args.pages
    total_bytes = sum(len(body) for *_, bodies in pages for body in bodies)
    engines = sorted({engine for _, engine, *_ in pages})
    print(
        f"{args.pages} pages from {len(available)} real captures of {len(engines)} engines "
        f"({total_bytes / 1e6:.2f} MB of documents a round), {args.rounds} measured rounds after {args.warmup}, "
        f"{expected_requests} upstream requests (all 200) a server, {CLIENTS} probing clients"
    )
    print()
    print("| measure | exporter | skeleton (bench/skeleton.py) |")
    print("|---|---:|---:|")
    print(f"| CPU per page refresh (probe served) | {ours.cpu_ms:.3f} ms | {skeleton.cpu_ms:.3f} ms |")
    print(f"| json.loads of the same documents | {floor_ms:.3f} ms | {floor_ms:.3f} ms |")
    print(f"| ratio | {ours.cpu_ms / floor_ms:.1f} | {skeleton.cpu_ms / floor_ms:.1f} |")
    print(f"| CPU share over the measured rounds | {ours.cpu_share:.2f} | {skeleton.cpu_share:.2f} |")
    for title, key in (("p50", statistics.median), ("max", max)):
        print(
            f"| probe latency {title} | {key(ours.latencies) * 1000:.1f} ms | {key(skeleton.latencies) * 1000:.1f} ms |"
        )
    for title, key in (("at the end", "VmRSS"), ("peak", "VmHWM")):
        print(f"| RSS {title} | {ours.memory[key] / 1024:.1f} MiB | {skeleton.memory[key] / 1024:.1f} MiB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
