"""Sign-in by badge, the role's menu, opening tasks (number key, arrows+Enter, task card),
sign-out with the shift summary: the real app, scans as key bursts at scanner speed."""

from __future__ import annotations

import pytest

from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.journal import read_journal
from scanner_tui.ui.floor_screens import MenuScreen, SignInScreen, WorkflowScreen
from scanner_tui.ui.screens import ScanAnythingScreen
from scanner_tui.workflows.registry import WORKFLOWS, find, for_role
from tests.test_ui_support import burst, floor_app, last, press, scan, screen_text, settle


@pytest.fixture
def demo(engine):
    build_demo(engine)
    return engine


def test_registry_filters_by_role():
    picker = [w.key for w in for_role("picker")]
    assert "pick" in picker and "receive" not in picker and "counts" not in picker
    assert [w.key for w in for_role("supervisor")] == [w.key for w in WORKFLOWS]
    assert len(for_role("supervisor")) <= 9  # one number key each
    assert find("CMD:PICK").key == "pick" and find("counts").key == "counts"
    assert find("CMD:NOPE") is None
    for w in WORKFLOWS:
        if w.target:
            assert w.load().title  # every class is importable


async def test_empty_store_opens_scan_anything(engine, db_url):
    app = floor_app(engine, db_url)
    async with app.run_test(size=(40, 16)):
        assert isinstance(app.screen, ScanAnythingScreen)


async def test_sign_in_refusals_then_menu_of_the_role(demo, db_url):
    from sqlalchemy import text
    with demo.begin() as conn:
        conn.execute(text("UPDATE operator SET active = false WHERE badge = 'OP-0002'"))
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        assert isinstance(app.screen, SignInScreen)
        await scan(app, pilot, "OP-4321")
        assert not last(app).accepted and "not a badge of this store" in last(app).text
        await scan(app, pilot, "OP-0002")
        assert not last(app).accepted and "no longer active" in last(app).text
        await scan(app, pilot, "A01-A-01")
        assert not last(app).accepted and "not a badge" in last(app).text
        assert isinstance(app.screen, SignInScreen) and app.feedback.bells == 3
        await scan(app, pilot, "OP-0001")
        assert isinstance(app.screen, MenuScreen)
        text_ = screen_text(app)
        assert "OP-0001" in text_ and "Pick" in text_ and "Receive" not in text_
        # a role's menu never opens what the role may not do, even by card
        await scan(app, pilot, "CMD:RECEIVE")
        assert not last(app).accepted and "not for a picker" in last(app).text
        assert isinstance(app.screen, MenuScreen)
        await scan(app, pilot, "OP-0003")
        assert not last(app).accepted and "sign out first" in last(app).text
    rows = read_journal(demo)
    assert [r["operator"] for r in rows][-1] == "OP-0001"  # scans on the menu carry the badge


async def test_supervisor_menu_fits_40x16_and_opens_by_key_arrow_and_card(demo, db_url):
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0003")
        text_ = screen_text(app)
        for n, entry in enumerate(for_role("supervisor"), start=1):
            assert f"{n} {entry.title}" in text_  # the whole menu visible at once
        await press(app, pilot, "3")  # number key
        assert isinstance(app.screen, WorkflowScreen) and "Pick" in screen_text(app)
        await press(app, pilot, "escape")
        assert isinstance(app.screen, MenuScreen)
        await press(app, pilot, "down", "enter")  # arrows + Enter
        assert isinstance(app.screen, WorkflowScreen)
        assert app.screen.handler.entry.key == "putaway"
        await press(app, pilot, "escape")
        await scan(app, pilot, "CMD:MOVE")  # a task card
        assert isinstance(app.screen, WorkflowScreen) and app.screen.handler.entry.key == "move"
        await scan(app, pilot, "CMD:CANCEL")
        assert isinstance(app.screen, MenuScreen)
        await press(app, pilot, "9")  # scan anything stays available
        assert isinstance(app.screen, ScanAnythingScreen)
        await scan(app, pilot, "A01-A-01")
        assert last(app).accepted and "A01-A-01" in screen_text(app)
        await press(app, pilot, "escape")
        assert isinstance(app.screen, MenuScreen)


@pytest.mark.parametrize("how", ["key", "card", "badge"])
async def test_sign_out_shows_the_shift_summary(demo, db_url, how):
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001", "CMD:LOOKUP", "A01-A-01", "NOT-A-CODE")
        await press(app, pilot, "escape")
        assert isinstance(app.screen, MenuScreen)
        if how == "key":
            await press(app, pilot, "0")
        elif how == "card":
            await scan(app, pilot, "CMD:LOGOUT")
        else:
            await scan(app, pilot, "OP-0001")
        assert isinstance(app.screen, SignInScreen)
        text_ = screen_text(app)
        assert "Shift summary" in text_ and "Ana Picker (picker)" in text_
        assert "Scans: 3  accepted: 2  errors: 1" in text_  # Escape was a CMD:CANCEL
        assert app.session is None and app.pipeline.operator == ""
        await scan(app, pilot, "OP-0003")  # the next operator signs in
        assert isinstance(app.screen, MenuScreen)
        assert "OP-0003" in screen_text(app)


async def test_keys_only_no_mouse_workflow_screen_keeps_scanning(demo, db_url):
    """A question never steals the scanner: scans keep reaching the workflow."""
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001", "CMD:PICK", "SO-1001", "A01-A-01", "CABLE-TIE-100")
        screen = app.screen
        assert screen.snapshot.question is not None  # quantity asked, field focused
        assert app.focused is screen.query_one("#input")
        await scan(app, pilot, "CMD:CANCEL")  # a card still reaches the workflow
        assert screen.snapshot.question is None
        assert app.focused is screen.query_one("#hints")
        await settle(app, pilot)


async def test_badge_card_order_and_bin_in_one_burst_reach_the_right_handlers(demo, db_url):
    """Scanned faster than screens change: each scan still reaches the task it was meant for,
    in order, and is shown on the screen that took over."""
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        burst(app, "OP-0001\rCMD:PICK\rSO-1001\rA01-A-01\r")
        await settle(app, pilot)
        assert [f.accepted for f in app.feedback.items] == [True] * 4, app.feedback.items
        assert isinstance(app.screen, WorkflowScreen)
        assert "Take 1 of CABLE-TIE-100" in screen_text(app)
        assert "At A01-A-01" in screen_text(app)
        await press(app, pilot, "escape")  # puts down the order
        await press(app, pilot, "escape")
        assert isinstance(app.screen, MenuScreen)
        await scan(app, pilot, "ZZ-404")  # the menu takes its own scans again
        assert not last(app).accepted and "Choose a task first" in last(app).text
        burst(app, "CMD:LOGOUT\rCMD:PICK\r")  # the card after the sign-out is refused
        await settle(app, pilot)
        assert isinstance(app.screen, SignInScreen)
        assert not last(app).accepted and "signed out" in last(app).text
    rows = read_journal(demo)
    assert [r["operator"] for r in rows[-2:]] == ["OP-0001", ""]


@pytest.mark.parametrize("entry", [w for w in WORKFLOWS], ids=[w.key for w in WORKFLOWS])
async def test_every_menu_entry_opens_by_its_card_and_closes_with_escape(demo, db_url, entry):
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0009", f"CMD:{entry.command}")
        assert last(app).accepted, last(app)
        assert not isinstance(app.screen, MenuScreen), screen_text(app)
        if isinstance(app.screen, WorkflowScreen):
            snap = app.screen.snapshot
            assert snap is not None and snap.view is not None, snap
            assert len(app.screen.query_one("#hints").hint) <= 38
        for _ in range(3):
            if isinstance(app.screen, MenuScreen):
                break
            await press(app, pilot, "escape")
        assert isinstance(app.screen, MenuScreen)


@pytest.mark.parametrize("payload", ["CMD:LOGOUT", "OP-0001"])
async def test_sign_out_from_a_task_screen(demo, db_url, payload):
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001", "CMD:MOVE", "AT00000002", "A03-A-01")
        burst(app, payload + "\rA01-A-01\r")  # the bin after it belongs to nobody
        await settle(app, pilot)
        assert isinstance(app.screen, SignInScreen)
        assert "Changes made: 1" in screen_text(app)
        assert not last(app).accepted and "signed out" in last(app).text
        assert app.pipeline.operator == ""


def test_a_task_handler_saves_and_reopens_its_workflow(demo):
    """What a host keeps per terminal: the open task as JSON, reopened where it was."""
    import json
    from datetime import UTC, datetime

    from scanner_tui.ui.floor import FloorServices, FloorSession, SignedIn

    floor = FloorServices(demo, "T1", lambda: datetime.now(UTC))
    session = FloorSession.start(SignedIn("OP-0001", "Ana", "picker"), floor.clock)
    handler = floor.handler_for(find("pick"), session)
    handler.open()
    handler.answer("1", None)  # the first open order
    assert handler.view().view.title.startswith("Pick ")
    data = json.loads(json.dumps(handler.saved()))
    again = floor.handler_for(find("pick"), session)
    snap = again.reopen(data)
    assert snap.view == handler.view().view and not snap.error
    snap = again.reopen(dict(data, version=99))  # written by another release: a fresh start
    assert snap.view.title == "Pick" and "another version" in snap.error
