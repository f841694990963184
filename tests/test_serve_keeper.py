"""The keeper's row written inside a scan's stock operation (issue 13): a host stopped before
the row after the scan is written comes back, through the redo, at exactly the state the live
task reached; a typed answer is redone as an answer. No Textual: the scan pipeline, the floor
handlers and the keeper as the app wires them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scanner_tui.config import Config
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.lookup import StoreKnownCodes
from scanner_tui.inventory.sessions import load_session
from scanner_tui.scanning.result import Scan, Source
from scanner_tui.scanning.rules import TagRules
from scanner_tui.serve.keeper import TerminalKeeper
from scanner_tui.ui.floor import AnswerHandler, FloorServices, FloorSession, SignedIn
from scanner_tui.ui.pipeline import ScanPipeline
from scanner_tui.workflows.registry import find
from tests.workflow_helpers import gtin, ledger_rows

TERMINAL = "K1"


@pytest.fixture
def demo(engine):
    build_demo(engine, "small")
    return engine


class Kept:
    """A signed-in terminal's pipeline with its keeper, in one task."""

    def __init__(self, engine, task: str) -> None:  # noqa: ANN001
        clock = lambda: datetime.now(UTC)  # noqa: E731
        rules = TagRules.from_config(Config())
        self.engine = engine
        self.floor = FloorServices(engine, TERMINAL, clock, rules, None, config=Config())
        self.session = FloorSession.start(SignedIn("OP-0001", "Ana", "picker"), clock)
        self.task = task
        self.handler = self.floor.handler_for(find(task), self.session)
        self.handler.open()
        self.pipeline = ScanPipeline(engine, rules, reply=lambda _: None, terminal=TERMINAL,
                                     known=StoreKnownCodes(engine), operator="OP-0001")
        self.pipeline.keeper = TerminalKeeper(engine, TERMINAL, clock,
                                              lambda: self.pipeline.operator)

    def scan(self, payload: str) -> None:
        handled = self.pipeline.process(Scan(payload, Source.WEDGE), self.handler)
        assert handled.outcome.accepted, handled.outcome.message

    def type_answer(self, text: str) -> None:
        scan = Scan(text, Source.KEYBOARD)
        handled = self.pipeline.process(scan, AnswerHandler(self.handler, text))
        assert handled.outcome.accepted, handled.outcome.message

    def stopped_before_the_row_after(self) -> None:
        """From now on the row after a scan is never written (the host dies first)."""
        self.pipeline.keeper.answered = lambda *args: None

    def reopened(self):  # noqa: ANN201
        kept = load_session(self.engine, TERMINAL)
        assert kept is not None and kept.task == self.task
        again = self.floor.handler_for(find(self.task), self.session)
        again.reopen(kept.state["workflow"], kept.state.get("redo"))
        return again


def _place(handler) -> dict:  # noqa: ANN001
    saved = handler.saved()
    return {"state": saved["state"], "question": saved["question"]}


def test_a_move_redone_from_its_operation_row_reaches_the_live_state(demo):
    kept = Kept(demo, "move")
    kept.scan("AT00000002")  # in the basket (no stock change: the row after it is kept)
    kept.stopped_before_the_row_after()
    rows = ledger_rows(demo)
    kept.scan("A03-A-01")  # the move commits, with the row
    assert ledger_rows(demo) == rows + 1
    assert load_session(demo, TERMINAL).state["redo"]["scan"]["payload"] == "A03-A-01"
    again = kept.reopened()
    assert _place(again) == _place(kept.handler)
    assert again.workflow.basket == []
    assert ledger_rows(demo) == rows + 1  # the redo applied nothing


def test_a_typed_quantity_is_redone_as_the_answer_and_never_picked_twice(demo):
    kept = Kept(demo, "pick")
    kept.scan("QC-1003")
    kept.scan(kept.handler.workflow.current_task().bin)
    kept.scan(gtin(demo, "MUG-01"))  # asks how many
    kept.stopped_before_the_row_after()
    rows = ledger_rows(demo)
    kept.type_answer("3")  # the pick commits, with the row
    assert ledger_rows(demo) == rows + 1
    redo = load_session(demo, TERMINAL).state["redo"]
    assert redo["answer"] == "3" and redo["scan"]["source"] == "keyboard"
    again = kept.reopened()
    # The pick checks the typed quantity against what the order still needs, read from the
    # store, which already has the pick: the redone answer is refused, so the task is back
    # at its question, its plan read from the stock (3 of 4 picked), and nothing twice.
    assert ledger_rows(demo) == rows + 1
    line = next(t for t in again.workflow.plan.lines if t.sku == "MUG-01")
    assert line.picked == 3


def test_without_a_stop_the_row_after_the_scan_has_no_redo(demo):
    kept = Kept(demo, "move")
    kept.scan("AT00000002")
    kept.scan("A03-A-01")
    state = load_session(demo, TERMINAL).state
    assert "redo" not in state and state["workflow"]["state"]["basket"] == []
