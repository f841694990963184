"""Returns workflow: a shipped unit or a quantity comes back with a reason and a condition."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.models import Asset, Bin
from scanner_tui.inventory.verify import verify
from scanner_tui.scanning.result import Source
from scanner_tui.workflows.returns import CONDITIONS, REASONS, ReturnsWorkflow
from tests.workflow_helpers import last_row, ledger_rows, qty, scan, services

SHIPPED = "AT00000008"  # LAPTOP-14, shipped on SO-0999 to Maria Lopez


@pytest.fixture
def demo(engine):
    summary = build_demo(engine, "small")
    yield engine, summary.examples["product"]  # the MUG-01 GTIN-13
    assert verify(engine) == []


@pytest.fixture
def wf(demo):
    return ReturnsWorkflow(services(demo[0], "OP-0002"))  # a receiver


def unit(engine, serial: str) -> tuple[str, str | None]:
    with engine.connect() as conn:
        row = conn.execute(select(Asset.status, Bin.code).outerjoin(Bin, Bin.id == Asset.bin_id)
                           .where(Asset.serial == serial)).one()
    return row[0], row[1]


def test_unit_shows_order_and_customer_then_reason_and_condition_by_card(demo, wf):
    engine, _ = demo
    out = scan(wf, SHIPPED)
    assert out.accepted and not out.changed
    assert out.question.kind == "choice" and out.question.choices == REASONS
    context = wf.view().context
    assert f"{SHIPPED} LAPTOP-14" in context
    assert "Order SO-0999 Maria Lopez" in context
    assert any(line.startswith("Shipped 20") for line in context)
    assert wf.view().instruction == "Reason: DAMAGED, WRONG, UNWANTED"
    out = scan(wf, "CMD:DAMAGED")
    assert out.accepted and out.question.choices == CONDITIONS
    out = scan(wf, "CMD:OPENED")
    assert out.accepted and out.changed
    assert out.message == f"Returned {SHIPPED} (LAPTOP-14) from order SO-0999 into RT01-A-01."
    assert unit(engine, SHIPPED) == ("returned", "RT01-A-01")
    row = last_row(engine)
    assert (row.action, row.reason, row.doc_code) == ("return", "damaged; condition opened",
                                                      "SO-0999")
    assert wf.pending is None and wf.view().instruction == "Scan the returned unit or product"
    assert wf.services.shift.lines_done == 1


def test_broken_goes_to_quarantine_answered_by_keys(demo, wf):
    engine, _ = demo
    scan(wf, SHIPPED)
    assert wf.answer("wr").accepted  # unique prefix of WRONG
    out = wf.answer("3")  # BROKEN
    assert out.accepted and out.changed
    assert unit(engine, SHIPPED) == ("returned", "QA01-A-01")
    assert last_row(engine).reason == "wrong; condition broken"


def test_quantity_return_product_order_quantity(demo, wf):
    engine, gtin = demo
    out = scan(wf, gtin)
    assert out.accepted and wf.view().instruction == "Scan or type order for MUG-01"
    out = scan(wf, "SO-0999")  # no tag rule: taken as the order while one is due
    assert out.accepted and out.question.kind == "quantity"
    assert "Order SO-0999 Maria Lopez" in wf.view().context
    assert scan(wf, gtin).accepted  # one more: 2
    before = ledger_rows(engine)
    out = scan(wf, gtin)  # 3 is more than shipped
    assert not out.accepted and "only 2 of MUG-01" in out.message
    assert ledger_rows(engine) == before
    assert scan(wf, "CMD:UNWANTED").accepted
    out = scan(wf, "CMD:NEW")
    assert out.changed and out.message == "Returned 2 of MUG-01 from order SO-0999 into RT01-A-01."
    assert qty(engine, "MUG-01", "RT01-A-01") == 2
    scan(wf, gtin)
    out = scan(wf, "SO-0999")
    assert not out.accepted and "2 came back; none can come back" in out.message


def test_quantity_return_typed(demo, wf):
    engine, _ = demo
    scan(wf, "BATTERYAA4")  # alias
    assert wf.answer("SO-0999").accepted
    assert wf.answer("2").accepted and wf.step == "reason"
    assert wf.answer("d").accepted
    assert wf.answer("new").changed
    assert qty(engine, "BATTERY-AA-4", "RT01-A-01") == 2


@pytest.mark.parametrize("payloads, words", [
    (["AT00000002"], "AT00000002 never left here: the store has it in stock in"),
    (["AT00000001"], "never left here: the store has it picked"),
    (["AT99999999"], "AT99999999 was never shipped from here; put it aside"),
    (["LAPTOP14"], "LAPTOP-14 is serial tracked; scan the unit's tag."),
    (["R58N0000001"], "R58N0000001 is not a unit of this store; it was never shipped"),
    (["MUG01", "SO-0999", "CMD:YES", "CMD:BROKEN"], "BROKEN is not one of DAMAGED"),
    (["A01-A-01"], "A01-A-01 is a pick bin; returns go to a returns or quarantine bin."),
    (["OP-0001"], "OP-0001 is a badge"),
    (["MUG01", "SO-1001"], "Order SO-1001 shipped 0 of MUG-01; none can come back"),
    (["MUG01", "SO-7777"], "Unrecognised code"),
    (["MUG01", "A01-A-01"], "A01-A-01 is not an order"),
    ([SHIPPED, "CMD:NEW"], "NEW is not one of DAMAGED, WRONG, UNWANTED"),
    # one rule for every question: any other scan is refused and the question repeated
    ([SHIPPED, "AT00000009"], f"AT00000009 does not answer the question. Why did {SHIPPED} "
                              "come back?"),
    ([SHIPPED, "CMD:DONE"], f"CMD:DONE does not answer the question. Why did {SHIPPED}"),
    ([SHIPPED, "CMD:WRONG", "CMD:DAMAGED"], "DAMAGED is not one of NEW, OPENED, BROKEN"),
])
def test_refusals_say_why_and_change_nothing(demo, wf, payloads, words):
    engine, _ = demo
    before = ledger_rows(engine)
    outs = [scan(wf, p) for p in payloads]
    assert not outs[-1].accepted
    assert words in outs[-1].message
    assert ledger_rows(engine) == before


def test_a_unit_that_came_back_already(demo, wf):
    engine, _ = demo
    with engine.connect() as conn:
        phone = conn.execute(select(Asset.serial).where(Asset.status == "returned")).scalar()
    out = scan(wf, phone)
    assert not out.accepted and "has come back already (returned in RT01-A-01)" in out.message


def test_picker_may_not_take_returns(demo):
    engine, _ = demo
    wf = ReturnsWorkflow(services(engine, "OP-0001"))
    assert "picker" not in ReturnsWorkflow.roles
    before = ledger_rows(engine)
    scan(wf, SHIPPED)
    scan(wf, "CMD:DAMAGED")
    out = scan(wf, "CMD:NEW")
    assert not out.accepted and "may not take returns" in out.message
    assert ledger_rows(engine) == before and wf.pending is not None


def test_scanned_returns_bin_is_used_and_cancel_drops(demo, wf):
    engine, _ = demo
    assert scan(wf, "QA01-A-01").message == "Broken returns go to QA01-A-01."
    scan(wf, SHIPPED)
    out = scan(wf, "CMD:CANCEL")
    assert out.accepted and "nothing was recorded" in out.message and wf.pending is None
    assert unit(engine, SHIPPED)[0] == "shipped"
    assert scan(wf, "CMD:CANCEL").done


def test_undo_puts_the_unit_back_to_shipped(demo, wf):
    engine, _ = demo
    scan(wf, SHIPPED, source=Source.KEYBOARD)
    scan(wf, "CMD:UNWANTED")
    scan(wf, "CMD:NEW")
    assert last_row(engine).entry == "typed"
    out = scan(wf, "CMD:UNDO")
    assert out.accepted and out.changed
    assert unit(engine, SHIPPED) == ("shipped", None)
    assert verify(engine) == []


def test_instructions_fit_a_handheld(demo, wf):
    seen = [wf.view().instruction]
    for payload in ("CABLETIE100", "CMD:CANCEL", SHIPPED, "CMD:DAMAGED"):
        scan(wf, payload)
        seen.append(wf.view().instruction)
    assert all(len(s) <= 38 for s in seen), seen
    assert all(len(c) <= 40 for c in wf.view().context), wf.view().context


@pytest.mark.postgres
def test_returns_on_postgres(pg_url):
    from scanner_tui.inventory.db import open_store

    engine = open_store(pg_url)
    try:
        gtin = build_demo(engine, "small").examples["product"]
        wf = ReturnsWorkflow(services(engine, "OP-0002"))
        scan(wf, SHIPPED)
        assert "Order SO-0999 Maria Lopez" in wf.view().context
        scan(wf, "CMD:WRONG")
        assert scan(wf, "CMD:BROKEN").changed
        assert unit(engine, SHIPPED) == ("returned", "QA01-A-01")
        scan(wf, gtin)
        assert scan(wf, "SO-0999").accepted
        wf.answer("1")
        wf.answer("unwanted")
        assert wf.answer("opened").changed
        scan(wf, gtin)
        out = wf.answer("SO-0999")
        assert out.message == "Order SO-0999: 1 of MUG-01 may come back; how many did?"
        assert wf.view().context[2].endswith(", 1 back")
        assert qty(engine, "MUG-01", "RT01-A-01") == 1
        assert verify(engine) == []
    finally:
        engine.dispose()
