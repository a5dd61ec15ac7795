"""The chart README's table of values, generated from the `# --` comments of values.yaml.

    python deploy/tools/chart_readme.py            # rewrite the table in the chart's README.md
    python deploy/tools/chart_readme.py --check    # exit 1 (one line) when README.md is out of date

A `# -- text` comment, continued by the `# text` lines right under it, documents the key that
follows; its default is that key's value in values.yaml. Keys without such a comment are not listed
(their parent is). The table sits between the markers `<!-- values:start -->` and `<!-- values:end -->`.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

CHART = Path(__file__).resolve().parents[1] / "helm" / "github-status-exporter"
START, END = "<!-- values:start -->", "<!-- values:end -->"
_KEY = re.compile(r"^(\s*)([A-Za-z0-9_.-]+):")
_DOC_START = re.compile(r"^\s*# -- (.*)$")
_DOC_MORE = re.compile(r"^\s*# (.*)$")


def documented_keys(text: str) -> list[tuple[str, str]]:
    """(dotted key, description) in file order."""
    keys: list[tuple[str, str]] = []
    stack: list[tuple[int, str]] = []
    doc: list[str] | None = None
    for line in text.splitlines():
        if match := _DOC_START.match(line):
            doc = [match.group(1)]
            continue
        if doc is not None and (match := _DOC_MORE.match(line)):
            doc.append(match.group(1))
            continue
        match = _KEY.match(line)
        if match is None:
            if line.strip() and not line.lstrip().startswith("#"):
                doc = None
            continue
        indent = len(match.group(1))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, match.group(2)))
        if doc is not None:
            keys.append((".".join(name for _, name in stack), " ".join(doc)))
            doc = None
    return keys


def _default(values: dict, dotted: str) -> str:
    value = values
    for part in dotted.split("."):
        value = value[part]
    return "`" + json.dumps(value, separators=(",", ":")).replace("|", "\\|") + "`"


def table(values_text: str) -> str:
    values = yaml.safe_load(values_text)
    rows = ["| key | default | description |", "|---|---|---|"]
    for key, description in documented_keys(values_text):
        cell = description.replace("|", "\\|")
        rows.append(f"| `{key}` | {_default(values, key)} | {cell} |")
    return "\n".join(rows)


def render(readme: str, values_text: str) -> str:
    head, _, rest = readme.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{table(values_text)}\n{END}{tail}"


def main(argv: list[str]) -> int:
    readme_path, values_path = CHART / "README.md", CHART / "values.yaml"
    readme, values_text = readme_path.read_text(encoding="utf-8"), values_path.read_text(encoding="utf-8")
    if START not in readme or END not in readme:
        print(f"{readme_path}: missing the markers {START} and {END}", file=sys.stderr)
        return 2
    wanted = render(readme, values_text)
    if argv[1:] == ["--check"]:
        if wanted != readme:
            print(f"{readme_path} is out of date with values.yaml: run {sys.argv[0]}", file=sys.stderr)
            return 1
        return 0
    readme_path.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
