"""Issue 11, loose ends found after it was closed (items 15 and 10 siblings, item 5 of the
look-up): the scan-anything screen's keys, the wedge status at 30 columns, look-up codes
shown whole."""

from __future__ import annotations

import pytest
from textual.widgets import Footer

from scanner_tui.inventory.demo import build_demo
from scanner_tui.ui.floor_screens import FloorScanScreen
from scanner_tui.ui.floor_widgets import KeyHints
from scanner_tui.ui.screens import ScanAnythingScreen
from scanner_tui.ui.widgets import StatusLine
from tests.test_ui_support import floor_app, press, scan, screen_text, settle
from tests.test_wf_pick import add_order, go_to, picker, unit_in
from tests.workflow_helpers import scan as wf_scan


def app_keys_only(app, hint: str) -> None:
    text = screen_text(app)
    assert not app.screen.query(Footer), "Textual's own footer is shown"
    assert "^q" not in text and "^p" not in text and "palette" not in text, text
    assert app.screen.query_one(KeyHints).hint == hint
    assert hint in text, text


@pytest.mark.parametrize("size", [(40, 16), (30, 10)])
async def test_scan_anything_alone_shows_the_apps_keys(engine, db_url, size):
    """Item 15 sibling: without operators the app opens on Scan anything; its bottom rows are
    the app's key hint and the scanner status, as on every floor screen."""
    app = floor_app(engine, db_url)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, ScanAnythingScreen)
        app_keys_only(app, "Ctrl+Q Quit")
        assert screen_text(app).splitlines()[-1].strip().startswith("Ready")


@pytest.mark.parametrize("size", [(40, 16), (30, 10)])
async def test_scan_anything_from_the_menu_shows_esc_back(engine, db_url, size):
    build_demo(engine)
    app = floor_app(engine, db_url)
    async with app.run_test(size=size) as pilot:
        await scan(app, pilot, "OP-0001")
        await press(app, pilot, "6")
        assert isinstance(app.screen, FloorScanScreen)
        app_keys_only(app, "Esc Back")
        await scan(app, pilot, "A01-A-01")
        app_keys_only(app, "Esc Back")  # still there after a scan
        await press(app, pilot, "escape")
        assert not isinstance(app.screen, FloorScanScreen)


async def test_the_wedge_status_says_ready_in_full_at_30_columns(engine, db_url):
    """Item 10 sibling: the state first and in full at 30 columns."""
    app = floor_app(engine, db_url)
    async with app.run_test(size=(30, 10)) as pilot:
        await settle(app, pilot)
        status = app.screen.query_one(StatusLine)
        shown = screen_text(app).splitlines()[-1].strip()
        assert shown == status.scanner, shown
        assert shown.startswith("Ready") and "…" not in shown


LONG_ORDER = "SO-WEB-2026-1205-0001234"  # a web shop's order code, 24 characters


async def test_look_up_history_shows_codes_whole_at_40_columns(engine, db_url):
    """Item 16 sibling (look-up): a unit's history rows are wrapped, never cut with "~"."""
    build_demo(engine)
    add_order(engine, LONG_ORDER, ("LAPTOP-14", 1))
    wf = picker(engine)
    assert wf_scan(wf, LONG_ORDER).accepted
    at = go_to(wf)
    serial = unit_in(engine, "LAPTOP-14", at)
    assert wf_scan(wf, serial).accepted
    app = floor_app(engine, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001", serial)  # a unit on the menu opens Look-up
        text = screen_text(app)
        assert "~" not in text, text
        assert LONG_ORDER in " ".join(text.split()) or LONG_ORDER in text.replace("\n", ""), text
