"""Every floor state survives a save and restore (issue 13, "sessions that survive"): a Wi-Fi
drop or a host killed with ``kill -9`` costs the worker nothing. For each named state (an
open question of every kind, a refused worker waiting for a supervisor's badge, a
supervisor's take-over question, an undo question, a count review...) the task is saved
(through JSON) and restored in a fresh workflow object: everything it holds
(``floor_state``: every attribute, so a new one that is not saved fails here), the screen
(view, open question, last answer and its mark) and what the next scans do are the same as
for the task that never stopped."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

import pytest

from scanner_tui.config import Config, LabelsConfig
from scanner_tui.inventory import claims
from scanner_tui.inventory.claims import ClaimDesk
from scanner_tui.inventory.journal import record_scan
from scanner_tui.scanning.result import Scan, Source
from scanner_tui.ui.floor import Snapshot, WorkflowHandler
from scanner_tui.workflows import registry
from scanner_tui.workflows.shift import Shift
from tests.test_wf_claims import more_operators
from tests.test_wf_state import ledger, store
from tests.workflow_helpers import classified, floor_state, gtin, scan, services


@dataclass(frozen=True)
class State:
    """A floor state: ``task`` opened by ``badge`` on T2 (``options``), reached by ``steps``,
    after ``holder`` (task, badge, steps) worked on T1 (opened a document, counted a bin);
    ``asks``: the start of the open question (or of the last answer) that proves the state
    is reached; ``then``: what comes next. Steps: ``type:TEXT`` typed, ``badge:OP-…`` a
    badge journaled here (an approval reads it), anything else scanned (``MUG`` and
    friends: their GTINs)."""

    task: str
    badge: str
    steps: tuple[str, ...]
    asks: str
    then: tuple[str, ...]
    holder: tuple[str, str, tuple[str, ...]] | None = None
    options: dict = field(default_factory=dict)


PICKER, RECEIVER, BOSS, OTHER_PICKER = "OP-0001", "OP-0002", "OP-0003", "OP-0004"
STATES = {
    # claims: a worker refused, waiting for a supervisor's badge at this terminal
    "pick refused, a supervisor's badge next": State(
        "pick", OTHER_PICKER, ("SO-1001",), "Order SO-1001 is being worked by",
        ("badge:OP-0003", "A01-A-01"), holder=("pick", PICKER, ("SO-1001",))),
    "receive refused, a supervisor's badge next": State(
        "receive", "OP-0006", ("R-1001",), "Receipt R-1001 is being worked by",
        ("badge:OP-0003", "LAPTOP"), holder=("receive", RECEIVER, ("R-1001",))),
    "count refused, a supervisor's badge next": State(
        "count", OTHER_PICKER, ("A02-A-03",), "Bin A02-A-03 is being worked by",
        ("badge:OP-0003", "AT00000006"), holder=("count", PICKER, ("A02-A-03",))),
    # claims: a supervisor asked to take over
    "pick take-over question": State(
        "pick", BOSS, ("SO-1001",), "Take over SO-1001 from OP-0001 on T1?",
        ("A01-A-01", "CMD:YES"), holder=("pick", PICKER, ("SO-1001",))),
    "receive take-over question": State(
        "receive", BOSS, ("R-1001",), "Take over R-1001 from OP-0002 on T1?",
        ("CMD:YES", "LAPTOP"), holder=("receive", RECEIVER, ("R-1001",))),
    "count take-over question refused": State(
        "count", BOSS, ("A02-A-03",), "Take over A02-A-03 from OP-0001 on T1?",
        ("CMD:NO", "A02-A-03", "CMD:YES"), holder=("count", PICKER, ("A02-A-03",))),
    # undo: the second undo asks first
    "undo question": State(
        "move", PICKER, ("A01-A-02", "MUG", "A03-A-01", "A01-A-02", "MUG", "A03-A-01",
                         "CMD:UNDO", "CMD:UNDO"), "Undo also the", ("type:y", "CMD:UNDO")),
    # pick
    "pick quantity with its default": State(
        "pick", PICKER, ("A01-A-02", "MUG", "MUG"), "Counted 2 MUG-01 (Enter: 2)",
        ("type:", "CMD:NO"), options={"order": "QC-1003"}),
    "pick last answer refused": State(
        "pick", PICKER, ("A01-A-02", "A03-A-01"), "", ("MUG", "type:4"),
        options={"order": "QC-1003"}),
    "pick flag the bin for a count": State(
        "pick", PICKER, ("A01-A-02", "MUG", "type:2", "CMD:SHORT"), "Flag A01-A-02 for a count?",
        ("CMD:YES", "A02-A-01"), options={"order": "QC-1003"}),
    "pick is the bin empty now": State(
        "pick", PICKER, ("A01-A-01", "TIES", "type:", "A01-B-03", "AT00000002"),
        "Is A01-B-03 empty now?", ("CMD:NO", "CMD:DONE"), options={"order": "SO-1001"}),
    "pick finish short": State(
        "pick", PICKER, ("A01-A-02", "MUG", "type:4", "CMD:DONE"), "Finish with 2 short?",
        ("CMD:NO", "A02-A-01"), options={"order": "QC-1003"}),
    "pick shipped, its summary shown": State(
        "pick", PICKER, ("A01-A-02", "MUG", "type:4", "CMD:NO", "A02-A-01", "BATT", "type:",
                         "CMD:YES", "ST01-A-01", "CMD:DONE"), "", ("CC-1002",),
        options={"order": "QC-1003"}),
    # receive
    "receive lot question": State(
        "receive", RECEIVER, ("LAPTOP",), "Lot of LAPTOP-14?", ("type:LT2611C", "AT00000013"),
        options={"receipt": "R-1001"}),
    "receive quantity question": State(
        "receive", RECEIVER, ("TIES",), "How many CABLE-TIE-100?", ("type:50", "CMD:DONE"),
        options={"receipt": "R-1001"}),
    "receive into another bin": State(
        "receive", RECEIVER, ("LAPTOP", "type:LT2611C", "AT00000013", "A03-A-01"),
        "Receive into A03-A-01 from now on?", ("CMD:YES", "AT00000014"),
        options={"receipt": "R-1001"}),
    "receive over the receipt": State(
        "receive", RECEIVER, ("TIES", "type:60"), "Receive 10 over the receipt?",
        ("CMD:YES", "CMD:DONE"), options={"receipt": "R-1001"}),
    "receive finished": State(
        "receive", RECEIVER, ("TIES", "type:49", "CMD:DONE"), "R-1001 done with",
        ("TIES", "CMD:CANCEL"), options={"receipt": "R-1001"}),
    "receive blind, expiry question": State(
        "receive", RECEIVER, ("BATT", "type:B1"), "Expiry of BATTERY-AA-4?",
        ("type:2030-01-31", "type:3"), options={"blind": True}),
    "receive new tags question": State(
        "receive", RECEIVER, ("PHONE", "type:P1", "type:2"), "Print 2 new tags for PHONE-X5?",
        ("CMD:NO", "CMD:DONE"), options={"blind": True}),
    "receive a case label's count": State(
        "receive", RECEIVER, ("(01)05901234100281(37)24",), "Receive 24 CABLE-TIE-100?",
        ("type:", "TIES"), options={"blind": True}),
    "receive a label that reads two ways": State(
        "receive", RECEIVER, ("]d20105901234100281" "10ABC12321SN0001",),
        "Which reading is right?", ("type:1", "TIES"), options={"blind": True}),
    "receive which receipt": State(
        "receive", RECEIVER, (), "", ("type:1", "LAPTOP")),
    # returns
    "returns reason": State(
        "returns", RECEIVER, ("AT00000008",), "Why did", ("type:1", "type:op", "CMD:DONE")),
    "returns waiting for the order": State(
        "returns", RECEIVER, ("MUG",), "MUG-01: scan or type the order", ("SO-0999", "type:1")),
    "returns condition": State(
        "returns", RECEIVER, ("AT00000008", "type:1"), "Condition of", ("type:1", "CMD:DONE")),
    # move with a basket, its count asked
    "move basket count": State(
        "move", PICKER, ("A01-A-02", "MUG", "MUG"), "How many MUG-01 from A01-A-02?",
        ("type:3", "AT00000013", "A03-A-01", "CMD:DONE")),
    # putaway
    "putaway quantity": State(
        "putaway", PICKER, ("MUG",), "How many MUG-01?", ("A01-A-02", "type:5")),
    "putaway a case label's count": State(
        "putaway", PICKER, ("(01)05901234100359(37)6",), "How many MUG-01?",
        ("CMD:YES", "A01-A-02")),
    # count
    "count product quantity": State(
        "count", PICKER, ("A01-A-02", "MUG", "MUG"), "How many MUG-01 in A01-A-02?",
        ("type:20", "CMD:DONE")),
    "count is it empty": State(
        "count", PICKER, ("A02-A-03", "CMD:DONE"), "Nothing counted in A02-A-03: is it empty?",
        ("CMD:NO", "AT00000006", "CMD:DONE")),
    # a supervisor's count review
    "count review": State("counts", BOSS, ("type:1",), "", ("CMD:DONE",)),
    "count review, a bin marked for a recount": State(
        "counts", BOSS, ("type:1", "A02-A-03"), "A02-A-03 marked for a recount",
        ("CMD:YES", "CMD:DONE"), holder=("count", PICKER, ("A02-A-03", "AT00000006",
                                                            "CMD:DONE"))),
    # look-up
    "look-up shown": State("lookup", PICKER, ("SO-0999",), "", ("AT00000006",)),
}


def desk_services(engine, badge: str, terminal: str):
    """Services as the app gives them: the claim desk, and a label printer (never printed
    to here: only asked about)."""
    s = services(engine, badge, terminal)
    s.claims = ClaimDesk(engine, terminal, badge, 15.0)
    s.config = Config(labels=LabelsConfig(printer="tcp://127.0.0.1:9"))
    return s


def handler_for(engine, task: str, badge: str, terminal: str, **options) -> WorkflowHandler:
    """The task as a terminal's screen runs it (``ui.floor.WorkflowHandler``), opened."""
    handler = WorkflowHandler(registry.find(task), desk_services(engine, badge, terminal),
                              **options)
    handler.open()
    assert handler.workflow is not None, handler.error
    return handler


def step(handler: WorkflowHandler, engine, what: str) -> tuple[bool, str]:
    if what.startswith("type:"):
        got = handler.answer(what[5:], Scan(what[5:], Source.KEYBOARD))
    else:
        names = {"MUG": "MUG-01", "TIES": "CABLE-TIE-100", "LAPTOP": "LAPTOP-14",
                 "BATT": "BATTERY-AA-4", "PHONE": "PHONE-X5"}
        payload = what.removeprefix("badge:")
        s, result = classified(engine, gtin(engine, names[what]) if what in names else payload)
        if what.startswith("badge:"):  # journaled here first: an approval reads it
            record_scan(engine, s, result, terminal=handler.services.terminal,
                        operator=handler.services.badge)
        got = handler.handle(s, result)
    return got.accepted, got.message


def shown(handler: WorkflowHandler) -> Snapshot:
    """What the terminal shows: the view, the open question, whether the task is over, and
    the last answer with its mark."""
    return replace(handler.view(), answer=handler.workflow.last_answer)


def reach(engine, state: State) -> WorkflowHandler:
    more_operators(engine)
    if state.holder is not None:
        task, badge, steps = state.holder
        holding = handler_for(engine, task, badge, "T1")
        assert all(step(holding, engine, what)[0] for what in steps)
    handler = handler_for(engine, state.task, state.badge, "T2", **state.options)
    for what in state.steps:
        step(handler, engine, what)
    return handler


@pytest.mark.parametrize("name", list(STATES))
def test_every_floor_state_survives_a_restore(tmp_path, name):
    state = STATES[name]
    engine_a, engine_b = store(tmp_path / "a.db", tmp_path / "b.db")
    straight, broken = reach(engine_a, state), reach(engine_b, state)
    wf = broken.workflow
    said = [wf.open_question.text if wf.open_question else "",
            wf.last_answer.message if wf.last_answer else ""]
    assert any(t.startswith(state.asks) for t in said), said  # the state is reached
    data = json.loads(json.dumps(broken.saved()))  # through JSON, as the store keeps it
    back = WorkflowHandler(registry.find(state.task),
                           desk_services(engine_b, state.badge, "T2"), **state.options)
    snap = back.reopen(data)  # what the screen shows first: the screen they left
    assert floor_state(back.workflow) == floor_state(wf)
    assert snap == shown(back) == shown(broken) == shown(straight)
    for what in state.then:  # the next scans do what they would have done
        assert step(back, engine_b, what) == step(straight, engine_a, what), what
        assert shown(back) == shown(straight), what
    assert ledger(engine_b) == ledger(engine_a)
    engine_a.dispose()
    engine_b.dispose()


def restored_as(engine, wf_data: dict, badge: str):
    back = registry.restore(desk_services(engine, badge, "T2"), json.loads(json.dumps(wf_data)))
    assert not isinstance(back, str), back
    return back


def test_a_take_over_question_restored_names_whoever_holds_it_now(tmp_path):
    """The supervisor asked "Take over SO-1001 from OP-0001 on T1?" drops off; meanwhile
    OP-0004 took the order on T3: back, the question names OP-0004, and yes takes it from
    them. Freed meanwhile: the question stays and yes takes the free order."""
    engine, _ = store(tmp_path / "a.db", tmp_path / "b.db")
    boss = reach(engine, STATES["pick take-over question"]).workflow
    saved = boss.snapshot()
    claims.release(engine, "order", "SO-1001", terminal="T1", badge=PICKER)
    assert step(handler_for(engine, "pick", OTHER_PICKER, "T3"), engine, "SO-1001")[0]
    back = restored_as(engine, saved, BOSS)
    assert back.question.text == "Take over SO-1001 from OP-0004 on T3?"
    claims.release(engine, "order", "SO-1001", terminal="T3", badge=OTHER_PICKER)
    free = restored_as(engine, saved, BOSS)
    assert free.question.text == "Take over SO-1001 from OP-0001 on T1?"  # as it was asked
    took = scan(free, "CMD:YES")
    assert took.accepted and free.plan.order.code == "SO-1001"
    assert claims.holder(engine, "order", "SO-1001").badge == BOSS


def test_a_state_saved_before_these_fields_were_kept_still_restores(tmp_path):
    """A snapshot of the previous release (no held document, no undo question or count)
    is read back as nothing refused, nothing asked."""
    engine, _ = store(tmp_path / "a.db", tmp_path / "b.db")
    worker = reach(engine, STATES["pick refused, a supervisor's badge next"]).workflow
    old = {k: v for k, v in worker.snapshot().items()
           if k not in ("held", "undos", "undo_asked")}
    back = restored_as(engine, old, OTHER_PICKER)
    assert back.refused is None and back.undo_asked is None and back.undos == 0
    assert back.view() == worker.view()


def test_a_shift_takes_back_only_its_own_badge_s_readable_counts():
    kept = Shift("OP-0001", "Ana", "picker", scans=7, accepted=5, errors=2, caps_told=True)
    data = json.loads(json.dumps(kept.to_dict()))
    for junk in (None, "x", {**data, "badge": "OP-0002"}, {**data, "scans": "many"},
                 {**data, "started": "yesterday"}, {k: v for k, v in data.items()
                                                    if k != "errors"}):
        fresh = Shift("OP-0001", "Ana", "picker")
        fresh.take_back(junk)
        assert fresh.scans == 0 and not fresh.caps_told, junk
    fresh = Shift("OP-0001", "Ana", "picker")
    fresh.take_back(data)
    assert fresh == kept
