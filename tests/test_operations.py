"""Stock operations on a real SQLite file: every rule, the ledger, roles, idempotency, undo."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from scanner_tui.inventory import errors as E
from scanner_tui.inventory import operations as ops
from scanner_tui.inventory.actor import Actor, actor_for
from scanner_tui.inventory.models import (
    AppliedScan,
    Asset,
    ExpectedSerial,
    LedgerEntry,
    Order,
    OrderLine,
    ReceiptLine,
    Stock,
)
from tests.ledger_helpers import badge_scan
from tests.test_ops_store import (
    ADMIN,
    PICKER,
    RECEIVER,
    SUPERVISOR,
    assert_books_agree,
    seed,
    sid,
)


@pytest.fixture
def store(engine):
    seed(engine)
    return engine


def qty(engine, bin_code: str, sku_id: int = 2, lot: str | None = None) -> int:
    from scanner_tui.inventory.models import Bin

    with Session(engine) as s:
        q = select(func.coalesce(func.sum(Stock.qty), 0)).join(Bin, Bin.id == Stock.bin_id)
        q = q.where(Bin.code == bin_code, Stock.sku_id == sku_id)
        if lot is not None:
            q = q.where(Stock.lot == lot)
        return int(s.execute(q).scalar())


def unit(engine, serial: str) -> Asset:
    with Session(engine) as s:
        return s.execute(select(Asset).where(Asset.serial == serial)).scalar_one()


def ledger(engine) -> list[LedgerEntry]:
    with Session(engine) as s:
        return list(s.execute(select(LedgerEntry).order_by(LedgerEntry.id)).scalars())


def bin_id(engine, code: str) -> int:
    from scanner_tui.inventory.models import Bin

    with Session(engine) as s:
        return s.execute(select(Bin.id).where(Bin.code == code)).scalar_one()


def receive_laptops(engine, *serials: str, bin: str = "D01-A-01") -> None:
    for serial in serials:
        ops.receive(engine, actor=RECEIVER, scan_id=sid(), bin=bin, sku="LAPTOP-15",
                    serial=serial)


def receive_mugs(engine, n: int, bin: str = "A01-A-01", lot: str = "") -> None:
    ops.receive(engine, actor=SUPERVISOR, scan_id=sid(), bin=bin, sku="MUG-01", qty=n, lot=lot)


# -- actor ----------------------------------------------------------------------------------
def test_actor_from_operator_table(store):
    assert actor_for(store, "OP-0001", "T9") == Actor("OP-0001", "T9", "picker")
    with Session(store) as s:
        assert actor_for(s, " OP-0003 ", "T9").role == "supervisor"
    with pytest.raises(E.NotFound, match="OP-0077 is not a known badge"):
        actor_for(store, "OP-0077", "T9")
    with pytest.raises(E.Inactive):
        actor_for(store, "OP-0009", "T9")


# -- receive --------------------------------------------------------------------------------
def test_receive_serial_against_ship_notice_records_typed_entry(store):
    res = ops.receive(store, actor=RECEIVER, scan_id="scan-1", bin="D01-A-01", serial="SN0001",
                      receipt="R-100", entry="typed", lot="L1")
    assert res.message == "Received SN0001 (LAPTOP-15) into D01-A-01."
    a = unit(store, "SN0001")
    assert (a.status, a.bin_id, a.entry, a.lot) == ("in_stock", bin_id(store, "D01-A-01"),
                                                    "typed", "L1")
    (row,) = ledger(store)
    assert (row.action, row.asset_id, row.to_bin_id, row.status_after) == (
        "receive", a.id, a.bin_id, "in_stock")
    assert (row.entry, row.scan_id, row.operator, row.terminal) == ("typed", "scan-1",
                                                                    "OP-0002", "T2")
    assert (row.doc_type, row.doc_code, row.doc_line) == ("receipt", "R-100", 1)
    with Session(store) as s:
        assert s.get(ReceiptLine, 1).qty_received == 1
        got = s.execute(select(ExpectedSerial).where(ExpectedSerial.serial == "SN0001"))
        assert got.scalar_one().received
    assert_books_agree(store)


def test_receive_refusals_change_nothing(store):
    receive_laptops(store, "SN0001")
    cases = [
        (dict(bin="D01-A-01", sku="LAPTOP-15", serial="SN0001"), E.DuplicateSerial,
         "SN0001 already exists here"),
        (dict(bin="D01-A-01", sku="LAPTOP-15", serial="ZZ9", receipt="R-100"),
         E.NotOnDocument, "not on the ship notice"),
        (dict(bin="D01-A-01", sku="LAPTOP-15", qty=2), E.SerialRequired, "scan each unit"),
        (dict(bin="D01-A-01", sku="MUG-01", serial="M1"), E.NotSerialTracked, "by quantity"),
        (dict(bin="S01-A-01", sku="MUG-01", qty=1), E.WrongBinKind, "S01-A-01 is a staging"),
        (dict(bin="X01-A-01", sku="MUG-01", qty=1), E.Inactive, "not in use"),
        (dict(bin="Z99-Z-99", sku="MUG-01", qty=1), E.NotFound, "Z99-Z-99 is not a known bin"),
        (dict(bin="D01-A-01", sku="NOPE", qty=1), E.NotFound, "NOPE is not a known product"),
        (dict(bin="D01-A-01", sku="MUG-01", qty=11, receipt="R-100"), E.NotOnDocument,
         "expects 10"),
        (dict(bin="D01-A-01", sku="MUG-01", qty=0), E.BadQuantity, "not a quantity"),
    ]
    before = ledger(store)
    for kwargs, exc, text in cases:
        with pytest.raises(exc, match=text):
            ops.receive(store, actor=RECEIVER, scan_id=sid(), **kwargs)
    assert ledger(store) == before
    with Session(store) as s:
        assert s.execute(select(func.count()).select_from(AppliedScan)).scalar() == 1


def test_receive_quantity_by_gtin_and_alias(store):
    ops.receive(store, actor=RECEIVER, scan_id=sid(), bin="D01-A-01", sku="4006381333931",
                qty=4, receipt="R-100", lot="L7")
    ops.receive(store, actor=RECEIVER, scan_id=sid(), bin="D01-A-01", sku="MUGALIAS", qty=1,
                lot="L7")
    assert qty(store, "D01-A-01", lot="L7") == 5
    with Session(store) as s:
        assert s.get(ReceiptLine, 2).qty_received == 4
    assert_books_agree(store)


def test_roles_are_checked_here(store):
    with pytest.raises(E.NotAllowed, match="OP-0001 is a picker and may not receive stock"):
        ops.receive(store, actor=PICKER, scan_id=sid(), bin="D01-A-01", sku="MUG-01", qty=1)
    receive_mugs(store, 5)
    with pytest.raises(E.NotAllowed, match="may not adjust stock"):
        ops.adjust(store, actor=PICKER, scan_id=sid(), bin="A01-A-01", sku="MUG-01", delta=-1)
    with pytest.raises(E.NotAllowed, match="scrap"):
        ops.scrap(store, actor=RECEIVER, scan_id=sid(), sku="MUG-01", bin="A01-A-01", qty=1)
    with pytest.raises(E.NotAllowed, match="pick orders"):
        ops.pick(store, actor=RECEIVER, scan_id=sid(), order="1007", sku="MUG-01",
                 bin="A01-A-01")
    assert qty(store, "A01-A-01") == 5


# -- idempotency ----------------------------------------------------------------------------
def test_same_scan_twice_changes_stock_once(store):
    first = ops.receive(store, actor=RECEIVER, scan_id="dup", bin="D01-A-01", sku="MUG-01",
                        qty=3)
    again = ops.receive(store, actor=RECEIVER, scan_id="dup", bin="D01-A-01", sku="MUG-01",
                        qty=3)
    assert qty(store, "D01-A-01") == 3
    assert again.replayed and not first.replayed
    assert (again.message, again.ledger_ids) == (first.message, first.ledger_ids)
    # a retried move after a "timeout" does not move twice
    for _ in range(2):
        ops.move(store, actor=PICKER, scan_id="mv", to_bin="A01-A-01", sku="MUG-01", qty=2,
                 from_bin="D01-A-01")
    assert (qty(store, "D01-A-01"), qty(store, "A01-A-01")) == (1, 2)
    assert_books_agree(store)


def test_same_scan_from_two_threads_at_once_applies_once(store):
    receive_mugs(store, 50, bin="D01-A-01")
    results, errors = [], []
    barrier = threading.Barrier(4)

    def worker() -> None:
        barrier.wait()
        try:
            results.append(ops.move(store, actor=PICKER, scan_id="same", to_bin="A01-A-01",
                                    sku="MUG-01", qty=7, from_bin="D01-A-01"))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(r.replayed for r in results) == [False, True, True, True]
    assert qty(store, "A01-A-01") == 7 and qty(store, "D01-A-01") == 43
    assert_books_agree(store)


# -- putaway / move -------------------------------------------------------------------------
def test_putaway_and_move_rules(store):
    receive_laptops(store, "SN0001")
    receive_mugs(store, 5, bin="D01-A-01", lot="L1")
    with pytest.raises(E.WrongBinKind, match="D01-A-01 is a dock bin; putaway goes to a pick"):
        ops.putaway(store, actor=PICKER, scan_id=sid(), to_bin="D01-A-01", serial="SN0001")
    with pytest.raises(E.WrongBinKind, match="staging"):
        ops.move(store, actor=PICKER, scan_id=sid(), to_bin="S01-A-01", serial="SN0001")
    with pytest.raises(E.WrongBin, match="SN0001 is in D01-A-01, not in A01-A-02"):
        ops.putaway(store, actor=PICKER, scan_id=sid(), to_bin="A01-A-01", serial="SN0001",
                    from_bin="A01-A-02")
    with pytest.raises(E.SerialRequired):
        ops.putaway(store, actor=PICKER, scan_id=sid(), to_bin="A01-A-01", sku="LAPTOP-15",
                    from_bin="D01-A-01", qty=1)
    with pytest.raises(E.InsufficientStock, match="D01-A-01 holds only 5 of MUG-01"):
        ops.putaway(store, actor=PICKER, scan_id=sid(), to_bin="A01-A-01", sku="MUG-01",
                    qty=6, from_bin="D01-A-01", lot="L1")
    res = ops.putaway(store, actor=PICKER, scan_id=sid(), to_bin="A01-A-01", serial="SN0001",
                      from_bin="D01-A-01")
    assert res.message == "SN0001 (LAPTOP-15) is now in A01-A-01."
    with pytest.raises(E.SameBin):
        ops.move(store, actor=PICKER, scan_id=sid(), to_bin="A01-A-01", serial="SN0001")
    ops.putaway(store, actor=PICKER, scan_id=sid(), to_bin="R01-A-01", sku="MUG-01", qty=5,
                from_bin="D01-A-01")  # no lot given: the only lot with enough
    assert qty(store, "R01-A-01", lot="L1") == 5 and qty(store, "D01-A-01") == 0
    ops.move(store, actor=PICKER, scan_id=sid(), to_bin="Q01-A-01", serial="SN0001")
    assert unit(store, "SN0001").status == "quarantined"
    ops.move(store, actor=PICKER, scan_id=sid(), to_bin="A01-A-02", serial="SN0001")
    assert unit(store, "SN0001").status == "in_stock"
    assert_books_agree(store)


# -- pick / stage / ship --------------------------------------------------------------------
def test_pick_serial_then_again_says_who_and_when(store):
    receive_laptops(store, "SN0001", "SN0002", bin="A01-A-01")
    res = ops.pick(store, actor=PICKER, scan_id=sid(), order="1007", serial="SN0001",
                   bin="A01-A-01")
    assert res.message == "Picked SN0001 (LAPTOP-15) for order 1007."
    a = unit(store, "SN0001")
    with Session(store) as s:
        line = s.get(OrderLine, a.order_line_id)
        assert (line.line_no, line.qty_picked) == (1, 1)
        assert s.get(Order, 1).status == "picking"
    with pytest.raises(E.AlreadyPicked,
                       match=r"SN0001 was already picked for order 1007 by OP-0001 at \d\d:\d\d"):
        ops.pick(store, actor=SUPERVISOR, scan_id=sid(), order="1008", serial="SN0001")
    with pytest.raises(E.WrongBin, match="SN0002 is in A01-A-01, not in A01-A-02"):
        ops.pick(store, actor=PICKER, scan_id=sid(), order="1007", serial="SN0002",
                 bin="A01-A-02")
    with pytest.raises(E.AlreadyPicked):
        ops.move(store, actor=PICKER, scan_id=sid(), to_bin="A01-A-02", serial="SN0001")
    assert_books_agree(store)


def test_quantity_pick_points_to_the_right_bin_and_never_overpicks(store):
    receive_mugs(store, 10, bin="A01-A-02", lot="L1")
    with pytest.raises(E.WrongBin, match="A01-A-01 is not the bin for this; go to A01-A-02"):
        ops.pick(store, actor=PICKER, scan_id=sid(), order="1007", sku="MUG-01", qty=2,
                 bin="A01-A-01")
    with pytest.raises(E.SerialRequired):
        ops.pick(store, actor=PICKER, scan_id=sid(), order="1007", sku="LAPTOP-15",
                 bin="A01-A-02")
    ops.pick(store, actor=PICKER, scan_id=sid(), order="1007", sku="MUG-01", qty=2,
             bin="A01-A-02")
    with pytest.raises(E.NotOnDocument, match="needs 3 of MUG-01 and all are picked"):
        ops.pick(store, actor=PICKER, scan_id=sid(), order="1007", sku="MUG-01", qty=2,
                 bin="A01-A-02")
    assert qty(store, "A01-A-02") == 8
    with Session(store) as s:
        assert s.get(OrderLine, 2).qty_picked == 2
    assert_books_agree(store)


def test_stage_ship_records_serials_per_line_and_shipped_unit_cannot_be_picked(store):
    receive_laptops(store, "SN0001", "SN0002", "SN0003", bin="A01-A-01")
    receive_mugs(store, 10, bin="A01-A-02")
    for serial in ("SN0001", "SN0002"):
        ops.pick(store, actor=PICKER, scan_id=sid(), order="1007", serial=serial)
    ops.pick(store, actor=PICKER, scan_id=sid(), order="1007", sku="MUG-01", qty=3,
             bin="A01-A-02", lot="")
    with pytest.raises(E.WrongBinKind):
        ops.stage(store, actor=PICKER, scan_id=sid(), order="1007", bin="A01-A-02")
    res = ops.stage(store, actor=PICKER, scan_id=sid(), order="1007", bin="S01-A-01")
    assert "2 units moved" in res.message
    assert unit(store, "SN0001").bin_id == bin_id(store, "S01-A-01")
    shipped = ops.ship(store, actor=PICKER, scan_id=sid(), order="1007")
    assert shipped.message == "Order 1007 shipped: 5 units."
    assert shipped.data["serials"] == {"1": ["SN0001", "SN0002"]}
    a = unit(store, "SN0001")
    assert (a.status, a.bin_id) == ("shipped", None)
    rows = [r for r in ledger(store) if r.action == "ship"]
    assert [(r.asset_id is not None, r.doc_code, r.doc_line, r.qty) for r in rows] == [
        (True, "1007", 1, 1), (True, "1007", 1, 1), (False, "1007", 2, 3)]
    with Session(store) as s:
        lines = s.execute(select(OrderLine).where(OrderLine.order_id == 1)).scalars()
        assert [ln.qty_shipped for ln in lines] == [2, 3]
        assert s.get(Order, 1).status == "shipped"
    with pytest.raises(E.AlreadyShipped, match="SN0001 has already shipped on order 1007"):
        ops.pick(store, actor=PICKER, scan_id=sid(), order="1008", serial="SN0001")
    with pytest.raises(E.DocumentClosed, match="Order 1007 is shipped"):
        ops.ship(store, actor=PICKER, scan_id=sid(), order="1007")
    assert_books_agree(store)


# -- return ---------------------------------------------------------------------------------
def test_returns_only_what_shipped_from_here(store):
    receive_laptops(store, "SN0001", "SN0002", bin="A01-A-01")
    receive_mugs(store, 10, bin="A01-A-02")
    ops.pick(store, actor=PICKER, scan_id=sid(), order="1007", serial="SN0001")
    ops.pick(store, actor=PICKER, scan_id=sid(), order="1007", sku="MUG-01", qty=3,
             bin="A01-A-02")
    ops.ship(store, actor=PICKER, scan_id=sid(), order="1007")
    with pytest.raises(E.NeverShipped, match="SN0002 never left here: the store has it in "
                                             "stock in A01-A-01"):
        ops.return_unit(store, actor=RECEIVER, scan_id=sid(), bin="T01-A-01", serial="SN0002")
    with pytest.raises(E.NeverShipped, match="FOREIGN1 was never shipped from here"):
        ops.return_unit(store, actor=RECEIVER, scan_id=sid(), bin="T01-A-01",
                        serial="FOREIGN1")
    with pytest.raises(E.WrongBinKind):
        ops.return_unit(store, actor=RECEIVER, scan_id=sid(), bin="A01-A-01", serial="SN0001")
    res = ops.return_unit(store, actor=RECEIVER, scan_id=sid(), bin="T01-A-01",
                          serial="SN0001", reason="does not boot")
    assert res.message == "Returned SN0001 (LAPTOP-15) from order 1007 into T01-A-01."
    assert unit(store, "SN0001").status == "returned"
    ops.return_unit(store, actor=RECEIVER, scan_id=sid(), bin="T01-A-01", sku="MUG-01",
                    qty=2, order="1007")
    with pytest.raises(E.NeverShipped, match="Order 1007 shipped 3 of MUG-01; 2 more"):
        ops.return_unit(store, actor=RECEIVER, scan_id=sid(), bin="T01-A-01", sku="MUG-01",
                        qty=2, order="1007")
    # a returned unit goes back to a pick bin and becomes stock again
    ops.putaway(store, actor=PICKER, scan_id=sid(), to_bin="A01-A-01", serial="SN0001")
    assert unit(store, "SN0001").status == "in_stock"
    assert_books_agree(store)


# -- adjust / scrap -------------------------------------------------------------------------
def test_adjust_needs_a_supervisor(store):
    receive_mugs(store, 5)
    with pytest.raises(E.NeedsApproval, match="A supervisor must approve"):
        ops.adjust(store, actor=RECEIVER, scan_id=sid(), bin="A01-A-01", sku="MUG-01",
                   delta=-1)
    with pytest.raises(E.NotAllowed, match="OP-0001 is a picker and may not approve"):
        ops.adjust(store, actor=RECEIVER, scan_id=sid(), bin="A01-A-01", sku="MUG-01",
                   delta=-1, approved_by=badge_scan(store, "OP-0001", RECEIVER.terminal))
    with pytest.raises(E.Inactive):
        ops.adjust(store, actor=RECEIVER, scan_id=sid(), bin="A01-A-01", sku="MUG-01",
                   delta=-1, approved_by=badge_scan(store, "OP-0009", RECEIVER.terminal))
    res = ops.adjust(store, actor=RECEIVER, scan_id=sid(), bin="A01-A-01", sku="MUG-01",
                     delta=-1, approved_by=badge_scan(store, "OP-0003", RECEIVER.terminal),
                     reason="broken")
    assert "approved by OP-0003" in res.message
    assert ledger(store)[-1].reason == "broken (approved by OP-0003)"
    ops.adjust(store, actor=SUPERVISOR, scan_id=sid(), bin="A01-A-01", sku="MUG-01",
               counted=7)
    assert qty(store, "A01-A-01") == 7
    with pytest.raises(E.InsufficientStock):
        ops.adjust(store, actor=ADMIN, scan_id=sid(), bin="A01-A-01", sku="MUG-01", delta=-8)
    with pytest.raises(E.SerialRequired):
        ops.adjust(store, actor=ADMIN, scan_id=sid(), bin="A01-A-01", sku="LAPTOP-15",
                   delta=1)
    assert ops.adjust(store, actor=ADMIN, scan_id=sid(), bin="A01-A-01", sku="MUG-01",
                      counted=7).ledger_ids == ()
    assert_books_agree(store)


def test_scrap(store):
    receive_laptops(store, "SN0001", bin="A01-A-01")
    receive_mugs(store, 5)
    ops.scrap(store, actor=SUPERVISOR, scan_id=sid(), serial="SN0001", reason="dropped")
    assert (unit(store, "SN0001").status, unit(store, "SN0001").bin_id) == ("scrapped", None)
    with pytest.raises(E.NotInStock, match="SN0001 is scrapped"):
        ops.pick(store, actor=PICKER, scan_id=sid(), order="1007", serial="SN0001")
    ops.scrap(store, actor=ADMIN, scan_id=sid(), sku="MUG-01", bin="A01-A-01", qty=2)
    assert qty(store, "A01-A-01") == 3
    assert_books_agree(store)


# -- undo -----------------------------------------------------------------------------------
def test_undo_reverses_own_last_change_with_compensating_rows(store):
    receive_mugs(store, 10, bin="D01-A-01")
    ops.move(store, actor=PICKER, scan_id="m1", to_bin="A01-A-01", sku="MUG-01", qty=4,
             from_bin="D01-A-01")
    ops.move(store, actor=PICKER, scan_id="m2", to_bin="A01-A-02", sku="MUG-01", qty=1,
             from_bin="A01-A-01")
    n_rows = len(ledger(store))
    res = ops.undo_last(store, actor=PICKER, scan_id=sid())
    assert res.message == "Undone: move of 1 of MUG-01."
    assert (qty(store, "A01-A-01"), qty(store, "A01-A-02")) == (4, 0)
    undo_row = ledger(store)[-1]
    assert (undo_row.action, undo_row.reverses_id) == ("undo", n_rows)
    ops.undo_last(store, actor=PICKER, scan_id=sid())  # walks back one more
    assert (qty(store, "D01-A-01"), qty(store, "A01-A-01")) == (10, 0)
    with pytest.raises(E.NothingToUndo, match="OP-0001 has no change left to undo"):
        ops.undo_last(store, actor=PICKER, scan_id=sid())
    assert len(ledger(store)) == n_rows + 2  # nothing deleted, two compensating rows
    assert_books_agree(store)


def test_undo_pick_and_receive_give_back_document_counts(store):
    ops.receive(store, actor=RECEIVER, scan_id=sid(), bin="A01-A-01", serial="SN0002",
                receipt="R-100")
    ops.undo_last(store, actor=RECEIVER, scan_id=sid())
    assert unit(store, "SN0002").status == "void"
    with Session(store) as s:
        assert s.get(ReceiptLine, 1).qty_received == 0
    ops.receive(store, actor=RECEIVER, scan_id=sid(), bin="A01-A-01", serial="SN0002",
                receipt="R-100")  # received again after the undo
    assert unit(store, "SN0002").status == "in_stock"
    ops.pick(store, actor=PICKER, scan_id=sid(), order="1007", serial="SN0002")
    ops.undo_last(store, actor=PICKER, scan_id=sid())
    a = unit(store, "SN0002")
    assert (a.status, a.order_line_id, a.bin_id) == ("in_stock", None,
                                                     bin_id(store, "A01-A-01"))
    with Session(store) as s:
        assert s.get(OrderLine, 1).qty_picked == 0
        assert s.get(Order, 1).status == "open"
    assert_books_agree(store)


def test_undo_refused_when_things_moved_on_or_shipped(store):
    receive_mugs(store, 3, bin="D01-A-01")
    ops.move(store, actor=PICKER, scan_id=sid(), to_bin="A01-A-01", sku="MUG-01", qty=3,
             from_bin="D01-A-01")
    ops.move(store, actor=SUPERVISOR, scan_id=sid(), to_bin="A01-A-02", sku="MUG-01", qty=2,
             from_bin="A01-A-01")
    with pytest.raises(E.CannotUndo, match="no longer all in A01-A-01"):
        ops.undo_last(store, actor=PICKER, scan_id=sid())
    receive_laptops(store, "SN0001", bin="A01-A-01")
    ops.pick(store, actor=PICKER, scan_id=sid(), order="1008", serial="SN0001")
    ops.ship(store, actor=PICKER, scan_id=sid(), order="1008")
    with pytest.raises(E.CannotUndo, match="A ship cannot be undone"):
        ops.undo_last(store, actor=PICKER, scan_id=sid())
    assert_books_agree(store)


def test_a_floor_sentence_never_a_traceback():
    err = E.InsufficientStock("MUG-01", "A01-A-01", 3, 1, lot="L1")
    assert str(err) == "A01-A-01 holds only 1 of MUG-01 (lot L1), not 3."
    assert (err.fields["have"], err.code) == (1, "insufficient_stock")
    assert isinstance(err, E.DomainError)


def test_serial_on_ship_notice_needs_no_product_scan_and_refusal_is_retryable(store):
    with pytest.raises(E.NotFound, match="scan the product barcode first"):
        ops.receive(store, actor=RECEIVER, scan_id="r1", bin="D01-A-01", serial="SN0003")
    # the refused scan left no trace: the same scan id can be applied once the receipt is known
    res = ops.receive(store, actor=RECEIVER, scan_id="r1", bin="D01-A-01", serial="SN0003",
                      receipt="R-100")
    assert not res.replayed and res.message == "Received SN0003 (LAPTOP-15) into D01-A-01."
    with pytest.raises(E.InsufficientStock, match="D01-A-01 holds no MUG-01; 1 cannot come"):
        ops.move(store, actor=PICKER, scan_id=sid(), to_bin="A01-A-01", sku="MUG-01",
                 from_bin="D01-A-01")


def test_undone_quantity_return_can_come_back_again(store):
    receive_mugs(store, 10, bin="A01-A-02")
    ops.pick(store, actor=PICKER, scan_id=sid(), order="1008", sku="MUG-01", qty=5,
             bin="A01-A-02")
    ops.ship(store, actor=PICKER, scan_id=sid(), order="1008")
    ops.return_unit(store, actor=RECEIVER, scan_id=sid(), bin="T01-A-01", sku="MUG-01", qty=5,
                    order="1008")
    with pytest.raises(E.NeverShipped):
        ops.return_unit(store, actor=RECEIVER, scan_id=sid(), bin="T01-A-01", sku="MUG-01",
                        qty=1, order="1008")
    ops.undo_last(store, actor=RECEIVER, scan_id=sid())
    assert qty(store, "T01-A-01") == 0
    ops.return_unit(store, actor=RECEIVER, scan_id=sid(), bin="T01-A-01", sku="MUG-01", qty=4,
                    order="1008", entry="typed")
    assert qty(store, "T01-A-01") == 4 and ledger(store)[-1].entry == "typed"
    assert_books_agree(store)


def test_hostile_input_is_data_in_the_sentence(store):
    evil = "\x1b[31mA01\x07[@click=app.quit]" + "9" * 500
    with pytest.raises(E.InvalidCode) as info:  # refused at the door (scanner_tui.codes)
        ops.move(store, actor=PICKER, scan_id=sid(), to_bin=evil, serial="SN0001")
    text = str(info.value)
    assert "\x1b" not in text and "\x07" not in text and len(text) < 200
    assert "U+001B ESCAPE" in text and info.value.what == "bin code"
    assert ops.allowed("picker", "pick") and not ops.allowed("picker", "adjust")
    assert ops.applied(store, "never-seen") is None


def test_undo_walks_back_through_many_changes(store):
    receive_mugs(store, 30, bin="D01-A-01")
    for _ in range(18):
        ops.move(store, actor=PICKER, scan_id=sid(), to_bin="A01-A-01", sku="MUG-01",
                 from_bin="D01-A-01")
    assert qty(store, "A01-A-01") == 18
    for n in range(18):
        ops.undo_last(store, actor=PICKER, scan_id=sid())
        assert qty(store, "A01-A-01") == 17 - n
    with pytest.raises(E.NothingToUndo):
        ops.undo_last(store, actor=PICKER, scan_id=sid())
    assert qty(store, "D01-A-01") == 30
    assert_books_agree(store)


def test_lot_and_expiry_captured_at_receipt_when_the_sku_records_them(store):
    with pytest.raises(E.CaptureRequired, match="BATT-AA needs its lot and expiry date"):
        ops.receive(store, actor=RECEIVER, scan_id=sid(), bin="D01-A-01", sku="BATT-AA", qty=4)
    with pytest.raises(E.CaptureRequired, match="BATT-AA needs its expiry date"):
        ops.receive(store, actor=RECEIVER, scan_id=sid(), bin="D01-A-01", sku="BATT-AA", qty=4,
                    lot="B1")
    ops.receive(store, actor=RECEIVER, scan_id=sid(), bin="D01-A-01", sku="BATT-AA", qty=4,
                lot="B1", expiry=date(2031, 10, 31))
    ops.receive(store, actor=RECEIVER, scan_id=sid(), bin="D01-A-01", sku="BATT-AA", qty=4,
                lot="B0", expiry=date(2030, 3, 31))
    # no lot scanned at the move: the first to expire goes (FEFO)
    ops.move(store, actor=PICKER, scan_id=sid(), to_bin="A01-A-01", sku="BATT-AA", qty=3,
             from_bin="D01-A-01")
    assert qty(store, "A01-A-01", sku_id=3, lot="B0") == 3
    row = ledger(store)[-1]
    assert row.lot == "B0"
    assert_books_agree(store)


def test_lost_and_found_units_are_approved_adjustments(store):
    receive_laptops(store, "SN0001", "SN0002", bin="A01-A-01")
    with pytest.raises(E.NotAllowed):
        ops.mark_lost(store, actor=PICKER, scan_id=sid(), serial="SN0001")
    with pytest.raises(E.NeedsApproval):
        ops.mark_lost(store, actor=RECEIVER, scan_id=sid(), serial="SN0001")
    res = ops.mark_lost(store, actor=RECEIVER, scan_id=sid(), serial="SN0001",
                        approved_by=badge_scan(store, "OP-0003", RECEIVER.terminal))
    assert res.message == "SN0001 (LAPTOP-15) is marked lost (was in A01-A-01)."
    assert (unit(store, "SN0001").status, unit(store, "SN0001").bin_id) == ("lost", None)
    assert ledger(store)[-1].entry == "typed"  # chosen from the count list, not scanned
    with pytest.raises(E.NotInStock, match="SN0001 is lost"):
        ops.pick(store, actor=PICKER, scan_id=sid(), order="1007", serial="SN0001")
    with pytest.raises(E.WrongBin, match="SN0002 is in A01-A-01, not in A01-A-02"):
        ops.found(store, actor=SUPERVISOR, scan_id=sid(), serial="SN0002", bin="A01-A-02")
    ops.found(store, actor=SUPERVISOR, scan_id=sid(), serial="SN0001", bin="Q01-A-01")
    assert unit(store, "SN0001").status == "quarantined"
    ops.undo_last(store, actor=SUPERVISOR, scan_id=sid())
    assert unit(store, "SN0001").status == "lost"
    assert_books_agree(store)


def test_undo_with_since_never_reaches_back_before_the_shift(store):
    """A picker's first CMD:UNDO of the shift must not reverse yesterday's work."""
    from datetime import UTC, datetime, timedelta

    receive_mugs(store, 10, bin="D01-A-01")
    ops.move(store, actor=PICKER, scan_id="old", to_bin="A01-A-01", sku="MUG-01", qty=4,
             from_bin="D01-A-01")
    shift_start = datetime.now(UTC) + timedelta(seconds=1)
    n_rows = len(ledger(store))
    with pytest.raises(E.NothingToUndo, match="since signing in"):
        ops.undo_last(store, actor=PICKER, scan_id=sid(), since=shift_start)
    assert len(ledger(store)) == n_rows and qty(store, "A01-A-01") == 4
    earlier = shift_start - timedelta(minutes=5)
    res = ops.undo_last(store, actor=PICKER, scan_id=sid(), since=earlier)
    assert res.message == "Undone: move of 4 of MUG-01."
    assert_books_agree(store)


def test_a_quantity_pick_that_shipped_cannot_be_undone(store):
    """Found by verify's document checks: undoing a shipped pick put the mug back in the bin
    while its ship row stood (counted twice)."""
    receive_mugs(store, 3, bin="A01-A-01")
    ops.pick(store, actor=PICKER, scan_id=sid(), order="1007", sku="MUG-01", qty=1,
             bin="A01-A-01")
    ops.ship(store, actor=SUPERVISOR, scan_id=sid(), order="1007")
    before = len(ledger(store))
    with pytest.raises(E.CannotUndo, match="Order 1007 has shipped what you picked"):
        ops.undo_last(store, actor=PICKER, scan_id=sid())
    assert len(ledger(store)) == before and qty(store, "A01-A-01") == 2
    assert_books_agree(store)
    from scanner_tui.inventory.verify import verify

    assert verify(store) == []


def test_staging_an_order_of_quantities_only_says_no_unit_count(store):
    """Staging an order with no serialised units said "(0 units moved)": units are named only
    when some moved."""
    receive_mugs(store, 10, bin="A01-A-02")
    ops.pick(store, actor=PICKER, scan_id=sid(), order="1007", sku="MUG-01", qty=3,
             bin="A01-A-02", lot="")
    res = ops.stage(store, actor=PICKER, scan_id=sid(), order="1007", bin="S01-A-01")
    assert res.message == "Order 1007 is staged in S01-A-01.", res.message
