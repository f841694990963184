"""Pick workflow on the demo warehouse: every scenario ends with ``verify`` green."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, insert, select

from scanner_tui.inventory.bin_flags import flag_for_count, needs_count
from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.models import (
    Asset,
    Bin,
    LedgerEntry,
    Order,
    OrderLine,
    Sku,
    Stock,
)
from scanner_tui.inventory.verify import verify
from scanner_tui.scanning.result import Kind, Source
from scanner_tui.workflows.pick import PickWorkflow, Step
from tests.workflow_helpers import classified, gtin, ledger_rows, scan, services

A, B, L = Asset.__table__, Bin.__table__, LedgerEntry.__table__


@pytest.fixture
def demo(engine):
    build_demo(engine)
    yield engine
    assert verify(engine) == []


def picker(engine, badge: str = "OP-0001", **options) -> PickWorkflow:
    return PickWorkflow(services(engine, badge), **options)


def unit_in(engine, sku: str, bin_code: str, status: str = "in_stock") -> str:
    """A unit of ``sku`` in ``bin_code``."""
    with engine.connect() as conn:
        return conn.execute(
            select(A.c.serial).join(Sku.__table__, Sku.__table__.c.id == A.c.sku_id)
            .join(B, B.c.id == A.c.bin_id)
            .where(Sku.__table__.c.code == sku, B.c.code == bin_code, A.c.status == status)
            .order_by(A.c.serial)).scalars().first()


def unit_state(engine, serial: str) -> tuple[str, str | None]:
    with engine.connect() as conn:
        row = conn.execute(select(A.c.status, B.c.code).outerjoin(B, B.c.id == A.c.bin_id)
                           .where(A.c.serial == serial)).one()
    return row[0], row[1]


def other_units(engine, sku: str, not_in: str) -> list[tuple[str, str]]:
    """(serial, bin) of in-stock units of ``sku`` in pick bins other than ``not_in``."""
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(A.c.serial, B.c.code).join(Sku.__table__, Sku.__table__.c.id == A.c.sku_id)
            .join(B, B.c.id == A.c.bin_id)
            .where(Sku.__table__.c.code == sku, B.c.code != not_in, A.c.status == "in_stock",
                   B.c.kind == "pick").order_by(B.c.code))]


def stock(engine, sku: str, bin_code: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(
            select(func.coalesce(func.sum(Stock.__table__.c.qty), 0))
            .join(Sku.__table__, Sku.__table__.c.id == Stock.__table__.c.sku_id)
            .join(B, B.c.id == Stock.__table__.c.bin_id)
            .where(Sku.__table__.c.code == sku, B.c.code == bin_code)).scalar_one())


def line_picked(engine, order: str, line_no: int) -> int:
    lines, orders = OrderLine.__table__, Order.__table__
    with engine.connect() as conn:
        return conn.execute(select(lines.c.qty_picked)
                            .join(orders, orders.c.id == lines.c.order_id)
                            .where(orders.c.code == order, lines.c.line_no == line_no)
                            ).scalar_one()


def add_order(engine, code: str, *lines: tuple[str, int], customer: str = "Test Customer"):
    with engine.begin() as conn:
        oid = conn.execute(insert(Order.__table__).values(
            code=code, customer=customer, channel="ship-from-store", status="open")
            .returning(Order.__table__.c.id)).scalar_one()
        for n, (sku, qty) in enumerate(lines, start=1):
            sid = conn.execute(select(Sku.__table__.c.id)
                               .where(Sku.__table__.c.code == sku)).scalar_one()
            conn.execute(insert(OrderLine.__table__).values(
                order_id=oid, line_no=n, sku_id=sid, qty=qty))


def go_to(wf: PickWorkflow) -> str:
    """Scan the current task's bin; returns it."""
    task = wf.current_task()
    assert task is not None
    out = scan(wf, task.bin)
    assert out.accepted, out.message
    return task.bin


# -- choosing an order -------------------------------------------------------------------------

def test_order_list_choose_by_number_scan_or_type(demo):
    wf = picker(demo)
    view = wf.view()
    assert view.instruction == "Scan or type an order"
    codes = [line.cells[1] for line in view.lines]
    assert codes[:3] == ["SO-1001", "CC-1002", "QC-1003"]
    assert "SO-0999" not in codes  # shipped orders are not offered

    out = wf.answer("2")
    assert out.accepted and wf.plan.order.code == "CC-1002"
    assert wf.view().title == "Pick CC-1002"
    assert scan(wf, "CMD:CANCEL").accepted and wf.step is Step.CHOOSE

    out = scan(wf, "QC-1003")  # the order's barcode follows no tag rule: still an order
    assert out.accepted and wf.plan.order.code == "QC-1003"
    wf = picker(demo)
    assert wf.answer("so-1001").accepted is False  # codes are exact
    assert wf.answer("SO-1001").accepted
    refused = picker(demo).answer("9")
    assert not refused.accepted and "no order number 9" in refused.message


def test_closed_and_unknown_orders_are_refused(demo):
    wf = picker(demo)
    out = scan(wf, "SO-0999")
    assert not out.accepted and out.message == (
        "Order SO-0999 is shipped; nothing more can be done on it.")
    out = scan(wf, "A01-A-01")
    assert not out.accepted and "not an order" in out.message
    assert wf.step is Step.CHOOSE
    assert scan(wf, "CMD:CANCEL").done


def test_lines_come_in_walking_order_and_instruction_is_short(demo):
    wf = picker(demo, order="SO-1001")
    bins = [t.bin for t in wf.plan.tasks]
    assert bins == sorted(bins)
    assert wf.view().instruction == f"Scan bin {bins[0]}"
    assert len(wf.view().instruction) <= 38
    # the line already partly picked in the demo needs only what is left
    laptop = [t for t in wf.plan.tasks if t.sku == "LAPTOP-14"]
    assert sum(t.qty for t in laptop) == 1


def test_a_line_is_split_over_bins_when_one_is_not_enough(demo):
    add_order(demo, "SO-2001", ("CABLE-TIE-100", 150))  # A01-A-01 holds 120, R01-A-01 600
    wf = picker(demo, order="SO-2001")
    assert [(t.bin, t.qty) for t in wf.plan.tasks] == [("A01-A-01", 120), ("R01-A-01", 30)]
    add_order(demo, "SO-2002", ("CABLE-TIE-100", 100))  # one bin is enough: one stop
    assert [(t.bin, t.qty) for t in picker(demo, order="SO-2002").plan.tasks] == [
        ("A01-A-01", 100)]


# -- happy path --------------------------------------------------------------------------------

def test_happy_path_serial_and_quantity_lines_stage_and_ship(demo):
    wf = picker(demo, order="SO-1001")
    before = ledger_rows(demo)

    # 1st stop: cable ties (quantity line) by GTIN, quantity question with the default
    at = go_to(wf)
    assert wf.view().instruction == "Scan CABLE-TIE-100 (1 here)"
    out = scan(wf, gtin(demo, "CABLE-TIE-100"))
    assert out.accepted and out.question is not None and out.question.kind == "quantity"
    assert "Enter: 1" in out.question.text
    have = stock(demo, "CABLE-TIE-100", at)
    out = wf.answer("")
    assert out.accepted and out.changed, out.message
    assert stock(demo, "CABLE-TIE-100", at) == have - 1

    # 2nd stop: the laptop (serial line): the exact unit in that bin
    at = go_to(wf)
    assert wf.view().instruction == "Scan LAPTOP-14 unit"
    serial = unit_in(demo, "LAPTOP-14", at)
    out = scan(wf, serial)
    assert out.accepted and out.changed and f"Picked {serial}" in out.message
    assert unit_state(demo, serial) == ("picked", at)
    if out.question is not None:  # the bin is empty by the books now: zero check
        assert out.question.text == f"Is {at} empty now?"
        assert scan(wf, "CMD:YES").accepted
        assert not needs_count(demo, at)

    assert wf.step is Step.STAGE
    assert wf.view().instruction == "Scan a staging bin"
    out = scan(wf, "ST01-A-01")
    assert out.accepted and out.changed and "staged in ST01-A-01" in out.message
    assert unit_state(demo, serial) == ("picked", "ST01-A-01")
    assert wf.step is Step.SHIP and wf.view().instruction == "Scan CMD:DONE to ship"

    out = scan(wf, "CMD:DONE")
    assert out.accepted and out.done and out.changed
    assert "Order SO-1001 shipped: 3 picked, 0 short." in out.message
    assert unit_state(demo, serial) == ("shipped", None)
    # serials per order line, on the ship rows (invoice, customer-service look-up)
    with demo.connect() as conn:
        shipped = conn.execute(select(A.c.serial, L.c.doc_line).join(A, A.c.id == L.c.asset_id)
                               .where(L.c.action == "ship", L.c.doc_code == "SO-1001")
                               .order_by(A.c.serial)).all()
        qty_ship = conn.execute(select(L.c.qty).where(
            L.c.action == "ship", L.c.doc_code == "SO-1001", L.c.asset_id.is_(None),
            L.c.doc_line == 2)).scalar_one()
    assert sorted(shipped) == sorted([("AT00000001", 1), (serial, 1)])
    assert qty_ship == 1
    assert any(serial in s and "Line 1 LAPTOP-14" in s for s in wf.last_summary)
    assert wf.step is Step.CHOOSE and "SO-1001" not in [
        ln.cells[1] for ln in wf.view().lines]
    assert ledger_rows(demo) > before
    assert wf.services.shift.lines_done == 2
    rows = ledger_rows(demo)
    out = scan(wf, "CMD:UNDO")  # a shipment is not undone at a terminal
    assert not out.accepted and "cannot be undone" in out.message
    assert ledger_rows(demo) == rows
    assert verify(demo) == []


def test_quantity_pick_typed_quantity_and_lot_by_fefo(demo):
    wf = picker(demo, order="QC-1003")
    at = go_to(wf)
    assert at == "A01-A-02"
    scan(wf, gtin(demo, "MUG-01"))
    out = wf.answer("3")
    assert out.accepted and "Picked 3 of MUG-01 from A01-A-02" in out.message
    assert line_picked(demo, "QC-1003", 1) == 3
    # one more to go at the same bin: the working location stays A01-A-02
    assert wf.view().instruction == "Scan MUG-01 (1 here)"
    scan(wf, "MUG01")  # the SKU's alias is a product too
    assert wf.answer("y").accepted
    at = go_to(wf)
    assert at == "A02-A-01"
    scan(wf, gtin(demo, "BATTERY-AA-4"))
    assert scan(wf, "CMD:YES").accepted  # the command card answers the question
    with demo.connect() as conn:
        lot = conn.execute(select(L.c.lot).where(L.c.action == "pick",
                                                 L.c.doc_code == "QC-1003",
                                                 L.c.doc_line == 2)).scalar_one()
    assert lot == "B2604"  # first to expire
    assert wf.step is Step.STAGE


def test_lots_are_planned_first_expiring_first_and_a_scanned_lot_is_taken(demo):
    add_order(demo, "SO-2009", ("BATTERY-AA-4", 69))  # A02-A-01: B2604 x12, B2611 x57
    wf = picker(demo, order="SO-2009")
    assert [(t.bin, t.lot, t.qty) for t in wf.plan.tasks] == [
        ("A02-A-01", "B2604", 12), ("A02-A-01", "B2611", 57)]
    go_to(wf)
    assert "Lot B2604" in wf.view().context
    # the box in hand is labelled with the other lot (GS1: GTIN + lot): that lot is taken
    gs1 = f"01{gtin(demo, 'BATTERY-AA-4').zfill(14)}10B2611"
    out = scan(wf, gs1)
    assert out.question.text == "How many BATTERY-AA-4? (Enter: 57)"
    assert wf.answer("").changed
    out = scan(wf, gtin(demo, "BATTERY-AA-4"))
    assert "Enter: 12" in out.question.text
    wf.answer("")
    with demo.connect() as conn:
        lots = conn.execute(select(L.c.lot, L.c.qty).where(
            L.c.action == "pick", L.c.doc_code == "SO-2009").order_by(L.c.id)).all()
    assert [tuple(r) for r in lots] == [("B2611", 57), ("B2604", 12)]
    assert wf.step is Step.STAGE


def test_quantity_question_answered_by_counting_scans(demo):
    wf = picker(demo, order="QC-1003")
    go_to(wf)
    mug = gtin(demo, "MUG-01")
    outs = [scan(wf, mug) for _ in range(4)]
    assert [o.changed for o in outs] == [False, False, False, True]
    assert "Counted 3" in outs[2].message
    assert line_picked(demo, "QC-1003", 1) == 4


def test_another_scan_is_refused_while_the_quantity_is_asked(demo):
    wf = picker(demo, order="QC-1003")
    go_to(wf)
    scan(wf, gtin(demo, "MUG-01"))
    out = scan(wf, "A02-A-01")  # walked on to the batteries: not the answer
    assert not out.accepted and out.message.startswith("A02-A-01 does not answer the "
                                                       "question. How many MUG-01?")
    assert out.question == wf.question and wf.question.text.startswith("How many MUG-01?")
    out = scan(wf, "CMD:NO")
    assert out.accepted and "nothing picked" in out.message
    assert line_picked(demo, "QC-1003", 1) == 0
    assert scan(wf, "A02-A-01").accepted
    assert wf.question is None and wf.at_bin == "A02-A-01"
    out = wf.answer("5")  # no question open: a typed number is not a code here
    assert not out.accepted


def test_typed_serial_is_recorded_as_typed(demo):
    wf = picker(demo, order="SO-1001")
    while wf.current_task().sku != "LAPTOP-14":
        go_to(wf)
        scan(wf, gtin(demo, "CABLE-TIE-100"))
        wf.answer("")
    at = wf.current_task().bin
    assert wf.answer(at).accepted  # the bin tag typed: damaged label
    serial = unit_in(demo, "LAPTOP-14", at)
    out = wf.answer(serial)
    assert out.accepted and out.changed
    with demo.connect() as conn:
        entry = conn.execute(select(L.c.entry).join(A, A.c.id == L.c.asset_id).where(
            A.c.serial == serial, L.c.action == "pick")).scalar_one()
    assert entry == "typed"


# -- refusals ----------------------------------------------------------------------------------

def test_wrong_bin_is_refused_with_where_to_go(demo):
    wf = picker(demo, order="SO-1001")
    before = ledger_rows(demo)
    task = wf.current_task()
    out = scan(wf, "B03-B-04")
    assert not out.accepted
    assert out.message == f"B03-B-04 is not a bin for this pick; go to {task.bin}."
    assert wf.at_bin is None
    out = scan(wf, unit_in(demo, "LAPTOP-14", "A01-B-03"))  # unit before its bin
    assert not out.accepted and "Scan bin" in out.message
    out = scan(wf, "OP-0003")
    assert not out.accepted and "OP-0003 is a badge" in out.message
    assert ledger_rows(demo) == before


def test_wrong_sku_is_refused_with_where_the_right_one_is(demo):
    wf = picker(demo, order="SO-1001")
    laptop_task = next(t for t in wf.plan.tasks if t.sku == "LAPTOP-14")
    assert scan(wf, laptop_task.bin).accepted  # bins may be visited out of walking order
    before = ledger_rows(demo)
    other_sku = other_units(demo, "LAPTOP-16", laptop_task.bin)[0][0]
    out = scan(wf, other_sku)
    assert not out.accepted
    assert out.message == (f"{other_sku} is a LAPTOP-16; order SO-1001 does not need it. "
                           f"Put it back; pick LAPTOP-14 in {laptop_task.bin}.")
    out = scan(wf, gtin(demo, "MUG-01"))
    assert not out.accepted and "Order SO-1001 does not need MUG-01; put it back" in out.message
    out = scan(wf, gtin(demo, "LAPTOP-14"))  # a serial SKU by its GTIN: never a bare quantity
    assert not out.accepted and "tracked by serial" in out.message
    out = scan(wf, gtin(demo, "CABLE-TIE-100"))  # on the order, but picked from another bin
    assert not out.accepted and "is in A01-A-01" in out.message
    assert ledger_rows(demo) == before


def test_unit_from_another_bin_is_refused(demo):
    wf = picker(demo, order="SO-1001")
    laptop_task = next(t for t in wf.plan.tasks if t.sku == "LAPTOP-14")
    scan(wf, laptop_task.bin)
    serial, its_bin = other_units(demo, "LAPTOP-14", laptop_task.bin)[0]
    before = ledger_rows(demo)
    out = scan(wf, serial)
    assert not out.accepted
    assert out.message == (f"{serial} is in {its_bin}, not in {laptop_task.bin}; put it back "
                           f"and take the LAPTOP-14 in {laptop_task.bin}.")
    assert unit_state(demo, serial) == ("in_stock", its_bin)
    assert ledger_rows(demo) == before


def test_unit_already_picked_names_order_operator_and_time(demo):
    add_order(demo, "SO-2003", ("LAPTOP-14", 2))
    wf = picker(demo, order="SO-2003")
    at = go_to(wf)
    serial = unit_in(demo, "LAPTOP-14", at)
    first = scan(wf, serial)
    assert first.accepted and first.question is not None  # one laptop per bin: zero check
    refused = scan(wf, serial)  # a scan does not answer the zero check
    assert not refused.accepted and "does not answer the question. Is " in refused.message
    assert scan(wf, "CMD:YES").accepted
    again = scan(wf, serial)
    assert not again.accepted
    assert re.search(rf"{serial} was already picked for order SO-2003 by OP-0001 at "
                     r"\d\d:\d\d\.", again.message), again.message
    # the unit the demo picked a month ago for SO-1001, scanned by someone else at a stop
    wf2 = picker(demo, "OP-0003", order="SO-1001")
    laptop = next(t for t in wf2.plan.tasks if t.sku == "LAPTOP-14")
    scan(wf2, laptop.bin)
    out = scan(wf2, "AT00000001")
    assert not out.accepted
    assert re.search(r"AT00000001 was already picked for order SO-1001 by OP-0001 at "
                     r"\d{4}-\d\d-\d\d \d\d:\d\d\.", out.message), out.message


def test_role_without_pick_is_refused_by_the_inventory_layer(demo):
    wf = picker(demo, "OP-0002", order="QC-1003")  # a receiver
    assert "receiver" not in PickWorkflow.roles
    go_to(wf)
    scan(wf, gtin(demo, "MUG-01"))
    out = wf.answer("")
    assert not out.accepted and out.message.startswith("OP-0002 is a receiver and may not pick")
    assert line_picked(demo, "QC-1003", 1) == 0


# -- short, zero check -------------------------------------------------------------------------

def test_short_pick_replans_elsewhere_and_flags_the_bin(demo):
    add_order(demo, "SO-2004", ("MUG-01", 4), ("USB-C-1M", 1))
    wf = picker(demo, order="SO-2004")
    assert [t.bin for t in wf.plan.tasks] == ["A01-A-02", "A02-B-02"]
    go_to(wf)
    out = scan(wf, "CMD:SHORT")
    assert out.accepted and out.warning
    assert "Short 4 of MUG-01 in A01-A-02. Get them from R01-A-02 instead." in out.message
    assert out.question.text == "Flag A01-A-02 for a count?"
    assert scan(wf, "CMD:YES").accepted
    assert needs_count(demo, "A01-A-02")
    assert [t.bin for t in wf.plan.tasks] == ["A02-B-02", "R01-A-02"]
    # short again at the reserve bin: no bin left, the line is short; NO = no flag
    scan(wf, "R01-A-02")
    out = scan(wf, "CMD:SHORT")
    assert "Line 1 is short." in out.message
    assert wf.answer("n").accepted and not needs_count(demo, "R01-A-02")
    go_to(wf)
    scan(wf, gtin(demo, "USB-C-1M"))
    assert wf.answer("").changed
    assert wf.step is Step.STAGE
    lines = {ln.cells[1]: ln.state for ln in wf.view().lines}
    assert lines == {"MUG-01": "short", "USB-C-1M": "done"}
    out = scan(wf, "CMD:DONE")  # ship straight from the pick bins
    assert out.done and "1 picked, 4 short" in out.message


def test_a_short_scan_moves_on_without_flagging(demo):
    add_order(demo, "SO-2005", ("SCREW-M4-20", 5), ("USB-C-1M", 1))
    wf = picker(demo, order="SO-2005")
    go_to(wf)
    scan(wf, "CMD:SHORT")
    out = scan(wf, "A02-B-02")  # the next bin does not answer the flag offer
    assert not out.accepted and "Flag A01-B-01 for a count?" in out.message
    out = scan(wf, "CMD:NO")
    assert out.accepted and out.message.startswith("A01-B-01 not flagged.")
    assert not needs_count(demo, "A01-B-01")


def test_zero_check_no_flags_the_bin_for_a_count(demo):
    add_order(demo, "SO-2006", ("SCREW-M4-20", 40))  # all that A01-B-01 holds
    wf = picker(demo, order="SO-2006")
    go_to(wf)
    scan(wf, gtin(demo, "SCREW-M4-20"))
    out = wf.answer("")
    assert out.changed and out.question.text == "Is A01-B-01 empty now?"
    assert wf.view().instruction == "Is A01-B-01 empty now?"
    out = scan(wf, "CMD:NO")
    assert out.accepted and out.warning and "A01-B-01 is flagged for a count" in out.message
    assert needs_count(demo, "A01-B-01")
    assert stock(demo, "SCREW-M4-20", "A01-B-01") == 0


def test_zero_check_yes_by_key_and_finish_short(demo):
    add_order(demo, "SO-2007", ("LAPTOP-14", 1), ("TAPE-48", 3))  # tape is only in staging
    wf = picker(demo, order="SO-2007")
    assert [t.sku for t in wf.plan.tasks] == ["LAPTOP-14"]  # no pickable tape: short
    at = go_to(wf)
    out = scan(wf, unit_in(demo, "LAPTOP-14", at))
    assert out.question is not None
    assert wf.answer("yes").accepted and not needs_count(demo, at)
    assert wf.step is Step.STAGE
    scan(wf, "ST01-A-03")
    out = scan(wf, "CMD:DONE")
    assert out.done and "1 picked, 3 short" in out.message
    assert any("Line 2 TAPE-48: 3 short" in s for s in wf.last_summary)


def test_done_with_lines_left_asks_then_finishes_short(demo):
    wf = picker(demo, order="QC-1003")
    go_to(wf)
    scan(wf, gtin(demo, "MUG-01"))
    wf.answer("")
    out = scan(wf, "CMD:DONE")
    assert out.question.text == "Finish with 2 short?"
    out = scan(wf, "A02-A-01")  # moving on does not answer it
    assert not out.accepted and "Finish with 2 short?" in out.message
    assert scan(wf, "CMD:NO").message.startswith("Go on picking.")
    out = scan(wf, "A02-A-01")
    assert out.accepted and wf.step is Step.PICK and wf.at_bin == "A02-A-01"
    scan(wf, "CMD:DONE")
    assert scan(wf, "CMD:YES").accepted
    assert wf.step is Step.STAGE
    out = scan(wf, "A01-A-01")  # not a staging bin
    assert not out.accepted and "staging" in out.message
    assert scan(wf, "ST01-A-02").changed
    assert "4 picked, 2 short" in scan(wf, "CMD:DONE").message


# -- undo, idempotency, auto ship --------------------------------------------------------------

def test_undo_gives_the_pick_back_and_the_task_returns(demo):
    wf = picker(demo, order="CC-1002")
    go_to(wf)
    scan(wf, gtin(demo, "USB-C-1M"))
    wf.answer("")
    assert line_picked(demo, "CC-1002", 2) == 2
    at = go_to(wf)
    serial = unit_in(demo, "PHONE-X5", at)
    scan(wf, serial)
    out = scan(wf, "CMD:UNDO")  # also drops the open zero-check question
    assert out.accepted and out.changed and f"Undone: pick of {serial}" in out.message
    assert wf.question is None
    assert unit_state(demo, serial) == ("in_stock", at)
    assert wf.step is Step.PICK and wf.current_task().bin == at
    out = scan(wf, "CMD:UNDO")  # a second undo asks first, naming it (issue 11 item 4)
    assert out.question is not None and "pick of 2 of USB-C-1M" in out.question.text
    assert line_picked(demo, "CC-1002", 2) == 2
    out = scan(wf, "CMD:YES")
    assert "2 of USB-C-1M" in out.message
    assert line_picked(demo, "CC-1002", 2) == 0 and stock(demo, "USB-C-1M", "A02-B-02") == 35
    assert [t.sku for t in wf.plan.tasks] == ["USB-C-1M", "PHONE-X5"]
    assert verify(demo) == []


def test_undo_of_a_stage_goes_back_to_staging(demo):
    wf = picker(demo, order="SO-1001")
    while wf.step is Step.PICK:
        at = go_to(wf)
        task = wf.current_task()
        if task.tracking == "serial":
            scan(wf, unit_in(demo, task.sku, at))
            if wf.question:
                scan(wf, "CMD:YES")
        else:
            scan(wf, task.sku)
            wf.answer("")
    scan(wf, "ST01-A-01")
    assert wf.step is Step.SHIP
    assert scan(wf, "CMD:UNDO").changed
    assert wf.step is Step.STAGE
    assert unit_state(demo, "AT00000001")[0] == "picked"


def test_the_same_scan_twice_changes_nothing_the_second_time(demo):
    wf = picker(demo, order="SO-1001")
    laptop = next(t for t in wf.plan.tasks if t.sku == "LAPTOP-14")
    scan(wf, laptop.bin)
    s, result = classified(demo, unit_in(demo, "LAPTOP-14", laptop.bin))
    first = wf.handle(s, result)
    assert first.changed
    rows = ledger_rows(demo)
    second = wf.handle(s, result)  # a retry, a replayed journal, a double-read
    assert second.accepted and not second.changed and second.message == first.message
    assert ledger_rows(demo) == rows
    # a quantity pick: the product scan's id is the key, the answer applies it once
    if wf.question:
        scan(wf, "CMD:YES")
    go_to(wf)
    s, result = classified(demo, gtin(demo, "CABLE-TIE-100"))
    wf.handle(s, result)
    assert wf.answer("").changed
    rows = ledger_rows(demo)
    assert not wf.handle(s, result).changed
    assert ledger_rows(demo) == rows
    assert line_picked(demo, "SO-1001", 2) == 1


def test_auto_ship_ships_when_staged(demo):
    wf = picker(demo, order="QC-1003", auto_ship=True)
    for sku in ("MUG-01", "BATTERY-AA-4"):
        go_to(wf)
        scan(wf, gtin(demo, sku))
        wf.answer("")
    out = scan(wf, "ST01-A-04")
    assert out.done and "staged in ST01-A-04" in out.message and "shipped" in out.message
    with demo.connect() as conn:
        status = conn.execute(select(Order.__table__.c.status)
                              .where(Order.__table__.c.code == "QC-1003")).scalar_one()
    assert status == "shipped"


def test_unrecognised_scans_and_keyboard_text_never_change_anything(demo):
    wf = picker(demo, order="SO-1001")
    rows = ledger_rows(demo)
    for payload in ("[@click=app.quit]", "4006381333932", "\x1b[31m", ""):
        out = scan(wf, payload)
        assert not out.accepted
    assert not wf.answer("nonsense-code").accepted
    assert not scan(wf, "CMD:YES").accepted  # nothing to answer
    assert ledger_rows(demo) == rows
    assert wf.services.shift.errors >= 6


def test_flag_for_count_is_idempotent_and_names_unknown_bins(demo):
    assert flag_for_count(demo, "A01-A-01") is True
    assert flag_for_count(demo, "A01-A-01") is False
    assert needs_count(demo, "A01-A-01")
    assert flag_for_count(demo, "A01-A-01", flagged=False) is True
    from scanner_tui.inventory.errors import NotFound

    with pytest.raises(NotFound, match="Z99-Z-99 is not a known bin"):
        flag_for_count(demo, "Z99-Z-99")


@pytest.mark.postgres
def test_pick_stage_ship_on_postgresql(pg_url):
    engine = open_store(pg_url)
    try:
        build_demo(engine)
        wf = picker(engine, order="CC-1002")
        while wf.step is Step.PICK:
            at = go_to(wf)
            task = wf.current_task()
            if task.tracking == "serial":
                out = scan(wf, unit_in(engine, task.sku, at))
                assert out.changed, out.message
            else:
                scan(wf, gtin(engine, task.sku), Source.SERIAL)
                assert wf.answer("").changed
        scan(wf, "ST01-A-01")
        out = scan(wf, "CMD:DONE")
        assert out.done and "3 picked, 0 short" in out.message
        assert verify(engine) == []
    finally:
        engine.dispose()


def test_view_accepts_hint_follows_the_step(demo):
    wf = picker(demo, order="SO-1001")
    assert wf.view().accepts == (Kind.BIN,)
    go_to(wf)
    assert Kind.PRODUCT in wf.view().accepts


# -- any sequence of scans keeps the books true ------------------------------------------------

ORDERS = ("SO-1001", "CC-1002", "QC-1003")
COMMANDS = tuple(f"CMD:{c}" for c in ("YES", "NO", "SHORT", "DONE", "CANCEL", "UNDO", "SKIP"))
TYPED = ("", "1", "2", "3", "40", "y", "n", "SO-1001", "A01-A-02")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A demo store built once; each example works on a copy of the file."""
    path = tmp_path_factory.mktemp("pick_template") / "demo.db"
    engine = open_store(f"sqlite:///{path}")
    build_demo(engine)
    with engine.connect() as conn:
        bins = list(conn.execute(select(B.c.code).order_by(B.c.code)).scalars())
        serials = list(conn.execute(select(A.c.serial).order_by(A.c.serial)).scalars())
        skus = list(conn.execute(select(Sku.__table__.c.code)).scalars())
    gtins = [gtin(engine, s) for s in skus]  # one connection at a time: writes begin IMMEDIATE
    engine.dispose()
    return path, bins, serials, gtins


def test_any_scan_sequence_keeps_verify_green(template, tmp_path):
    import shutil

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    path, bins, serials, gtins = template
    scanned = st.sampled_from(bins + serials + gtins + list(COMMANDS) + list(ORDERS)
                              + ["MUG01", "OP-0001", "4006381333932"])
    action = st.one_of(scanned.map(lambda p: ("scan", p)),
                       st.sampled_from(TYPED).map(lambda t: ("type", t)),
                       st.just(("follow", "")), st.just(("follow", "")))
    counter = iter(range(10**6))

    @settings(max_examples=40, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(order=st.sampled_from(ORDERS), actions=st.lists(action, min_size=10, max_size=40))
    def run(order, actions):
        copy = tmp_path / f"store{next(counter)}.db"
        shutil.copy(path, copy)
        engine = open_store(f"sqlite:///{copy}", upgrade=False)
        try:
            wf = picker(engine, order=order)
            for how, value in actions:
                rows = ledger_rows(engine)
                if how == "follow":  # do what the screen says: reaches the deep steps
                    how, value = follow(engine, wf)
                out = scan(wf, value) if how == "scan" else wf.answer(value)
                assert isinstance(out.message, str) and out.message
                if not out.accepted:
                    assert ledger_rows(engine) == rows, out.message
                view = wf.view()
                assert view.instruction and len(view.instruction) <= 38, view.instruction
            assert verify(engine) == []
        finally:
            engine.dispose()

    run()


def follow(engine, wf: PickWorkflow) -> tuple[str, str]:
    """The sensible next input for the workflow's current step."""
    if wf.question is not None:
        return "type", ""
    task = wf.current_task()
    if wf.step is Step.PICK and task is not None:
        if wf.at_bin != task.bin:
            return "scan", task.bin
        if task.tracking == "serial":
            return "scan", unit_in(engine, task.sku, task.bin) or task.bin
        return "scan", gtin(engine, task.sku)
    if wf.step is Step.STAGE:
        return "scan", "ST01-A-01"
    if wf.step is Step.CHOOSE:
        return "type", "1"
    return "scan", "CMD:DONE"


def test_an_order_with_nothing_in_stock_says_so(demo):
    add_order(demo, "SO-2010", ("TAPE-48", 3))  # tape lies only in a staging bin
    wf = picker(demo)
    out = scan(wf, "SO-2010")
    assert out.accepted and out.warning and "nothing of it is in a pick or reserve bin" in (
        out.message)
    assert wf.step is Step.NOTHING and wf.view().instruction == "Nothing to pick: CMD:CANCEL"
    assert not scan(wf, "ST01-A-02").accepted
    assert not scan(wf, "CMD:SHORT").accepted
    out = scan(wf, "CMD:CANCEL")
    assert out.accepted and wf.step is Step.CHOOSE
    assert scan(wf, "CMD:CANCEL").done  # leaving the order list leaves picking


def test_two_terminals_on_one_order_never_pick_a_line_twice(demo):
    first, second = picker(demo, order="QC-1003"), picker(demo, "OP-0003", order="QC-1003")
    for wf in (first, second):
        go_to(wf)
        scan(wf, gtin(demo, "MUG-01"))
    assert first.answer("").changed
    out = second.answer("")
    assert not out.accepted
    assert out.message == ("Order QC-1003 needs 4 of MUG-01 and all are picked; put this one "
                           "back.")
    assert second.question is None  # nothing left to ask about
    assert [t.sku for t in second.plan.tasks] == ["BATTERY-AA-4"]
    assert line_picked(demo, "QC-1003", 1) == 4


def test_skip_puts_a_task_off_until_the_end_of_the_walk(demo):
    wf = picker(demo, order="QC-1003")
    go_to(wf)  # A01-A-02, the mugs
    out = scan(wf, "CMD:SKIP")
    assert out.accepted and "MUG-01 in A01-A-02 put off until the end" in out.message
    assert wf.view().instruction == "Scan bin A02-A-01"
    go_to(wf)
    scan(wf, gtin(demo, "BATTERY-AA-4"))
    wf.answer("")
    assert wf.view().instruction == "Scan bin A01-A-02"
    out = scan(wf, "CMD:SKIP")
    assert out.accepted and out.message.startswith("Nothing else to pick first.")
    go_to(wf)
    scan(wf, gtin(demo, "MUG-01"))
    assert wf.answer("").changed and wf.step is Step.STAGE
