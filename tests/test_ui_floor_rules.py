"""Issue 11 items 3, 5, 9, 12, 17, 6: the floor as it was found, at 40x16, scans as key bursts
at scanner speed (``tests/test_ui_support``)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.counting import plan_count
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.journal import read_journal
from scanner_tui.inventory.models import LedgerEntry
from scanner_tui.ui.floor_screens import MenuScreen, SignInScreen, WorkflowScreen
from tests.test_ui_support import (
    assert_verified,
    floor_app,
    last,
    press,
    scan,
    screen_text,
    settle,
)
from tests.test_wf_pick import add_order
from tests.workflow_helpers import gtin, ledger_rows

JUNK = ("[2JB", "A]52;c;aGk=", "AT٠٠٠٠٠٠١٣", "📦🔥AT00000013")


@pytest.fixture
def demo(engine):
    build_demo(engine)
    yield engine
    assert_verified(engine)


async def test_refused_scans_stay_off_the_receipt(demo, db_url):
    """Item 3: junk scanned while receiving serials is refused, journaled, and never listed
    as an unexpected serial on the receipt's summary."""
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0002", "CMD:RECEIVE", "R-1001", gtin(demo, "LAPTOP-14"),
                   "LT2611C")
        for junk in JUNK:
            await scan(app, pilot, junk)
            assert not last(app).accepted, junk
        journal = [r["payload"] for r in read_journal(demo)]
        assert all(j + "\r" in journal for j in JUNK)
        await scan(app, pilot, "CMD:DONE")
        wf = app.screen.handler.workflow
        assert not any(s.startswith("Unexpected") for s in wf.summary()), wf.summary()
        assert "unexpected" not in last(app).text
        shown = screen_text(app)
        assert not any(j in shown for j in JUNK), shown


async def test_a_stray_bin_scan_while_receiving_asks_before_changing_the_bin(demo, db_url):
    """Item 5: "Lot of LAPTOP-14?" then A01-A-01 switched the receiving bin silently. A bin
    scan while receiving is a question ("Receive into A01-A-01?"); only its yes changes it."""
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0002", "CMD:RECEIVE", "R-1001", gtin(demo, "LAPTOP-14"),
                   "A01-A-01")
        wf = app.screen.handler.workflow
        assert not last(app).accepted and "Lot of LAPTOP-14?" in last(app).text
        assert wf.bin == "DK01-A-01"
        await scan(app, pilot, "LT2611C", "A01-A-01")  # no question standing: asked
        assert wf.bin == "DK01-A-01"
        q = app.screen.snapshot.question
        assert q is not None and q.text == "Receive into A01-A-01 from now on?"
        assert "A01-A-01" in screen_text(app)
        await scan(app, pilot, "AT00000013")  # not the answer: refused, nothing received
        assert not last(app).accepted and "Receive into A01-A-01" in last(app).text
        await scan(app, pilot, "CMD:NO", "AT00000013")
        assert wf.bin == "DK01-A-01" and last(app).accepted
        assert "into DK01-A-01" in last(app).text
        await scan(app, pilot, "DK01-A-02", "CMD:YES", "AT00000014")
        assert wf.bin == "DK01-A-02" and "into DK01-A-02" in last(app).text
        await scan(app, pilot, "DK01-A-02")  # the bin it receives into already: no question
        assert last(app).accepted and app.screen.snapshot.question is None


async def finished_receipt(app, pilot, demo) -> None:
    await scan(app, pilot, "OP-0002", "CMD:RECEIVE", "R-1001", "CMD:DONE")
    await scan(app, pilot, gtin(demo, "CABLE-TIE-100"))
    assert not last(app).accepted and "finished" in last(app).text


async def test_a_finished_receipt_is_left_with_cmd_cancel(demo, db_url):
    """Item 9: "Receiving is finished" refused every scan, CMD:CANCEL included."""
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await finished_receipt(app, pilot, demo)
        assert "CMD:CANCEL" in last(app).text  # the refusal says how to leave
        await scan(app, pilot, "CMD:CANCEL")
        assert last(app).accepted and isinstance(app.screen, MenuScreen)


async def test_a_finished_task_is_left_with_a_task_card(demo, db_url):
    """Item 9: a task card on a task screen opens that task (no question standing)."""
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await finished_receipt(app, pilot, demo)
        await scan(app, pilot, "CMD:PUTAWAY")
        await settle(app, pilot)
        assert isinstance(app.screen, WorkflowScreen)
        assert app.screen.handler.entry.key == "putaway", screen_text(app)
        await scan(app, pilot, "CMD:RECEIVE")  # and on again
        await settle(app, pilot)
        assert app.screen.handler.entry.key == "receive"
        assert app.screen.handler.workflow.finished is None  # a fresh task


async def test_a_task_card_does_not_answer_a_question(demo, db_url):
    """The one question rule stands: a task card while a question is open is refused."""
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0002", "CMD:RECEIVE", "R-1001", gtin(demo, "LAPTOP-14"),
                   "CMD:PUTAWAY")
        assert not last(app).accepted and "Lot of LAPTOP-14?" in last(app).text
        assert app.screen.handler.entry.key == "receive"


async def test_every_screen_is_left_with_the_badge_or_cmd_cancel(demo, db_url):
    """Item 9: a finished task by the badge; scan-anything by CMD:CANCEL or a task card."""
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await finished_receipt(app, pilot, demo)
        await scan(app, pilot, "OP-0002")
        assert isinstance(app.screen, SignInScreen)
        await scan(app, pilot, "OP-0002", "CMD:SCAN", "CMD:CANCEL")
        assert isinstance(app.screen, MenuScreen)
        await scan(app, pilot, "CMD:SCAN", "CMD:RECEIVE")
        await settle(app, pilot)
        assert isinstance(app.screen, WorkflowScreen)
        assert app.screen.handler.entry.key == "receive"


async def test_the_blind_count_tells_nothing_of_the_books_until_the_bin_is_closed(demo, db_url):
    """Item 12: the counter was told "AT00000007 belongs in another bin by the books"."""
    plan_count(demo, actor=Actor("OP-0003", "DESK", "supervisor"), bins=["A02-A-03"])
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001", "CMD:COUNT", "A02-A-03")
        bells = app.feedback.bells
        await scan(app, pilot, "AT00000006", "AT00000007")
        for said in list(app.feedback.items)[-2:]:
            assert said.accepted and "book" not in said.text and "another bin" not in said.text
        assert app.feedback.bells == bells  # no warning bell either
        assert "book" not in screen_text(app).lower()
        assert {ln.state for ln in app.screen.snapshot.view.lines} <= {"", "current"}
        await scan(app, pilot, "CMD:DONE")  # closed: now the counter may know
        assert "AT00000007" in last(app).text and "another bin" in last(app).text, last(app).text


@pytest.mark.parametrize(("badge", "code", "task", "shows"), [
    ("OP-0001", "SO-1001", "pick", "SO-1001"),
    ("OP-0002", "R-1001", "receive", "R-1001"),
    ("OP-0001", "A01-A-02", "lookup", "A01-A-02"),
    ("OP-0001", "AT00000008", "lookup", "AT00000008"),
], ids=["order", "receipt", "bin", "unit"])
async def test_a_document_bin_or_unit_scanned_on_the_menu_opens_its_task(
        demo, db_url, badge, code, task, shows):
    """Item 17: the menu refused an order or bin scan ("Choose a task first")."""
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, badge, code)
        await settle(app, pilot)
        assert last(app).accepted, last(app).text
        assert isinstance(app.screen, WorkflowScreen)
        assert app.screen.handler.entry.key == task
        assert shows in screen_text(app)
        assert app.screen.query_one("#answer").last.message == last(app).text


async def test_a_document_for_another_role_is_refused_on_the_menu(demo, db_url):
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001", "R-1001")  # a picker: no receiving
        assert not last(app).accepted and "Receive is not for a picker" in last(app).text
        assert isinstance(app.screen, MenuScreen)
        await scan(app, pilot, "NOPE-77")
        assert not last(app).accepted and "Choose a task first" in last(app).text


def battery_lot(engine, lot: str) -> str:
    """The GS1 label of a box of BATTERY-AA-4 of ``lot`` (GTIN + lot, no separator)."""
    return f"01{gtin(engine, 'BATTERY-AA-4').zfill(14)}10{lot}"


async def test_a_lot_not_in_the_bin_is_refused_on_its_own_scan(demo, db_url):
    """Item 6: a GS1 scan with a lot not in this bin got ✔ and a quantity prompt (the
    refusal came on the next scan)."""
    add_order(demo, "SO-2010", ("BATTERY-AA-4", 2))  # planned: A02-A-01, lot B2604
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001", "SO-2010", "A02-A-01")
        assert "Lot B2604" in screen_text(app)
        before = ledger_rows(demo)
        await scan(app, pilot, battery_lot(demo, "B9999"))
        assert not last(app).accepted
        assert "B9999" in last(app).text and "B2604" in last(app).text, last(app).text
        assert app.screen.snapshot.question is None
        assert ledger_rows(demo) == before


async def test_the_screen_says_which_lot_is_being_picked(demo, db_url):
    """Item 6: lot B2611 was picked while the screen said "Lot B2604", with no warning."""
    add_order(demo, "SO-2010", ("BATTERY-AA-4", 2))
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001", "SO-2010", "A02-A-01")
        bells = app.feedback.bells
        await scan(app, pilot, battery_lot(demo, "B2611"))  # in the bin, not the planned lot
        said = last(app)
        assert said.accepted and said.bell and app.feedback.bells == bells + 1
        assert "B2611" in said.text and "B2604" in said.text, said.text
        shown = screen_text(app)
        assert "Lot B2611" in shown and "Lot B2604" not in shown, shown
        await press(app, pilot, "enter")
        assert last(app).accepted
    with demo.connect() as conn:
        lots = conn.execute(text(f"SELECT lot, qty FROM {LedgerEntry.__tablename__} "
                                 "WHERE action = 'pick' AND doc_code = 'SO-2010'")).all()
    assert [tuple(r) for r in lots] == [("B2611", 2)]


async def test_a_pick_from_another_lot_than_the_screen_said_is_told(demo, db_url):
    """Item 6: more than the planned lot holds is taken from another lot: said, with a bell."""
    add_order(demo, "SO-2011", ("BATTERY-AA-4", 14))  # A02-A-01: B2604 x12, then B2611
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001", "SO-2011", "A02-A-01", gtin(demo, "BATTERY-AA-4"))
        assert "Lot B2604" in screen_text(app)
        await press(app, pilot, "1", "4", "enter")
        said = last(app)
        assert said.accepted and said.bell and "Lot B2611 taken" in said.text, said.text


def unit_bin(engine, serial: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(text("SELECT b.code FROM asset a LEFT JOIN bin b ON b.id = a.bin_id "
                                 "WHERE a.serial = :s"), {"s": serial}).scalar()


async def test_undo_takes_back_the_last_change_in_this_task_then_asks(demo, db_url):
    """Item 4: `u` four times on Move undid the move, then an earlier change from another
    screen, ... with no confirmation. Undo takes back this task's last change once; a
    second `u` asks, naming what it would undo; nothing before this task is offered."""
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001", "CMD:MOVE", "AT00000003", "A03-A-01")
        assert unit_bin(demo, "AT00000003") == "A03-A-01"
        await press(app, pilot, "escape", "escape")
        assert isinstance(app.screen, MenuScreen)
        await scan(app, pilot, "CMD:MOVE", "AT00000002", "A03-A-01", "AT00000002", "A03-A-02")
        assert unit_bin(demo, "AT00000002") == "A03-A-02"
        await press(app, pilot, "u")  # once: at once
        assert last(app).accepted and unit_bin(demo, "AT00000002") == "A03-A-01"
        await press(app, pilot, "u")  # again: a question naming it
        q = app.screen.snapshot.question
        assert q is not None and "AT00000002" in q.text and "move" in q.text, q
        assert unit_bin(demo, "AT00000002") == "A03-A-01"
        await press(app, pilot, "n")
        assert unit_bin(demo, "AT00000002") == "A03-A-01"
        await press(app, pilot, "u", "y")
        assert unit_bin(demo, "AT00000002") == "A01-B-03"
        await press(app, pilot, "u")  # the move before this task is not offered
        assert not last(app).accepted and "in this task" in last(app).text, last(app).text
        assert unit_bin(demo, "AT00000003") == "A03-A-01"


async def test_a_basket_move_is_undone_as_one(demo, db_url):
    """Item 4: several units moved by one bin scan are one change: `u` puts them all back at
    once, the ledger agrees, and a second `u` asks, naming the change before it."""
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001", "CMD:MOVE", "AT00000004", "A03-A-02")
        basket = ("AT00000002", "AT00000003", "AT00000009")
        before = {s: unit_bin(demo, s) for s in basket}
        await scan(app, pilot, *basket, "B03-B-04")
        assert all(unit_bin(demo, s) == "B03-B-04" for s in basket)
        rows = ledger_rows(demo)
        await press(app, pilot, "u")
        assert last(app).accepted and all(s in last(app).text for s in basket), last(app).text
        assert {s: unit_bin(demo, s) for s in basket} == before
        assert ledger_rows(demo) == rows + 3
        assert_verified(demo)
        await press(app, pilot, "u")
        q = app.screen.snapshot.question
        assert q is not None and "AT00000004" in q.text, q
        assert unit_bin(demo, "AT00000004") == "A03-A-02"
        await press(app, pilot, "n")
        assert unit_bin(demo, "AT00000004") == "A03-A-02"


async def test_refused_scans_never_become_the_lot(demo, db_url):
    """Item 3's sibling: junk scanned at "Lot of LAPTOP-14?" became the lot ("Lot [2JB.")."""
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0002", "CMD:RECEIVE", "R-1001", gtin(demo, "LAPTOP-14"))
        wf = app.screen.handler.workflow
        for junk in JUNK:
            await scan(app, pilot, junk)
            assert not last(app).accepted, (junk, last(app).text)
            assert not wf.current.lot and wf.question is not None, junk
        assert not any(j in screen_text(app) for j in JUNK), screen_text(app)
        await scan(app, pilot, "LT2611C")
        assert last(app).accepted and wf.current.lot == "LT2611C"


@pytest.mark.parametrize("task, first, target", [
    ("CMD:MOVE", ("R01-A-02", "MUG-01"), "A01-A-02"),
    ("CMD:COUNT", ("A01-A-02", "MUG-01"), "MUG-01"),
])
async def test_a_typed_quantity_not_sent_is_never_replaced_by_a_default(demo, db_url, task,
                                                                         first, target):
    """Item 1's siblings: in Move, "How many MUG-01?" is an optional count prompt; 30 typed
    without Enter, then the target bin scanned, moved 1 (the default). A scan while a typed
    quantity is not sent is refused, the question repeated; Enter sends it."""
    from tests.test_ui_support import type_slowly
    from tests.workflow_helpers import qty

    if task == "CMD:COUNT":
        plan_count(demo, actor=Actor("OP-0003", "T9", "supervisor"), bins=[first[0]],
                   blind=False)
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001", task, first[0], gtin(demo, first[1]))
        rows, before = ledger_rows(demo), qty(demo, "MUG-01", "A01-A-02")
        await type_slowly(app, pilot, "30")
        await scan(app, pilot, gtin(demo, target) if target == "MUG-01" else target)
        assert not last(app).accepted and "30 is typed but not sent" in last(app).text
        assert "How many MUG-01" in last(app).text, last(app).text
        assert ledger_rows(demo) == rows and qty(demo, "MUG-01", "A01-A-02") == before
        wf = app.screen.handler.workflow
        await press(app, pilot, "enter")
        assert last(app).accepted, last(app).text
        if task == "CMD:MOVE":
            assert wf.basket[-1].qty == 30
            await scan(app, pilot, target)
            assert last(app).accepted and qty(demo, "MUG-01", "A01-A-02") == before + 30
        else:
            assert wf.lines[-1].qty == 30
