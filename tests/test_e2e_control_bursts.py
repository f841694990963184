"""Issue 11 item 2 end to end: the installed app in tmux at 40x16 receives a terminal escape
sequence as one burst (``send-keys -l``) on a pick quantity prompt and on the menu. It is one
scan, journaled and refused; no key of it acts (no CMD:SKIP, no Look-up), nothing is glued
onto the next scan."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.tmux_driver import BIN, Floor, app_driver, cli, have_tmux, journal

pytestmark = pytest.mark.e2e


@pytest.fixture
def floor(tmp_path: Path):
    if not have_tmux():
        pytest.skip("tmux is not installed (scripts/test.sh installs it)")
    if not BIN.exists():
        pytest.skip(f"{BIN} is not installed")
    cfg = tmp_path / "scanner-tui.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "store.db"}"\n\n'
                   '[terminal]\nid = "HH-E2E"\n', encoding="utf-8")
    cli(cfg, "demo")
    driver = app_driver(cfg, tmp_path)
    driver.start()
    try:
        driver.wait_for("Scan your badge", timeout=60)
        yield Floor(driver), cfg
        driver.send_keys("C-q")
        assert driver.wait_exit(), "the app did not quit on Ctrl+Q:\n" + driver.capture()
    finally:
        driver.stop()
    done = cli(cfg, "verify", check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def wait_rows(cfg: Path, n: int, timeout: float = 15.0) -> list[dict]:
    end = time.monotonic() + timeout
    rows = journal(cfg)
    while len(rows) < n and time.monotonic() < end:
        time.sleep(0.2)
        rows = journal(cfg)
    return rows


def test_escape_bursts_are_one_refused_scan_each(floor):
    floor, cfg = floor
    floor.scan("OP-0001", "Sign out")
    before = len(journal(cfg))
    floor.driver.send_text("\x1b]52;c;aGk=\x07")  # on the menu, no suffix: 5 = Look-up
    rows = wait_rows(cfg, before + 1)
    assert [r["payload"] for r in rows[before:]] == ["]52;c;aGk=\x07"], rows[before:]
    assert rows[-1]["accepted"] is False
    screen = floor.screen()
    assert "Look-up" in screen and "Sign out" in screen  # still the menu, not Look-up
    floor.scan("CMD:PICK", "Scan or type an order")
    floor.keys(["1"], "Scan bin A01-A-01")
    floor.scan("A01-A-01", "Scan CABLE-TIE-100")
    floor.scan("CABLE-TIE-100", "How many")
    before = len(journal(cfg))
    floor.driver.send_text("\x1b]0;dy\x07\r")  # y/d were DONE; k of the other was SKIP
    rows = wait_rows(cfg, before + 1)
    assert [r["payload"] for r in rows[before:]] == ["]0;dy\x07\r"], rows[before:]
    assert "How many" in floor.driver.wait_for("How many")
    floor.scan("A01-B-03", "How many")  # refused while the question stands, not glued
    payloads = [r["payload"] for r in journal(cfg)]
    assert payloads[-1] == "A01-B-03\r" and "CMD:SKIP" not in payloads
