"""Count workflow on the demo store: blind counting, found-here units, quantities, moves
during a count, refusals, recount, approval through the supervisor workflow (verify green)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.bin_flags import flag_for_count, needs_count
from scanner_tui.inventory.counting import plan_count
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.models import Asset, Bin, LedgerEntry
from scanner_tui.inventory.operations import move
from scanner_tui.inventory.verify import verify
from scanner_tui.scanning.result import Source
from scanner_tui.workflows.count import CountWorkflow
from scanner_tui.workflows.count_supervise import CountSuperviseWorkflow
from tests.workflow_helpers import ledger_rows, qty, scan, services

SUPERVISOR = Actor("OP-0003", "T9", "supervisor")


@pytest.fixture
def demo(engine):
    summary = build_demo(engine, "small")
    yield engine, summary.examples["product"]  # the MUG-01 GTIN-13
    assert verify(engine) == []


def counter(engine, badge: str = "OP-0001", **kw) -> CountWorkflow:
    return CountWorkflow(services(engine, badge), **kw)


def unit(engine, serial: str) -> tuple[str | None, str]:
    with engine.connect() as conn:
        row = conn.execute(select(Bin.code, Asset.status).outerjoin(Bin, Bin.id == Asset.bin_id)
                           .where(Asset.serial == serial)).first()
    return row[0], row[1]


def text_of(view) -> str:
    return " ".join([view.title, view.instruction, *view.context,
                     *(c for line in view.lines for c in line.cells)])


def test_whole_loop_blind_count_then_approval(demo):
    engine, mug = demo
    flag_for_count(engine, "A01-A-02")
    code = plan_count(engine, actor=SUPERVISOR,
                      bins=["A02-A-03", "A02-A-04", "A01-A-02", "A02-A-01"]).code
    start = ledger_rows(engine)
    wf = counter(engine)
    assert wf.view().instruction == "Scan a bin to count"

    out = scan(wf, "A02-A-03")
    assert out.accepted and code in out.message
    assert "AT00000006" not in text_of(wf.view())  # blind: the books are not shown
    assert scan(wf, "AT00000006").accepted
    out = scan(wf, "AT00000007")  # the books have it in A02-A-04: found here, not refused
    assert out.accepted and not out.warning  # blind: nothing of the books (issue 11 item 12)
    assert out.message == "AT00000007 counted (2 unit(s) in A02-A-03)."
    assert not scan(wf, "AT00000007").accepted  # counted once
    out = scan(wf, "A02-A-04")
    assert not out.accepted and out.message == "Finish A02-A-03 first: CMD:DONE closes it."
    out = scan(wf, "CMD:DONE")  # AT00000009 not counted: missing
    assert out.accepted and out.message.endswith("By the books in another bin: AT00000007.")

    assert scan(wf, "A02-A-04").accepted
    assert scan(wf, "AT00000010").accepted
    assert scan(wf, "CMD:DONE").accepted

    assert scan(wf, "A01-A-02").accepted
    out = scan(wf, mug)
    assert out.accepted and out.question is not None and out.question.kind == "quantity"
    assert wf.view().instruction == "Qty of MUG-01? Or scan next"
    assert wf.answer("20").accepted
    out = scan(wf, "MUG01")  # the alias: the same product, one more
    assert out.accepted and "21 of MUG-01" in out.message
    assert scan(wf, "CMD:DONE").accepted

    assert scan(wf, "A02-A-01").accepted
    assert scan(wf, "AT00000004").accepted
    assert scan(wf, "BATTERY-AA-4").accepted  # no lot given; the books hold two lots
    assert wf.answer("70").accepted  # books: 57 + 12 = 69
    out = scan(wf, "CMD:DONE")
    assert out.accepted and "fully counted" in out.message
    assert wf.services.shift.lines_done == 4
    assert ledger_rows(engine) == start  # counting wrote nothing to the ledger

    before = ledger_rows(engine)
    boss = CountSuperviseWorkflow(services(engine, "OP-0003"))
    assert code in text_of(boss.view())
    assert boss.answer("1").accepted  # the first count waiting
    view = boss.view()
    cells = [line.cells for line in view.lines]
    at = cells.index(("A01-A-02", "", "", ""))
    assert cells[at + 1] == (" MUG-01", "22", "21", "-1")
    assert ("  -AT00000009", "", "", "") in cells
    at = cells.index(("  +AT00000007", "", "", ""))
    assert cells[at + 1] == ("   from A02-A-04", "", "", "")
    assert (" BATTERY-AA-4", "69", "70", "+1") in cells
    # mugs -6.50, batteries +5.90, AT00000009 -1499, AT00000007 +899 here and -899 in A02-A-04
    assert "Variance -1 units, -1499.60" in view.context
    out = scan(boss, "CMD:YES")
    assert out.accepted and out.changed and f"{code} approved" in out.message, out.message
    assert verify(engine) == []
    assert unit(engine, "AT00000009") == (None, "lost")
    assert unit(engine, "AT00000007") == ("A02-A-03", "in_stock")
    assert qty(engine, "MUG-01", "A01-A-02") == 21
    assert qty(engine, "BATTERY-AA-4", "A02-A-01") == 70
    with engine.connect() as conn:
        rows = conn.execute(select(LedgerEntry).where(LedgerEntry.id > before)
                            .order_by(LedgerEntry.id)).all()
    assert sorted(r.action for r in rows) == ["adjust", "adjust", "lost", "move"]
    assert {r.doc_type for r in rows} == {"count"} and {r.doc_code for r in rows} == {code}
    assert {r.operator for r in rows} == {"OP-0003"}
    assert not needs_count(engine, "A01-A-02")
    assert not scan(boss, "CMD:YES").accepted  # approved once


def test_moves_during_the_count_are_not_variance(demo):
    engine, _ = demo
    code = plan_count(engine, actor=SUPERVISOR, bins=["A01-A-01", "A02-A-03"]).code
    wf = counter(engine)
    assert scan(wf, "A01-A-01").accepted
    # While the bin is being counted: 10 come in, 5 go out (other work, by the books).
    move(engine, actor=SUPERVISOR, scan_id="m-in", sku="CABLE-TIE-100", qty=10,
         from_bin="R01-A-01", to_bin="A01-A-01")
    move(engine, actor=SUPERVISOR, scan_id="m-out", sku="CABLE-TIE-100", qty=5,
         from_bin="A01-A-01", to_bin="A01-A-03")
    assert scan(wf, "CABLE-TIE-100").accepted
    assert wf.answer("125").accepted
    assert scan(wf, "CMD:DONE").accepted
    assert scan(wf, "A02-A-03").accepted
    move(engine, actor=SUPERVISOR, scan_id="m-unit", serial="AT00000005", to_bin="A02-A-03")
    for serial in ("AT00000006", "AT00000009", "AT00000005"):
        out = scan(wf, serial)
        assert out.accepted and not out.warning, out.message
    assert scan(wf, "CMD:DONE").accepted
    boss = CountSuperviseWorkflow(services(engine, "OP-0009"), count=code)
    assert "3 move(s) during the count accounted for" in boss.view().context
    items = [line for line in boss.view().lines if line.cells[0].startswith(" ")]
    assert len(items) == 3 and all(line.state == "done" for line in items)
    before = ledger_rows(engine)
    out = scan(boss, "CMD:YES")
    assert out.accepted and "variance +0" in out.message
    assert ledger_rows(engine) == before  # nothing to adjust
    assert qty(engine, "CABLE-TIE-100", "A01-A-01") == 125


def test_refusals(demo):
    engine, mug = demo
    out = scan(counter(engine), "A04-B-12")
    assert not out.accepted and "not a known bin" in out.message
    out = scan(counter(engine), "A01-A-01")
    assert not out.accepted and out.message == (
        "A01-A-01 is not on an open count; ask a supervisor to plan one.")
    code = plan_count(engine, actor=SUPERVISOR, bins=["A01-A-01"], assign_to="OP-0003").code
    out = scan(counter(engine, "OP-0001"), "A01-A-01")
    assert not out.accepted and out.message == f"A01-A-01 on {code} is assigned to OP-0003."
    own = counter(engine, "OP-0003")
    assert scan(own, "A01-A-01").accepted
    assert not scan(counter(engine, "OP-0002"), "A01-A-01").accepted  # being counted
    boss = CountSuperviseWorkflow(services(engine, "OP-0003"), count=code)
    out = scan(boss, "CMD:YES")
    assert not out.accepted and out.message == f"{code} is not finished: A01-A-01 not counted yet."
    out = scan(own, "LAPTOP-14")
    assert not out.accepted and "tracked by serial" in out.message
    assert scan(own, "CABLE-TIE-100").accepted
    assert scan(own, "CMD:DONE").accepted
    out = scan(boss, "CMD:YES")
    assert not out.accepted and out.message == (
        f"OP-0003 counted A01-A-01 on {code}; another supervisor must approve it.")
    picker = CountSuperviseWorkflow(services(engine, "OP-0001"), count=code)
    out = scan(picker, "CMD:YES")
    assert not out.accepted and out.message == (
        "OP-0001 is a picker and may not approve counts; ask a supervisor or admin.")
    before = ledger_rows(engine)
    assert scan(CountSuperviseWorkflow(services(engine, "OP-0009"), count=code),
                "CMD:YES").accepted
    assert ledger_rows(engine) == before + 1  # 120 -> 1: one adjust row


def test_recount_by_another_counter(demo):
    engine, _ = demo
    code = plan_count(engine, actor=SUPERVISOR, bins=["A01-B-01"]).code
    first = counter(engine, "OP-0001")
    scan(first, "A01-B-01")
    scan(first, "SCREW-M4-20")
    first.answer("35")
    scan(first, "CMD:DONE")
    boss = CountSuperviseWorkflow(services(engine, "OP-0003"), count=code)
    assert scan(boss, "A01-B-01").accepted  # marked
    assert not scan(boss, "CMD:YES").accepted  # marked bins go back first
    out = scan(boss, "CMD:DONE")
    assert out.accepted and out.message == (
        f"A01-B-01 on {code} will be counted again by another counter.")
    out = scan(counter(engine, "OP-0001"), "A01-B-01")
    assert not out.accepted and out.message == (
        "OP-0001 counted A01-B-01 before; a recount is done by another counter.")
    second = counter(engine, "OP-0002")
    assert scan(second, "A01-B-01").accepted
    scan(second, "SCREW-M4-20")
    second.answer("40")
    assert scan(second, "CMD:DONE").accepted
    before = ledger_rows(engine)
    out = scan(boss, "CMD:YES")
    assert out.accepted and "variance +0" in out.message
    assert ledger_rows(engine) == before


def test_a_second_undo_asks_before_taking_back_another_counted_line(demo):
    """Issue 11 item 4 in Count: undo takes back the last counted line at once; the next
    undo asks, naming the line it would take back; a new line makes undo fresh again."""
    engine, _ = demo
    plan_count(engine, actor=SUPERVISOR, bins=["A03-A-01"], blind=False)
    wf = counter(engine, "OP-0002")
    assert scan(wf, "A03-A-01").accepted
    units = ["AT00000002", "AT00000003", "AT00000009"]  # found here, books elsewhere
    for serial in units:
        assert scan(wf, serial).accepted
    assert units[2] in scan(wf, "CMD:UNDO").message
    out = scan(wf, "CMD:UNDO")
    assert out.question is not None and f"count of {units[1]}" in out.question.text
    assert len(wf.lines) == 2
    assert scan(wf, "CMD:NO").accepted and len(wf.lines) == 2
    out = scan(wf, "CMD:UNDO")
    assert out.question is not None
    assert units[1] in scan(wf, "CMD:YES").message and len(wf.lines) == 1
    assert scan(wf, units[2]).accepted  # a new line: undo is at once again
    out = scan(wf, "CMD:UNDO")
    assert out.question is None and units[2] in out.message and len(wf.lines) == 1


def test_undo_cancel_empty_bin_and_not_blind(demo):
    engine, _ = demo
    plan_count(engine, actor=SUPERVISOR, bins=["A03-A-01", "B02-A-01"], blind=False)
    wf = counter(engine, "OP-0002")
    assert scan(wf, "A03-A-01").accepted
    view = wf.view()
    assert view.columns == ("Item", "Qty", "Books") and "SCANNER-HH" in text_of(view)
    assert scan(wf, "21258176B").accepted
    out = scan(wf, "CMD:UNDO")
    assert out.accepted and "21258176B is no longer counted" in out.message
    assert not scan(wf, "CMD:UNDO").accepted
    out = scan(wf, "CMD:CANCEL")  # the bin is given back uncounted
    assert out.accepted and "left uncounted" in out.message
    assert scan(wf, "B02-A-01").accepted  # empty by the books
    out = scan(wf, "CMD:DONE")
    assert out.accepted and out.question is not None and "empty" in out.question.text
    out = scan(wf, "CMD:YES")
    assert out.accepted and "B02-A-01 counted (0 line(s))" in out.message
    assert scan(wf, "A03-A-01", Source.KEYBOARD).accepted  # resumable later, typed
    assert wf.answer("21258176B").accepted
    assert scan(wf, "CMD:DONE").accepted
    out = scan(wf, "CMD:DONE")
    assert out.accepted and out.done
