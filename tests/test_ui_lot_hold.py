"""Issue 11 item 7 on the floor at 40x16: a lot on hold is not planned, refused with a
sentence when scanned in pick, and Look-up shows it on hold."""

from __future__ import annotations

import pytest

from scanner_tui.inventory import operations as ops
from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.demo import build_demo
from tests.test_ui_support import assert_verified, floor_app, last, scan, screen_text
from tests.test_wf_pick import add_order
from tests.workflow_helpers import gtin, ledger_rows


@pytest.fixture
def demo(engine):
    build_demo(engine)
    ops.hold_lot(engine, actor=Actor("OP-0003", "desk"), scan_id="hold-b2604", lot="B2604")
    yield engine
    assert_verified(engine)


def battery_lot(engine, lot: str) -> str:
    return f"01{gtin(engine, 'BATTERY-AA-4').zfill(14)}10{lot}"


async def test_a_held_lot_is_refused_in_pick_with_a_sentence(demo, db_url):
    add_order(demo, "SO-2010", ("BATTERY-AA-4", 2))  # B2604 would be first to expire
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001", "SO-2010", "A02-A-01")
        assert "Lot B2611" in screen_text(app)  # the held lot is not planned
        before = ledger_rows(demo)
        await scan(app, pilot, battery_lot(demo, "B2604"))
        said = last(app)
        assert not said.accepted
        assert "Lot B2604 is on hold (recall); put it aside." in said.text, said.text
        assert app.screen.snapshot.question is None
        assert ledger_rows(demo) == before


async def test_look_up_shows_a_held_lot_on_hold(demo, db_url):
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001", "A02-A-01")  # a bin on the menu opens Look-up
        assert "on hold" in screen_text(app), screen_text(app)
