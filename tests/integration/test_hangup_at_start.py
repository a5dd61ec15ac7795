"""SIGHUP while the exporter starts: held, then one reload, never the default action (exit).

Regression: the reload handler was installed only after imports and wiring, so a SIGHUP in the
first 0.5-0.8 s (a config-management run, `systemctl reload` right after start) killed the process.
Each driver below sends the SIGHUP itself at a precise moment, so the test does not race the start.
"""

from __future__ import annotations

import pytest

from tests.fakepage import FakeStatuspage
from tests.integration.exporter_process import ExporterProcess

CONSOLE_SCRIPT = """
from importlib.metadata import entry_points
(script,) = entry_points(group="console_scripts", name="github-status-exporter")
start = script.load()
"""
PYTHON_M = """
from exporter.__main__ import main as start
"""
WHILE_IMPORTING = """
import os, signal, sys

class HangUpOnImport:
    '''Sends SIGHUP to this process when the web server's library is first imported.'''

    def find_spec(self, name, path=None, target=None):
        if name == "aiohttp":
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGHUP)
        return None

sys.meta_path.insert(0, HangUpOnImport())
"""
WHILE_WIRING = """
import os, signal, sys
import exporter.__main__ as entry

wire = entry.build_app

def build_app(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGHUP)
    return wire(*args, **kwargs)

entry.build_app = build_app
"""
START = "\nimport sys\nstart(sys.argv[1:])\n"


@pytest.mark.parametrize(
    "driver",
    [
        pytest.param(WHILE_IMPORTING + CONSOLE_SCRIPT + START, id="console-script-while-importing"),
        pytest.param(WHILE_WIRING + CONSOLE_SCRIPT + START, id="console-script-while-wiring"),
        pytest.param(WHILE_WIRING + PYTHON_M + START, id="python-m-while-wiring"),
    ],
)
def test_a_sighup_while_starting_is_held_then_reloads_once(driver):
    with FakeStatuspage() as page, ExporterProcess(["--statuspage.url", page.url], program=("-c", driver)) as exporter:
        assert exporter.returncode is None
        assert exporter.get("/-/healthy").status_code == 200
        messages = [line["msg"] for line in exporter.log_lines()]
        assert messages.count("reloading for a SIGHUP received while starting") == 1
        assert messages.count("config reloaded") == 1
        assert exporter.stop() == 0
