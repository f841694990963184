"""Many terminals, one warehouse: two installed apps in tmux share one PostgreSQL database.

Terminal HH-1 moves a unit; terminal HH-2 looks it up and sees it where HH-1 put it. Both
journals land in the one store, and ``scanner-tui verify`` agrees afterwards.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.tmux_driver import Floor, app_driver, cli, have_tmux, history, journal

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


def terminal_config(folder: Path, url: str, terminal: str) -> Path:
    cfg = folder / f"{terminal}.toml"
    cfg.write_text(f'[database]\nurl = "{url}"\n\n[terminal]\nid = "{terminal}"\n',
                   encoding="utf-8")
    return cfg


def test_two_terminals_share_one_postgres_store(pg_url: str, tmp_path: Path):
    if not have_tmux():
        pytest.skip("tmux is not installed (scripts/test.sh installs it)")
    first = terminal_config(tmp_path, pg_url, "HH-1")
    second = terminal_config(tmp_path, pg_url, "HH-2")
    cli(first, "demo")
    drivers = [app_driver(cfg, tmp_path) for cfg in (first, second)]
    try:
        for driver in drivers:
            driver.start()
        for driver in drivers:
            driver.wait_for("Scan your badge", timeout=60)
        mover, looker = (Floor(d) for d in drivers)
        mover.scan("OP-0001", "Sign out")
        looker.scan("OP-0003", "Sign out")
        mover.scan("CMD:MOVE", "Scan a unit or a bin")
        looker.scan("CMD:LOOKUP", "Scan anything to look it up")
        mover.scan("AT00000002", "basket")
        mover.scan("A03-A-01", "AT00000002 (LAPTOP-14) is now in")
        looker.scan("AT00000002", "A03-A-01")
        for driver in drivers:
            driver.send_keys("C-q")
            assert driver.wait_exit(), "the app did not quit:\n" + driver.capture()
    finally:
        for driver in drivers:
            driver.stop()
    done = cli(first, "verify", check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = journal(second)
    assert {r["terminal"] for r in rows} == {"HH-1", "HH-2"}
    assert [r["payload"].strip() for r in rows if r["terminal"] == "HH-1"] == [
        "OP-0001", "CMD:MOVE", "AT00000002", "A03-A-01"]
    unit = history(first, "AT00000002")
    assert "A03-A-01" in json.dumps(unit) and "HH-1" in json.dumps(unit)
