"""Packaging: everything the exporter imports is a declared, pinned runtime dependency."""

from __future__ import annotations

import ast
import configparser
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported_top_level_modules() -> set[str]:
    modules = set()
    for path in (REPO / "exporter").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return modules - set(sys.stdlib_module_names) - {"exporter"}


def _declared() -> set[str]:
    setup = configparser.ConfigParser()
    setup.read(REPO / "setup.cfg")
    lines = setup["options"]["install_requires"].strip().splitlines()
    return {_canonical(re.split(r"[<>=!~;\s\[]", line.strip(), maxsplit=1)[0]) for line in lines if line.strip()}


def _pinned(lock: str) -> set[str]:
    text = (REPO / lock).read_text(encoding="utf-8")
    return {_canonical(m) for m in re.findall(r"^([A-Za-z0-9_.-]+)==", text, flags=re.MULTILINE)}


def test_every_third_party_import_is_a_declared_dependency():
    distributions = packages_distributions()
    needed = {_canonical(distributions[module][0]) for module in _imported_top_level_modules()}
    assert needed - _declared() == set()


def test_every_declared_dependency_is_pinned_in_both_lock_files():
    assert _declared() - _pinned("requirements.lock") == set()
    assert _declared() - _pinned("requirements-dev.lock") == set()


def test_every_data_file_of_the_package_is_declared_package_data():
    setup = configparser.ConfigParser()
    setup.read(REPO / "setup.cfg")
    patterns = setup["options.package_data"]["exporter"].split()
    data = [p.relative_to(REPO / "exporter") for p in (REPO / "exporter").rglob("*") if p.is_file()]
    data = [p for p in data if p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts]
    assert data and all(any(p.match(pattern) for pattern in patterns) for p in data), data
