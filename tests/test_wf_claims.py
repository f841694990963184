"""Document claims in the workflows (issue 11 item 13, issue 13): an order in Pick, a receipt
in Receive, a bin in Count is worked by one person at a time; a supervisor takes it over (asked
when they open it, or their badge scanned at the refused worker's terminal); the old holder is
told on their next scan and leaves it without stock changes; leaving lets go; a restored task
holds its claim again or is told; a claim of an abandoned terminal is taken without asking."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import insert

from scanner_tui.inventory import claims
from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.claims import ClaimDesk
from scanner_tui.inventory.counting import plan_count
from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.journal import record_scan
from scanner_tui.inventory.models import Operator, utcnow
from scanner_tui.inventory.sessions import save_session
from scanner_tui.inventory.verify import verify
from scanner_tui.workflows import registry
from scanner_tui.workflows.count import CountWorkflow
from scanner_tui.workflows.pick import PickWorkflow
from scanner_tui.workflows.receive import ReceiveWorkflow
from tests.workflow_helpers import classified, gtin, ledger_rows, scan, services

HELD = re.compile(r"^Order SO-1001 is being worked by OP-0001 on T1 since \d\d:\d\d; a "
                  r"supervisor can take it over \(their badge, scanned here\)\.$")


def more_operators(engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(Operator.__table__), [
            {"badge": "OP-0004", "name": "Dan Picker", "role": "picker", "active": True},
            {"badge": "OP-0006", "name": "Eve Receiver", "role": "receiver", "active": True}])


@pytest.fixture
def demo(engine):
    build_demo(engine)
    more_operators(engine)
    yield engine
    assert verify(engine) == []


def claimed(engine, badge: str, terminal: str):
    """Services with the claim desk the app gives every workflow."""
    s = services(engine, badge, terminal)
    s.claims = ClaimDesk(engine, terminal, badge, 15.0)
    return s


def journaled(wf, payload: str):
    """A scan the pipeline journaled at the workflow's terminal before handing it over (what
    an approval reads: the approver's own badge scan at this terminal)."""
    s, result = classified(wf.services.engine, payload)
    record_scan(wf.services.engine, s, result, terminal=wf.services.terminal,
                operator=wf.services.badge)
    return wf.handle(s, result)


def test_a_second_picker_is_refused_naming_who_where_and_since(demo):
    first = PickWorkflow(claimed(demo, "OP-0001", "T1"))
    assert scan(first, "SO-1001").accepted
    second = PickWorkflow(claimed(demo, "OP-0004", "T2"))
    out = scan(second, "SO-1001")
    assert not out.accepted and HELD.match(out.message), out.message
    assert second.plan is None
    typed = PickWorkflow(claimed(demo, "OP-0004", "T2"))
    assert HELD.match(typed.answer("SO-1001").message)  # typed, the same refusal
    with pytest.raises(ValueError, match="being worked by OP-0001"):
        PickWorkflow(claimed(demo, "OP-0004", "T2"), order="SO-1001")


def test_the_same_person_on_another_terminal_keeps_the_order(demo):
    assert scan(PickWorkflow(claimed(demo, "OP-0001", "T1")), "SO-1001").accepted
    moved = PickWorkflow(claimed(demo, "OP-0001", "T2"))  # the badge moved to T2
    assert scan(moved, "SO-1001").accepted
    held = claims.holder(demo, "order", "SO-1001")
    assert (held.badge, held.terminal) == ("OP-0001", "T2")
    assert not scan(PickWorkflow(claimed(demo, "OP-0004", "T3")), "SO-1001").accepted


def test_leaving_the_order_or_shipping_it_lets_it_go(demo):
    first = PickWorkflow(claimed(demo, "OP-0001", "T1"))
    scan(first, "SO-1001")
    assert scan(first, "CMD:CANCEL").message.startswith("Left order SO-1001")
    assert claims.holder(demo, "order", "SO-1001") is None
    second = PickWorkflow(claimed(demo, "OP-0004", "T2"))
    assert scan(second, "SO-1001").accepted
    second.close()  # the task left by a task card or a sign-out
    assert claims.holder(demo, "order", "SO-1001") is None


def test_a_supervisor_opening_it_is_asked_and_the_old_holder_is_told(demo):
    first = PickWorkflow(claimed(demo, "OP-0001", "T1"))
    scan(first, "SO-1001")
    boss = PickWorkflow(claimed(demo, "OP-0003", "T3"))
    asked = scan(boss, "SO-1001")
    assert asked.question is not None
    assert asked.question.text == "Take over SO-1001 from OP-0001 on T1?"
    again = scan(boss, "A01-A-01")  # only the answer answers
    assert not again.accepted and "Take over SO-1001 from OP-0001 on T1?" in again.message
    assert scan(boss, "CMD:NO").accepted and boss.plan is None
    assert claims.holder(demo, "order", "SO-1001").badge == "OP-0001"
    scan(boss, "SO-1001")
    took = scan(boss, "CMD:YES")
    assert took.accepted and took.message.startswith("Taken over from OP-0001 on T1. "
                                                     "Order SO-1001")
    held = claims.holder(demo, "order", "SO-1001")
    assert (held.badge, held.terminal) == ("OP-0003", "T3")
    rows = ledger_rows(demo)
    told = scan(first, "A01-A-01")  # the old holder's next scan: told, nothing done
    assert not told.accepted
    assert told.message.startswith("SO-1001 was taken over by OP-0003 on T3; nothing more")
    assert first.plan is None and ledger_rows(demo) == rows
    assert claims.holder(demo, "order", "SO-1001").badge == "OP-0003"


def test_the_old_holder_is_told_of_a_take_over_already_let_go(demo):
    """The taker finished before the old holder scanned again: the old holder is told all
    the same (and by whom) and leaves its stale plan; its own release is no take-over."""
    first = PickWorkflow(claimed(demo, "OP-0001", "T1"))
    scan(first, "SO-1001")
    boss = PickWorkflow(claimed(demo, "OP-0003", "T3"))
    scan(boss, "SO-1001")
    assert scan(boss, "CMD:YES").accepted
    scan(boss, "CMD:CANCEL")  # let go again
    assert claims.holder(demo, "order", "SO-1001") is None
    gone = claims.last_holder(demo, "order", "SO-1001")
    assert (gone.badge, gone.terminal) == ("OP-0003", "T3")
    assert claims.claims_of(demo) == []  # a document let go is held by nobody
    rows = ledger_rows(demo)
    told = scan(first, "A01-A-01")
    assert not told.accepted and told.message.startswith(
        "SO-1001 was taken over by OP-0003 on T3 and let go at ")
    assert first.plan is None and ledger_rows(demo) == rows
    assert claims.holder(demo, "order", "SO-1001") is None
    assert scan(first, "SO-1001").accepted  # opened afresh
    assert claims.holder(demo, "order", "SO-1001").badge == "OP-0001"
    claims.release(demo, "order", "SO-1001", terminal="T1")  # e.g. a host that lost it
    assert scan(first, "A01-A-01").message != told.message  # its own: held again, no news
    assert claims.holder(demo, "order", "SO-1001").badge == "OP-0001"


def test_rows_let_go_long_ago_are_pruned(demo):
    old = utcnow() - timedelta(days=2)
    claims.claim(demo, "order", "SO-1001", terminal="T1", badge="OP-0001", now=old)
    claims.release(demo, "order", "SO-1001", terminal="T1", now=old)
    assert claims.last_holder(demo, "order", "SO-1001") is not None
    claims.claim(demo, "receipt", "R-1001", terminal="T1", badge="OP-0001")
    claims.release(demo, "receipt", "R-1001", terminal="T1")
    assert claims.last_holder(demo, "order", "SO-1001") is None
    assert claims.last_holder(demo, "receipt", "R-1001").badge == "OP-0001"


def test_the_old_holder_loses_an_open_quantity_question_with_nothing_picked(demo):
    first = PickWorkflow(claimed(demo, "OP-0001", "T1"))
    scan(first, "QC-1003")
    task = first.current_task()
    scan(first, task.bin)
    asked = scan(first, gtin(demo, task.sku))
    assert asked.question is not None and asked.question.action == "qty"
    rows = ledger_rows(demo)
    claims.take_over(demo, "order", "QC-1003", terminal="T3", badge="OP-0003")
    told = first.answer("")  # Enter on the quantity: the order is gone, nothing picked
    assert not told.accepted and "QC-1003 was taken over by OP-0003 on T3" in told.message
    assert first.question is None and ledger_rows(demo) == rows


def test_a_supervisors_badge_at_the_refused_terminal_hands_the_order_over(demo):
    first = PickWorkflow(claimed(demo, "OP-0001", "T1"))
    scan(first, "SO-1001")
    worker = PickWorkflow(claimed(demo, "OP-0004", "T2"))
    assert not scan(worker, "SO-1001").accepted
    picker = journaled(worker, "OP-0001")  # a picker's badge approves nothing
    assert not picker.accepted and "not a supervisor" in picker.message
    assert not scan(worker, "SO-1001").accepted
    handed = journaled(worker, "OP-0003")  # the supervisor's own badge scan, here
    assert handed.accepted, handed.message
    assert handed.message.startswith("Taken over from OP-0001 on T1 with a supervisor's "
                                     "badge. Order SO-1001")
    held = claims.holder(demo, "order", "SO-1001")
    assert (held.badge, held.terminal) == ("OP-0004", "T2")
    assert worker.plan is not None and worker.plan.order.code == "SO-1001"
    told = scan(first, "CMD:SKIP")
    assert "SO-1001 was taken over by OP-0004 on T2" in told.message
    scan(first, "QC-1003")
    again = PickWorkflow(claimed(demo, "OP-0004", "T2"))
    assert not scan(again, "QC-1003").accepted
    s, result = classified(demo, "OP-0003")
    record_scan(demo, s, result, terminal="T2", operator="OP-0004")
    assert again.handle(s, result).accepted  # handed over QC-1003 too
    third = PickWorkflow(claimed(demo, "OP-0001", "T2"))
    scan(third, "QC-1003")  # refused: OP-0004 holds it now
    reused = third.handle(s, result)  # the same badge scan again: used once
    assert not reused.accepted and "already approved" in reused.message


def test_a_badge_scan_not_right_after_the_refusal_or_journaled_elsewhere_hands_nothing(demo):
    scan(PickWorkflow(claimed(demo, "OP-0001", "T1")), "SO-1001")
    worker = PickWorkflow(claimed(demo, "OP-0004", "T2"))
    scan(worker, "SO-1001")
    scan(worker, "A01-A-01")  # something else came between
    late = journaled(worker, "OP-0003")
    assert not late.accepted and claims.holder(demo, "order", "SO-1001").badge == "OP-0001"
    scan(worker, "SO-1001")
    s, result = classified(demo, "OP-0003")
    record_scan(demo, s, result, terminal="T9", operator="OP-0004")  # scanned at T9
    elsewhere = worker.handle(s, result)
    assert not elsewhere.accepted and "another terminal" in elsewhere.message
    assert claims.holder(demo, "order", "SO-1001").badge == "OP-0001"


def test_a_restored_pick_holds_its_order_or_is_told_it_was_taken(demo):
    first = PickWorkflow(claimed(demo, "OP-0001", "T1"))
    scan(first, "SO-1001")
    saved = first.snapshot()
    claims.release(demo, "order", "SO-1001", terminal="T1")  # e.g. a host that lost it
    back = registry.restore(claimed(demo, "OP-0001", "T1"), saved)
    assert back.restore_notice == "" and back.plan.order.code == "SO-1001"
    held = claims.holder(demo, "order", "SO-1001")
    assert (held.badge, held.terminal) == ("OP-0001", "T1")  # claimed again on restore
    assert not scan(PickWorkflow(claimed(demo, "OP-0004", "T2")), "SO-1001").accepted
    claims.take_over(demo, "order", "SO-1001", terminal="T3", badge="OP-0003")
    gone = registry.restore(claimed(demo, "OP-0001", "T1"), saved)
    assert gone.plan is None
    assert gone.restore_notice.startswith("SO-1001 was taken over by OP-0003 on T3")


def test_a_claim_left_by_an_abandoned_terminal_is_taken_without_a_supervisor(demo):
    old = utcnow() - timedelta(minutes=40)
    save_session(demo, "T1", badge="OP-0001", task="pick", now=old)
    claims.claim(demo, "order", "SO-1001", terminal="T1", badge="OP-0001", now=old)
    recent = utcnow() - timedelta(minutes=5)
    save_session(demo, "T5", badge="OP-0001", task="pick", now=recent)
    claims.claim(demo, "order", "QC-1003", terminal="T5", badge="OP-0001", now=recent)
    other = PickWorkflow(claimed(demo, "OP-0004", "T2"))
    assert scan(other, "SO-1001").accepted
    assert claims.holder(demo, "order", "SO-1001").badge == "OP-0004"
    assert not scan(PickWorkflow(claimed(demo, "OP-0004", "T2")), "QC-1003").accepted


def test_a_receipt_is_received_by_one_receiver_and_let_go_when_done(demo):
    first = ReceiveWorkflow(claimed(demo, "OP-0002", "T1"))
    assert scan(first, "R-1001").accepted
    second = ReceiveWorkflow(claimed(demo, "OP-0006", "T2"))
    out = scan(second, "R-1001")
    assert not out.accepted
    assert re.match(r"Receipt R-1001 is being worked by OP-0002 on T1 since \d\d:\d\d; a "
                    "supervisor can take it over", out.message)
    assert second.receipt is None
    scan(first, "CMD:DONE")
    assert claims.holder(demo, "receipt", "R-1001") is None
    assert scan(second, "R-1001").accepted
    boss = ReceiveWorkflow(claimed(demo, "OP-0003", "T3"))
    asked = scan(boss, "R-1001")
    assert asked.question.text == "Take over R-1001 from OP-0006 on T2?"
    assert scan(boss, "CMD:CANCEL").accepted and boss.receipt is None  # cancel: not taken
    assert claims.holder(demo, "receipt", "R-1001").badge == "OP-0006"
    scan(boss, "R-1001")
    assert scan(boss, "CMD:YES").accepted and boss.receipt.code == "R-1001"
    told = scan(second, gtin(demo, "LAPTOP-14"))
    assert "R-1001 was taken over by OP-0003 on T3" in told.message
    assert second.receipt is None and second.records == []


def test_a_count_bin_is_counted_by_one_counter_and_a_supervisor_counts_it_afresh(demo):
    plan_count(demo, actor=Actor("OP-0003", "DESK", "supervisor"), bins=["A02-A-03"])
    first = CountWorkflow(claimed(demo, "OP-0001", "T1"))
    assert scan(first, "A02-A-03").accepted
    unit = scan(first, "AT00000009")
    assert unit.accepted, unit.message
    second = CountWorkflow(claimed(demo, "OP-0004", "T2"))
    out = scan(second, "A02-A-03")
    assert not out.accepted and out.message.startswith(
        "Bin A02-A-03 is being worked by OP-0001 on T1 since")
    boss = CountWorkflow(claimed(demo, "OP-0003", "T3"))
    assert scan(boss, "A02-A-03").question.text == "Take over A02-A-03 from OP-0001 on T1?"
    took = scan(boss, "CMD:YES")
    assert took.accepted and "Counting A02-A-03 afresh" in took.message
    assert boss.lines == []  # the first counter's round was set aside
    told = scan(first, "AT00000009")
    assert "A02-A-03 was taken over by OP-0003 on T3" in told.message and first.bin is None
    assert scan(boss, "AT00000009").accepted
    assert scan(boss, "CMD:DONE").accepted
    assert claims.holder(demo, "count-bin", "A02-A-03") is None


def test_a_bin_whose_counter_s_terminal_is_long_gone_is_counted_afresh_by_another(demo):
    plan_count(demo, actor=Actor("OP-0003", "DESK", "supervisor"), bins=["A02-A-03"])
    first = CountWorkflow(claimed(demo, "OP-0001", "T1"))
    scan(first, "A02-A-03")
    assert scan(first, "AT00000009").accepted
    old = utcnow() - timedelta(minutes=40)
    save_session(demo, "T1", badge="OP-0001", task="count", now=old)
    other = CountWorkflow(claimed(demo, "OP-0004", "T2"))
    took = scan(other, "A02-A-03")
    assert took.accepted and "Counting A02-A-03 afresh" in took.message, took.message
    assert other.lines == [] and claims.holder(demo, "count-bin", "A02-A-03").badge == "OP-0004"
    assert "taken over by OP-0004 on T2" in scan(first, "AT00000009").message


def test_a_bin_left_half_counted_is_counted_afresh_by_the_next_but_keeps_its_assignment(
        demo):
    boss = Actor("OP-0003", "DESK", "supervisor")
    plan_count(demo, actor=boss, bins=["A02-A-03"])
    first = CountWorkflow(claimed(demo, "OP-0001", "T1"))
    scan(first, "A02-A-03")
    scan(first, "AT00000009")
    first.close()  # left with a task card: the bin is let go, its round stays started
    assert claims.holder(demo, "count-bin", "A02-A-03") is None
    other = CountWorkflow(claimed(demo, "OP-0004", "T2"))
    took = scan(other, "A02-A-03")
    assert took.accepted and "afresh" in took.message and "OP-0001's count set aside" in \
        took.message, took.message
    assert scan(other, "CMD:CANCEL").accepted  # given back uncounted
    plan_count(demo, actor=boss, bins=["A01-A-01"], assign_to="OP-0001")
    mine = CountWorkflow(claimed(demo, "OP-0001", "T1"))
    scan(mine, "A01-A-01")
    mine.close()
    refused = scan(CountWorkflow(claimed(demo, "OP-0004", "T2")), "A01-A-01")
    assert not refused.accepted and "assigned to OP-0001" in refused.message
    assert claims.holder(demo, "count-bin", "A01-A-01") is None  # let go again
    again = scan(CountWorkflow(claimed(demo, "OP-0001", "T1")), "A01-A-01")
    assert again.accepted and "again" in again.message  # the counter resumes their own


def test_terminals_lists_each_claim_with_its_since_and_an_abandoned_one_as_such(demo, db_url,
                                                                               tmp_path):
    import json

    from typer.testing import CliRunner

    from scanner_tui.cli import app

    old = utcnow() - timedelta(minutes=40)
    save_session(demo, "T1", badge="OP-0001", task="pick", scan="SO-1001", now=old)
    claims.claim(demo, "order", "SO-1001", terminal="T1", badge="OP-0001", now=old)
    scan(ReceiveWorkflow(claimed(demo, "OP-0002", "T2")), "R-1001")  # no session row kept
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[database]\nurl = "{db_url}"\n')
    out = CliRunner().invoke(app, ["--config", str(cfg), "terminals", "--json"]).output
    rows = {r["terminal"]: r for r in map(json.loads, out.splitlines())}
    assert rows["T1"]["task"] == "pick" and rows["T1"]["last_scan"] == "SO-1001"
    hold = rows["T1"]["holds"][0]
    assert (hold["kind"], hold["code"], hold["badge"], hold["abandoned"]) == (
        "order", "SO-1001", "OP-0001", True)
    assert hold["since"] == old.isoformat(timespec="seconds")
    assert [(h["kind"], h["code"]) for h in rows["T2"]["holds"]] == [("receipt", "R-1001")]
    text = CliRunner().invoke(app, ["--config", str(cfg), "terminals"]).output
    assert "holds order SO-1001 since" in text and "(abandoned: anyone may take it)" in text


def test_two_terminals_opening_one_order_at_once_on_postgres(pg_url):
    engine = open_store(pg_url)
    try:
        build_demo(engine)
        more_operators(engine)
        for attempt in range(3):  # a few rounds: the race must hold every time
            order = ("SO-1001", "QC-1003", "SO-1001")[attempt]
            pickers = [PickWorkflow(claimed(engine, badge, term))
                       for badge, term in (("OP-0001", "T1"), ("OP-0004", "T2"))]
            start = threading.Barrier(2)
            outcomes = {}

            def open_it(wf, order=order, start=start, outcomes=outcomes):
                start.wait()
                outcomes[wf.services.terminal] = scan(wf, order)

            threads = [threading.Thread(target=open_it, args=(wf,)) for wf in pickers]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            won = [t for t, o in outcomes.items() if o.accepted]
            lost = [o for o in outcomes.values() if not o.accepted]
            assert len(won) == 1 and len(lost) == 1, outcomes
            winner = claims.holder(engine, "order", order)
            assert winner.terminal == won[0]
            assert f"being worked by {winner.badge} on {winner.terminal}" in lost[0].message
            for wf in pickers:
                wf.close()
            assert claims.holder(engine, "order", order) is None
    finally:
        engine.dispose()
