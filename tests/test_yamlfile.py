"""yamlfile: strict YAML for both files; merge keys as Go's YAML reads them, duplicates still refused."""

from __future__ import annotations

import pytest

from exporter import yamlfile
from exporter.config import load
from exporter.pagefile import load_pages
from exporter.web.config import load as load_web_config
from tests.webcerts import bcrypt_hash


def read(tmp_path, text: str):
    path = tmp_path / "file.yml"
    path.write_text(text, encoding="utf-8")
    return yamlfile.read(str(path))


@pytest.mark.parametrize(
    ("text", "document"),
    [
        ("a: &a {x: 1, y: 2}\nb:\n  <<: *a\n", {"a": {"x": 1, "y": 2}, "b": {"x": 1, "y": 2}}),
        ("a: &a {x: 1, y: 2}\nb:\n  <<: *a\n  y: 3\n", {"a": {"x": 1, "y": 2}, "b": {"x": 1, "y": 3}}),
        (
            "a: &a {x: 1}\nc: &c {x: 2, z: 3}\nb:\n  <<: [*a, *c]\n",
            {"a": {"x": 1}, "c": {"x": 2, "z": 3}, "b": {"x": 1, "z": 3}},
        ),
        ("b:\n  y: 3\n  <<: {y: 1, z: 2}\n", {"b": {"y": 3, "z": 2}}),
    ],
)
def test_merge_keys_merge_as_in_go_yaml(tmp_path, text, document):
    """Regression: `<<: *base` was refused with PyYAML's "could not determine a constructor" message."""
    assert read(tmp_path, text) == document


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "a: &a {x: 1}\nb:\n  <<: *a\n  y: 1\n  y: 2\n",
            "invalid YAML: duplicate key 'y' in \"<file>\", line 5, column 3",
        ),
        ("a: &a {x: 1}\nb:\n  <<: *a\n  <<: *a\n", "invalid YAML: duplicate key '<<' in \"<file>\", line 4, column 3"),
        ("a: &a {x: 1, x: 2}\nb:\n  <<: *a\n", "invalid YAML: duplicate key 'x' in \"<file>\", line 1, column 14"),
    ],
)
def test_a_key_written_twice_in_one_mapping_is_still_refused_with_merge_keys(tmp_path, text, message):
    with pytest.raises(yamlfile.YAMLFileError) as caught:
        read(tmp_path, text)
    path = str(tmp_path / "file.yml")
    assert str(caught.value).replace(path, "<file>") == f"<file>: {message}"


def test_a_page_file_can_share_settings_through_a_merge_key(tmp_path):
    path = tmp_path / "pages.yml"
    path.write_text(
        "pages:\n"
        "  - &defaults\n    name: a\n    url: https://a.example\n    cache_ttl: 2m\n    engine: incidentio\n"
        "  - <<: *defaults\n    name: b\n    url: https://b.example\n",
        encoding="utf-8",
    )
    pages = load_pages(str(path), load([], {}))
    assert [(p.name, p.url, p.cache_ttl, p.engine) for p in pages] == [
        ("a", "https://a.example", 120.0, "incidentio"),
        ("b", "https://b.example", 120.0, "incidentio"),
    ]


def test_a_web_config_that_works_for_node_exporter_with_merge_keys_works_here(tmp_path):
    hashed = bcrypt_hash("secret")
    path = tmp_path / "web.yml"
    path.write_text(
        f"basic_auth_users:\n  <<: &people\n    alice: '{hashed}'\n  bob: '{hashed}'\n"
        "http_server_config:\n  headers:\n    <<: {X-Frame-Options: deny}\n",
        encoding="utf-8",
    )
    config = load_web_config(str(path))
    assert sorted(config.users) == ["alice", "bob"]
    assert config.headers == (("X-Frame-Options", "deny"),)
