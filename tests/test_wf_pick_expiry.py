"""Expired lots in pick (issue 11 item 7): first-expired-first-out among lots that have not
expired; an expired lot is never planned, and scanned it is refused and its bin flagged."""

from __future__ import annotations

from datetime import date

import pytest

from scanner_tui.inventory import operations as ops
from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.bin_flags import needs_count
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.order_queries import StockSpot
from scanner_tui.inventory.verify import verify
from scanner_tui.workflows.pick import PickWorkflow
from scanner_tui.workflows.pick_plan import _walk_order
from tests.workflow_helpers import gtin, ledger_rows, scan, services

BOSS = Actor("OP-0003", "T3")


@pytest.fixture
def demo(engine):
    build_demo(engine)
    yield engine
    assert verify(engine) == []


def stock_lot(engine, bin_code: str, lot: str, expiry: date | None, qty: int,
              sku: str = "BATTERY-AA-4") -> None:
    """Receive ``qty`` of a lot with its expiry straight into ``bin_code``."""
    ops.receive(engine, actor=BOSS, scan_id=f"in-{lot}-{bin_code}", bin=bin_code, sku=sku,
                qty=qty, lot=lot, expiry=expiry)


def gs1(engine, lot: str) -> str:
    return f"01{gtin(engine, 'BATTERY-AA-4').zfill(14)}10{lot}"


def test_an_expired_lot_is_never_planned(demo):
    stock_lot(demo, "A01-A-03", "OLD", date(2024, 1, 1), 5)
    wf = PickWorkflow(services(demo), order="QC-1003")
    battery = [(t.bin, t.lot, t.qty) for t in wf.plan.tasks if t.sku == "BATTERY-AA-4"]
    assert battery == [("A02-A-01", "B2604", 2)]


def test_lots_are_planned_first_expired_first_out_across_bins(demo):
    # a lot expiring before B2604 (2030-03-31) in another pick bin, coded before A02-A-01
    stock_lot(demo, "A01-A-03", "B2512", date(2029, 12, 31), 1)
    wf = PickWorkflow(services(demo), order="QC-1003")
    battery = [(t.bin, t.lot, t.qty) for t in wf.plan.tasks if t.sku == "BATTERY-AA-4"]
    assert battery == [("A01-A-03", "B2512", 1), ("A02-A-01", "B2604", 1)]


def test_undated_lots_come_after_dated_ones():
    spots = [StockSpot(1, "A01-A-01", "pick", "NODATE", None, 5),
             StockSpot(1, "R01-A-01", "reserve", "B1", date(2030, 1, 1), 5),
             StockSpot(1, "A02-A-01", "pick", "B2", date(2029, 1, 1), 5)]
    assert [s.lot for s in sorted(spots, key=_walk_order)] == ["B2", "B1", "NODATE"]


def test_an_expired_lot_scanned_is_refused_and_its_bin_flagged(demo):
    stock_lot(demo, "A02-A-01", "OLD", date(2024, 1, 1), 5)
    wf = PickWorkflow(services(demo), order="QC-1003")
    assert all(t.lot != "OLD" for t in wf.plan.tasks)
    scan(wf, "A01-A-02")
    scan(wf, gtin(demo, "MUG-01"))
    assert wf.answer("4").accepted
    assert scan(wf, "A02-A-01").accepted
    before = ledger_rows(demo)
    out = scan(wf, gs1(demo, "OLD"))
    assert not out.accepted and out.question is None
    assert "expired on 2024-01-01; put it aside" in out.message
    assert "A02-A-01 is flagged for a count" in out.message
    assert needs_count(demo, "A02-A-01")
    assert ledger_rows(demo) == before  # nothing picked
    # the valid lot is still picked as planned
    out = scan(wf, gs1(demo, "B2604"))
    assert out.question is not None and "Enter: 2" in out.question.text
    assert wf.answer("").changed
