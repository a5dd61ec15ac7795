"""Where the program starts (the console script `github-status-exporter`): SIGHUP is held from its first line.

A SIGHUP's default action ends the process, and the reload handler is in place only once the
exporter is wired: half a second and more after start, most of it importing. So the first thing
the program does is install a handler that only remembers a SIGHUP; the exporter's modules are
imported after it, and `serve` replays a remembered SIGHUP as one reload once its own handler is
in place. Nothing here imports more than the standard library.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Sequence


class HeldHangups:
    """A SIGHUP handler that counts, for the time before the reload handler is in place."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, signum: int, frame: object) -> None:
        self.count += 1

    @classmethod
    def hold(cls) -> HeldHangups:
        """Install a new holder as the SIGHUP handler (main thread only) and return it."""
        held = cls()
        signal.signal(signal.SIGHUP, held)
        return held


def main(argv: Sequence[str] | None = None) -> None:
    """Console script entry point."""
    held = HeldHangups.hold()
    from exporter.__main__ import run  # only now: a SIGHUP while importing is held, not fatal

    sys.exit(run(sys.argv[1:] if argv is None else argv, os.environ, held))
