"""The docs keep up with the code: every flag, metric, engine and route is documented, and every
relative link and #anchor in the README and docs/ points somewhere.

The lists come from the code, never from this file: the flags from `--help`, the engines from
`exporter.engines.ENGINES`, the metrics from real expositions (the real exporter, with TLS, basic
auth and a page file of every engine's sample page, scraped on /metrics and /probe), the routes
from the string literals of the exporter's sources that the running exporter answers with
anything but 404. Adding a flag, metric, engine or route without documenting it fails here.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

import exporter
from exporter.engines import ENGINES
from tests import engine_samples
from tests.fakepage import FakeStatuspage
from tests.integration.exporter_process import ExporterProcess
from tests.webcerts import bcrypt_hash, make_pki, tls_section, write_web_config

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
README = REPO / "README.md"
#: The client library's standard series, documented as a group (`process_*`, `python_info`).
STANDARD_PREFIXES = ("process_", "python_")


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def markdown_files() -> list[Path]:
    return [README, REPO / "CHANGELOG.md", *sorted(DOCS.glob("*.md"))]


def without_code(text: str) -> str:
    """The text outside fenced code blocks and inline code spans (where links are not links)."""
    prose = re.sub(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", "", text, flags=re.MULTILINE | re.DOTALL)
    return re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", prose, flags=re.DOTALL)


def headings(text: str) -> list[str]:
    prose = re.sub(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", "", text, flags=re.MULTILINE | re.DOTALL)
    return [match.group(1) for match in re.finditer(r"^#{1,6}\s+(.+?)\s*#*\s*$", prose, flags=re.MULTILINE)]


def github_anchor(heading: str) -> str:
    """GitHub's id for a heading: the text without markup, lower-cased, punctuation dropped, spaces to '-'."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links and images keep their text
    text = re.sub(r"<[^>]+>", "", text).replace("`", "").lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    result = set()
    for heading in headings(read(path)):
        anchor = github_anchor(heading)
        count = seen.get(anchor, 0)
        seen[anchor] = count + 1
        result.add(anchor if count == 0 else f"{anchor}-{count}")
    return result


def links(text: str) -> list[str]:
    prose = without_code(text)
    found = re.findall(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)", prose)
    found += re.findall(r"""<(?:img|a)\b[^>]*?\b(?:src|href)=["']([^"']+)["']""", prose)
    return found


def table_rows(text: str) -> list[list[str]]:
    """Every row of every Markdown table outside code, as its cells (the separator rows left out)."""
    rows = []
    for line in without_code_blocks(text).splitlines():
        if line.startswith("|") and not re.fullmatch(r"\|[\s:|-]*\|?", line.strip()):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def without_code_blocks(text: str) -> str:
    return re.sub(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", "", text, flags=re.MULTILINE | re.DOTALL)


def tables(text: str) -> list[list[list[str]]]:
    """The Markdown tables outside code, each a list of rows (header first)."""
    result: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in without_code_blocks(text).splitlines() + [""]:
        if line.startswith("|"):
            if not re.fullmatch(r"\|[\s:|-]*\|?", line.strip()):
                current.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif current:
            result.append(current)
            current = []
    return result


def section(text: str, title: str) -> str:
    """The text under the heading `title` up to the next heading of the same or a higher level."""
    match = re.search(rf"^(#+)\s+{re.escape(title)}\s*$", text, flags=re.MULTILINE)
    assert match, f"no heading {title!r}"
    level = len(match.group(1))
    end = re.search(rf"^#{{1,{level}}}\s", text[match.end() :], flags=re.MULTILINE)
    return text[match.end() : match.end() + end.start()] if end else text[match.end() :]


def backticked(text: str) -> set[str]:
    return set(re.findall(r"`([^`]+)`", text))


# -- the pieces of the checker, tested on their own ------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Reaching the page: proxies, NO_PROXY, CA bundles", "reaching-the-page-proxies-no_proxy-ca-bundles"),
        ("/probe: other status pages", "probe-other-status-pages"),
        ("Status API, page and badges", "status-api-page-and-badges"),
        ("The `--config.file` [page file](x.md)", "the---configfile-page-file"),
        ("With Docker", "with-docker"),
    ],
)
def test_github_anchor_follows_githubs_rules(heading, anchor):
    assert github_anchor(heading) == anchor


def test_repeated_headings_get_numbered_anchors(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Tests\n\n```sh\n# Not a heading\n```\n\n## Tests\n\n### Tests\n", encoding="utf-8")
    assert anchors(page) == {"tests", "tests-1", "tests-2"}


def test_links_in_code_are_not_links():
    text = '[a](a.md) `[b](b.md)` <img src="c.png">\n```md\n[d](d.md)\n```\n[e](e.md#x "title")\n'
    assert links(text) == ["a.md", "e.md#x", "c.png"]


# -- the docs against the code ------------------------------------------------------------------------


def help_text() -> str:
    result = subprocess.run(
        [sys.executable, "-m", "exporter", "--help"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_every_flag_and_environment_variable_of_help_is_in_the_configuration_doc():
    text = help_text()
    flags = set(re.findall(r"(?<![\w.-])--[a-z][a-z0-9.-]*[a-z0-9]", text)) - {"--help"}
    variables = set(re.findall(r"\benv ([A-Z][A-Z0-9_]*)", text))
    assert flags and variables, text
    doc = read(DOCS / "configuration.md")
    missing = sorted(
        name for name in flags | variables if not re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w-])", doc)
    )
    assert missing == [], f"document these in docs/configuration.md: {missing}"


def test_every_engine_has_its_row_in_every_engine_table_of_the_engines_doc():
    engine_tables = [table for table in tables(read(DOCS / "engines.md")) if table[0][0] == "engine"]
    assert engine_tables, "docs/engines.md has no table whose first column is 'engine'"
    missing = sorted(
        (engine, index)
        for index, table in enumerate(engine_tables)
        for engine in ENGINES
        if f"`{engine}`" not in [row[0] for row in table[1:]]
    )
    assert missing == [], f"engines without a row in docs/engines.md's tables (engine, table index): {missing}"


@pytest.mark.parametrize("path", markdown_files(), ids=lambda path: str(path.relative_to(REPO)))
def test_every_relative_link_and_anchor_points_somewhere(path):
    broken = []
    for target in links(read(path)):
        if re.match(r"[a-z][a-z0-9+.-]*:", target, flags=re.IGNORECASE):
            continue  # https:, mailto:: not ours to check offline
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target} (no such heading)")
    assert broken == []


# -- what the real exporter exposes and serves -----------------------------------------------------------


@pytest.fixture(scope="module")
def running_exporter(tmp_path_factory):
    """The exporter with TLS, basic auth, lifecycle and a page of every engine, after one reload."""
    directory = tmp_path_factory.mktemp("docs")
    pki = make_pki(directory / "pki")
    web_config = write_web_config(
        directory / "web.yml",
        {"tls_server_config": tls_section(pki), "basic_auth_users": {"docs": bcrypt_hash("docs-password")}},
    )
    fakes = {}
    lines = ["pages:"]
    try:
        for name, engine in ENGINES.items():
            assert name in engine_samples.SAMPLES, f"add a sample page for engine {name!r} to tests/engine_samples.py"
            sample = engine_samples.SAMPLES[name]
            fake = fakes[name] = FakeStatuspage().start()
            url = fake.url + sample.url_path
            for endpoint, body in zip(engine.endpoints(url), sample.bodies(), strict=True):
                fake.set_document(urlsplit(endpoint).path, body.content)
            lines.append(f"  - {{name: {name}, url: '{url}', engine: {name}}}")
        pages = directory / "pages.yml"
        pages.write_text("\n".join(lines) + "\n", encoding="utf-8")
        default = fakes.get("statuspage") or FakeStatuspage().start()
        fakes.setdefault("statuspage", default)
        args = ["--statuspage.url", default.url, "--config.file", str(pages), "--web.config.file", str(web_config)]
        client = {"verify": str(pki.ca_file), "auth": ("docs", "docs-password")}
        with ExporterProcess([*args, "--web.enable-lifecycle"], scheme="https", client=client) as process:
            reload = requests.post(process.base_url + "/-/reload", timeout=15, **client)
            assert reload.status_code == 200, reload.text
            yield process
    finally:
        for fake in fakes.values():
            fake.stop()


def exposition_metrics(text: str) -> dict[str, tuple[str, frozenset[str]]]:
    """Sample name -> (type, label names) of one exposition."""
    result: dict[str, tuple[str, frozenset[str]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = frozenset(sample.labels)
            kind, known = result.get(sample.name, (family.type, frozenset()))
            result[sample.name] = (kind, known | labels)
    return result


@pytest.mark.integration
def test_every_metric_exposed_on_metrics_and_probe_is_in_the_metrics_doc_with_its_type_and_labels(
    running_exporter,
):
    expositions = {"/metrics": running_exporter.metrics()}
    for name in ENGINES:
        answer = running_exporter.get("/probe", params={"target": name})
        assert answer.status_code == 200, answer.text
        expositions[f"/probe?target={name}"] = answer.text
    exposed: dict[str, tuple[str, frozenset[str]]] = {}
    for where, text in expositions.items():
        metrics = exposition_metrics(text)
        assert metrics.get("statuspage_up", ("", frozenset()))[0] == "gauge", where
        assert re.search(r"^statuspage_up 1(\.0)?$", text, flags=re.MULTILINE), f"{where} did not read its page"
        for name, (kind, labels) in metrics.items():
            known_kind, known_labels = exposed.get(name, (kind, frozenset()))
            exposed[name] = (known_kind, known_labels | labels)
    documented = {
        row[0].strip("`"): (row[1], frozenset(backticked(row[2])))
        for row in table_rows(read(DOCS / "metrics.md"))
        if len(row) >= 4 and re.fullmatch(r"`[a-z_:][a-z0-9_:]*`", row[0])
    }
    problems = []
    for name, (kind, labels) in sorted(exposed.items()):
        if name.startswith(STANDARD_PREFIXES):
            continue
        if name not in documented:
            problems.append(f"{name}: missing")
        elif documented[name] != (kind, labels):
            problems.append(f"{name}: documented as {documented[name]}, exposed as {(kind, set(labels))}")
    assert problems == [], f"docs/metrics.md's table (| `name` | type | `labels` | meaning |): {problems}"


def source_paths() -> set[str]:
    """Every string literal of the exporter's sources that looks like a URL path."""
    paths = set()
    for source in Path(exporter.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if re.fullmatch(r"/[A-Za-z0-9_.\-/]*", node.value):
                    paths.add(node.value)
    return paths


@pytest.mark.integration
def test_every_route_is_in_the_api_doc_and_the_readme_endpoint_table(running_exporter):
    routes = sorted(path for path in source_paths() if running_exporter.get(path).status_code != 404)
    assert {"/metrics", "/probe"} <= set(routes), routes  # the discovery itself works
    api = read(DOCS / "api.md")
    endpoint_table = "\n".join(line for line in section(read(README), "Endpoints").splitlines() if line.startswith("|"))

    def mentioned(route: str, text: str) -> bool:
        return re.search(rf"`{re.escape(route)}[`?]", text) is not None

    missing = [f"{route} (docs/api.md)" for route in routes if not mentioned(route, api)]
    missing += [f"{route} (README.md's endpoint table)" for route in routes if not mentioned(route, endpoint_table)]
    assert missing == []
