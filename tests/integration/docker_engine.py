"""A real Docker engine for the deployment tests, and the images they build on it.

The engine is our own `dockerd`, started in the background with the flags that work on a machine
without iptables or a bridge (host networking, vfs storage, classic builder), its state under
`$GSE_DOCKER_DIR` (default /var/tmp/gse-docker) so that image layers survive between runs. An
engine already answering on that socket is reused; one started by the tests is stopped when the
test session is done, and one a developer started is left running. One test session at a time
uses it (a lock file in that directory).
`GSE_DOCKER_HOST=unix:///...` uses another engine instead (never stopped, never pruned).

No registry is reachable, so the base image is made locally with mmdebstrap: Debian bookworm with
python3 + python3-venv only (no `python`, no pip outside a venv, no curl). It is tagged with a hash
of its recipe (packages, hook, and the CA bundle it copies in), so a cached image is reused only
while the recipe is the same, and a fresh machine builds its own.

Missing tools skip the tests on a laptop; under CI (CI=true) they fail instead, so that a
green CI cannot hide tests that did not run.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable, Iterator, TypeVar

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ENGINE_DIR = Path(os.environ.get("GSE_DOCKER_DIR", "/var/tmp/gse-docker"))
#: Marks an engine started by a test session (not one a developer started by hand), which the
#: session stops when it is done.
STARTED_BY_TESTS = ENGINE_DIR / "started-by-tests"
#: How long a test session waits for another one to finish with the engine.
ENGINE_LOCK_TIMEOUT_SECONDS = 900
DOCKERD_FLAGS = ("--iptables=false", "--ip6tables=false", "--bridge=none", "--storage-driver=vfs")

#: The image the test host's pip trusts: copied into the *test* base image only (never the
#: Dockerfile), so that pip inside `docker build` reaches the package index through this network.
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
BASE_SUITE = "bookworm"
BASE_PACKAGES = ("python3", "python3-venv", "ca-certificates")
BASE_REPOSITORY = "gse-test-base"
#: Bump to force a new base image when something outside the recipe below changes.
BASE_RECIPE_VERSION = "1"

T = TypeVar("T")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> None:
    """Skip on a developer's machine; fail in CI, which must run every deployment test."""
    if in_ci():
        pytest.fail(f"CI must run this test, but: {reason}", pytrace=False)
    pytest.skip(reason)


def tool(name: str) -> str:
    """The path of a command-line tool: on PATH, or beside the running interpreter (the venv)."""
    beside = Path(sys.executable).parent / name
    found = shutil.which(name) or (str(beside) if beside.is_file() and os.access(beside, os.X_OK) else None)
    if found is None:
        unavailable(f"{name} is not installed")
    return found


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 60.0, interval: float = 0.25) -> T:
    """Call `probe` until it returns something other than None (or False); fail after `timeout`."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last is not None and last is not False:
            return last
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")


def http_get(url: str, timeout: float = 5.0) -> tuple[int, str] | None:
    """(status, body) of a GET, or None when nothing answers (yet)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


# -- the engine -------------------------------------------------------------------------------
@dataclass
class Engine:
    """A Docker engine reached through the `docker` CLI with DOCKER_HOST set."""

    host: str
    docker_cli: str
    ours: bool  # our test engine (its images may be pruned), not somebody else's
    env: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.env = {**os.environ, "DOCKER_HOST": self.host, "DOCKER_BUILDKIT": "0"}

    def docker(self, *args: str, timeout: float = 120, check: bool = True, stdin=None) -> subprocess.CompletedProcess:
        """Run `docker ARGS` against this engine; fail the test with its output if it fails."""
        result = subprocess.run(
            [self.docker_cli, *args], env=self.env, stdin=stdin, capture_output=True, text=True, timeout=timeout
        )
        if check and result.returncode != 0:
            pytest.fail(f"docker {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result

    def answers(self) -> bool:
        try:
            return self.docker("version", "--format", "{{.Server.Version}}", timeout=10, check=False).returncode == 0
        except subprocess.TimeoutExpired:
            return False

    def inspect(self, *names: str) -> dict:
        """`docker inspect` of one container or image."""
        return json.loads(self.docker("inspect", *names).stdout)[0]

    def image_id(self, reference: str) -> str | None:
        result = self.docker("image", "inspect", "--format", "{{.Id}}", reference, check=False)
        return result.stdout.strip() if result.returncode == 0 else None

    def remove_container(self, name: str) -> None:
        self.docker("rm", "--force", "--volumes", name, check=False)

    def logs(self, name: str) -> str:
        result = self.docker("logs", name)
        return result.stdout + result.stderr


def _dockerd_pid(pidfile: Path) -> int | None:
    """The PID in dockerd's pid file, if that process is still a dockerd."""
    try:
        pid = int(pidfile.read_text().strip())
        return pid if Path(f"/proc/{pid}/comm").read_text().strip() == "dockerd" else None
    except (OSError, ValueError):
        return None


def _start_dockerd(engine: Engine) -> None:
    dockerd = tool("dockerd")
    if os.geteuid() != 0:
        unavailable("starting dockerd needs root (or set GSE_DOCKER_HOST to a running engine)")
    for sub in ("data", "exec"):
        (ENGINE_DIR / sub).mkdir(parents=True, exist_ok=True)
    pidfile = ENGINE_DIR / "docker.pid"
    if _dockerd_pid(pidfile) is None:
        pidfile.unlink(missing_ok=True)  # left by a dockerd that was killed: it would refuse to start
    with (ENGINE_DIR / "dockerd.log").open("ab") as log:
        process = subprocess.Popen(
            [
                dockerd,
                *DOCKERD_FLAGS,
                "--data-root",
                str(ENGINE_DIR / "data"),
                "--exec-root",
                str(ENGINE_DIR / "exec"),
                "--pidfile",
                str(pidfile),
                "-H",
                engine.host,
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while not engine.answers():
        if process.poll() is not None or time.monotonic() > deadline:
            _stop(process.pid)
            tail = (ENGINE_DIR / "dockerd.log").read_text(errors="replace")[-3000:]
            pytest.fail(f"dockerd did not come up (exit {process.poll()}); its log ends:\n{tail}")
        time.sleep(0.25)
    STARTED_BY_TESTS.write_text(f"{process.pid}\n")


def _stop(pid: int) -> None:
    """SIGTERM a dockerd (ours, maybe from another test session) and wait for it to go."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(pid, os.WNOHANG)[0] == pid:  # reap it if it is our child
                return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _lock_engine_dir() -> IO:
    """Hold the engine for this session alone.

    Two sessions at once (a developer's `make test` beside another) would share container names
    and image tags, and one's prune would delete the other's fresh build layers: so the second
    waits for the first.
    """
    ENGINE_DIR.mkdir(parents=True, exist_ok=True)
    lock = (ENGINE_DIR / "engine.lock").open("a")
    deadline = time.monotonic() + ENGINE_LOCK_TIMEOUT_SECONDS
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return lock
        except BlockingIOError:
            if time.monotonic() > deadline:
                lock.close()
                pytest.fail(f"another test session has held {ENGINE_DIR}/engine.lock for too long")
            time.sleep(1)


def _open_engine() -> tuple[Engine, IO | None]:
    """The engine and, for our own engine, the lock file this session holds while it uses it."""
    docker_cli = tool("docker")
    if os.environ.get("GSE_DOCKER_HOST"):
        engine = Engine(os.environ["GSE_DOCKER_HOST"], docker_cli, ours=False)
        if not engine.answers():
            unavailable(f"no Docker engine answers on GSE_DOCKER_HOST={engine.host}")
        return engine, None
    if os.geteuid() != 0 and not (ENGINE_DIR / "docker.sock").exists():
        unavailable("starting dockerd needs root (or set GSE_DOCKER_HOST to a running engine)")
    lock = _lock_engine_dir()
    try:
        engine = Engine(f"unix://{ENGINE_DIR / 'docker.sock'}", docker_cli, ours=True)
        if not engine.answers():
            _start_dockerd(engine)
    except BaseException:
        lock.close()
        raise
    return engine, lock


def _close_engine(engine: Engine, lock: IO | None) -> None:
    if lock is None:
        return
    try:
        # Images whose tag moved on (an older build of the exporter) and their layers; the tagged
        # images stay as the layer cache of the next run.
        engine.docker("image", "prune", "--force", timeout=300, check=False)
        if STARTED_BY_TESTS.exists():
            pid = _dockerd_pid(ENGINE_DIR / "docker.pid")
            if pid is not None:
                _stop(pid)
            STARTED_BY_TESTS.unlink(missing_ok=True)
    finally:
        lock.close()


_shared: tuple[Engine, IO | None] | None = None
_users = 0


@contextlib.contextmanager
def shared_engine() -> Iterator[Engine]:
    """The one engine of this test session, shared by every module that asks for it.

    Each test module holds it through a session-scoped fixture of its own; it is started on first
    use and released when the last holder lets go (see `_open_engine`).
    """
    global _shared, _users
    if _shared is None:
        _shared = _open_engine()
    _users += 1
    try:
        yield _shared[0]
    finally:
        _users -= 1
        if _users == 0:
            opened, _shared = _shared, None
            _close_engine(*opened)


# -- images -----------------------------------------------------------------------------------
def base_recipe() -> list[str]:
    return [
        "--variant=minbase",
        "--include=" + ",".join(BASE_PACKAGES),
        f"--customize-hook=copy-in {CA_BUNDLE} /etc/ssl/certs",
        BASE_SUITE,
        "-",
    ]


def base_image(engine: Engine) -> str:
    """A local Debian bookworm image with only python3 and python3-venv; built once per recipe."""
    if not CA_BUNDLE.is_file():
        unavailable(f"{CA_BUNDLE} (the CA bundle pip needs inside the build) is missing")
    key = hashlib.sha256()
    key.update(BASE_RECIPE_VERSION.encode())
    key.update(json.dumps(base_recipe()).encode())
    key.update(CA_BUNDLE.read_bytes())
    tag = f"{BASE_REPOSITORY}:{key.hexdigest()[:16]}"
    if engine.image_id(tag) is None:
        mmdebstrap = tool("mmdebstrap")
        with tempfile.TemporaryFile() as errors:
            with subprocess.Popen([mmdebstrap, *base_recipe()], stdout=subprocess.PIPE, stderr=errors) as debstrap:
                imported = engine.docker("import", "-", tag, stdin=debstrap.stdout, timeout=600, check=False)
                debstrap.stdout.close()
            errors.seek(0)
            err = errors.read().decode(errors="replace")
        if debstrap.returncode != 0 or imported.returncode != 0:
            pytest.fail(f"building the base image failed:\nmmdebstrap: {err[-3000:]}\ndocker import: {imported.stderr}")
    # Older recipes' images are dead weight on the engine's disk.
    for line in engine.docker("images", BASE_REPOSITORY, "--format", "{{.Repository}}:{{.Tag}}").stdout.split():
        if line != tag:
            engine.docker("rmi", line, check=False)
    return tag


def build_image(engine: Engine, tag: str, base: str, context: Path = REPO_ROOT) -> str:
    """`docker build` the Dockerfile in `context` on `base`; returns the image ID."""
    result = engine.docker(
        "build",
        "--network",
        "host",
        "--build-arg",
        f"BASE_IMAGE={base}",
        "--tag",
        tag,
        str(context),
        timeout=900,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"docker build failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}")
    image_id = engine.image_id(tag)
    assert image_id, f"{tag} is missing after a successful build"
    return image_id


def health_status(engine: Engine, container: str) -> str | None:
    state = engine.inspect(container)["State"]
    return (state.get("Health") or {}).get("Status")


def json_log_lines(text: str) -> list[dict]:
    """Every non-empty line parsed as one JSON object (fails the test on any other line)."""
    records = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            pytest.fail(f"log line is not JSON: {line!r}")
        assert isinstance(record, dict), f"log line is not a JSON object: {line!r}"
        records.append(record)
    return records
