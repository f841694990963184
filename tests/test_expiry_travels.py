"""A lot's expiry travels with its stock (issue 11 item 7): putaway, move and a return keep
the lot's expiry, so pick still knows an expired lot after it left the dock."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from scanner_tui.inventory import operations as ops
from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.models import Bin, Sku, Stock
from scanner_tui.inventory.order_queries import lot_expired
from scanner_tui.inventory.verify import verify
from scanner_tui.workflows.pick import PickWorkflow
from tests.workflow_helpers import services

BOSS = Actor("OP-0003", "T3")
OLD = date(2024, 1, 1)


@pytest.fixture
def demo(engine):
    build_demo(engine)
    yield engine
    assert verify(engine) == []


def expiry_in(engine, bin_code: str, lot: str, sku: str = "BATTERY-AA-4") -> date | None:
    with engine.connect() as conn:
        return conn.execute(
            select(Stock.expiry).join(Bin, Bin.id == Stock.bin_id)
            .join(Sku, Sku.id == Stock.sku_id)
            .where(Bin.code == bin_code, Sku.code == sku, Stock.lot == lot)).scalar()


def sku_id(engine, sku: str = "BATTERY-AA-4") -> int:
    with engine.connect() as conn:
        return conn.execute(select(Sku.id).where(Sku.code == sku)).scalar_one()


def test_putaway_keeps_the_lots_expiry_and_pick_still_refuses_it(demo):
    ops.receive(demo, actor=BOSS, scan_id="in-old", bin="DK01-A-01", sku="BATTERY-AA-4",
                qty=5, lot="OLD", expiry=OLD)
    ops.putaway(demo, actor=BOSS, scan_id="away-old", to_bin="A01-A-03", sku="BATTERY-AA-4",
                qty=5, from_bin="DK01-A-01", lot="OLD")
    assert expiry_in(demo, "A01-A-03", "OLD") == OLD
    assert lot_expired(demo, sku_id(demo), "A01-A-03", "OLD") == OLD
    wf = PickWorkflow(services(demo), order="QC-1003")
    assert all(t.lot != "OLD" for t in wf.plan.tasks)


def test_a_move_without_a_lot_keeps_the_expiry_of_the_lot_it_takes(demo):
    ops.receive(demo, actor=BOSS, scan_id="in-b26", bin="DK01-A-02", sku="BATTERY-AA-4",
                qty=3, lot="B2699", expiry=date(2032, 1, 31))
    ops.move(demo, actor=BOSS, scan_id="mv-b26", to_bin="R01-A-02", sku="BATTERY-AA-4",
             qty=3, from_bin="DK01-A-02")
    assert expiry_in(demo, "R01-A-02", "B2699") == date(2032, 1, 31)


def test_a_quantity_return_of_a_lot_gets_the_lots_expiry(demo):
    # SO-0999 shipped 3 of lot B2611 (expires 2031-10-31); one comes back
    ops.return_unit(demo, actor=BOSS, scan_id="ret-b2611", bin="RT01-A-01",
                    sku="BATTERY-AA-4", qty=1, order="SO-0999", lot="B2611")
    assert expiry_in(demo, "RT01-A-01", "B2611") == date(2031, 10, 31)
