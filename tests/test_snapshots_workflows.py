"""Snapshots of every floor screen at 40x16 (handheld) and 80x24 (desktop): sign-in, the
supervisor's menu, receive, putaway, pick, move, returns, look-up, and the sign-out summary;
and (issue 11 item 16) every floor screen at 30x10, 40x16 and 80x24 with its instruction and
answer visible: the shipped summary, the count's planned bins, the supervisor's review.

Stable by construction: the demo store, a fixed clock and time zone, a fixed terminal id, a
steady (non-blinking) cursor, TEXTUAL_ANIMATIONS=none (conftest). ``--snapshot-update``
accepts new output.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scanner_tui.inventory import demo as demo_module
from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.operations import receive
from tests.test_ui_support import floor_app, press, scan

SIZES = pytest.mark.parametrize("size", [(40, 16), (80, 24)], ids=["40x16", "80x24"])


class _DemoClock(datetime):
    """The demo warehouse dates its history from now: fixed, so snapshots are stable."""

    @classmethod
    def now(cls, tz=None):  # noqa: ANN001, ANN206
        return datetime(2026, 11, 20, 8, 0, 0, tzinfo=UTC)


@pytest.fixture
def demo(engine, monkeypatch):
    monkeypatch.setattr(demo_module, "datetime", _DemoClock)
    build_demo(engine)
    return engine


def steps(*actions: tuple[str, ...]):
    """run_before: ("scan", payloads...) and ("press", keys...) in order."""

    async def run_before(pilot) -> None:
        app = pilot.app
        for what, *args in actions:
            if what == "scan":
                await scan(app, pilot, *args)
            else:
                await press(app, pilot, *args)

    return run_before


def snap(snap_compare, engine, db_url, size, *actions) -> bool:
    return snap_compare(floor_app(engine, db_url), terminal_size=size,
                        run_before=steps(*actions) if actions else None)


@SIZES
def test_sign_in(snap_compare, demo, db_url, size):
    assert snap(snap_compare, demo, db_url, size, ("scan", "OP-4321"))


@SIZES
def test_menu_supervisor(snap_compare, demo, db_url, size):
    assert snap(snap_compare, demo, db_url, size, ("scan", "OP-0003"))


@SIZES
def test_receive_lot_question(snap_compare, demo, db_url, size):
    assert snap(snap_compare, demo, db_url, size, ("scan", "OP-0002", "CMD:RECEIVE"),
                ("press", "1"), ("scan", "5901234100007"))


def on_dock(engine, sku: str) -> None:
    """12 of ``sku`` received onto the dock (what putaway offers)."""
    receive(engine, actor=Actor("OP-0002", "DOCK", "receiver"), scan_id=f"rcv-{sku}",
            bin="DK01-A-01", sku=sku, qty=12)


@SIZES
def test_putaway_suggestion(snap_compare, demo, db_url, size):
    on_dock(demo, "MUG-01")
    assert snap(snap_compare, demo, db_url, size, ("scan", "OP-0001", "CMD:PUTAWAY",
                                                   "5901234100359"))


@SIZES
def test_pick_refused_unit(snap_compare, demo, db_url, size):
    assert snap(snap_compare, demo, db_url, size, ("scan", "OP-0001", "CMD:PICK", "SO-1001",
                                                   "A01-A-01", "CABLE-TIE-100"),
                ("press", "enter"), ("scan", "A01-B-03", "AT00000003"))


@SIZES
def test_move_basket(snap_compare, demo, db_url, size):
    assert snap(snap_compare, demo, db_url, size, ("scan", "OP-0001", "CMD:MOVE",
                                                   "AT00000002", "AT00000009"))


@SIZES
def test_returns_reason_choice(snap_compare, demo, db_url, size):
    assert snap(snap_compare, demo, db_url, size, ("scan", "OP-0002", "CMD:RETURNS",
                                                   "AT00000008"))


@SIZES
def test_lookup_unit(snap_compare, demo, db_url, size):
    assert snap(snap_compare, demo, db_url, size, ("scan", "OP-0001", "CMD:LOOKUP",
                                                   "A01-A-02"))


@SIZES
def test_sign_out_summary(snap_compare, demo, db_url, size):
    assert snap(snap_compare, demo, db_url, size,
                ("scan", "OP-0001", "CMD:LOOKUP", "A01-A-02", "NOPE-NOPE"),
                ("press", "escape", "0"))


THREE = pytest.mark.parametrize("size", [(30, 10), (40, 16), (80, 24)],
                                ids=["30x10", "40x16", "80x24"])


def _counted_bin(engine) -> None:
    """A count of A01-A-02 planned by OP-0003 and counted by OP-0001 (waiting for review)."""
    from scanner_tui.inventory.counting import close_bin, count_qty, plan_count, start_bin

    plan_count(engine, actor=Actor("OP-0003", "DESK", "supervisor"), bins=["A01-A-02"])
    picker = Actor("OP-0001", "HH-01", "picker")
    started = start_bin(engine, actor=picker, bin_code="A01-A-02")
    count_qty(engine, actor=picker, count_bin_id=started.count_bin_id, sku="MUG-01", qty=21,
              scan_id="count-mugs")
    close_bin(engine, actor=picker, count_bin_id=started.count_bin_id)


def test_sign_in_30x10(snap_compare, demo, db_url):
    assert snap(snap_compare, demo, db_url, (30, 10), ("scan", "OP-4321"))


@THREE
def test_floor_menu(snap_compare, demo, db_url, size):
    assert snap(snap_compare, demo, db_url, size, ("scan", "OP-0001", "CMD:LOOKUP",
                                                   "NOPE-NOPE"), ("press", "escape"))


@THREE
def test_floor_receive(snap_compare, demo, db_url, size):
    assert snap(snap_compare, demo, db_url, size, ("scan", "OP-0002", "CMD:RECEIVE",
                                                   "R-1001", "5901234100281"),
                ("press", "6", "0", "enter"))


@THREE
def test_floor_putaway(snap_compare, demo, db_url, size):
    on_dock(demo, "CABLE-TIE-100")
    assert snap(snap_compare, demo, db_url, size, ("scan", "OP-0001", "CMD:PUTAWAY",
                                                   "5901234100281"))


@THREE
def test_floor_pick_take(snap_compare, demo, db_url, size):
    assert snap(snap_compare, demo, db_url, size, ("scan", "OP-0001", "CMD:PICK", "CC-1002",
                                                   "A02-B-02"))


@THREE
def test_floor_pick_shipped(snap_compare, demo, db_url, size):
    assert snap(snap_compare, demo, db_url, size,
                ("scan", "OP-0001", "CMD:PICK", "SO-1001", "A01-A-01", "CABLE-TIE-100"),
                ("press", "enter"), ("scan", "A01-B-03", "AT00000002"), ("press", "y"),
                ("scan", "ST01-A-02"), ("press", "d"))


@THREE
def test_floor_move(snap_compare, demo, db_url, size):
    assert snap(snap_compare, demo, db_url, size, ("scan", "OP-0001", "CMD:MOVE",
                                                   "AT00000002", "A01-A-04"))


@THREE
def test_floor_count_planned(snap_compare, demo, db_url, size):
    from scanner_tui.inventory.counting import plan_count

    plan_count(demo, actor=Actor("OP-0003", "DESK", "supervisor"),
               bins=["A02-A-03", "A01-A-02", "A01-B-01"])
    assert snap(snap_compare, demo, db_url, size, ("scan", "OP-0001", "CMD:COUNT"))


@THREE
def test_floor_count_review(snap_compare, demo, db_url, size):
    _counted_bin(demo)
    assert snap(snap_compare, demo, db_url, size, ("scan", "OP-0003", "CMD:COUNTS"),
                ("press", "1"))


@THREE
def test_floor_lookup_refused(snap_compare, demo, db_url, size):
    assert snap(snap_compare, demo, db_url, size, ("scan", "OP-0001", "CMD:LOOKUP",
                                                   "NOPE-NOPE"))


@THREE
def test_floor_returns(snap_compare, demo, db_url, size):
    assert snap(snap_compare, demo, db_url, size, ("scan", "OP-0002", "CMD:RETURNS",
                                                   "AT00000008"))
