"""Issue 10 through the app at 40x16: real dock labels as scanner bursts on the demo store.

Receiving with a (37) count, a UPC-E product, a weight label, an ISO 15434 label with a serial,
a GLN+254 place in move, a GIAI asset in look-up, and the lost-separator question.
"""

from __future__ import annotations

import pytest

from scanner_tui.config import Config, DatabaseConfig, TagsConfig, TerminalConfig
from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.operations import receive
from scanner_tui.ui.app import ScannerApp
from scanner_tui.ui.floor_screens import WorkflowScreen
from tests.test_ui_support import (
    FIXED,
    UTC,
    assert_verified,
    floor_app,
    last,
    press,
    scan,
    screen_text,
)
from tests.workflow_helpers import add_barcode, qty

TIES = "05901234100281"  # CABLE-TIE-100 (demo)


@pytest.fixture
def demo(engine):
    build_demo(engine)
    yield engine
    assert_verified(engine)


async def receiving_blind(app, pilot) -> WorkflowScreen:
    await scan(app, pilot, "OP-0002", "CMD:RECEIVE", "CMD:SKIP")
    assert isinstance(app.screen, WorkflowScreen), screen_text(app)
    return app.screen


async def test_receive_a_case_count_confirmed_with_enter(demo, db_url):
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        screen = await receiving_blind(app, pilot)
        await scan(app, pilot, f"]C101{TIES}3724")
        q = screen.snapshot.question
        assert q.kind == "quantity" and q.default == 24, screen_text(app)
        assert qty(demo, "CABLE-TIE-100", "DK01-A-01") == 0  # not before it is confirmed
        await press(app, pilot, "enter")
        assert last(app).accepted, last(app).text
        assert qty(demo, "CABLE-TIE-100", "DK01-A-01") == 24


async def test_receive_a_container_label_and_a_upc_e_product(demo, db_url):
    add_barcode(demo, "MUG-01", "00042100005264")  # the UPC-E 04252614 expanded
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await receiving_blind(app, pilot)
        await scan(app, pilot, f"]C100009501101530000038020{TIES[1:]}3712", "CMD:YES")
        assert qty(demo, "CABLE-TIE-100", "DK01-A-01") == 12
        await scan(app, pilot, "04252614")
        assert last(app).accepted, last(app).text
        assert qty(demo, "MUG-01", "DK01-A-01") == 1


async def test_receive_a_weight_label_as_its_item(demo, db_url):
    add_barcode(demo, "TAPE-48", "02800047000005")  # the item, its weight digits zeroed
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await receiving_blind(app, pilot)
        await scan(app, pilot, "2800047025008", "2800047012343")  # 2.500 kg, 1.234 kg
        assert last(app).accepted, last(app).text
        assert qty(demo, "TAPE-48", "DK01-A-01") == 2  # two labels of one item, one SKU


async def test_receive_an_iso15434_label_with_a_serial(demo, db_url):
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await receiving_blind(app, pilot)
        await scan(app, pilot, "[)>\x1e06\x1d1PLAPTOP14\x1dSSN-X-0001\x1d1TLT2609A\x1e\x04")
        assert last(app).accepted, last(app).text
        with demo.connect() as conn:
            from sqlalchemy import text
            row = conn.execute(text("SELECT s.code, a.lot FROM asset a JOIN sku s ON "
                                    "s.id = a.sku_id WHERE a.serial = 'SN-X-0001'")).one()
        assert tuple(row) == ("LAPTOP-14", "LT2609A")


async def test_the_lost_separator_question(demo, db_url):
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        screen = await receiving_blind(app, pilot)
        await scan(app, pilot, f"]d201{TIES}10ABC12321SN0001")
        q = screen.snapshot.question
        assert q is not None and q.kind == "choice", screen_text(app)
        shown = screen_text(app)
        assert "1 lot ABC12321SN0001" in shown and "2 serial SN0001" in shown
        assert qty(demo, "CABLE-TIE-100", "DK01-A-01") == 0
        await press(app, pilot, "1")
        assert last(app).accepted, last(app).text
        assert qty(demo, "CABLE-TIE-100", "DK01-A-01") == 1


async def test_a_gln_place_label_is_the_target_bin_in_move(demo, db_url):
    cfg = Config(database=DatabaseConfig(url=db_url), terminal=TerminalConfig(id="HH-07"),
                 tags=TagsConfig(gln_extension_is_bin=True))
    app = ScannerApp(cfg, demo, clock=lambda: FIXED, tz=UTC)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001", "CMD:MOVE", "R01-A-02", "5901234100359")
        await press(app, pilot, *"6", "enter")
        await scan(app, pilot, "]C14140950110153007254A01-A-02")
        assert last(app).accepted, last(app).text
        assert qty(demo, "MUG-01", "A01-A-02") == 22 + 6


async def test_a_giai_asset_in_look_up(demo, db_url):
    receive(demo, actor=Actor("OP-0002", "DOCK", "receiver"), scan_id="giai-1",
            bin="DK01-A-01", sku="LAPTOP-14", serial="0950110153ABC123", lot="LT2609A")
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001", "CMD:LOOKUP", "]C180040950110153ABC123")
        assert last(app).accepted, last(app).text
        shown = screen_text(app)
        assert "0950110153ABC123" in shown and "LAPTOP-14" in shown


async def test_caps_lock_is_said_at_the_badge_and_not_again(demo, db_url):
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "op-0001")  # a wedge scanner with caps lock on
        assert last(app).accepted and "Caps lock is on" in last(app).text
        await scan(app, pilot, "CMD:MOVE", "r01-a-02")
        assert last(app).accepted and "Caps lock" not in last(app).text
        assert "R01-A-02" in screen_text(app)
