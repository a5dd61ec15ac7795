"""The status page in real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

Each component's name and status visible, a component named `<script>alert(1)</script>` shown as
text and never run, no console errors, no horizontal overflow at 375 px, readable without
JavaScript and in dark mode; the Content-Security-Policy really forbids scripts. Screenshots go
to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tests import payloads
from tests.fakepage import SUMMARY_PATH, FakeStatuspage, Reply
from tests.integration.exporter_process import REPO, ExporterProcess

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO / "tests" / "artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOSTILE = "<script>alert(1)</script>"
#: (id, name, group id, status, the status in words) of every component the page shows.
COMPONENTS = [
    ("gitops000001", "Git Operations", None, "major_outage", "Major outage"),
    ("api000000001", "API Requests", None, "degraded_performance", "Degraded performance"),
    ("hostile00001", HOSTILE, None, "partial_outage", "Partial outage"),
    ("pages0000001", "Pages", None, "under_maintenance", "Under maintenance"),
    (
        "codespaces01",
        "Codespaces in a region with a long name that has to wrap on a phone",
        "regions00001",
        "operational",
        "Operational",
    ),
    ("copilot00001", "Copilot", "regions00001", "operational", "Operational"),
]
GROUP = payloads.component("Regions", id="regions00001", group=True, children=["codespaces01", "copilot00001"])
SUMMARY = payloads.summary(
    [
        *(payloads.component(name, status, id=id, group_id=group) for id, name, group, status, _ in COMPONENTS),
        GROUP,
    ],
    indicator="critical",
    page={**payloads.PAGE, "name": "GitHub"},
    incidents=[payloads.incident("Git pushes fail for some users", impact="critical")],
    maintenances=[payloads.maintenance("Database upgrade", status="scheduled")],
)


@pytest.fixture(scope="module")
def exporter(tmp_path_factory):
    _require_chromium()
    pages_file = tmp_path_factory.mktemp("pages") / "pages.yml"
    with FakeStatuspage() as page, FakeStatuspage() as other:
        page.set_summary(SUMMARY)
        other.set_summary(payloads.summary(indicator="minor", page={**payloads.PAGE, "name": "Cloudflare"}))
        pages_file.write_text(f"pages:\n  - name: cloudflare\n    url: {other.url}\n")
        args = ["--statuspage.url", page.url, "--config.file", str(pages_file)]
        with ExporterProcess(args) as process:
            process.get("/status", params={"target": "cloudflare"})  # so the index has its state
            yield process


def _require_chromium() -> None:
    if not os.path.exists(CHROMIUM):
        print(f"skipping: {CHROMIUM} not found (Debian package chromium)")
        pytest.skip(f"{CHROMIUM} not found (Debian package chromium)")


@pytest.fixture(scope="module")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


class Watched:
    """A page with every console error, uncaught exception and dialog it raises recorded."""

    def __init__(self, browser, **context_options):
        self.context = browser.new_context(**context_options)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 1000
        return path

    def close(self) -> None:
        self.context.close()


def _row(page, name: str):
    return page.locator("ul.rows li").filter(has=page.get_by_text(name, exact=True))


@pytest.mark.parametrize(
    ("scheme", "width", "javascript"),
    [("light", 375, True), ("dark", 375, True), ("light", 1024, True), ("light", 375, False)],
)
def test_every_component_is_visible_with_its_status_and_nothing_overflows(exporter, browser, scheme, width, javascript):
    watched = Watched(
        browser, viewport={"width": width, "height": 800}, color_scheme=scheme, java_script_enabled=javascript
    )
    try:
        response = watched.page.goto(exporter.base_url + "/")
        assert response.status == 200
        page = watched.page
        assert page.locator("h1").inner_text() == "GitHub"
        assert page.locator(".banner .state").inner_text() == "Major system outage"
        for _, name, _, _, status_words in COMPONENTS:
            row = _row(page, name)
            assert row.count() == 1, name
            assert row.is_visible(), name
            assert row.locator(".status").inner_text() == status_words
        assert page.get_by_role("heading", name="Regions", exact=True).is_visible()
        assert page.get_by_text("Git pushes fail for some users").is_visible()
        assert page.get_by_text("Database upgrade").is_visible()
        index = _row(page, "Cloudflare")
        assert [status.inner_text() for status in index.locator(".status").all()] == [
            "Minor service outage",
            "Operational",  # the worst of its components
        ]
        for link in ("Metrics", "Health", "Readiness"):
            assert page.get_by_role("link", name=link, exact=True).is_visible()
        overflow = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]"
        )
        assert overflow == [width, width, width]
        watched.screenshot(f"status-page-{width}px-{scheme}{'' if javascript else '-nojs'}.png")
        assert watched.errors == []
        assert watched.dialogs == []
    finally:
        watched.close()


def test_a_hostile_component_name_is_shown_as_text_and_never_runs(exporter, browser):
    watched = Watched(browser, viewport={"width": 375, "height": 800})
    try:
        watched.page.goto(exporter.base_url + "/")
        assert watched.page.get_by_text(HOSTILE, exact=True).is_visible()
        assert watched.page.evaluate("() => document.scripts.length") == 0
        assert watched.dialogs == []
        assert watched.errors == []
    finally:
        watched.close()


def test_the_content_security_policy_blocks_any_script(exporter, browser):
    watched = Watched(browser)
    try:
        response = watched.page.goto(exporter.base_url + "/")
        assert "default-src 'none'" in response.headers["content-security-policy"]
        ran = watched.page.evaluate(
            """() => {
                const script = document.createElement('script');
                script.textContent = 'window.injectedRan = true';
                document.body.appendChild(script);
                return window.injectedRan === true;
            }"""
        )
        assert ran is False
        assert any("Content Security Policy" in error for error in watched.errors)
    finally:
        watched.close()


def test_the_badge_renders_as_an_image(exporter, browser):
    watched = Watched(browser)
    try:
        response = watched.page.goto(exporter.base_url + "/api/v1/badge.svg?component=Git%20Operations")
        assert response.headers["content-type"] == "image/svg+xml; charset=utf-8"
        box = watched.page.locator("svg").bounding_box()
        assert box["height"] == 20 and box["width"] > 100
        assert watched.page.locator("svg title").text_content() == "Git Operations: major outage"
        ARTIFACTS.mkdir(exist_ok=True)
        watched.page.locator("svg").screenshot(path=str(ARTIFACTS / "badge-component.png"))
        assert watched.errors == []
    finally:
        watched.close()


def test_stale_data_shows_a_visible_warning_above_the_components(browser):
    with FakeStatuspage() as page:
        page.set_summary(SUMMARY)
        with ExporterProcess(["--statuspage.url", page.url, "--cache.ttl", "1s"]) as exporter:
            assert exporter.get("/api/v1/status").json()["up"] is True
            page.set_reply(Reply(status=503, body=b"down for maintenance", etag=False))
            deadline = time.monotonic() + 10
            while not exporter.get("/api/v1/status").json()["stale"]:
                assert time.monotonic() < deadline, "never became stale"
                time.sleep(0.05)
            watched = Watched(browser, viewport={"width": 375, "height": 800})
            try:
                watched.page.goto(exporter.base_url + "/")
                warning = watched.page.get_by_role("alert")
                assert warning.is_visible()
                assert warning.inner_text().startswith(
                    "Stale data: the latest request to the status page failed (http_status: HTTP 503)."
                )
                assert warning.bounding_box()["y"] < _row(watched.page, "Git Operations").bounding_box()["y"]
                assert watched.page.evaluate("() => document.documentElement.scrollWidth") == 375
                watched.screenshot("status-page-375px-stale.png")
                assert watched.errors == []
            finally:
                watched.close()


#: (page name, its title, indicator, {component: status}) of the vendors page's pages; None: no data.
VENDORS = [
    ("openai", "OpenAI", "minor", {"API": "operational", "Sora": "degraded_performance"}),
    ("cloudflare", "Cloudflare", "major", {"CDN": "partial_outage", "DNS": "operational"}),
    ("slack", "Slack", "none", {"Messaging": "operational", "Calls": "operational"}),
    ("stripe", "stripe", None, {}),
    ("discord", "Discord", "maintenance", {"Voice": "under_maintenance"}),
    ("atlassian", "Atlassian", "none", {"Jira": "operational"}),
]


@pytest.fixture(scope="module")
def vendors_exporter(tmp_path_factory):
    """GitHub as the default page (scoped to Actions and Git Operations) and six other pages."""
    _require_chromium()
    pages_file = tmp_path_factory.mktemp("vendors") / "pages.yml"
    with FakeStatuspage() as fake:
        github = {"Actions": "degraded_performance", "Git Operations": "operational", "Copilot": "major_outage"}
        fake.set_document("/github" + SUMMARY_PATH, vendor_summary("GitHub", "critical", github))
        lines = ["pages:"]
        for name, title, indicator, components in VENDORS:
            path = f"/{name}{SUMMARY_PATH}"
            if indicator is None:
                fake.set_route(path, Reply(status=503, body=b"unavailable", etag=False))
            else:
                fake.set_document(path, vendor_summary(title, indicator, components))
            lines.append(f"  - name: {name}\n    url: {fake.url}/{name}")
        lines.append('    components_include: "^Jira$"')
        pages_file.write_text("\n".join(lines) + "\n")
        args = [
            "--statuspage.url", f"{fake.url}/github", "--components.include", "^(Actions|Git Operations)$",
            "--config.file", str(pages_file),
        ]  # fmt: skip
        with ExporterProcess(args) as process:
            for name, *_ in VENDORS:
                process.get("/status", params={"target": name})  # so the index has their state
            yield process


def vendor_summary(title: str, indicator: str, components: dict[str, str]) -> bytes:
    built = [payloads.component(name, status, id=f"{name.lower()[:8]:0<12}") for name, status in components.items()]
    return json.dumps(payloads.summary(built, indicator=indicator, page={**payloads.PAGE, "name": title})).encode()


def test_the_index_lists_every_other_page_worst_first_with_its_worst_component_in_scope(vendors_exporter, browser):
    watched = Watched(browser, viewport={"width": 800, "height": 900})
    try:
        assert watched.page.goto(vendors_exporter.base_url + "/").status == 200
        page = watched.page
        assert page.locator("h1").inner_text() == "GitHub"
        # Copilot (major outage) is outside the default page's scope; the indicator stays GitHub's own.
        assert page.locator(".banner .state").inner_text() == "Major system outage"
        assert [_name_of(row) for row in page.locator("main > ul.rows").first.locator("li").all()] == [
            "Actions",
            "Git Operations",
        ]
        index = page.locator("h2", has_text="Other pages").locator("xpath=following-sibling::ul[1]/li")
        assert [" ".join(row.inner_text().split()) for row in index.all()] == [
            "stripe No data",
            "Cloudflare Partial system outage · components: Partial outage",
            "OpenAI Minor service outage · components: Degraded performance",
            "Discord Service under maintenance · components: Under maintenance",
            "Slack All systems operational · components: Operational",
            "Atlassian All systems operational · components: Operational",
        ]
        assert watched.errors == []
        watched.screenshot("vendors-status-page.png")
    finally:
        watched.close()


def _name_of(row) -> str:
    return row.locator(".name").inner_text()
