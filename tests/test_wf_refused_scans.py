"""Issue 11 item 3's siblings: a refused scan is in the journal only, never on a document, a
list or a task's state. Receive was fixed (its serials); this checks every other workflow that
keeps a list (Returns, Look-up, Count, Move's basket, Putaway) and Receive's lot, with the
junk the floor produced: escape-burst remnants, other scripts' digits, emoji."""

from __future__ import annotations

import pytest

from scanner_tui.inventory.counting import plan_count
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.verify import verify
from scanner_tui.workflows.count import CountWorkflow
from scanner_tui.workflows.lookup import LookupWorkflow
from scanner_tui.workflows.move import MoveWorkflow
from scanner_tui.workflows.putaway import PutawayWorkflow
from scanner_tui.workflows.receive import ReceiveWorkflow
from scanner_tui.workflows.returns import ReturnsWorkflow
from tests.test_wf_count import SUPERVISOR
from tests.workflow_helpers import gtin, ledger_rows, scan, services

JUNK = ("[2JB", "A]52;c;aGk=", "AT٠٠٠٠٠٠١٣", "📦🔥AT00000013", "\x1b[2JB", "LT2611C\x00")


@pytest.fixture
def demo(engine):
    build_demo(engine, "small")
    yield engine
    assert verify(engine) == []


def _returns_order(engine):
    wf = ReturnsWorkflow(services(engine, "OP-0002"))
    assert scan(wf, gtin(engine, "MUG-01")).accepted  # now an order is due
    return wf


def _lookup_unit(engine):
    wf = LookupWorkflow(services(engine, "OP-0001"))
    assert scan(wf, "AT00000002").accepted
    return wf


def _count_bin(engine):
    plan_count(engine, actor=SUPERVISOR, bins=["A03-A-01"], blind=False)
    wf = CountWorkflow(services(engine, "OP-0002"))
    assert scan(wf, "A03-A-01").accepted and scan(wf, "AT00000002").accepted
    return wf


def _move_basket(engine):
    wf = MoveWorkflow(services(engine, "OP-0001"))
    assert scan(wf, "AT00000002").accepted
    return wf


def _putaway(engine):
    return PutawayWorkflow(services(engine, "OP-0001"))


def _receive_lot(engine):
    wf = ReceiveWorkflow(services(engine, "OP-0002"), receipt="R-1001")
    assert scan(wf, gtin(engine, "LAPTOP-14")).question is not None  # "Lot of LAPTOP-14?"
    return wf


SETUPS = [_returns_order, _lookup_unit, _count_bin, _move_basket, _putaway, _receive_lot]


def _shown(wf) -> str:
    view = wf.view()
    return "\n".join((view.instruction, *view.context,
                      *(" ".join(line.cells) for line in view.lines)))


@pytest.mark.parametrize("setup", SETUPS, ids=[s.__name__[1:] for s in SETUPS])
def test_a_refused_scan_is_kept_nowhere(demo, setup):
    wf = setup(demo)
    state, rows = wf.snapshot()["state"], ledger_rows(demo)
    question = wf.question
    for junk in JUNK:
        out = scan(wf, junk)
        assert not out.accepted, (junk, out)
        assert wf.snapshot()["state"] == state, junk
        assert wf.question == question, junk
        assert not any(part in _shown(wf) for part in ("٠", "📦", "[2J", "]52")), _shown(wf)
    assert ledger_rows(demo) == rows


@pytest.mark.parametrize("junk", ["AT٠٠٠٠٠٠١٣", "📦🔥LOT1", "LOT\u200b1"])
def test_a_typed_lot_goes_through_the_one_validator(demo, junk):
    """Receive's lot question took any printable text (``is_plain``), so a lot in other
    scripts' digits was set on the line before the operation refused it."""
    wf = _receive_lot(demo)
    out = wf.answer(junk)
    assert not out.accepted and "U+" in out.message, out
    assert wf.current.lot in ("", None) and wf.question is not None
    assert wf.answer("LT2611C").accepted and wf.current.lot == "LT2611C"
