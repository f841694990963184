"""Receive workflow on the demo warehouse: receipt with a ship notice, blind, refusals.

Every scenario ends with ``verify`` green (the fixture asserts it).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, update

from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.models import (
    Asset,
    Bin,
    ExpectedSerial,
    LedgerEntry,
    Receipt,
    ReceiptLine,
    Sku,
    Stock,
)
from scanner_tui.inventory.verify import verify
from scanner_tui.scanning.result import Source
from scanner_tui.workflows.dock import parse_expiry
from scanner_tui.workflows.receive import ReceiveWorkflow
from tests.workflow_helpers import classified, gtin, ledger_rows, scan, services

A, B, L, K = Asset.__table__, Bin.__table__, LedgerEntry.__table__, Sku.__table__


@pytest.fixture
def demo(engine):
    build_demo(engine)
    yield engine
    assert verify(engine) == []


def receiver(engine, badge: str = "OP-0002", **options) -> ReceiveWorkflow:
    return ReceiveWorkflow(services(engine, badge), **options)


def qty(engine, sku: str, bin_code: str, lot: str | None = None) -> int:
    q = (select(func.coalesce(func.sum(Stock.qty), 0)).join(Sku, Sku.id == Stock.sku_id)
         .join(Bin, Bin.id == Stock.bin_id).where(Sku.code == sku, Bin.code == bin_code))
    if lot is not None:
        q = q.where(Stock.lot == lot)
    with engine.connect() as conn:
        return int(conn.execute(q).scalar())


def received(engine, receipt: str = "R-1001") -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(select(Sku.code, ReceiptLine.qty_received)
                            .join(Sku, Sku.id == ReceiptLine.sku_id)
                            .join(Receipt, Receipt.id == ReceiptLine.receipt_id)
                            .where(Receipt.code == receipt)).all()
    return {code: n for code, n in rows}


def unit(engine, serial: str):
    with engine.connect() as conn:
        return conn.execute(select(A.c.status, A.c.lot, A.c.expiry, A.c.entry, B.c.code)
                            .outerjoin(B, B.c.id == A.c.bin_id)
                            .where(A.c.serial == serial)).first()


def last_rows(engine, n: int = 1) -> list:
    with engine.connect() as conn:
        return conn.execute(select(L).order_by(L.c.id.desc()).limit(n)).all()


def test_receipt_chosen_from_the_list_or_by_scanning_its_code(demo):
    wf = receiver(demo)
    view = wf.view()
    assert view.instruction == "Scan receipt, or CMD:SKIP (blind)"
    assert [line.cells[1] for line in view.lines] == ["R-1001"]
    assert wf.question.kind == "choice" and wf.question.choices == ("R-1001", "Blind")
    out = scan(wf, "MUG01")
    assert not out.accepted and "receipt first" in out.message
    out = scan(wf, "OP-0002")
    assert not out.accepted and out.message.startswith("OP-0002 is not a receipt. Choose")
    out = wf.answer("1")
    assert out.accepted and wf.receipt.code == "R-1001"
    assert wf.view().title == "Receive R-1001"
    assert [line.cells for line in wf.view().lines] == [
        ("1", "LAPTOP-14", "4", "0"), ("2", "CABLE-TIE-100", "50", "0")]

    by_scan = receiver(demo)
    assert scan(by_scan, "R-1001").accepted and by_scan.receipt.code == "R-1001"
    unknown = receiver(demo)
    out = scan(unknown, "R-4242")
    assert not out.accepted and "R-4242 is not a known receipt" in out.message
    assert scan(unknown, "CMD:SKIP").accepted and unknown.view().title == "Receive blind"


def test_without_open_receipts_it_starts_blind_in_the_dock_bin(demo):
    with demo.begin() as conn:
        conn.execute(update(Receipt).values(status="closed"))
    wf = receiver(demo)
    assert wf.view().title == "Receive blind" and wf.bin == "DK01-A-01"
    assert wf.view().instruction == "Scan a product"
    closed = receiver(demo, receipt="R-1001")
    assert closed.choosing and "closed" in closed.view().context[-1]


def test_ship_notice_serials_lot_typed_serial_and_discrepancy_summary(demo):
    wf = receiver(demo, receipt="R-1001")
    out = scan(wf, gtin(demo, "LAPTOP-14"))
    assert out.accepted and not out.changed and out.question.kind == "text"
    assert wf.view().instruction == "Lot of LAPTOP-14? Scan or type"
    out = scan(wf, "LT2611C")  # the lot label on the carton, scanned
    assert out.accepted and out.message == "Lot LT2611C. LAPTOP-14 is tracked by serial: " \
        "scan each unit."
    assert wf.view().instruction == "Scan each LAPTOP-14 unit"

    out = scan(wf, "AT00000013")
    assert out.accepted and out.changed
    assert out.message == "Received AT00000013 (LAPTOP-14) into DK01-A-01."
    out = scan(wf, "AT00000014", Source.KEYBOARD)  # typed by hand
    assert out.accepted and out.changed
    assert unit(demo, "AT00000013") == ("in_stock", "LT2611C", None, "scanned", "DK01-A-01")
    assert unit(demo, "AT00000014").entry == "typed"
    row = last_rows(demo)[0]
    assert (row.action, row.entry, row.doc_type, row.doc_code, row.doc_line) == \
        ("receive", "typed", "receipt", "R-1001", 1)

    before = ledger_rows(demo)
    out = scan(wf, "AT00000099")  # an own tag, not on the ship notice
    assert not out.accepted
    assert out.message == "AT00000099 is not on the ship notice of R-1001; set it aside for " \
        "a supervisor."
    out = scan(wf, "AT00000001")  # a unit the store has already
    assert not out.accepted and "already exists here" in out.message
    out = wf.answer("3")  # a bare quantity for a serial SKU
    assert not out.accepted
    assert out.message == "LAPTOP-14 is tracked by serial: scan each unit's tag, not a quantity."
    assert ledger_rows(demo) == before

    with demo.connect() as conn:
        listed = dict(conn.execute(select(ExpectedSerial.serial, ExpectedSerial.received)).all())
    assert listed == {"AT00000013": True, "AT00000014": True, "AT00000015": False,
                      "AT00000016": False}
    out = scan(wf, "CMD:DONE")
    assert out.accepted and out.done and out.warning
    assert out.message == "R-1001 done with discrepancies: 2 short, 2 missing, 1 unexpected."
    assert wf.summary() == [
        "Short: LAPTOP-14 2/4", "Short: CABLE-TIE-100 0/50", "Missing: AT00000015",
        "Missing: AT00000016", "Unexpected: AT00000099"]
    assert [line.cells[0] for line in wf.view().lines] == wf.summary()
    assert not scan(wf, gtin(demo, "LAPTOP-14")).accepted


def test_ship_notice_unit_scanned_first_finds_its_sku_and_asks_the_lot(demo):
    wf = receiver(demo, receipt="R-1001")
    out = scan(wf, "AT00000015")
    assert out.accepted and not out.changed and "lot" in out.message
    out = wf.answer("LT9")
    assert out.accepted and out.changed and "AT00000015" in out.message
    assert unit(demo, "AT00000015").lot == "LT9"


def test_quantity_quick_path_repeated_scans_and_a_typed_count(demo):
    wf = receiver(demo, receipt="R-1001")
    ties = gtin(demo, "CABLE-TIE-100")
    outs = [scan(wf, ties) for _ in range(3)]
    assert all(o.accepted and o.changed for o in outs)
    assert outs[-1].question.kind == "quantity" and "(3)" in outs[-1].question.text
    assert qty(demo, "CABLE-TIE-100", "DK01-A-01") == 3
    out = wf.answer("20")  # the three scans were a box of 20
    assert out.accepted and out.changed and "Received 17 of CABLE-TIE-100" in out.message
    assert qty(demo, "CABLE-TIE-100", "DK01-A-01") == 20
    assert received(demo)["CABLE-TIE-100"] == 20
    out = wf.answer("")  # Enter: the count stands
    assert out.accepted and not out.changed and wf.question is None
    out = wf.answer("5")
    assert not out.accepted and "first" in out.message
    assert wf.view().lines[1].cells == ("2", "CABLE-TIE-100", "50", "20")


def test_shift_counts_completed_receipt_lines_and_blind_products(demo):
    wf = receiver(demo, receipt="R-1001")
    ties = gtin(demo, "CABLE-TIE-100")
    scan(wf, ties)
    wf.answer("49")
    assert wf.services.shift.lines_done == 0
    wf.answer("50")
    assert wf.services.shift.lines_done == 1 and wf.services.shift.changes == 3
    blind = receiver(demo, blind=True)
    for code in (gtin(demo, "MUG-01"), gtin(demo, "MUG-01"), gtin(demo, "USB-C-1M")):
        scan(blind, code)
    assert blind.services.shift.lines_done == 2


def test_over_receipt_warns_and_asks_yes_receives_the_excess_off_the_receipt(demo):
    wf = receiver(demo, receipt="R-1001")
    ties = gtin(demo, "CABLE-TIE-100")
    scan(wf, ties)
    before = ledger_rows(demo)
    out = wf.answer("55")
    assert out.accepted and out.warning and not out.changed
    assert out.question.kind == "yesno"
    assert "Over-receipt: R-1001 expects only 49 more CABLE-TIE-100" in out.message
    assert ledger_rows(demo) == before
    out = scan(wf, "CMD:YES")
    assert out.accepted and out.changed and out.warning
    assert "5 over R-1001, recorded" in out.message
    assert received(demo)["CABLE-TIE-100"] == 50
    assert qty(demo, "CABLE-TIE-100", "DK01-A-01") == 55
    line = wf.view().lines[1]
    assert line.state == "warn" and line.cells == ("2", "CABLE-TIE-100", "50", "50+5")

    out = scan(wf, ties)  # the line is full: another one warns again
    assert out.warning and "expects no more CABLE-TIE-100" in out.message
    out = scan(wf, "CMD:NO")
    assert out.accepted and not out.changed and "not received" in out.message
    assert qty(demo, "CABLE-TIE-100", "DK01-A-01") == 55
    scan(wf, "CMD:DONE")
    assert "Over: CABLE-TIE-100 +5 (off receipt)" in wf.summary()


def test_over_receipt_question_is_answered_only_by_its_answer(demo):
    wf = receiver(demo, receipt="R-1001")
    ties = gtin(demo, "CABLE-TIE-100")
    scan(wf, ties)
    assert wf.answer("51").warning
    out = scan(wf, "AT00000016")  # not the answer: refused, the question repeated
    assert not out.accepted and out.message == (
        "AT00000016 does not answer the question. Receive 1 over the receipt? CMD:YES or "
        "CMD:NO.")
    assert scan(wf, "CMD:NO").message.startswith("50 of CABLE-TIE-100 not received")
    out = scan(wf, "AT00000016")
    assert out.accepted
    assert wf.pending.kind == "lot"
    assert received(demo)["CABLE-TIE-100"] == 1


def test_serial_unit_over_the_receipt_without_a_notice(demo):
    with demo.begin() as conn:  # the laptop line without its ship notice, one expected
        conn.execute(ExpectedSerial.__table__.delete())
        conn.execute(update(ReceiptLine).where(ReceiptLine.line_no == 1,
                                               ReceiptLine.qty_received == 0)
                     .values(qty_expected=1))
    wf = receiver(demo, receipt="R-1001")
    scan(wf, gtin(demo, "LAPTOP-14"))
    wf.answer("LT1")
    assert scan(wf, "SN-LAP-0001").changed  # a manufacturer serial, unknown to the store
    out = scan(wf, "SN-LAP-0002")
    assert out.warning and not out.changed and out.question.kind == "yesno"
    out = wf.answer("yes")
    assert out.changed and unit(demo, "SN-LAP-0002").status == "in_stock"
    assert received(demo)["LAPTOP-14"] == 1
    assert "Over: LAPTOP-14 +1 (off receipt)" in wf.summary()


def test_blind_serials_gs1_lot_expiry_and_manufacturer_serials(demo):
    wf = receiver(demo, blind=True)
    # GS1 data on the box brings lot and expiry for the handheld scanners
    out = scan(wf, f"(01)0{gtin(demo, 'SCANNER-HH')}(17)300630(10)SC2701")
    assert out.accepted and "scan each unit" in out.message
    assert (wf.current.lot, wf.current.expiry) == ("SC2701", date(2030, 6, 30))
    out = scan(wf, "210999999B")  # looks like GS1 (21) but is the maker's serial
    assert out.accepted and out.changed
    assert unit(demo, "210999999B") == ("in_stock", "SC2701", date(2030, 6, 30), "scanned",
                                        "DK01-A-01")
    # a GS1 unit label of another SKU switches the product and carries its own lot
    phone = gtin(demo, "PHONE-X5")
    out = scan(wf, f"(01)0{phone}(21)R58N0000001(10)PX2701")
    assert out.accepted and out.changed and wf.current.code == "PHONE-X5"
    assert unit(demo, "R58N0000001").lot == "PX2701"
    out = scan(wf, "R58N0000002")  # same lot goes on
    assert out.changed and unit(demo, "R58N0000002").lot == "PX2701"
    out = scan(wf, "CMD:DONE")
    assert out.done and out.message == \
        "Receiving done: Received 1 SCANNER-HH; Received 2 PHONE-X5."


def test_quantity_sku_needing_lot_and_expiry_asks_both_before_receiving(demo):
    wf = receiver(demo, blind=True)
    batteries = gtin(demo, "BATTERY-AA-4")
    before = ledger_rows(demo)
    out = scan(wf, batteries)
    assert out.accepted and not out.changed and wf.pending.kind == "lot"
    out = wf.answer("B2701")
    assert out.accepted and not out.changed and wf.pending.kind == "expiry"
    assert not wf.answer("31.02.2031").accepted
    assert ledger_rows(demo) == before
    out = wf.answer("2031-01-31")
    assert out.accepted and out.changed and out.question.kind == "quantity"
    assert qty(demo, "BATTERY-AA-4", "DK01-A-01", "B2701") == 1
    out = scan(wf, batteries)  # same lot goes on without asking again
    assert out.changed and qty(demo, "BATTERY-AA-4", "DK01-A-01", "B2701") == 2
    out = scan(wf, f"(01)0{batteries}(17)320131(10)B2702")  # a new lot from GS1 data
    assert out.changed and qty(demo, "BATTERY-AA-4", "DK01-A-01", "B2702") == 1
    with demo.connect() as conn:
        expiry = conn.execute(select(Stock.expiry).where(Stock.lot == "B2702")).scalar_one()
    assert expiry == date(2032, 1, 31)


def test_expired_goods_are_received_with_a_warning(demo):
    wf = receiver(demo, blind=True)
    out = scan(wf, f"(01)0{gtin(demo, 'BATTERY-AA-4')}(17)200131(10)OLD1")
    assert out.accepted and out.changed and out.warning and "Expired on 2020-01-31" in out.message


def test_wrong_kinds_and_unknown_codes_change_nothing(demo):
    wf = receiver(demo, receipt="R-1001")
    before = ledger_rows(demo)
    out = scan(wf, "OP-0003")
    assert not out.accepted and out.message == \
        "OP-0003 is a badge, not a product or asset or bin. Scan a product."
    out = scan(wf, "ST01-A-01")
    assert not out.accepted and "staging bin; receiving goes to a dock" in out.message
    out = scan(wf, "4006381333931")  # a valid GTIN this store does not sell
    assert not out.accepted and "not a known product" in out.message
    out = scan(wf, "4006381333932")  # a misread: bad check digit
    assert not out.accepted and "Unrecognised code" in out.message
    out = scan(wf, gtin(demo, "MUG-01"))
    assert not out.accepted and out.message == \
        "MUG-01 is not on receipt R-1001; set it aside for a supervisor."
    out = scan(wf, "SN-NOT-KNOWN")  # no serial SKU current: not taken as a serial
    assert not out.accepted and "scan the product barcode first" in out.message
    out = scan(wf, "CMD:SHORT")
    assert not out.accepted
    assert ledger_rows(demo) == before
    assert scan(wf, "CMD:DONE").message.endswith("1 not on receipt.")


def test_another_dock_bin_becomes_the_working_bin(demo):
    """Asked first (issue 11 item 5): a bin scan never changes the receiving bin by itself."""
    wf = receiver(demo, receipt="R-1001")
    out = scan(wf, "DK01-A-02")
    assert out.accepted and out.question.text == "Receive into DK01-A-02 from now on?"
    assert wf.bin == "DK01-A-01" and wf.view().instruction == "Into DK01-A-02? CMD:YES/NO"
    saved = ReceiveWorkflow.restore(services(demo, "OP-0002"), wf.snapshot())
    assert saved.question == out.question  # the question is data: it survives a snapshot
    out = scan(wf, "CMD:YES")
    assert out.accepted and out.message == "Receiving into DK01-A-02. Scan a product."
    assert wf.view().context[0] == "Into DK01-A-02"
    scan(wf, gtin(demo, "CABLE-TIE-100"))
    assert qty(demo, "CABLE-TIE-100", "DK01-A-02") == 1


def test_undo_takes_back_the_last_receive_and_the_summary_follows(demo):
    wf = receiver(demo, receipt="R-1001")
    scan(wf, "AT00000013")
    wf.answer("LT1")
    assert unit(demo, "AT00000013").status == "in_stock"
    out = scan(wf, "CMD:UNDO")
    assert out.accepted and out.changed and "Undone: receive of AT00000013" in out.message
    assert unit(demo, "AT00000013").status == "void"
    assert received(demo)["LAPTOP-14"] == 0
    assert "Missing: AT00000013" in wf.summary() and wf.records == []
    out = scan(wf, "AT00000013")  # an undone unit may be received again
    assert out.changed and unit(demo, "AT00000013").status == "in_stock"


def test_the_same_scan_handled_twice_changes_once(demo):
    wf = receiver(demo, receipt="R-1001")
    s, result = classified(demo, gtin(demo, "CABLE-TIE-100"))
    first = wf.handle(s, result)
    before = ledger_rows(demo)
    again = wf.handle(s, result)
    assert first.changed and not again.changed and again.accepted
    assert again.message == first.message
    assert ledger_rows(demo) == before and received(demo)["CABLE-TIE-100"] == 1
    # a new receiving session on another terminal retries the same scan: still once
    other = receiver(demo, receipt="R-1001")
    assert not other.handle(s, result).changed
    assert received(demo)["CABLE-TIE-100"] == 1


def test_a_picker_may_not_receive(demo):
    wf = receiver(demo, "OP-0001", blind=True)
    out = scan(wf, gtin(demo, "MUG-01"))
    assert not out.accepted and "OP-0001 is a picker and may not receive stock" in out.message


def test_cancel_drops_the_question_then_the_product_then_leaves(demo):
    wf = receiver(demo, blind=True)
    scan(wf, gtin(demo, "BATTERY-AA-4"))
    assert wf.pending.kind == "lot"
    out = scan(wf, "CMD:CANCEL")
    assert out.accepted and "dropped" in out.message and wf.current is None
    scan(wf, gtin(demo, "MUG-01"))
    assert scan(wf, "CMD:CANCEL").accepted and wf.pending is None
    assert scan(wf, "CMD:CANCEL").accepted and wf.current is None
    assert scan(wf, "CMD:CANCEL").done


@pytest.mark.parametrize("text,day", [("2031-01-31", date(2031, 1, 31)),
                                      ("20310131", date(2031, 1, 31)),
                                      ("310200", date(2031, 2, 28)), ("310230", None),
                                      ("soon", None)])
def test_parse_expiry(text, day):
    assert parse_expiry(text) == day


@pytest.mark.postgres
def test_receive_on_postgres(pg_url):
    engine = open_store(pg_url)
    try:
        build_demo(engine)
        wf = receiver(engine, receipt="R-1001")
        ties = gtin(engine, "CABLE-TIE-100")
        assert scan(wf, ties).changed
        assert wf.answer("50").changed
        assert scan(wf, "AT00000013").question is not None
        assert wf.answer("LT1").changed
        assert received(engine) == {"LAPTOP-14": 1, "CABLE-TIE-100": 50}
        scan(wf, "CMD:DONE")
        assert wf.summary() == ["Short: LAPTOP-14 1/4", "Missing: AT00000014",
                                "Missing: AT00000015", "Missing: AT00000016"]
        assert verify(engine) == []
    finally:
        engine.dispose()


def test_typed_manufacturer_serial_is_recorded_as_typed(demo):
    wf = receiver(demo, blind=True)
    scan(wf, gtin(demo, "PHONE-X5"))
    wf.answer("PX1")
    out = wf.answer("R58N7654321")  # typed into the answer box
    assert out.accepted and out.changed
    assert unit(demo, "R58N7654321").entry == "typed"
    assert last_rows(demo)[0].entry == "typed"


# -- any sequence of scans: answers are sentences, ledger rows change iff "changed" ----------

VOCABULARY = [
    "gtin:LAPTOP-14", "gtin:CABLE-TIE-100", "gtin:BATTERY-AA-4", "gtin:MUG-01",
    "gtin:SCANNER-HH", "AT00000013", "AT00000014", "AT00000015", "AT00000099", "AT00000001",
    "SN-X-1", "SN-X-2", "LT1", "DK01-A-02", "DK01-A-01", "ST01-A-01", "R-1001", "OP-0003",
    "CMD:DONE", "CMD:CANCEL", "CMD:UNDO", "CMD:YES", "CMD:NO", "CMD:SKIP",
    "type:3", "type:60", "type:", "type:yes", "type:2031-01-31", "type:AT00000016",
    "type:R58N0000009", "type:1",
]


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A demo store built once; each example works on a copy."""
    path = tmp_path_factory.mktemp("rcv") / "template.db"
    engine = open_store(f"sqlite:///{path}")
    build_demo(engine)
    codes = {sku: gtin(engine, sku) for sku in
             ("LAPTOP-14", "CABLE-TIE-100", "BATTERY-AA-4", "MUG-01", "SCANNER-HH")}
    engine.dispose()
    return path, codes


def fresh_copy(template, tmp_path_factory):
    import shutil

    path, codes = template
    target = tmp_path_factory.mktemp("ex") / "store.db"
    shutil.copy(path, target)
    return open_store(f"sqlite:///{target}"), codes


def play(wf, engine, codes, step: str):
    """One step of a random session; returns the outcome after checking the invariants."""
    before = ledger_rows(engine)
    if step.startswith("type:"):
        out = wf.answer(step[5:])
    else:
        out = scan(wf, codes[step[5:]] if step.startswith("gtin:") else step)
    after = ledger_rows(engine)
    assert out.message and out.message[-1] in ".!?", (step, out)
    assert (after > before) == out.changed, (step, out)
    if not out.accepted:
        assert after == before, (step, out)
    view = wf.view()
    assert view.instruction and view.title and len(view.instruction) <= 38, view
    return out


@pytest.mark.parametrize("seed", range(int(__import__("os").environ.get("RCV_SEEDS", "12"))))
def test_random_receiving_sessions_keep_the_books(template, tmp_path_factory, seed):
    import random

    rng = random.Random(seed)
    engine, codes = fresh_copy(template, tmp_path_factory)
    try:
        wf = receiver(engine)
        for _ in range(40):
            out = play(wf, engine, codes, rng.choice(VOCABULARY))
            if out.done:
                wf = receiver(engine, blind=rng.random() < 0.5)
        assert verify(engine) == []
    finally:
        engine.dispose()


def test_digits_other_than_ascii_are_neither_a_quantity_nor_a_serial(demo):
    """Issue 11 item 14: only ASCII digits are a number; ٥٠ is refused, not a serial."""
    wf = receiver(demo, receipt="R-1001")
    scan(wf, gtin(demo, "LAPTOP-14"))
    wf.answer("LT2611C")
    before = ledger_rows(demo)
    out = wf.answer("٥٠")
    assert not out.accepted and out.message == ("?? is not a number (U+0665 ARABIC-INDIC DIGIT "
                                                "FIVE); type digits 0-9 only.")  # codes' words
    assert ledger_rows(demo) == before


def test_an_over_receipt_taken_with_yes_is_undone_as_one(demo):
    """Issue 11 item 4's sibling: CMD:YES receives what fits on the line and the excess off
    it (two operations for one answer); undo took back only the excess."""
    wf = receiver(demo, receipt="R-1001")
    scan(wf, gtin(demo, "CABLE-TIE-100"))
    wf.answer("55")
    assert scan(wf, "CMD:YES").changed
    assert (qty(demo, "CABLE-TIE-100", "DK01-A-01"), received(demo)["CABLE-TIE-100"]) == (55, 50)
    out = scan(wf, "CMD:UNDO")
    assert out.accepted and "5 of CABLE-TIE-100" in out.message and "49 of" in out.message
    assert (qty(demo, "CABLE-TIE-100", "DK01-A-01"), received(demo)["CABLE-TIE-100"]) == (1, 1)
    assert verify(demo) == []
