"""Move workflow: units in a basket, a bin's product and quantity, the target bin; refusals."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.models import Asset, Bin
from scanner_tui.inventory.operations import move
from scanner_tui.inventory.verify import verify
from scanner_tui.scanning.result import Source
from scanner_tui.workflows.base import Actor
from scanner_tui.workflows.move import MoveWorkflow
from tests.ledger_helpers import ENGINES, store_url
from tests.workflow_helpers import last_row, ledger_rows, qty, scan, services


@pytest.fixture
def demo(engine):
    summary = build_demo(engine, "small")
    yield engine, summary.examples["product"]  # the MUG-01 GTIN-13
    assert verify(engine) == []


@pytest.fixture
def wf(demo):
    return MoveWorkflow(services(demo[0], "OP-0001"))


def bin_of(engine, serial: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(Bin.code).join(Asset, Asset.bin_id == Bin.id)
                            .where(Asset.serial == serial)).scalar()


def test_one_unit_to_a_target_bin(demo, wf):
    engine, _ = demo
    assert wf.view().instruction == "Scan a unit or a bin"
    out = scan(wf, "AT00000002")
    assert out.accepted and not out.changed and "basket" in out.message
    assert wf.view().instruction == "Scan target bin (or next unit)"
    out = scan(wf, "A03-A-01")
    assert out.accepted and out.changed
    assert out.message == "AT00000002 (LAPTOP-14) is now in A03-A-01."
    assert bin_of(engine, "AT00000002") == "A03-A-01"
    assert last_row(engine).action == "move" and last_row(engine).entry == "scanned"
    assert wf.view().context == ("Working bin A03-A-01",)
    assert wf.services.shift.lines_done == 1


def test_basket_of_units_then_undo_reverses_the_whole_basket(demo, wf):
    """Issue 11 item 4: a basket moved by one bin scan is undone as one."""
    engine, gtin = demo
    assert scan(wf, "AT00000004").accepted and scan(wf, "A03-A-02").changed  # an earlier move
    before = {s: bin_of(engine, s) for s in ("AT00000002", "AT00000003", "AT00000009")}
    assert scan(wf, "R01-A-02").accepted and scan(wf, gtin).accepted  # a quantity line
    assert wf.answer("4").accepted
    for serial in before:  # and three units
        assert scan(wf, serial).accepted
    assert len(wf.view().lines) == 4
    assert not scan(wf, "AT00000003").accepted  # already in the basket
    out = scan(wf, "B03-B-04")
    assert out.accepted and out.message == "Moved 4 items to B03-B-04."
    assert all(bin_of(engine, s) == "B03-B-04" for s in before)
    assert qty(engine, "MUG-01", "B03-B-04") == 4
    rows = ledger_rows(engine)
    out = scan(wf, "CMD:UNDO")
    assert out.accepted and out.changed, out.message
    assert all(s in out.message for s in before) and "4 of MUG-01" in out.message, out.message
    assert {s: bin_of(engine, s) for s in before} == before
    assert (qty(engine, "MUG-01", "B03-B-04"), qty(engine, "MUG-01", "R01-A-02")) == (0, 96)
    assert ledger_rows(engine) == rows + 4  # one undo row each, in one operation
    assert bin_of(engine, "AT00000004") == "A03-A-02"  # the earlier move stays
    assert verify(engine) == []
    out = scan(wf, "CMD:UNDO")  # a second undo asks, naming the earlier move
    assert out.question is not None and "move of AT00000004" in out.question.text
    assert bin_of(engine, "AT00000004") == "A03-A-02"


def test_quantity_typed_from_the_working_bin(demo, wf):
    engine, gtin = demo
    assert scan(wf, "R01-A-02").message == "Working bin R01-A-02."
    assert wf.view().instruction == "Scan unit or product in R01-A-02"
    out = scan(wf, gtin)
    assert out.accepted and out.question is not None and out.question.kind == "quantity"
    assert wf.view().instruction == "Qty of MUG-01? Or scan target"
    assert wf.answer("10").accepted
    out = scan(wf, "A01-A-02")
    assert out.message == "Moved 10 of MUG-01 from R01-A-02 to A01-A-02."
    assert (qty(engine, "MUG-01", "R01-A-02"), qty(engine, "MUG-01", "A01-A-02")) == (86, 32)


def test_rescanning_the_product_counts_up_and_the_next_scan_answers(demo, wf):
    engine, _ = demo
    scan(wf, "A01-A-01")
    for _ in range(3):
        assert scan(wf, "CABLETIE100").accepted  # the SKU's alias
    assert wf.basket[-1].qty == 3
    assert scan(wf, "R02-C-02").message == "Moved 3 of CABLE-TIE-100 from A01-A-01 to R02-C-02."
    assert qty(engine, "CABLE-TIE-100", "R02-C-02") == 3


def test_units_and_quantity_in_one_basket(demo, wf):
    engine, gtin = demo
    scan(wf, "A01-A-02")
    scan(wf, gtin)
    wf.answer("2")
    assert scan(wf, "AT00000004").accepted  # a unit ends the counting
    assert not wf.counting
    assert scan(wf, "R02-A-01").message == "Moved 2 items to R02-A-01."
    assert qty(engine, "MUG-01", "R02-A-01") == 2 and bin_of(engine, "AT00000004") == "R02-A-01"


def test_unit_found_away_from_its_bin_is_a_warning(demo, wf):
    engine, _ = demo
    home = bin_of(engine, "AT00000002")
    scan(wf, "A03-A-02")  # standing here, holding the unit
    out = scan(wf, "AT00000002")
    assert out.accepted and out.warning
    assert out.message.startswith(f"AT00000002 is in {home} by the books, not in A03-A-02;")
    assert scan(wf, "A03-A-02").message == "AT00000002 (LAPTOP-14) is now in A03-A-02."
    out = scan(wf, "AT00000003")  # the working bin is now a target, not where we took from
    assert out.accepted and not out.warning


def test_typed_serial_is_recorded_as_typed(demo, wf):
    engine, _ = demo
    assert scan(wf, "AT00000005", source=Source.KEYBOARD).accepted
    scan(wf, "A03-B-04")
    assert last_row(engine).entry == "typed"


@pytest.mark.parametrize("payloads, words", [
    (["4006381333931"], "not a known product"),
    (["MUG01"], "Scan the bin MUG-01 comes from first"),
    (["A01-A-01", "LAPTOP14"], "serial tracked"),
    (["AT00000001"], "picked for an order"),
    (["AT00000008"], "was shipped"),
    (["A01-A-01", "MUG01"], "A01-A-01 holds no MUG-01"),
    (["OP-0002"], "OP-0002 is a badge, not an asset or bin"),
    (["Z99-Z-99"], "Z99-Z-99 is not a known bin"),
    (["AT00000002", "ST01-A-01"], "ST01-A-01 is a staging bin; a move goes to"),
    (["AT00000002", "AT00000002"], "already in the basket"),
    (["A01-A-02", "MUG01", "MUG01", "AT00000002", "CMD:DONE"], "item(s) in the basket"),
    (["CMD:SHORT"], "CMD:SHORT does nothing here"),
    (["A04-B-12\x1b[31m"], "Unrecognised code"),
])
def test_refusals_say_why_and_change_nothing(demo, wf, payloads, words):
    engine, _ = demo
    before = ledger_rows(engine)
    outs = [scan(wf, p) for p in payloads]
    assert not outs[-1].accepted
    assert words in outs[-1].message
    assert ledger_rows(engine) == before


def test_a_unit_already_in_the_target_bin(demo, wf):
    engine, _ = demo
    home = bin_of(engine, "AT00000002")
    scan(wf, "AT00000002")
    before = ledger_rows(engine)
    out = scan(wf, home)
    assert not out.accepted and "already in" in out.message
    assert ledger_rows(engine) == before and len(wf.basket) == 1  # basket kept for the right bin
    assert scan(wf, "A03-A-03").changed


def test_quantity_above_stock_refused(demo, wf):
    engine, gtin = demo
    scan(wf, "A01-A-02")
    scan(wf, gtin)
    out = wf.answer("23")
    assert not out.accepted and "A01-A-02 has only 22 of MUG-01" in out.message
    assert not wf.answer("ten").accepted
    assert wf.answer("22").accepted
    scan(wf, gtin)  # one more than the bin holds
    assert wf.basket[-1].qty == 22
    assert scan(wf, "R01-A-01").changed
    assert qty(engine, "MUG-01", "A01-A-02") == 0


def test_unit_moved_elsewhere_meanwhile_is_named(demo, wf):
    engine, _ = demo
    scan(wf, "AT00000002")
    scan(wf, "AT00000003")
    move(engine, actor=Actor("OP-0003", "T9", "supervisor"), scan_id="elsewhere",
         to_bin="R02-B-01", serial="AT00000003")
    out = scan(wf, "A03-A-04")
    assert out.accepted and out.warning and out.changed
    assert "not moved: AT00000003" in out.message
    assert bin_of(engine, "AT00000002") == "A03-A-04"
    assert bin_of(engine, "AT00000003") == "R02-B-01"


def test_commands_cancel_and_done(demo, wf):
    engine, gtin = demo
    scan(wf, "A01-A-02")
    scan(wf, gtin)
    assert scan(wf, "CMD:CANCEL").message == "MUG-01 from A01-A-02 is out of the basket."
    scan(wf, "AT00000002")
    assert "Basket emptied" in scan(wf, "CMD:CANCEL").message
    assert not wf.basket
    out = scan(wf, "CMD:DONE")
    assert out.accepted and out.done


def test_undo_with_nothing_to_undo(demo):
    wf = MoveWorkflow(services(demo[0], "OP-0009"))  # the admin has changed nothing yet
    out = scan(wf, "CMD:UNDO")
    assert not out.accepted and out.message == "Nothing of yours left to undo in this task."


def test_instructions_fit_a_handheld(demo, wf):
    _, gtin = demo
    seen = [wf.view().instruction]
    for payload in ("A01-A-02", gtin, "AT00000002", "A03-A-02"):
        scan(wf, payload)
        seen.append(wf.view().instruction)
    assert all(len(s) <= 38 for s in seen), seen
    assert MoveWorkflow.key == "move" and "picker" in MoveWorkflow.roles


@pytest.mark.postgres
def test_move_on_postgres(pg_url):
    from scanner_tui.inventory.db import open_store

    engine = open_store(pg_url)
    try:
        gtin = build_demo(engine, "small").examples["product"]
        wf = MoveWorkflow(services(engine, "OP-0001"))
        scan(wf, "AT00000002")
        assert scan(wf, "A03-A-01").changed
        scan(wf, "R01-A-02")
        scan(wf, gtin)
        assert wf.answer("7").accepted
        assert not wf.answer("200").accepted
        assert scan(wf, "A01-A-02").message == "Moved 7 of MUG-01 from R01-A-02 to A01-A-02."
        assert qty(engine, "MUG-01", "A01-A-02") == 29
        assert scan(wf, "CMD:UNDO").changed
        assert qty(engine, "MUG-01", "A01-A-02") == 22
        assert verify(engine) == []
    finally:
        engine.dispose()


def test_long_codes_get_a_shorter_instruction():
    from scanner_tui.workflows.base import brief

    assert brief("Qty of MUG-01? Or scan target", "Type the qty") == "Qty of MUG-01? Or scan target"
    assert brief("Qty of " + "X" * 40 + "? Or scan target", "Type the qty") == "Type the qty"


def test_the_quantity_limit_at_a_question_is_the_sites(demo, wf):
    """One quantity limit ([identity] max_quantity, 1,000,000 by default): a question took
    at most 99,999 (5 digits), so 150000 was refused as too large, not as more than the bin
    holds."""
    from scanner_tui import codes
    from scanner_tui.inventory import identity

    engine, gtin = demo
    assert wf.quantity_limit == codes.MAX_QUANTITY
    assert scan(wf, "R01-A-02").accepted and scan(wf, gtin).accepted
    out = wf.answer("150000")
    assert not out.accepted and out.message.startswith("R01-A-02 has only 96 of MUG-01"), out
    out = wf.answer("1000001")
    assert not out.accepted and "at most 1,000,000" in out.message, out
    identity.configure(engine, identity.Policy(max_quantity=50))
    try:
        out = wf.answer("60")
        assert not out.accepted and "at most 50" in out.message, out
    finally:
        identity.configure(engine, identity.Policy())


@pytest.fixture(params=ENGINES)
def any_store(request, tmp_path):
    engine = open_store(store_url(request, tmp_path))
    build_demo(engine, "small")
    yield engine
    engine.dispose()


def test_a_basket_is_undone_as_one_on_every_engine(any_store):
    wf = MoveWorkflow(services(any_store, "OP-0001"))
    basket = ("AT00000002", "AT00000003", "AT00000009")
    before = {s: bin_of(any_store, s) for s in basket}
    for serial in basket:
        assert scan(wf, serial).accepted
    assert scan(wf, "B03-B-04").changed
    out = scan(wf, "CMD:UNDO")
    assert out.changed and all(s in out.message for s in basket), out.message
    assert {s: bin_of(any_store, s) for s in basket} == before
    assert verify(any_store) == []
