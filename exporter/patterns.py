"""Regular expressions matched against text an upstream chooses (component names): RE2, linear time.

Python's `re` backtracks: `^(a+)+$` against a 25-character name an upstream picks takes over a
second, doubling with each character, and it holds the GIL throughout, so no thread or timeout
can keep it off the event loop. RE2 (google-re2) matches in time linear in the name, whatever the
pattern; names are at most `model.MAX_TEXT_LENGTH` characters. RE2 has no backreferences (`\\1`)
and no lookaround (`(?=`, `(?!`, `(?<=`): such a pattern is refused with a one-line error.
"""

from __future__ import annotations

import re
from typing import Protocol

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 would also write its own error lines to stderr


class NamePattern(Protocol):
    """A compiled pattern: what `model.visible_components` uses."""

    pattern: str

    def search(self, text: str) -> object | None: ...


def compile_pattern(text: str) -> NamePattern:
    """The pattern compiled by RE2; ValueError with a one-line message if it cannot be."""
    try:
        return re2.compile(text, _OPTIONS)
    except re2.error as err:
        reason = err.args[0].decode("utf-8", "replace") if err.args and isinstance(err.args[0], bytes) else str(err)
    try:
        re.compile(text)
    except re.error as err:  # wrong in any syntax: say it as Python does
        raise ValueError(f"invalid regular expression {text!r}: {err}") from None
    raise ValueError(
        f"invalid regular expression {text!r}: not supported by RE2, the linear-time engine names are "
        f"matched with (no backreferences or lookaround): {reason}"
    )
