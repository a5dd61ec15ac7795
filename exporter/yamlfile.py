"""Reading our YAML files (`--config.file`, `--web.config.file`) strictly, with one-line errors.

A mapping with the same key twice, or with a list or mapping as a key, is an error (PyYAML would
keep the last value silently); so are files that cannot be read, are not UTF-8, or nest too deeply.
Merge keys (`<<: *base`, `<<: [*a, *b]`) work as in Go's YAML (and so in Prometheus and the
exporter-toolkit): a mapping's own keys override merged ones, the first merged mapping wins over
later ones; only a key written twice in the same mapping is a duplicate.
"""

from __future__ import annotations

from typing import Any, Hashable

import yaml


class YAMLFileError(ValueError):
    """The file cannot be read as YAML; the message is one line, prefixed with the path."""


_MERGE_TAG = "tag:yaml.org,2002:merge"


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a mapping with the same key twice, or with an unhashable key."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            # SafeLoader's flatten_mapping merges `<<` (whose keys the mapping's own may override).
            key = "<<" if key_node.tag == _MERGE_TAG else self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                raise yaml.constructor.ConstructorError(
                    None, None, "a key that is a list or a mapping", key_node.start_mark
                )
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


def read(path: str) -> Any:
    """The decoded document of the file at `path`; raises YAMLFileError."""
    try:
        with open(path, encoding="utf-8") as stream:
            return yaml.load(stream, Loader=_StrictLoader)
    except OSError as err:
        raise YAMLFileError(f"{path}: cannot read: {err.strerror or err}") from None
    except yaml.YAMLError as err:
        raise YAMLFileError(f"{path}: invalid YAML: {' '.join(str(err).split())}") from None
    except UnicodeDecodeError as err:
        raise YAMLFileError(f"{path}: not UTF-8 text: {err}") from None
    except RecursionError:
        raise YAMLFileError(f"{path}: invalid YAML: nested too deeply") from None


def kind(value: Any) -> str:
    """What a decoded value is, in the words of an error message ("a mapping", "nothing")."""
    return {type(None): "nothing", dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )
