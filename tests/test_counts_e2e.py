"""End to end on the demo warehouse: a supervisor plans a count at the desk (CLI), a picker
counts it on the installed ``scanner-tui run`` in tmux at 40x16 (scanner-speed scans, a
quantity typed by hand), the supervisor signs in on the same terminal and approves it;
``scanner-tui verify`` is green and the count is approved."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.tmux_driver import TmuxDriver, have_tmux

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent / "scanner-tui"


def cli(cfg: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN), *args, "--config", str(cfg)], capture_output=True,
                          text=True, timeout=120)


def test_plan_count_approve_in_tmux(tmp_path: Path):
    if not have_tmux():
        pytest.skip("tmux is not installed (scripts/test.sh installs it)")
    if not BIN.exists():
        pytest.skip(f"{BIN} is not installed")
    cfg = tmp_path / "scanner-tui.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "store.db"}"\n\n'
                   '[terminal]\nid = "E2E-C"\n\n[scanner]\nburst_gap_ms = 50\n',
                   encoding="utf-8")
    assert cli(cfg, "demo").returncode == 0
    planned = cli(cfg, "counts", "plan", "--badge", "OP-0003", "--bin", "A01-A-02",
                  "--bin", "A02-A-03")
    assert planned.stdout.startswith("CC-00001: 2 bins to count"), planned.stderr

    d = TmuxDriver([str(BIN), "run", "--config", str(cfg)], width=40, height=16,
                   env={"TEXTUAL_ANIMATIONS": "none"}, cwd=str(tmp_path))

    def typed(text: str) -> None:  # a person at the keys: slower than the burst gap
        for ch in text:
            d.send_text(ch)
            time.sleep(0.15)
        time.sleep(0.15)
        d.send_keys("Enter")

    d.start()
    try:
        d.wait_for("Scan your badge", timeout=60)
        d.send_text("OP-0001\r")
        d.wait_for("Ana Picker")
        d.send_text("CMD:COUNT\r")
        d.wait_for("Scan a bin to count")
        d.send_text("A01-A-02\r")
        d.wait_for("Scan units, products in")
        screen = d.capture()
        assert "MUG-01" not in screen  # blind: the books are not shown
        d.send_text("MUG-01\r")
        d.wait_for("How many MUG-01 in A01-A-02? (1)")
        typed("20")
        d.wait_for("20 of MUG-01 counted")
        d.send_text("CMD:DONE\r")
        d.wait_for("A01-A-02 counted (1 line)")
        d.send_text("A02-A-03\r")
        d.send_text("AT00000006\r")
        d.send_text("AT00000007\r")  # the books have it in A02-A-04: blind, not said yet
        d.wait_for("AT00000007 counted (2 units")
        d.send_text("CMD:DONE\r")
        d.wait_for("fully counted")
        d.send_keys("Escape")
        d.wait_for("or scan a card")
        d.send_text("CMD:LOGOUT\r")
        d.wait_for("Scan your badge")

        d.send_text("OP-0003\r")
        d.wait_for("Approve counts")
        d.send_text("CMD:COUNTS\r")
        d.wait_for("CC-00001  counted")
        typed("1")
        screen = d.wait_for("CMD:YES approves; scan bin to recount")
        lines = screen.splitlines()
        assert any("MUG-01" in ln and ln.split()[-3:] == ["22", "20", "-2"] for ln in lines), \
            screen  # every column fits 40 columns
        assert "+AT00000007" in screen
        d.send_text("CMD:YES\r")
        d.wait_for("CC-00001 approved")
        d.send_keys("C-q")
        assert d.wait_exit(), "the app did not quit on Ctrl+Q:\n" + d.capture()
    finally:
        d.stop()

    verified = cli(cfg, "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    listed = cli(cfg, "counts", "list", "--all")
    assert "CC-00001  approved  2/2 bins" in listed.stdout
    assert "approved by OP-0003" in listed.stdout
