"""The package's shape: concerns in folders, at most 15 modules at the top, and no import upward.

Data flows one way (request -> cache -> fetch -> engine -> model -> render -> bytes), so an engine
imports neither fetching nor rendering nor web code, fetching imports no renderer, and a renderer
imports no fetching code. Every import is checked, those inside functions included.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "exporter"
#: Folder -> the exporter packages its modules may not import.
FORBIDDEN = {
    "engines": ("exporter.fetch", "exporter.render", "exporter.web", "exporter.targets", "exporter.reload"),
    "fetch": ("exporter.render", "exporter.web", "exporter.targets", "exporter.reload"),
    "render": ("exporter.fetch", "exporter.web", "exporter.reload"),
}
#: Modules at the top that everything may import: they may import no folder but the engines' data.
FOUNDATIONS = ("model", "vocabulary", "errors", "log", "urls", "patterns", "yamlfile")


def imports(path: Path) -> set[str]:
    """Every module `path` imports (absolute names; `from x import y` counts as x and x.y)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def offending(path: Path, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(name for name in imports(path) if any(name == f or name.startswith(f + ".") for f in forbidden))


def test_at_most_15_modules_sit_directly_in_the_package():
    modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(modules) <= 15, modules


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_no_import_runs_upward(folder):
    found = {
        str(path.relative_to(PACKAGE)): offending(path, FORBIDDEN[folder])
        for path in sorted((PACKAGE / folder).glob("*.py"))
    }
    assert {name: bad for name, bad in found.items() if bad} == {}


@pytest.mark.parametrize("name", FOUNDATIONS)
def test_the_foundations_import_no_folder(name):
    assert offending(PACKAGE / f"{name}.py", ("exporter.fetch", "exporter.render", "exporter.web")) == []


def test_the_checker_sees_imports_inside_functions(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from exporter.fetch import cache\n")
    assert offending(module, ("exporter.fetch",)) == ["exporter.fetch", "exporter.fetch.cache"]
