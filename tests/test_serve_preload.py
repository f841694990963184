"""What a forked terminal session costs depends on what the fork server loaded first: a module
a session imports after the fork, or a lazy set-up it does (SQLAlchemy configuring its
mappers on the first query), is the session's own memory, fifty times over. In a fresh
interpreter: the fork server's imports (``launch.PRELOAD``), then what every forked child
runs (multiprocessing's re-run of the ``scanner-tui`` script, the child's start, a sign-in
and a Look-up, headless) must import nothing new and configure no mapper."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.tmux_driver import BIN

CHILD = r"""
import asyncio, importlib, json, runpy, sys
from sqlmodel import SQLModel
from scanner_tui.serve.launch import PRELOAD
for name in PRELOAD:  # what the fork server imports
    importlib.import_module(name)
from scanner_tui.config import Config, DatabaseConfig, TerminalConfig
from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.demo import build_demo
from tests.test_ui_support import press, scan

unconfigured = [m.class_.__name__ for m in SQLModel._sa_registry.mappers if not m.configured]
url = sys.argv[2]
build_demo(open_store(url))
before = set(sys.modules)
runpy.run_path(sys.argv[1], run_name="__mp_main__")  # multiprocessing, in every child
from scanner_tui.serve.child import main  # noqa: E402,F401  (what the child runs)
from scanner_tui.serve.kept_app import KeptApp

async def session():
    config = Config(database=DatabaseConfig(url=url), terminal=TerminalConfig(id="T1"))
    engine = open_store(url, upgrade=False)
    app = KeptApp(config, engine, resume_minutes=15)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001")
        await press(app, pilot, "5")
        await scan(app, pilot, "A01-A-01", "AT00000001")
    engine.dispose()

asyncio.run(session())
print(json.dumps({"unconfigured": unconfigured,
                  "imported": sorted(set(sys.modules) - before)}))
"""


def test_a_forked_session_finds_everything_loaded(tmp_path: Path):
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(BIN), f"sqlite:///{tmp_path / 'store.db'}"],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).parent.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.splitlines()[-1])
    assert found == {"unconfigured": [], "imported": []}
