"""Issue 11 item 2 end to end: the installed app in tmux at 40x16 receives a terminal escape
sequence as one burst (``send-keys -l``) on a pick quantity prompt and on the menu. It is one
scan, journaled and refused; no key of it acts (no CMD:SKIP, no Look-up), nothing is glued
onto the next scan."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.test_e2e_workflows import floor, store, template  # noqa: F401  (the fixtures)
from tests.tmux_driver import Floor, journal

pytestmark = pytest.mark.e2e


def wait_rows(cfg: Path, n: int, timeout: float = 15.0) -> list[dict]:
    end = time.monotonic() + timeout
    rows = journal(cfg)
    while len(rows) < n and time.monotonic() < end:
        time.sleep(0.2)
        rows = journal(cfg)
    return rows


def test_escape_bursts_are_one_refused_scan_each(floor: Floor, store: Path):  # noqa: F811
    cfg = store
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
    floor.scan("A01-A-01", "Take 1 of CABLE-TIE-100")
    floor.scan("CABLE-TIE-100", "How many")
    before = len(journal(cfg))
    floor.driver.send_text("\x1b]0;dy\x07\r")  # y/d were DONE; k of the other was SKIP
    rows = wait_rows(cfg, before + 1)
    assert [r["payload"] for r in rows[before:]] == ["]0;dy\x07\r"], rows[before:]
    assert "How many" in floor.driver.wait_for("How many")
    floor.scan("A01-B-03", "How many")  # refused while the question stands, not glued
    payloads = [r["payload"] for r in journal(cfg)]
    assert payloads[-1] == "A01-B-03\r" and "CMD:SKIP" not in payloads
