"""Soak: minutes of steady load on /metrics while the upstream flaps between success and every failure.

The exporter runs with `--cache.ttl 1s`, a short `--cache.max-stale` and `--fetch.timeout 2s` against a
loopback fake upstream (written here: the shared fake page cannot reset, refuse or stream past the
cap) that switches mode every `--phase` seconds:

    ok, http_500, ok, rate_limited (429, Retry-After), ok, invalid_json, ok, wrong_shape, ok,
    oversized (9 MiB streamed without Content-Length), ok, slow_drip (a byte every 0.5 s, past the
    fetch timeout), ok, reset (RST mid-body), ok, close (accept, read, close without answer), ok,
    refused (listener closed), ...

Meanwhile wrk (or, without it, an asyncio loop) sends paced keep-alive requests to /metrics, and a
Prometheus-like prober scrapes once a second on a fresh connection. At the end it prints one markdown
report: RSS, descriptors and threads at start and end, upstream requests against the TTL bound, every
error reason as seen by the upstream, counted by the exporter and logged, and what the clients saw.

    python bench/soak.py [--duration 180] [--phase 5] [--connections 8] [--delay-ms 20]

Everything listens on and talks to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import re
import select
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import payloads
from tests.integration.exporter_process import ExporterProcess

TTL_SECONDS = 1.0
MAX_STALE = "10s"
FETCH_TIMEOUT_SECONDS = 2.0
RETRY_AFTER_SECONDS = 3
OVERSIZED_BYTES = 9 * 1024 * 1024
DRIP_INTERVAL_SECONDS = 0.5
#: A scrape that takes longer than this counts as failed (the issue's bound for a normal scrape).
SCRAPE_DEADLINE_SECONDS = 2.0
REASONS = ("timeout", "connection", "rate_limited", "http_status", "invalid_json", "invalid_payload", "too_large")
#: Each failure mode and the reason the exporter must count it under.
FAILURES = {
    "http_500": "http_status",
    "rate_limited": "rate_limited",
    "invalid_json": "invalid_json",
    "wrong_shape": "invalid_payload",
    "oversized": "too_large",
    "slow_drip": "timeout",
    "reset": "connection",
    "close": "connection",
    "refused": "connection",
}
SCHEDULE = [mode for failure in FAILURES for mode in ("ok", failure)]


# -- the flapping upstream ----------------------------------------------------------------------
class FlappingUpstream:
    """A raw-socket HTTP/1.1 server on 127.0.0.1 that answers according to its current mode.

    Every answer closes the connection, so each upstream request is one connection and `refused`
    (the listener closed) really refuses. The mode is read when a request arrives, so what the
    upstream saw per mode can be compared with what the exporter counted per reason.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._mode = "ok"
        self._generation = 0
        self.seen: Counter[str] = Counter()
        self._stopped = threading.Event()
        self._listener: socket.socket | None = self._listen(0)
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._accept_loop, name="upstream", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @staticmethod
    def _listen(port: int) -> socket.socket:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen(64)
        return sock

    def start(self) -> FlappingUpstream:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(5)
        with self._lock:
            if self._listener is not None:
                self._listener.close()
                self._listener = None

    def set_mode(self, mode: str) -> None:
        with self._lock:
            if mode == "ok" and self._mode != "ok":
                self._generation += 1  # new data after every outage, so 200s and 304s both happen
            self._mode = mode
            if mode == "refused" and self._listener is not None:
                self._listener.close()
                self._listener = None
            elif mode != "refused" and self._listener is None:
                self._listener = self._listen(self.port)

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            with self._lock:
                listener = self._listener
            if listener is None:
                time.sleep(0.05)
                continue
            try:
                ready, _, _ = select.select([listener], [], [], 0.2)
                if not ready:
                    continue
                conn, _ = listener.accept()
            except (OSError, ValueError):  # closed under us by set_mode("refused")
                continue
            threading.Thread(target=self._serve, args=(conn,), name="upstream-conn", daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        try:
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                head += chunk
            with self._lock:
                mode, generation = self._mode, self._generation
                self.seen[mode] += 1
            self._answer(conn, mode, generation, head.decode("latin-1"))
        except OSError:
            pass  # the exporter gave up (timeout, size cap): expected in several modes
        finally:
            conn.close()

    def _answer(self, conn: socket.socket, mode: str, generation: int, head: str) -> None:
        if mode == "ok":
            body = json.dumps(summary(generation)).encode()
            etag = f'"gen-{generation}"'
            if f"if-none-match: {etag}".lower() in head.lower():
                conn.sendall(response(304, b"", {"ETag": etag}))
            else:
                conn.sendall(response(200, body, {"ETag": etag, "Content-Type": "application/json"}))
        elif mode == "http_500":
            conn.sendall(response(500, b"internal error"))
        elif mode == "rate_limited":
            conn.sendall(response(429, b"slow down", {"Retry-After": str(RETRY_AFTER_SECONDS)}))
        elif mode == "invalid_json":
            conn.sendall(response(200, b"<html>maintenance</html>", {"Content-Type": "application/json"}))
        elif mode == "wrong_shape":
            conn.sendall(response(200, b'{"page": "nope", "components": 5}', {"Content-Type": "application/json"}))
        elif mode == "oversized":
            conn.sendall(response(200, None, {"Content-Type": "application/json"}) + b'{"x": "')
            chunk = b"a" * 65536
            for _ in range(OVERSIZED_BYTES // len(chunk) + 1):
                conn.sendall(chunk)
        elif mode == "slow_drip":
            body = json.dumps(summary(generation)).encode()
            conn.sendall(response(200, None, {"Content-Length": str(len(body))}))
            for i in range(min(len(body), 60)):  # at most 30 s: far past the fetch timeout
                conn.sendall(body[i : i + 1])
                time.sleep(DRIP_INTERVAL_SECONDS)
        elif mode == "reset":
            body = json.dumps(summary(generation)).encode()
            conn.sendall(response(200, None, {"Content-Length": str(len(body))}) + body[: len(body) // 2])
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif mode == "close":
            pass  # read the request, answer nothing, close
        else:
            raise AssertionError(f"no answer for mode {mode!r}")


def response(status: int, body: bytes | None, headers: dict[str, str] | None = None) -> bytes:
    """Status line and headers; with `body`, a Content-Length and the body too."""
    lines = [f"HTTP/1.1 {status} X", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


def summary(generation: int) -> dict:
    status = ("operational", "degraded_performance")[generation % 2]
    components = [payloads.component(f"Component {i}", status if i == 0 else "operational") for i in range(10)]
    return payloads.summary(components, indicator=("none", "minor")[generation % 2])


# -- observing the exporter ---------------------------------------------------------------------
def process_status(pid: int) -> dict[str, int]:
    """RSS (bytes), threads and descriptors of a process, from /proc."""
    status = Path(f"/proc/{pid}/status").read_text()
    rss_kib = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))
    threads = int(re.search(r"Threads:\s+(\d+)", status).group(1))
    return {"rss": rss_kib * 1024, "threads": threads, "fds": len(list(Path(f"/proc/{pid}/fd").iterdir()))}


def metric_values(text: str) -> dict[tuple, float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def counters(base_url: str) -> dict[str, float]:
    values = metric_values(requests.get(base_url + "/metrics", timeout=10).text)
    result = {reason: values[("statuspage_fetch_errors_total", (("reason", reason),))] for reason in REASONS}
    result["fetches"] = values[("statuspage_fetches_total", ())]
    result["not_modified"] = values[("statuspage_fetch_not_modified_total", ())]
    return result


@dataclass
class ProbeStats:
    """What a Prometheus-like scraper saw: one scrape a second on a fresh connection."""

    scrapes: int = 0
    failed: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    up: Counter[float] = field(default_factory=Counter)
    with_components: int = 0
    samples: list[dict[str, int]] = field(default_factory=list)


def probe(base_url: str, pid: int, stop: threading.Event, stats: ProbeStats) -> None:
    while not stop.wait(1.0):
        started = time.monotonic()
        try:
            reply = requests.get(base_url + "/metrics", timeout=10)
            seconds = time.monotonic() - started
            if reply.status_code != 200:
                stats.failed.append(f"HTTP {reply.status_code}")
            else:
                values = metric_values(reply.text)
                stats.up[values[("statuspage_up", ())]] += 1
                stats.with_components += any(key[0] == "statuspage_component_status" for key in values)
            stats.seconds.append(seconds)
            if seconds > SCRAPE_DEADLINE_SECONDS:
                stats.failed.append(f"slow {seconds:.2f}s")
        except requests.RequestException as err:
            stats.failed.append(type(err).__name__)
        stats.scrapes += 1
        stats.samples.append(process_status(pid))


# -- the load ---------------------------------------------------------------------------------------
@dataclass
class LoadStats:
    tool: str
    requests: int = 0
    non_200: int = 0
    errors: int = 0
    #: Answers slower than SCRAPE_DEADLINE_SECONDS (None: the tool cannot tell).
    slow: int | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    detail: str = ""


WRK_DELAY_SCRIPT = "function delay() return {delay_ms} end\n"


def wrk_load(url: str, duration: int, connections: int, delay_ms: int) -> LoadStats:
    """Paced wrk: every connection waits `delay_ms` between requests (wrk's Lua delay())."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_DELAY_SCRIPT.format(delay_ms=delay_ms))
        script.flush()
        result = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{duration}s",
                "--timeout",
                "2s",
                "--latency",
                "-s",
                script.name,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=duration + 60,
        )
    out = result.stdout
    stats = LoadStats("wrk", detail=out)
    stats.requests = int(re.search(r"(\d+) requests in", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    stats.non_200 = int(non_2xx.group(1)) if non_2xx else 0
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    stats.errors = sum(int(n) for n in sock.groups()) if sock else 0
    stats.detail = sock.group(0) if sock else "no socket errors"
    stats.p50_ms = _wrk_ms(re.search(r"\s50%\s+([\d.]+\w+)", out).group(1))
    stats.p99_ms = _wrk_ms(re.search(r"\s99%\s+([\d.]+\w+)", out).group(1))
    stats.max_ms = _wrk_ms(re.search(r"Latency\s+\S+\s+\S+\s+([\d.]+\w+)", out).group(1))
    return stats


def _wrk_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def python_load(port: int, duration: int, connections: int, delay_ms: int) -> LoadStats:
    """The same paced keep-alive load without wrk: raw HTTP/1.1 on asyncio streams."""
    stats = LoadStats("python asyncio", slow=0)
    latencies: list[float] = []

    async def client(deadline: float) -> None:
        reader = writer = None
        while time.monotonic() < deadline:
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                started = time.monotonic()
                writer.write(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
                length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))
                await asyncio.wait_for(reader.readexactly(length), 10)
                latencies.append(time.monotonic() - started)
                stats.slow += latencies[-1] > SCRAPE_DEADLINE_SECONDS
                stats.requests += 1
                stats.non_200 += not head.startswith(b"HTTP/1.1 200 ")
            except (TimeoutError, OSError, asyncio.IncompleteReadError, AttributeError):
                stats.errors += 1
                if writer is not None:
                    writer.close()
                reader = writer = None
            await asyncio.sleep(delay_ms / 1000)
        if writer is not None:
            writer.close()

    async def run() -> None:
        deadline = time.monotonic() + duration
        await asyncio.gather(*(client(deadline) for _ in range(connections)))

    asyncio.run(run())
    if latencies:
        latencies.sort()
        stats.p50_ms = statistics.median(latencies) * 1000
        stats.p99_ms = latencies[min(len(latencies) - 1, math.ceil(0.99 * len(latencies)) - 1)] * 1000
        stats.max_ms = latencies[-1] * 1000
    return stats


# -- the run --------------------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=180, help="seconds of load and flapping (default 180)")
    parser.add_argument("--phase", type=float, default=5.0, help="seconds each upstream mode lasts (default 5)")
    parser.add_argument("--connections", type=int, default=8, help="keep-alive load connections (default 8)")
    parser.add_argument("--delay-ms", type=int, default=20, help="pause between a connection's requests (default 20)")
    parser.add_argument("--no-wrk", action="store_true", help="use the Python load loop even if wrk is installed")
    args = parser.parse_args()

    upstream = FlappingUpstream().start()
    exporter = ExporterProcess(
        [
            "--statuspage.url",
            upstream.url,
            "--cache.ttl",
            f"{TTL_SECONDS:g}s",
            "--cache.max-stale",
            MAX_STALE,
            "--fetch.timeout",
            f"{FETCH_TIMEOUT_SECONDS:g}s",
        ]
    )
    use_wrk = shutil.which("wrk") is not None and not args.no_wrk
    with exporter:
        pid = exporter.proc.pid
        requests.get(exporter.base_url + "/metrics", timeout=10)  # the first fetch, so the cache holds data
        time.sleep(TTL_SECONDS)
        before = counters(exporter.base_url)
        seen_before = Counter(upstream.seen)
        start = process_status(pid)
        log_offset = len(exporter.log_lines())

        stop_probe = threading.Event()
        probe_stats = ProbeStats()
        prober = threading.Thread(target=probe, args=(exporter.base_url, pid, stop_probe, probe_stats), daemon=True)
        load: list[LoadStats] = []
        if use_wrk:
            target = lambda: load.append(  # noqa: E731
                wrk_load(exporter.base_url + "/metrics", args.duration, args.connections, args.delay_ms)
            )
        else:
            target = lambda: load.append(  # noqa: E731
                python_load(exporter.port, args.duration, args.connections, args.delay_ms)
            )
        loader = threading.Thread(target=target, daemon=True)

        began = time.monotonic()
        loader.start()
        prober.start()
        phases = Counter()
        for mode in itertools.cycle(SCHEDULE):
            left = args.duration - (time.monotonic() - began)
            if left <= 0:
                break
            upstream.set_mode(mode)
            phases[mode] += 1
            time.sleep(min(args.phase, left))
        upstream.set_mode("ok")
        loader.join(120)
        stop_probe.set()
        prober.join(10)
        elapsed = time.monotonic() - began
        time.sleep(FETCH_TIMEOUT_SECONDS + 0.5)  # let a last in-flight request finish and be counted
        after = counters(exporter.base_url)
        end = process_status(pid)
        logs = exporter.log_lines()[log_offset:]
        alive = exporter.proc.poll() is None
        code = exporter.stop()
    upstream.stop()

    seen = upstream.seen - seen_before
    delta = {key: after[key] - before[key] for key in after}
    logged = Counter(line.get("reason") for line in logs if line.get("msg") == "fetch failed")
    retry_pauses = seen["rate_limited"] * RETRY_AFTER_SECONDS
    ttl_bound = math.floor(elapsed / TTL_SECONDS) + 1
    paced_bound = math.floor(max(elapsed - retry_pauses, 0) / TTL_SECONDS) + 1 + seen["rate_limited"]
    report(args, use_wrk, load[0] if load else None, probe_stats, start, end, elapsed, phases, seen, delta, logged)
    print()
    print("| upstream requests | count |")
    print("|---|---:|")
    print(f"| made by the exporter (`statuspage_fetches_total` delta) | {delta['fetches']:.0f} |")
    print(f"| seen by the upstream (refused connections never arrive) | {sum(seen.values())} |")
    print(f"| TTL bound: {elapsed:.0f} s / {TTL_SECONDS:g} s + 1 | {ttl_bound} |")
    print(f"| bound less the Retry-After pauses ({seen['rate_limited']} x {RETRY_AFTER_SECONDS} s) | {paced_bound} |")
    print(f"| 304 Not Modified | {delta['not_modified']:.0f} |")
    print()
    print(f"exporter alive at the end: {alive}; exit code after SIGTERM: {code}")
    return 0


def report(args, use_wrk, load, probe_stats, start, end, elapsed, phases, seen, delta, logged) -> None:
    mib = 1024 * 1024
    samples = probe_stats.samples or [end]
    print(
        f"soak: {elapsed:.0f} s, upstream mode changes every {args.phase:g} s "
        f"({sum(phases.values())} phases, schedule {' -> '.join(SCHEDULE)}), "
        f"--cache.ttl {TTL_SECONDS:g}s --cache.max-stale {MAX_STALE} --fetch.timeout {FETCH_TIMEOUT_SECONDS:g}s"
    )
    print()
    print("| exporter process | start | end | max | growth |")
    print("|---|---:|---:|---:|---:|")
    max_rss = max(s["rss"] for s in samples)
    print(
        f"| RSS (MiB) | {start['rss'] / mib:.1f} | {end['rss'] / mib:.1f} | {max_rss / mib:.1f} "
        f"| {(end['rss'] - start['rss']) / mib:+.1f} |"
    )
    print(
        f"| threads | {start['threads']} | {end['threads']} | {max(s['threads'] for s in samples)} "
        f"| {end['threads'] - start['threads']:+d} |"
    )
    fds_max = max(s["fds"] for s in samples)
    print(f"| open fds | {start['fds']} | {end['fds']} | {fds_max} | {end['fds'] - start['fds']:+d} |")
    quarters = [samples[max(0, math.ceil(len(samples) * q / 4) - 1)]["rss"] / mib for q in (1, 2, 3, 4)]
    print()
    print("RSS (MiB) at 25 / 50 / 75 / 100 % of the run: " + " / ".join(f"{r:.1f}" for r in quarters))
    print()
    print("| upstream mode | phases | requests seen upstream | expected reason | counted by the exporter | logged |")
    print("|---|---:|---:|---|---:|---:|")
    print(f"| ok | {phases['ok']} | {seen['ok']} | (success) | | |")
    for mode, reason in FAILURES.items():
        if reason == "connection" and mode != "reset":
            continue
        modes = [m for m, r in FAILURES.items() if r == reason]
        label = " + ".join(modes)
        print(
            f"| {label} | {sum(phases[m] for m in modes)} | {sum(seen[m] for m in modes)} | `{reason}` "
            f"| {delta[reason]:.0f} | {logged[reason]} |"
        )
    print()
    print(f"| clients | requests | non-200 | errors | over {SCRAPE_DEADLINE_SECONDS:g} s | p50 | p99 | max |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    if load is not None:
        rate = load.requests / elapsed
        print(
            f"| {load.tool}, {args.connections} keep-alive connections, {args.delay_ms} ms apart "
            f"(~{rate:.0f} req/s) | {load.requests} | {load.non_200} | {load.errors} "
            f"| {'n/a' if load.slow is None else load.slow} "
            f"| {load.p50_ms:.2f} ms | {load.p99_ms:.2f} ms | {load.max_ms:.2f} ms |"
        )
    seconds = sorted(probe_stats.seconds) or [0.0]
    p99 = seconds[min(len(seconds) - 1, math.ceil(0.99 * len(seconds)) - 1)]
    print(
        f"| prober, 1 scrape/s on a fresh connection | {probe_stats.scrapes} | "
        f"{sum(1 for f in probe_stats.failed if f.startswith('HTTP'))} "
        f"| {sum(1 for f in probe_stats.failed if not f.startswith(('HTTP', 'slow')))} "
        f"| {sum(1 for f in probe_stats.failed if f.startswith('slow'))} "
        f"| {statistics.median(seconds) * 1000:.2f} ms | {p99 * 1000:.2f} ms | {seconds[-1] * 1000:.2f} ms |"
    )
    print()
    if load is not None:
        print(f"{load.tool}: {load.detail}")
    print(
        f"prober: statuspage_up=1 in {probe_stats.up[1.0]} scrapes, 0 in {probe_stats.up[0.0]}; "
        f"component series present in {probe_stats.with_components} of {len(probe_stats.seconds)} answers"
    )


if __name__ == "__main__":
    sys.exit(main())
