"""fetch.workers.Workers: a fixed set of threads, at most `per_host` refreshes of one host at once,
and a slow host never holds up another host's turn."""

from __future__ import annotations

import threading
import time

from exporter.fetch.workers import Workers


def wait_until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


class Jobs:
    """Jobs that run until released, recording how many ran at once per host."""

    def __init__(self):
        self.lock = threading.Lock()
        self.running: dict[str, int] = {}
        self.most: dict[str, int] = {}
        self.done: list[str] = []
        self.release = threading.Event()

    def job(self, host: str, hold: bool = True):
        def run() -> None:
            with self.lock:
                self.running[host] = self.running.get(host, 0) + 1
                self.most[host] = max(self.most.get(host, 0), self.running[host])
            if hold:
                self.release.wait(10)
            with self.lock:
                self.running[host] -= 1
                self.done.append(host)

        return run

    def now(self, host: str) -> int:
        with self.lock:
            return self.running.get(host, 0)


def test_a_slow_host_gets_its_per_host_turns_and_never_another_hosts():
    workers = Workers(threads=4, per_host=2, name="test-workers")
    jobs = Jobs()
    for _ in range(6):
        workers.submit("https://slow.example.com/a", jobs.job("slow"))
    wait_until(lambda: jobs.now("slow") == 2)
    workers.submit("https://fast.example.com/b", jobs.job("fast", hold=False))

    wait_until(lambda: "fast" in jobs.done)  # queued after six of the slow host's, run at once
    assert jobs.now("slow") == 2
    jobs.release.set()
    wait_until(lambda: jobs.done.count("slow") == 6)
    assert jobs.most == {"slow": 2, "fast": 1}


def test_no_more_jobs_run_at_once_than_there_are_threads():
    workers = Workers(threads=2, per_host=4, name="test-workers-two")
    jobs = Jobs()
    for host in ("a", "b", "c"):
        workers.submit(f"https://{host}.example.com/", jobs.job(host))
    wait_until(lambda: jobs.now("a") + jobs.now("b") == 2)
    # Two threads, both busy: the third job has none to run on until one is released.
    assert sum(1 for t in threading.enumerate() if t.name == "test-workers-two") == 2
    assert jobs.now("c") == 0
    jobs.release.set()
    wait_until(lambda: sorted(jobs.done) == ["a", "b", "c"])
    assert sum(1 for t in threading.enumerate() if t.name == "test-workers-two") == 2


def test_a_job_that_raises_is_logged_and_its_thread_and_host_turn_go_on(log_lines):
    workers = Workers(threads=1, per_host=1, name="test-workers-one")
    jobs = Jobs()

    def crash() -> None:
        raise RuntimeError("a bug")

    workers.submit("https://a.example.com/", crash)
    workers.submit("https://a.example.com/", jobs.job("a", hold=False))
    wait_until(lambda: jobs.done == ["a"])
    assert sum(1 for t in threading.enumerate() if t.name == "test-workers-one") == 1
    [crash_line] = [line for line in log_lines() if line["msg"] == "refresh crashed"]
    assert "RuntimeError: a bug" in crash_line["exception"]
