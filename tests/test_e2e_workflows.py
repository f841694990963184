"""End to end, one test per workflow: the INSTALLED ``scanner-tui run`` in tmux at 40x16 on
a demo store (``scanner-tui demo``), scans sent by ``send-keys`` at scanner speed, keys at
human speed, the screen read with ``capture-pane``; afterwards ``scanner-tui verify`` exits
0 and the journal / ``history`` show what changed.

The demo store is built once per module and copied for each test (a few ms)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tmux_driver import BIN, Floor, app_driver, cli, have_tmux, history, journal

pytestmark = pytest.mark.e2e


def write_config(folder: Path) -> Path:
    cfg = folder / "scanner-tui.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{folder / "store.db"}"\n\n'
                   '[terminal]\nid = "HH-E2E"\n', encoding="utf-8")
    return cfg


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    if not have_tmux():
        pytest.skip("tmux is not installed (scripts/test.sh installs it)")
    if not BIN.exists():
        pytest.skip(f"{BIN} is not installed")
    folder = tmp_path_factory.mktemp("demo-template")
    cli(write_config(folder), "demo")
    return folder / "store.db"


@pytest.fixture
def store(template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the demo store; the config that points at it."""
    for suffix in ("", "-wal", "-shm"):
        src = Path(str(template) + suffix)
        if src.exists():
            shutil.copy(src, tmp_path / ("store.db" + suffix))
    return write_config(tmp_path)


@pytest.fixture
def floor(store: Path, tmp_path: Path) -> Iterator[Floor]:
    driver = app_driver(store, tmp_path)
    driver.start()
    try:
        driver.wait_for("Scan your badge", timeout=60)
        yield Floor(driver)
        driver.send_keys("C-q")
        assert driver.wait_exit(), "the app did not quit on Ctrl+Q:\n" + driver.capture()
    finally:
        driver.stop()
    done = cli(store, "verify", check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_pick_an_order_and_sign_out(floor: Floor, store: Path):
    floor.scan("OP-0001", "Sign out")
    floor.scan("CMD:PICK", "Scan or type an order")
    floor.keys(["1"], "Scan bin A01-A-01")  # SO-1001, first in the list
    floor.scan("A01-A-01", "Take 1 of CABLE-TIE-100")
    floor.scan("CABLE-TIE-100", "How many")
    floor.keys(["Enter"], "Scan bin A01-B-03")
    floor.scan("A01-B-03", "Scan LAPTOP-14 unit")
    screen = floor.scan("AT00000003", "A01-B-04")  # the unit from the wrong bin
    assert "✘" in screen
    floor.scan("AT00000002", "empty now?")
    floor.keys(["y"], "Scan a staging bin")
    floor.scan("ST01-A-01", "CMD:DONE")
    floor.keys(["d"], "Esc Back")
    floor.keys(["Escape"], "Sign out")
    screen = floor.keys(["0"], "Shift summary")
    assert "Ana Picker" in screen
    rows = journal(store)
    assert [r["payload"].strip() for r in rows][:3] == ["OP-0001", "CMD:PICK", "1"]
    assert all(r["terminal"] == "HH-E2E" for r in rows)
    refused = [r for r in rows if not r["accepted"]]
    assert [r["payload"].strip() for r in refused] == ["AT00000003"]
    unit = history(store, "AT00000002")
    assert unit["status"] == "shipped" or "shipped" in json.dumps(unit)


def test_receive_against_the_ship_notice(floor: Floor, store: Path):
    floor.scan("OP-0002", "Sign out")
    floor.scan("CMD:RECEIVE", "Scan receipt")
    floor.keys(["1"], "Receive R-1001")
    floor.scan("5901234100007", "Lot of LAPTOP-14")
    floor.keys(list("LT2611C") + ["Enter"], "Scan each LAPTOP-14 unit")
    floor.scan("AT00000013", "Received AT00000013")
    screen = floor.scan("AT00000099", "not on the ship notice")
    assert "✘" in screen
    floor.scan("CMD:DONE", "Receiving finished")
    unit = history(store, "AT00000013")
    assert (unit["status"], unit["bin"]) == ("in_stock", "DK01-A-01")


def test_putaway_to_the_suggested_bin(floor: Floor, store: Path):
    floor.scan("OP-0002", "Sign out")
    floor.scan("CMD:RECEIVE", "Scan receipt")
    floor.scan("CMD:SKIP", "Scan a product")  # blind
    floor.scan("5901234100359", "How many MUG-01")
    floor.keys(["1", "2", "Enter"], "Count 12")
    floor.scan("CMD:DONE", "Receiving finished")
    floor.keys(["Escape"], "Sign out")
    floor.scan("CMD:PUTAWAY", "Scan a unit or product")
    floor.scan("5901234100359", "In hand: 12 MUG-01")
    floor.keys(["Enter"], "12 of MUG-01: scan bin")  # the quantity, confirmed
    floor.scan("ST01-A-03", "✘")  # a staging bin is refused
    floor.scan("A01-A-02", "Put 12 of MUG-01 in A01-A-02")
    sku = json.dumps(history(store, "MUG-01"))
    assert "A01-A-02" in sku


def test_move_a_unit(floor: Floor, store: Path):
    floor.scan("OP-0001", "Sign out")
    floor.scan("CMD:MOVE", "Scan a unit or a bin")
    floor.scan("AT00000002", "basket")
    floor.scan("A03-A-01", "AT00000002 (LAPTOP-14) is now in")
    floor.keys(["u"], "Undone")  # undo: a compensating row puts it back
    unit = json.dumps(history(store, "AT00000002"))
    assert "A01-B-03" in unit and "undo" in unit


def test_return_a_shipped_unit(floor: Floor, store: Path):
    floor.scan("OP-0002", "Sign out")
    floor.scan("CMD:RETURNS", "Scan the returned unit")
    floor.scan("AT00000002", "never left here")
    floor.scan("AT00000008", "Maria Lopez")
    floor.keys(["1"], "Condition")
    floor.keys(["1"], "Returned AT00000008")
    assert "return" in json.dumps(history(store, "AT00000008"))


def test_lookup_bin_and_unit(floor: Floor, store: Path):
    floor.scan("OP-0001", "Sign out")
    floor.scan("CMD:LOOKUP", "Scan anything to look it up")
    floor.scan("A01-A-02", "MUG-01")
    floor.scan("AT00000008", "SO-0999")
    screen = floor.scan("[@click=app.quit]", "✘")  # data, never markup
    assert "Look-up" in screen
    floor.keys(["Escape"], "Sign out")
    rows = journal(store)
    assert rows[-1]["payload"] == "CMD:CANCEL" and rows[-1]["source"] == "keyboard"
