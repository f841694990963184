"""Issue 11 item 8: two terminals on orders that want the same stock. The loser of a race is
told at once why the plan changed (the unit or bin, the other terminal, where to go now) and
its next scan works against the new plan; on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from scanner_tui.inventory import operations as ops
from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.verify import verify
from scanner_tui.workflows.pick import PickWorkflow, Step
from scanner_tui.workflows.registry import restore
from tests.test_wf_pick import add_order, line_picked, unit_state
from tests.workflow_helpers import gtin, ledger_rows, scan, services

SUPERVISOR = Actor("OP-0003", "T3")


@pytest.fixture
def demo(engine):
    build_demo(engine)
    yield engine
    assert verify(engine) == []


def two_pickers(engine, want: tuple[str, int] = ("LAPTOP-16", 1),
                other: tuple[str, int] | None = None) -> tuple[PickWorkflow, PickWorkflow]:
    """T1 (OP-0001) on SO-2011 and T2 (OP-0003) on SO-2012, orders wanting the same SKU."""
    add_order(engine, "SO-2011", want)
    add_order(engine, "SO-2012", other or want)
    return (PickWorkflow(services(engine, "OP-0001", "T1"), order="SO-2011"),
            PickWorkflow(services(engine, "OP-0003", "T2"), order="SO-2012"))


def t2_wins_at_a02_a_03(demo) -> PickWorkflow:
    """Both are sent to AT00000009 in A02-A-03; T2 picks it first; T1 stands at A02-A-03."""
    t1, t2 = two_pickers(demo)
    assert scan(t1, "A02-A-03").accepted
    assert t1.view().instruction == "Scan LAPTOP-16 unit"
    assert scan(t2, "A02-A-03").accepted and scan(t2, "AT00000009").changed
    return t1


def every_laptop16(t2: PickWorkflow) -> None:
    """T2 picks all four LAPTOP-16 of the store."""
    for bin_code, unit in (("A02-A-03", "AT00000009"), ("A02-A-04", "AT00000010"),
                           ("A02-B-01", "AT00000011"), ("A02-B-02", "AT00000012")):
        scan(t2, bin_code)
        assert scan(t2, unit).changed
        if t2.question is not None:
            scan(t2, "CMD:YES")


def test_the_next_bin_is_accepted_and_the_screen_says_why(demo):
    t1 = t2_wins_at_a02_a_03(demo)
    out = scan(t1, "A02-A-04")  # refused before: "not a bin for this pick; go to A02-A-03"
    assert out.accepted and out.warning, out.message
    assert out.message.startswith("AT00000009 was just picked on T2. At A02-A-04: pick 1 x "
                                  "LAPTOP-16."), out.message
    assert t1.view().instruction == "Scan LAPTOP-16 unit" and t1.at_bin == "A02-A-04"
    out = scan(t1, "AT00000010")
    assert out.changed, out.message
    assert unit_state(demo, "AT00000010") == ("picked", "A02-A-04")
    assert line_picked(demo, "SO-2011", 1) == 1


def test_the_emptied_bin_scanned_again_says_why_and_where_to_go(demo):
    t1 = t2_wins_at_a02_a_03(demo)
    before = ledger_rows(demo)
    out = scan(t1, "A02-A-03")
    assert not out.accepted
    assert out.message == "AT00000009 was just picked on T2; go to A02-A-04."
    assert t1.view().instruction == "Scan bin A02-A-04"
    assert scan(t1, "A02-A-04").accepted
    assert ledger_rows(demo) == before


def test_the_unit_in_the_next_bin_is_picked_without_its_bin_scan(demo):
    """The bin the picker stood at was emptied under them: the unit they take in the bin the
    new plan names is accepted as that bin's scan."""
    t1 = t2_wins_at_a02_a_03(demo)
    out = scan(t1, "AT00000010")
    assert out.accepted and out.changed, out.message
    assert out.message.startswith("AT00000009 was just picked on T2. Picked AT00000010")
    assert unit_state(demo, "AT00000010") == ("picked", "A02-A-04")


def test_the_unit_taken_by_the_winner_is_refused_with_why(demo):
    t1 = t2_wins_at_a02_a_03(demo)
    out = scan(t1, "AT00000009")
    assert not out.accepted
    assert out.message == "AT00000009 was just picked on T2; go to A02-A-04."


def test_a_pick_the_store_refuses_meanwhile_is_explained(demo, monkeypatch):
    """The other terminal's pick lands between the check and the operation: the refused pick
    makes the plan be read again, with why."""
    t1 = t2_wins_at_a02_a_03(demo)
    import scanner_tui.workflows.pick_replan as replan

    monkeypatch.setattr(replan, "changed_since", lambda *a: False)  # not seen before the op
    out = scan(t1, "AT00000009")
    assert not out.accepted
    assert out.message == "AT00000009 was just picked on T2; go to A02-A-04."
    assert scan(t1, "A02-A-04").accepted  # the plan is the new one


def test_short_skip_and_done_on_a_vanished_task_say_why_and_change_nothing(demo):
    t1 = t2_wins_at_a02_a_03(demo)
    out = scan(t1, "CMD:SHORT")
    assert not out.accepted and out.message == "AT00000009 was just picked on T2; go to A02-A-04."
    assert t1.shorts == [] and t1.question is None
    assert scan(t1, "CMD:SHORT").accepted  # the worker decides again, on the new plan
    assert t1.shorts[0].bin == "A02-A-04"


def test_a_unit_moved_away_names_where_it_went(demo):
    t1, _t2 = two_pickers(demo)
    scan(t1, "A02-A-03")
    ops.move(demo, actor=SUPERVISOR, scan_id="mv-9", serial="AT00000009", to_bin="B03-A-01")
    out = scan(t1, "A02-A-03")
    assert out.message == "AT00000009 was just moved to B03-A-01 on T3; go to A02-A-04."


def test_quantity_asked_then_the_bin_is_emptied_goes_to_the_next_bin(demo):
    t1, t2 = two_pickers(demo, ("MUG-01", 4), ("MUG-01", 22))
    assert scan(t1, "A01-A-02").accepted and scan(t1, gtin(demo, "MUG-01")).accepted
    assert t1.question is not None and t1.question.default == 4
    scan(t2, "A01-A-02")
    scan(t2, gtin(demo, "MUG-01"))
    assert t2.answer("").changed  # all 22 mugs of A01-A-02
    before = ledger_rows(demo)
    out = t1.answer("")
    assert not out.accepted
    assert out.message == "22 MUG-01 were just picked from A01-A-02 on T2; go to R01-A-02."
    assert t1.question is None and ledger_rows(demo) == before
    assert t1.view().instruction == "Scan bin R01-A-02"
    assert scan(t1, "R01-A-02").accepted
    scan(t1, gtin(demo, "MUG-01"))
    assert t1.answer("").changed and line_picked(demo, "SO-2011", 1) == 4


def test_quantity_asked_then_part_is_taken_asks_again_for_what_is_left(demo):
    t1, t2 = two_pickers(demo, ("MUG-01", 4), ("MUG-01", 20))
    scan(t1, "A01-A-02")
    scan(t1, gtin(demo, "MUG-01"))
    scan(t2, "A01-A-02")
    scan(t2, gtin(demo, "MUG-01"))
    assert t2.answer("").changed
    out = t1.answer("")
    assert not out.accepted
    assert out.message == "20 MUG-01 were just picked from A01-A-02 on T2; 2 left in A01-A-02."
    assert out.question is not None and out.question.default == 2
    t1 = restore(services(demo, "OP-0001", "T1"), t1.snapshot())  # the question is data
    assert t1.question == out.question
    assert t1.answer("").changed  # Enter takes the 2 left
    assert line_picked(demo, "SO-2011", 1) == 2
    assert t1.question.text == "Is A01-A-02 empty now?" and scan(t1, "CMD:YES").accepted
    assert t1.view().instruction == "Scan bin R01-A-02"


def test_stock_counted_away_before_the_product_scan_is_told(demo):
    add_order(demo, "SO-2011", ("MUG-01", 4))
    t1 = PickWorkflow(services(demo, "OP-0001", "T1"), order="SO-2011")
    scan(t1, "A01-A-02")
    ops.adjust(demo, actor=SUPERVISOR, scan_id="adj-1", bin="A01-A-02", sku="MUG-01",
               counted=0, reason="cycle count")
    out = scan(t1, gtin(demo, "MUG-01"))
    assert not out.accepted
    assert out.message == "22 MUG-01 were just counted away in A01-A-02 on T3; go to R01-A-02."


def test_nothing_left_anywhere_says_the_line_will_be_short(demo):
    add_order(demo, "SO-2012", ("LAPTOP-16", 4))
    add_order(demo, "SO-2011", ("LAPTOP-16", 1), ("MUG-01", 1))
    t1 = PickWorkflow(services(demo, "OP-0001", "T1"), order="SO-2011")
    t2 = PickWorkflow(services(demo, "OP-0003", "T2"), order="SO-2012")
    assert t1.current_task().bin == "A01-A-02"  # the mug first, then A02-A-03
    scan(t1, "CMD:SKIP")
    assert scan(t1, "A02-A-03").accepted
    every_laptop16(t2)
    out = scan(t1, "A02-A-03")
    assert not out.accepted
    assert out.message == ("AT00000009 was just picked on T2; no LAPTOP-16 is left in any bin, "
                           "line 1 will be short; go to A01-A-02.")
    assert t1.step is Step.PICK and t1.current_task().sku == "MUG-01"
    go = scan(t1, "A01-A-02")
    assert go.accepted
    scan(t1, gtin(demo, "MUG-01"))
    assert t1.answer("").changed and t1.step is Step.STAGE
    scan(t1, "ST01-A-01")
    out = scan(t1, "CMD:DONE")
    assert out.done and "1 picked, 1 short" in out.message


def test_the_same_scan_of_the_winner_on_its_own_order_is_not_a_race(demo):
    """A picker's own picks never read as another terminal's: no "just picked" for them."""
    add_order(demo, "SO-2011", ("LAPTOP-16", 2))
    t1 = PickWorkflow(services(demo, "OP-0001", "T1"), order="SO-2011")
    scan(t1, "A02-A-03")
    out = scan(t1, "AT00000009")
    assert out.changed and "just" not in out.message
    scan(t1, "CMD:YES")
    out = scan(t1, "A02-A-04")
    assert out.accepted and not out.warning and "just" not in out.message


def test_a_terminal_restored_after_the_race_works_on_the_new_plan(demo):
    t1, t2 = two_pickers(demo)
    scan(t1, "A02-A-03")
    saved = t1.snapshot()
    scan(t2, "A02-A-03")
    scan(t2, "AT00000009")
    again = restore(services(demo, "OP-0001", "T1"), saved)
    assert again.current_task().bin == "A02-A-04"
    assert scan(again, "A02-A-04").accepted
    assert again.snapshot()["state"] == restore(services(demo, "OP-0001", "T1"),
                                                again.snapshot()).snapshot()["state"]


@contextmanager
def two_terminals(url: str):
    """The demo store on ``url`` as two engines (two connection pools, as two terminals'
    processes have), with SO-2012 wanting one LAPTOP-16; ``verify`` green at the end."""
    engine = open_store(url)
    other = open_store(url, upgrade=False)
    try:
        build_demo(engine)
        add_order(engine, "SO-2012", ("LAPTOP-16", 1))
        yield engine, other
        assert verify(engine) == []
    finally:
        other.dispose()
        engine.dispose()


@pytest.mark.postgres
def test_the_race_on_postgresql(pg_url):
    with two_terminals(pg_url) as (engine, other):
        add_order(engine, "SO-2011", ("LAPTOP-16", 1))
        t1 = PickWorkflow(services(engine, "OP-0001", "T1"), order="SO-2011")
        t2 = PickWorkflow(services(other, "OP-0003", "T2"), order="SO-2012")
        assert scan(t1, "A02-A-03").accepted
        assert scan(t2, "A02-A-03").accepted and scan(t2, "AT00000009").changed
        out = scan(t1, "A02-A-03")
        assert out.message == "AT00000009 was just picked on T2; go to A02-A-04."
        assert scan(t1, "A02-A-04").accepted
        out = scan(t1, "AT00000010")
        assert out.changed, out.message


def test_an_order_left_with_nothing_says_so_and_how_to_leave(demo):
    t1, t2 = two_pickers(demo, ("LAPTOP-16", 1), ("LAPTOP-16", 4))
    scan(t1, "A02-A-03")
    every_laptop16(t2)
    out = scan(t1, "A02-A-04")
    assert not out.accepted
    assert out.message == ("AT00000009 was just picked on T2; no LAPTOP-16 is left in any bin, "
                           "line 1 will be short; nothing else is left to pick, scan "
                           "CMD:CANCEL.")
    assert t1.step is Step.NOTHING and scan(t1, "CMD:CANCEL").accepted


def test_the_plan_is_read_again_only_when_the_store_changed(demo, monkeypatch):
    import scanner_tui.workflows.pick_plan as pick_plan

    t1, t2 = two_pickers(demo, ("MUG-01", 2), ("LAPTOP-16", 1))
    reads = []
    real = pick_plan.order_to_pick
    monkeypatch.setattr(pick_plan, "order_to_pick", lambda *a, **k: reads.append(a) or real(
        *a, **k))
    scan(t1, "A01-A-02")
    scan(t1, "CMD:SKIP")
    assert reads == []  # nothing changed: the plan stands
    scan(t2, "A02-A-03")
    assert scan(t2, "AT00000009").changed  # another SKU: T1's plan is not concerned
    reads.clear()
    scan(t1, "A01-A-02")
    assert reads == []
    ops.adjust(demo, actor=SUPERVISOR, scan_id="adj-2", bin="R01-A-02", sku="MUG-01",
               counted=90, reason="count")
    scan(t1, "A01-A-02")
    assert len(reads) == 1  # a row on MUG-01: read again (the task in hand kept its stock)


def test_the_last_line_left_with_nothing_goes_to_staging_short(demo):
    _other, t2 = two_pickers(demo, ("LAPTOP-16", 1), ("LAPTOP-16", 4))
    add_order(demo, "SO-2013", ("MUG-01", 1), ("LAPTOP-16", 1))
    t1 = PickWorkflow(services(demo, "OP-0001", "T1"), order="SO-2013")
    scan(t1, "A01-A-02")
    scan(t1, gtin(demo, "MUG-01"))
    assert t1.answer("").changed
    assert scan(t1, "A02-A-03").accepted
    every_laptop16(t2)
    out = scan(t1, "AT00000009")
    assert not out.accepted
    assert out.message == ("AT00000009 was just picked on T2; no LAPTOP-16 is left in any bin, "
                           "line 2 will be short; scan a staging bin, or CMD:DONE to ship.")
    out = scan(t1, "CMD:DONE")
    assert out.done and "1 picked, 1 short" in out.message
