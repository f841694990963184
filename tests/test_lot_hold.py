"""Lots on hold and expired stock (issue 11 item 7): ``recall LOT --hold`` / ``--release``,
one rule for plan, pick, stage, ship and move (``inventory/lot_rules.py``), ``choose_lot``
never taking expired or held stock, and serial units filtered like quantities."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from scanner_tui.inventory import operations as ops
from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.bin_flags import needs_count
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.errors import LotNotPickable, NotAllowed
from scanner_tui.inventory.models import Asset, ExpectedSerial, LedgerEntry
from scanner_tui.inventory.recall import recall, render
from scanner_tui.inventory.verify import verify
from scanner_tui.workflows.lookup import LookupWorkflow
from scanner_tui.workflows.pick import PickWorkflow
from tests.workflow_helpers import gtin, ledger_rows, qty, scan, services

BOSS = Actor("OP-0003", "T3")
PICKER = Actor("OP-0001", "T1")


@pytest.fixture
def demo(engine):
    build_demo(engine)
    yield engine
    assert verify(engine) == []


def gs1(engine, lot: str, sku: str = "BATTERY-AA-4") -> str:
    return f"01{gtin(engine, sku).zfill(14)}10{lot}"


def battery_plan(engine) -> list[tuple]:
    wf = PickWorkflow(services(engine), order="QC-1003")
    return [(t.bin, t.lot, t.qty) for t in wf.plan.tasks if t.sku == "BATTERY-AA-4"]


def rows_of(engine, action: str) -> list:
    with engine.connect() as conn:
        return conn.execute(select(LedgerEntry).where(LedgerEntry.action == action)
                            .order_by(LedgerEntry.id)).all()


def laptops_in_stock(engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(Asset.serial).where(
            Asset.lot == "LT2609A", Asset.status == "in_stock").order_by(Asset.serial))
            .scalars())


# --- hold and release ------------------------------------------------------------------------

def test_a_held_lot_is_not_planned_and_refused_when_scanned_until_released(demo):
    assert battery_plan(demo) == [("A02-A-01", "B2604", 2)]
    done = ops.hold_lot(demo, actor=BOSS, scan_id="hold-1", lot="B2604", reason="supplier recall")
    assert "Lot B2604 is on hold: 0 unit(s) and 12 by quantity" in done.message
    assert [(r.lot, r.qty, r.reason) for r in rows_of(demo, "hold")] == [
        ("B2604", 12, "hold: supplier recall (12 in A02-A-01)")]
    assert battery_plan(demo) == [("A02-A-01", "B2611", 2)]  # the next lot, not the held one

    wf = PickWorkflow(services(demo), order="QC-1003")
    scan(wf, "A01-A-02")
    scan(wf, gtin(demo, "MUG-01"))
    assert wf.answer("4").accepted
    assert scan(wf, "A02-A-01").accepted
    before = ledger_rows(demo)
    out = scan(wf, gs1(demo, "B2604"))
    assert not out.accepted and out.question is None
    assert "Lot B2604 is on hold (recall); put it aside." in out.message
    assert not needs_count(demo, "A02-A-01")  # the books are right: nothing to count
    assert ledger_rows(demo) == before
    with pytest.raises(LotNotPickable, match="on hold"):  # the operation refuses it too
        ops.pick(demo, actor=PICKER, scan_id="p-held", order="QC-1003", sku="BATTERY-AA-4",
                 bin="A02-A-01", qty=1, lot="B2604")

    done = ops.release_lot(demo, actor=BOSS, scan_id="rel-1", lot="B2604")
    assert "Lot B2604 is released" in done.message
    assert [r.qty for r in rows_of(demo, "release")] == [12]
    assert battery_plan(demo) == [("A02-A-01", "B2604", 2)]


def test_only_a_supervisor_or_admin_holds_or_releases_read_from_the_store(demo):
    with pytest.raises(NotAllowed, match="may not hold or release lots"):
        ops.hold_lot(demo, actor=Actor("OP-0001", "T1"), scan_id="h-picker", lot="B2604")
    ops.hold_lot(demo, actor=Actor("OP-0009", "T1"), scan_id="h-admin", lot="B2604")
    with pytest.raises(NotAllowed):
        ops.release_lot(demo, actor=Actor("OP-0002", "T1"), scan_id="r-recv", lot="B2604")
    again = ops.hold_lot(demo, actor=BOSS, scan_id="h-again", lot="B2604")
    assert "already on hold (by OP-0009" in again.message and not again.ledger_ids


def test_stock_of_a_held_lot_moves_out_only_into_quarantine_or_by_a_supervisor(demo):
    ops.hold_lot(demo, actor=BOSS, scan_id="hold-m", lot="B2604")
    with pytest.raises(LotNotPickable, match="move it only into a quarantine bin"):
        ops.move(demo, actor=PICKER, scan_id="m1", to_bin="A01-A-03", sku="BATTERY-AA-4",
                 qty=2, from_bin="A02-A-01", lot="B2604")
    ops.move(demo, actor=PICKER, scan_id="m2", to_bin="QA01-A-01", sku="BATTERY-AA-4",
             qty=2, from_bin="A02-A-01", lot="B2604")
    ops.move(demo, actor=BOSS, scan_id="m3", to_bin="A01-A-03", sku="BATTERY-AA-4",
             qty=1, from_bin="A02-A-01", lot="B2604")
    assert qty(demo, "BATTERY-AA-4", "QA01-A-01") == 2
    # a move into quarantine without a lot takes the held lot first: it is what goes aside
    ops.move(demo, actor=PICKER, scan_id="m4", to_bin="QA01-A-01", sku="BATTERY-AA-4",
             qty=9, from_bin="A02-A-01")
    assert recall(demo, "B2604")["stock"] == [
        {"sku": "BATTERY-AA-4", "bin": "A01-A-03", "qty": 1, "expiry": "2030-03-31",
         "held": True},
        {"sku": "BATTERY-AA-4", "bin": "QA01-A-01", "qty": 11, "expiry": "2030-03-31",
         "held": True}]


def test_an_order_with_held_stock_picked_is_neither_staged_nor_shipped(demo):
    ops.pick(demo, actor=PICKER, scan_id="p1", order="QC-1003", sku="BATTERY-AA-4",
             bin="A02-A-01", qty=2, lot="B2604")
    ops.hold_lot(demo, actor=BOSS, scan_id="hold-s", lot="B2604")
    with pytest.raises(LotNotPickable, match="order QC-1003 cannot go out with it"):
        ops.ship(demo, actor=PICKER, scan_id="s1", order="QC-1003")
    ops.release_lot(demo, actor=BOSS, scan_id="rel-s", lot="B2604")
    assert "shipped" in ops.ship(demo, actor=PICKER, scan_id="s2", order="QC-1003").message


def test_a_held_serial_unit_is_not_planned_and_is_refused_in_pick(demo):
    ops.hold_lot(demo, actor=BOSS, scan_id="hold-lt", lot="LT2609A", sku="LAPTOP-14")
    wf = PickWorkflow(services(demo), order="SO-1001")
    assert all(t.sku != "LAPTOP-14" for t in wf.plan.tasks)
    unit = laptops_in_stock(demo)[0]
    assert scan(wf, "A01-A-01").accepted  # the cable ties' bin
    out = scan(wf, unit)
    assert not out.accepted and "Lot LT2609A is on hold (recall); put it aside." in out.message
    with pytest.raises(LotNotPickable):
        ops.pick(demo, actor=PICKER, scan_id="p-unit", order="SO-1001", serial=unit)
    with pytest.raises(LotNotPickable):  # nor moved out of its bin by a picker
        ops.move(demo, actor=PICKER, scan_id="m-unit", to_bin="A01-A-03", serial=unit)
    assert len(rows_of(demo, "hold")) == len(laptops_in_stock(demo)) + 1  # + the picked one


def test_look_up_and_recall_say_on_hold(demo):
    ops.hold_lot(demo, actor=BOSS, scan_id="hold-l", lot="LT2609A")
    unit = laptops_in_stock(demo)[0]
    out = scan(LookupWorkflow(services(demo)), unit)
    assert "on hold (recall)" in out.message
    ops.hold_lot(demo, actor=BOSS, scan_id="hold-b", lot="B2604")
    view = LookupWorkflow(services(demo))
    scan(view, "A02-A-01")
    assert any("B2604 on hold" in " ".join(line.cells) for line in view.view().lines)
    r = recall(demo, "LT2609A")
    assert r["hold"]["by"] == "OP-0003" and r["hold"]["sku"] is None
    assert render(r)[1].startswith("On hold since ")
    assert recall(demo, "B2611")["hold"] is None and render(recall(demo, "B2611"))[1] == \
        "Not on hold."


# --- choose_lot: FEFO among pickable lots only (item 3) -----------------------------------------

def test_a_pick_without_a_lot_never_takes_an_expired_lot(demo):
    ops.receive(demo, actor=BOSS, scan_id="in-old", bin="A02-A-01", sku="BATTERY-AA-4", qty=5,
                lot="OLD", expiry=date(2024, 1, 1))
    done = ops.pick(demo, actor=PICKER, scan_id="p-nolot", order="QC-1003",
                    sku="BATTERY-AA-4", bin="A02-A-01", qty=2)
    assert done.data["lot"] == "B2604"  # first to expire among lots that have not expired


def test_only_expired_or_held_stock_left_is_refused_and_nothing_moves(demo):
    ops.receive(demo, actor=BOSS, scan_id="in-old", bin="A01-A-03", sku="BATTERY-AA-4", qty=5,
                lot="OLD", expiry=date(2024, 1, 1))
    before = ledger_rows(demo)
    with pytest.raises(LotNotPickable, match="Lot OLD of BATTERY-AA-4 expired on 2024-01-01; "
                                             "put it aside."):
        ops.pick(demo, actor=PICKER, scan_id="p-old", order="QC-1003", sku="BATTERY-AA-4",
                 bin="A01-A-03", qty=2)
    with pytest.raises(LotNotPickable, match="expired on 2024-01-01"):
        ops.move(demo, actor=PICKER, scan_id="m-old", to_bin="A01-A-04", sku="BATTERY-AA-4",
                 qty=2, from_bin="A01-A-03")
    ops.hold_lot(demo, actor=BOSS, scan_id="hold-b", lot="B2604")
    ops.hold_lot(demo, actor=BOSS, scan_id="hold-c", lot="B2611")
    before = ledger_rows(demo)
    with pytest.raises(LotNotPickable, match="Lot B2604 is on hold"):
        ops.pick(demo, actor=PICKER, scan_id="p-held", order="QC-1003", sku="BATTERY-AA-4",
                 bin="A02-A-01", qty=2)
    assert ledger_rows(demo) == before


# --- serial units of an expired lot (item 4) ----------------------------------------------------

def test_a_serial_unit_of_an_expired_lot_is_never_planned_and_refused_when_scanned(demo):
    with demo.connect() as conn:
        serial = conn.execute(select(ExpectedSerial.serial).order_by(ExpectedSerial.id)
                              .limit(1)).scalar_one()
    ops.receive(demo, actor=BOSS, scan_id="in-unit", bin="A01-A-03", serial=serial,
                receipt="R-1001", line=1, lot="LTOLD", expiry=date(2024, 1, 1))
    wf = PickWorkflow(services(demo), order="SO-1001")
    assert all(t.bin != "A01-A-03" for t in wf.plan.tasks)
    assert scan(wf, "A01-A-01").accepted
    out = scan(wf, serial)
    assert not out.accepted
    assert "Lot LTOLD of LAPTOP-14 expired on 2024-01-01; put it aside." in out.message
    assert needs_count(demo, "A01-A-03")
    with pytest.raises(LotNotPickable, match="expired on 2024-01-01"):
        ops.pick(demo, actor=PICKER, scan_id="p-exp", order="SO-1001", serial=serial)


def test_a_pick_from_the_wrong_bin_is_sent_to_stock_that_may_be_picked(demo):
    ops.receive(demo, actor=BOSS, scan_id="in-old", bin="A01-A-03", sku="BATTERY-AA-4",
                qty=100, lot="OLD", expiry=date(2024, 1, 1))
    with pytest.raises(Exception, match="go to A02-A-01"):  # not to the expired 100
        ops.pick(demo, actor=PICKER, scan_id="p-wrong", order="QC-1003", sku="BATTERY-AA-4",
                 bin="A01-A-04", qty=2)


def test_undo_after_a_hold_puts_a_unit_back_where_it_was(demo):
    """Hold rows are notes: undo of a later move looks past them to the unit's last state."""
    unit = laptops_in_stock(demo)[0]
    with demo.connect() as conn:
        home = conn.execute(select(Asset.bin_id).where(Asset.serial == unit)).scalar_one()
    ops.hold_lot(demo, actor=BOSS, scan_id="hold-u", lot="LT2609A")
    ops.move(demo, actor=BOSS, scan_id="mv-u", to_bin="QA01-A-01", serial=unit)
    assert "Undone: move" in ops.undo_last(demo, actor=BOSS, scan_id="undo-u").message
    with demo.connect() as conn:
        assert conn.execute(select(Asset.bin_id, Asset.status).where(Asset.serial == unit)
                            ).one() == (home, "in_stock")


def test_an_order_with_a_held_unit_picked_is_not_staged(demo):
    # SO-1001 has one LAPTOP-14 of lot LT2609A picked already
    ops.hold_lot(demo, actor=BOSS, scan_id="hold-st", lot="LT2609A")
    with pytest.raises(LotNotPickable, match="Lot LT2609A is on hold \\(recall\\); order "
                                             "SO-1001 cannot go out with it"):
        ops.stage(demo, actor=PICKER, scan_id="st1", order="SO-1001", bin="ST01-A-01")
    with pytest.raises(LotNotPickable):
        ops.ship(demo, actor=PICKER, scan_id="sh1", order="SO-1001")
