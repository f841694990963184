"""Look-up workflow: a bin's contents, a unit's life, a product's stock by bin; 40 columns."""

from __future__ import annotations

import pytest

from scanner_tui.inventory.demo import build_demo
from scanner_tui.workflows.lookup import LookupWorkflow, fit
from scanner_tui.workflows.move import MoveWorkflow
from tests.workflow_helpers import ledger_rows, scan, services


@pytest.fixture
def demo(engine):
    summary = build_demo(engine, "small")
    return engine, summary.examples["product"]  # the MUG-01 GTIN-13


@pytest.fixture
def wf(demo):
    return LookupWorkflow(services(demo[0], "OP-0001"))


def whole(line: str) -> bool:
    """A context line the 40-column screen wraps between words without cutting one (issue 11
    item 16: context is wrapped, never cut mid-code)."""
    return not line.endswith("~") and all(len(word) <= 38 for word in line.split())


def fits(view) -> bool:
    """Every context line wraps whole at 40 columns; every table row fits with its gaps."""
    return (all(whole(c) for c in view.context)
            and all(sum(map(len, ln.cells)) + len(ln.cells) - 1 <= 40 for ln in view.lines))


def test_bin_contents(demo, wf):
    out = scan(wf, "A02-A-01")
    assert out.accepted and not out.changed
    v = wf.view()
    assert v.instruction == "Scan anything to look it up"
    assert v.context[0] == "Bin A02-A-01 (pick, pick)"
    assert v.columns == ("Item", "Qty", "Lot/SKU")
    assert [ln.cells for ln in v.lines] == [("BATTERY-AA-4", "12", "B2604"),
                                            ("BATTERY-AA-4", "57", "B2611"),
                                            ("AT00000004", "1", "LAPTOP-14")]
    assert out.message == "A02-A-01: 2 stock lines, 69 pcs; 1 unit."
    assert fits(v)


def test_empty_bin_and_a_bin_with_units(demo, wf):
    scan(wf, "ST01-A-04")
    assert wf.view().context[1] == "empty" and wf.view().lines == ()
    scan(wf, "A01-B-02")  # where the demo put the first laptop
    cells = [ln.cells for ln in wf.view().lines]
    assert ("AT00000001", "1", "LAPTOP-14") in cells
    assert [ln.state for ln in wf.view().lines if ln.cells[0] == "AT00000001"] == ["warn"]


def test_unit_life_newest_first(demo, wf):
    out = scan(wf, "AT00000008")
    assert out.message == "AT00000008 (LAPTOP-14) is shipped."
    v = wf.view()
    assert v.context[:3] == ("Unit AT00000008 LAPTOP-14", "shipped", "Order SO-0999 Maria Lopez")
    whats = [ln.cells[1] for ln in v.lines]
    assert whats[0] == "ship SO-0999 OP-0003"
    assert whats[-1] == "receive DK01-A-01 R-1000"  # no room for who
    assert [w.split()[0] for w in whats] == ["ship", "stage", "pick", "putaway", "receive"]
    assert fits(v)


def test_unit_after_a_move_shows_the_move(demo, wf):
    engine, _ = demo
    mover = MoveWorkflow(services(engine, "OP-0001"))
    scan(mover, "AT00000002")
    scan(mover, "R02-C-01")
    scan(wf, "AT00000002")
    assert wf.view().context[1] == "in stock in R02-C-01"
    assert wf.view().lines[0].cells[1] == "move R02-C-01 OP-0001"


def test_product_stock_by_bin_from_gtin_alias_and_gs1(demo, wf):
    _, gtin = demo
    for payload in (gtin, "MUG01", f"(01)0{gtin}", f"]C1010{gtin}"):
        out = scan(wf, payload)
        assert out.accepted, (payload, out.message)
        assert out.message == "MUG-01: 118 in 2 bins."
        v = wf.view()
        assert v.context == ("MUG-01 Mug, white, 300 ml", "118 pcs in 2 bins")
        assert [ln.cells for ln in v.lines] == [("A01-A-02", "22", ""), ("R01-A-02", "96", "")]


def test_serial_product_units_by_bin(demo, wf):
    out = scan(wf, "LAPTOP14")
    assert out.accepted
    v = wf.view()
    assert v.columns == ("Bin", "Units", "Status")
    assert v.context[1].startswith("8 units: ")
    assert "1 shipped" in v.context[1] and "1 picked" in v.context[1]
    assert fits(v)


def test_order_shows_customer_lines_and_units(demo, wf):
    out = scan(wf, "SO-0999")  # order codes follow no tag rule
    assert out.accepted and out.message == "Order SO-0999 for Maria Lopez: 3 lines, shipped."
    v = wf.view()
    assert v.context == ("Order SO-0999 Maria Lopez", "ship-from-store, shipped")
    cells = [ln.cells for ln in v.lines]
    assert cells[:2] == [("LAPTOP-14", "1", "1 picked 1 sent"), (" AT00000008", "1", "shipped")]
    assert ("MUG-01", "2", "2 picked 2 sent") in cells
    assert fits(v)
    out = wf.answer("SO-1001")  # typed
    assert out.message == "Order SO-1001 for Priya Natarajan: 2 lines, picking."
    assert (" AT00000001", "1", "picked") in [ln.cells for ln in wf.view().lines]
    assert wf.view().lines[0].state == "current"


def test_receipt_expected_and_received(demo, wf):
    out = scan(wf, "R-1001")
    assert out.accepted and out.message.startswith("Receipt R-1001 from ")
    assert [ln.cells for ln in wf.view().lines] == [("LAPTOP-14", "4", "0"),
                                                    ("CABLE-TIE-100", "50", "0")]
    assert wf.answer("R-1000").accepted
    assert all(ln.state == "done" for ln in wf.view().lines)
    assert fits(wf.view())


def test_a_kind_of_record_the_screen_does_not_know_yet(demo, wf, monkeypatch):
    from scanner_tui.workflows import lookup

    monkeypatch.setitem(lookup.VIEWS, "receipt", lookup.other_view)
    out = wf.answer("R-1001")
    assert out.accepted and out.message.startswith("Receipt R-1001")
    assert all(whole(c) for c in wf.view().context)


def test_typed_codes(demo, wf):
    assert wf.answer("MUG01").message == "MUG-01: 118 in 2 bins."
    assert wf.answer("A01-A-02").accepted
    out = wf.answer("nothing-like-it")
    assert not out.accepted and "is not a bin, unit, product or order" in out.message


@pytest.mark.parametrize("payload, words", [
    ("4006381333931", "4006381333931 is not a bin, unit or product of this store"),
    ("OP-0002", "OP-0002 is a badge, not a bin or asset or product"),
    ("HELLO WORLD", "Unrecognised code"),
    ("", "Nothing was read"),
    ("CMD:SHORT", "CMD:SHORT does nothing here"),
])
def test_refusals(demo, wf, payload, words):
    engine, _ = demo
    before = ledger_rows(engine)
    out = scan(wf, payload)
    assert not out.accepted and words in out.message
    assert ledger_rows(engine) == before


def test_done_closes_and_nothing_changes(demo, wf):
    engine, gtin = demo
    before = ledger_rows(engine)
    for payload in ("A01-A-02", "AT00000003", gtin):
        scan(wf, payload)
    assert ledger_rows(engine) == before
    assert scan(wf, "CMD:DONE").done


def test_fit_folds_whitespace_and_never_cuts():
    assert fit("x" * 50) == "x" * 50  # a context line or a cell: the screen wraps it
    assert fit("a\tb\n c") == "a b c"
