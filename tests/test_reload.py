"""reload.Reloader: swaps probe targets, keeps caches of unchanged pages, reports its health."""

from __future__ import annotations

import itertools

from exporter.config import load
from exporter.fetch.answers import FetchResult
from exporter.fetch.detect import DetectingFetcher
from exporter.pagefile import default_page
from exporter.patterns import compile_pattern
from exporter.reload import Reloader
from exporter.targets import CachePool


class NullFetcher:
    url = "u"

    def fetch(self):
        return FetchResult(304, None)


def make(tmp_path, text: str, wall=lambda: 1000.0):
    path = tmp_path / "pages.yml"
    path.write_text(text)
    config = load(["--config.file", str(path)], {})
    calls = []
    reloader = Reloader(
        config, CachePool(lambda page: NullFetcher()), pinned=default_page(config), wall=wall,
        after_reload=lambda pages: calls.append([p.name for p in pages]),
    )  # fmt: skip
    return reloader, path, calls


PAGES = "pages:\n  - name: a\n    url: https://a.example\n  - name: b\n    url: https://b.example\n"


def test_good_reload_swaps_targets_keeps_unchanged_caches_and_tells_who_is_in_use(tmp_path):
    times = itertools.count(1000.0, 1000.0)
    reloader, path, calls = make(tmp_path, "pages: []\n", wall=lambda: next(times))
    assert reloader.last_success_timestamp == 1000.0
    assert reloader.reload() is None
    assert reloader.last_success_timestamp == 2000.0
    first = reloader.targets.lookup("a")
    assert first is None and len(reloader.targets) == 0
    path.write_text(PAGES)
    assert reloader.reload() is None
    a_cache = reloader.targets.lookup("a").cache
    path.write_text(PAGES.replace("name: b\n    url: https://b.example", "name: c\n    url: https://c.example"))
    assert reloader.reload() is None
    assert reloader.targets.lookup("a").cache is a_cache
    assert reloader.targets.lookup("b") is None and reloader.targets.lookup("https://c.example") is not None
    assert calls[-1] == ["default", "a", "c"]
    assert reloader.last_successful


def test_bad_reload_keeps_the_old_targets_and_reports_failure(tmp_path, log_lines):
    reloader, path, calls = make(tmp_path, PAGES)
    assert reloader.reload() is None
    calls.clear()
    stamp = reloader.last_success_timestamp
    path.write_text("pages:\n  - name: a\n")
    error = reloader.reload()
    assert error == f"{path}: pages[0]: missing 'url'"
    assert reloader.targets.lookup("b") is not None
    assert calls == []
    assert not reloader.last_successful and reloader.last_success_timestamp == stamp
    metrics = {m.name: m.samples[0].value for m in reloader.collect()}
    assert metrics == {
        "statuspage_exporter_config_last_reload_successful": 0,
        "statuspage_exporter_config_last_reload_success_timestamp_seconds": stamp,
    }
    [line] = [line for line in log_lines() if line["msg"] == "config reload failed"]
    assert line["level"] == "error" and line["error"] == error


class Detecting(DetectingFetcher):
    """A detecting fetcher that only counts its resets (it never fetches here)."""

    def __init__(self, url):
        super().__init__(url, timeout=1.0, max_stale=600.0)
        self.resets = 0

    def reset_detection(self):
        self.resets += 1


def test_a_good_reload_makes_every_auto_page_detect_its_engine_again(tmp_path):
    path = tmp_path / "pages.yml"
    path.write_text(
        "pages:\n  - name: a\n    url: https://a.example\n    engine: auto\n  - name: b\n    url: https://b.example\n"
    )
    config = load(["--config.file", str(path), "--statuspage.engine", "auto"], {})
    made = {}

    def make_fetcher(page):
        made[page.name] = Detecting(page.url) if page.engine == "auto" else NullFetcher()
        return made[page.name]

    pool = CachePool(make_fetcher)
    pinned = default_page(config)
    pool.cache_for(pinned)
    reloader = Reloader(config, pool, pinned=pinned)
    assert reloader.reload() is None
    assert (made["default"].resets, made["a"].resets) == (1, 1)
    path.write_text("pages: [\n")
    assert reloader.reload() is not None  # a bad file changes nothing, detection included
    assert (made["default"].resets, made["a"].resets) == (1, 1)


def test_a_reload_that_only_changes_a_pages_scope_keeps_its_cache_and_applies_the_new_scope(tmp_path):
    reloader, path, _ = make(tmp_path, PAGES)
    assert reloader.reload() is None
    before = reloader.targets.lookup("a")
    path.write_text(
        PAGES.replace("url: https://a.example\n", 'url: https://a.example\n    components_include: "^API$"\n')
    )
    assert reloader.reload() is None
    after = reloader.targets.lookup("a")
    assert after.cache is before.cache  # the scope is how a page is shown, not how it is fetched
    assert (before.settings.components_include, after.settings.components_include) == (None, compile_pattern("^API$"))
