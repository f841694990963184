"""Counts through the real app at 40x16: the counter's screen (blind, quantity by keys, unit
found here, refusals) and the supervisor's review and approval; snapshots at 40x16 and 80x24."""

from __future__ import annotations

import pytest

from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.counting import plan_count
from scanner_tui.inventory.demo import build_demo
from scanner_tui.ui.floor_screens import MenuScreen, WorkflowScreen
from tests.test_ui_support import (
    assert_verified,
    floor_app,
    last,
    one,
    press,
    scan,
    screen_text,
)

BOSS = Actor("OP-0003", "DESK", "supervisor")
SIZES = pytest.mark.parametrize("size", [(40, 16), (80, 24)], ids=["40x16", "80x24"])


@pytest.fixture
def demo(engine):
    build_demo(engine)
    plan_count(engine, actor=BOSS, bins=["A01-A-02", "A02-A-03"])
    return engine


async def test_count_and_approve_on_screen(demo, db_url):
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001")
        assert "Approve counts" not in screen_text(app)  # a picker's menu
        await scan(app, pilot, "CMD:COUNT")
        assert isinstance(app.screen, WorkflowScreen)
        assert "Scan a bin to count" in screen_text(app)
        await scan(app, pilot, "A04-B-12")
        assert not last(app).accepted and "A04-B-12 is not a known bin" in last(app).text
        await scan(app, pilot, "A01-A-01")
        assert not last(app).accepted and "not on an open count" in last(app).text
        await scan(app, pilot, "A01-A-02")
        assert last(app).accepted and "22" not in screen_text(app)  # blind
        await scan(app, pilot, "MUG-01")
        assert app.screen.snapshot.question.kind == "quantity"
        await press(app, pilot, "2", "0", "enter")
        assert "20 of MUG-01 counted" in last(app).text
        await press(app, pilot, "d")  # the Done key closes the bin
        assert "A01-A-02 counted" in last(app).text
        await scan(app, pilot, "A02-A-03", "AT00000006", "AT00000007")
        assert last(app).accepted and "AT00000007 counted" in last(app).text  # blind
        await scan(app, pilot, "CMD:DONE")
        assert "fully counted" in last(app).text
        await press(app, pilot, "escape")
        assert isinstance(app.screen, MenuScreen)
        await scan(app, pilot, "CMD:LOGOUT", "OP-0003", "CMD:COUNTS")
        assert "CC-00001" in screen_text(app)
        await press(app, pilot, "1", "enter")
        assert "CMD:YES approves" in screen_text(app)
        before = one(demo, "SELECT count(*) FROM ledgerentry")
        await scan(app, pilot, "CMD:YES")
        assert last(app).accepted and "CC-00001 approved" in last(app).text
        assert one(demo, "SELECT count(*) FROM ledgerentry") == before + 3
    assert_verified(demo)


async def test_counter_cannot_approve_own_count(demo, db_url):
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0003", "CMD:COUNT", "A01-A-02", "CMD:DONE", "CMD:YES",
                   "A02-A-03", "AT00000006", "AT00000009", "CMD:DONE")
        await press(app, pilot, "escape")
        await scan(app, pilot, "CMD:COUNTS")
        await press(app, pilot, "1", "enter")
        await scan(app, pilot, "CMD:YES")
        assert not last(app).accepted
        assert "OP-0003 counted A01-A-02, A02-A-03 on CC-00001" in last(app).text
    assert one(demo, "SELECT status FROM cyclecount") == "counted"


def _snap(snap_compare, engine, db_url, size, *payloads, keys=()) -> bool:
    async def run_before(pilot) -> None:
        await scan(pilot.app, pilot, *payloads)
        if keys:
            await press(pilot.app, pilot, *keys)

    return snap_compare(floor_app(engine, db_url), terminal_size=size, run_before=run_before)


@SIZES
def test_snapshot_count_quantity(snap_compare, demo, db_url, size):
    assert _snap(snap_compare, demo, db_url, size, "OP-0001", "CMD:COUNT", "A02-A-03",
                 "AT00000007", "A02-A-03", "MUG-01", keys=("3",))


@SIZES
def test_snapshot_supervisor_review(snap_compare, demo, db_url, size):
    counter = Actor("OP-0001", "HH-01", "picker")
    from scanner_tui.inventory import counting as c

    for bin_code, serials in (("A01-A-02", ()), ("A02-A-03", ("AT00000006", "AT00000007"))):
        started = c.start_bin(demo, actor=counter, bin_code=bin_code)
        for n, serial in enumerate(serials):
            c.count_unit(demo, actor=counter, count_bin_id=started.count_bin_id,
                         serial=serial, scan_id=f"s{n}")
        if not serials:
            c.count_qty(demo, actor=counter, count_bin_id=started.count_bin_id,
                        sku="MUG-01", qty=20, scan_id="mugs")
        c.close_bin(demo, actor=counter, count_bin_id=started.count_bin_id)
    assert _snap(snap_compare, demo, db_url, size, "OP-0003", "CMD:COUNTS", keys=("1", "enter"))
