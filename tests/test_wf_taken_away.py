"""Issue 11 item 8's siblings: what a putaway or move worker holds was taken away by another
terminal meanwhile (put away, moved, picked). The refusal says why, naming the unit or bin and
the terminal, and the worker is not left stuck on it (before: every bin scan was refused the
same way until CMD:CANCEL)."""

from __future__ import annotations

import pytest

from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.verify import verify
from scanner_tui.workflows.move import MoveWorkflow
from scanner_tui.workflows.pick import PickWorkflow
from scanner_tui.workflows.putaway import PutawayWorkflow
from tests.test_wf_pick import add_order, unit_state
from tests.test_wf_pick_race import two_terminals
from tests.test_wf_putaway import dock
from tests.workflow_helpers import gtin, ledger_rows, qty, scan, services


@pytest.fixture
def demo(engine):
    build_demo(engine)
    yield engine
    assert verify(engine) == []


def on(engine, cls, terminal: str, badge: str = "OP-0003", **options):
    return cls(services(engine, badge, terminal), **options)


def test_a_unit_put_away_by_another_terminal_is_put_down_with_why(demo):
    dock(demo, "LAPTOP-14", serial="AT00000013", lot="LT1")
    t1, t2 = on(demo, PutawayWorkflow, "T1", "OP-0001"), on(demo, PutawayWorkflow, "T2")
    assert scan(t1, "AT00000013").accepted
    suggested = t1.item.suggestion
    assert scan(t2, "AT00000013").accepted and scan(t2, "A01-B-01").changed
    before = ledger_rows(demo)
    out = scan(t1, suggested)
    assert not out.accepted
    assert out.message == ("AT00000013 was just put away in A01-B-01 on T2. Scan the next unit "
                           "or product.")
    assert t1.item is None and t1.view().instruction == "Scan a unit or product"
    assert ledger_rows(demo) == before


def test_part_of_the_quantity_put_away_elsewhere_asks_again_for_what_is_left(demo):
    dock(demo, "MUG-01", 12)
    t1, t2 = on(demo, PutawayWorkflow, "T1", "OP-0001"), on(demo, PutawayWorkflow, "T2")
    scan(t1, gtin(demo, "MUG-01"))
    assert t1.answer("").accepted  # all 12
    scan(t2, gtin(demo, "MUG-01"))
    t2.answer("8")
    assert scan(t2, "A01-A-02").changed
    out = scan(t1, "A01-A-02")
    assert not out.accepted
    assert out.message == ("8 MUG-01 were just put away from DK01-A-01 in A01-A-02 on T2; 4 "
                           "left in DK01-A-01: how many do you put away?")
    assert out.question is not None and out.question.default == 4
    assert t1.answer("").accepted
    assert scan(t1, "A01-A-02").changed and qty(demo, "MUG-01", "DK01-A-01") == 0


def test_a_unit_in_the_basket_picked_meanwhile_leaves_the_basket_with_why(demo):
    add_order(demo, "SO-2012", ("LAPTOP-16", 1))
    t1 = on(demo, MoveWorkflow, "T1", "OP-0001")
    t2 = on(demo, PickWorkflow, "T2", order="SO-2012")
    assert scan(t1, "AT00000009").accepted
    scan(t2, "A02-A-03")
    assert scan(t2, "AT00000009").changed
    out = scan(t1, "B03-A-01")
    assert not out.accepted
    assert out.message == ("AT00000009 was just picked on T2; AT00000009 is out of the basket. "
                           "Scan a unit or a bin.")
    assert t1.basket == []
    assert unit_state(demo, "AT00000009") == ("picked", "A02-A-03")


def test_a_quantity_in_the_basket_partly_taken_is_asked_again(demo):
    add_order(demo, "SO-2012", ("MUG-01", 20))
    t1 = on(demo, MoveWorkflow, "T1", "OP-0001")
    t2 = on(demo, PickWorkflow, "T2", order="SO-2012")
    scan(t1, "A01-A-02")
    scan(t1, gtin(demo, "MUG-01"))
    t1.answer("5")
    scan(t2, "A01-A-02")
    scan(t2, gtin(demo, "MUG-01"))
    assert t2.answer("").changed  # 20 of the 22 in A01-A-02
    out = scan(t1, "B03-A-01")
    assert not out.accepted
    assert out.message == ("20 MUG-01 were just picked from A01-A-02 on T2; 2 left in "
                           "A01-A-02: type how many, or scan the target.")
    assert out.question is not None and out.question.default == 2
    assert scan(t1, "B03-A-01").changed and qty(demo, "MUG-01", "B03-A-01") == 2


def test_a_basket_partly_moved_names_why_the_rest_was_not(demo):
    add_order(demo, "SO-2012", ("LAPTOP-16", 1))
    t1 = on(demo, MoveWorkflow, "T1", "OP-0001")
    t2 = on(demo, PickWorkflow, "T2", order="SO-2012")
    scan(t1, "AT00000009")
    scan(t1, "AT00000010")
    scan(t2, "A02-A-03")
    scan(t2, "AT00000009")
    out = scan(t1, "B03-A-01")
    assert out.accepted and out.changed and out.warning
    assert out.message == ("Moved 1 to B03-A-01; not moved: AT00000009 (AT00000009 was just "
                           "picked on T2.)")


@pytest.mark.postgres
def test_taken_away_on_postgresql(pg_url):
    """Two terminals as two engines on the real server: a basket unit and a putaway quantity."""
    with two_terminals(pg_url) as (engine, other):
        dock(engine, "MUG-01", 12)
        mover, putter = on(engine, MoveWorkflow, "T1", "OP-0001"), on(engine, PutawayWorkflow,
                                                                      "T1", "OP-0001")
        picker, t2 = on(other, PickWorkflow, "T2", order="SO-2012"), on(other, PutawayWorkflow,
                                                                      "T2")
        scan(mover, "AT00000009")
        scan(picker, "A02-A-03")
        assert scan(picker, "AT00000009").changed
        out = scan(mover, "B03-A-01")
        assert out.message.startswith("AT00000009 was just picked on T2;"), out.message
        scan(putter, gtin(engine, "MUG-01"))
        putter.answer("")
        scan(t2, gtin(engine, "MUG-01"))
        t2.answer("")
        assert scan(t2, "A01-A-02").changed
        out = scan(putter, "A01-A-02")
        assert out.message == ("12 MUG-01 were just put away from DK01-A-01 in A01-A-02 on T2; "
                               "none left in DK01-A-01. Scan the next unit or product."), (
            out.message)
