"""webreload.WebConfigWatcher: reload on change only, keep the last good settings, log once, say so in a metric."""

from __future__ import annotations

import os

import pytest
from prometheus_client import CollectorRegistry

from exporter.web.config import load
from exporter.web.watcher import WebConfigWatcher
from tests.webcerts import bcrypt_hash, make_pki, tls_section, write_web_config


class CountingLoader:
    def __init__(self):
        self.calls = 0

    def __call__(self, path):
        self.calls += 1
        return load(path)


def touch_later(path, seconds: int = 1) -> None:
    """Move the mtime on, as a later write would: the test need not wait for the clock."""
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + seconds * 1_000_000_000))


def gauge(watcher: WebConfigWatcher, name: str) -> float:
    registry = CollectorRegistry()
    registry.register(watcher)
    return registry.get_sample_value(name)


@pytest.fixture
def pki(tmp_path):
    return make_pki(tmp_path / "pki")


def test_poll_reloads_only_when_a_watched_file_changed(tmp_path, pki):
    path = write_web_config(tmp_path / "web.yml", {"tls_server_config": tls_section(pki)})
    loader = CountingLoader()
    watcher = WebConfigWatcher(str(path), load(str(path)), loader=loader, wall=lambda: 1000.0)
    watcher.poll()
    watcher.poll()
    assert loader.calls == 0
    first = watcher.current.ssl_context
    touch_later(pki.cert_file)
    watcher.poll()
    watcher.poll()
    assert loader.calls == 1
    assert watcher.current.ssl_context is not first
    assert gauge(watcher, "statuspage_exporter_web_config_last_reload_successful") == 1


def test_a_bad_file_keeps_the_last_good_settings_is_logged_once_and_shows_in_the_metric(tmp_path, pki, log_lines):
    users = {"basic_auth_users": {"alice": bcrypt_hash("secret")}}
    path = write_web_config(tmp_path / "web.yml", {"tls_server_config": tls_section(pki), **users})
    clock = iter([1000.0, 2000.0])
    watcher = WebConfigWatcher(str(path), load(str(path)), wall=lambda: next(clock))
    good, guard = watcher.current, watcher.guard
    pki.key_file.write_text("not a key\n")
    touch_later(pki.key_file)
    for _ in range(3):
        watcher.poll()
    assert (watcher.current, watcher.guard) == (good, guard)
    assert gauge(watcher, "statuspage_exporter_web_config_last_reload_successful") == 0
    assert gauge(watcher, "statuspage_exporter_web_config_last_reload_success_timestamp_seconds") == 1000.0
    failures = [line for line in log_lines() if line["msg"] == "web config reload failed, previous settings kept"]
    assert [line["error"] for line in failures] == [f"{path}: tls_server_config: no PEM private key in {pki.key_file}"]

    pki.key_file.write_bytes(pki.server.private_key_pem.bytes())
    touch_later(pki.key_file, 2)
    watcher.poll()
    assert watcher.current is not good
    assert gauge(watcher, "statuspage_exporter_web_config_last_reload_successful") == 1
    assert gauge(watcher, "statuspage_exporter_web_config_last_reload_success_timestamp_seconds") == 2000.0


def test_a_file_named_by_a_bad_file_is_watched_until_it_appears(tmp_path, pki):
    path = write_web_config(tmp_path / "web.yml", {})
    watcher = WebConfigWatcher(str(path), load(str(path)))
    write_web_config(path, {"tls_server_config": tls_section(pki, key_file=str(tmp_path / "new.key"))})
    touch_later(path)
    watcher.poll()
    assert (watcher.last_successful, watcher.current.tls) == (False, False)
    (tmp_path / "new.key").write_bytes(pki.key_file.read_bytes())
    watcher.poll()
    assert (watcher.last_successful, watcher.current.tls) == (True, True)


def test_reload_rereads_unchanged_files_and_reports_the_error(tmp_path):
    path = write_web_config(tmp_path / "web.yml", {})
    loader = CountingLoader()
    watcher = WebConfigWatcher(str(path), load(str(path)), loader=loader)
    assert watcher.reload() is None
    path.write_text("basic_auth_users: {alice: plain}\n")
    assert watcher.reload() == f"{path}: basic_auth_users.alice: not a bcrypt hash (want $2b$<cost>$<53 characters>)"
    assert (loader.calls, watcher.generation) == (2, 2)


def test_without_a_file_nothing_is_read_and_the_metric_says_1():
    watcher = WebConfigWatcher("", load(""), loader=CountingLoader())
    watcher.poll()
    assert watcher.reload() is None
    assert gauge(watcher, "statuspage_exporter_web_config_last_reload_successful") == 1
