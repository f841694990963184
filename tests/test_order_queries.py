"""inventory.order_queries: the order reads the workflows use, as plain data (no workflow)."""

from __future__ import annotations

import pytest

from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.lookup import find_code
from scanner_tui.inventory.order_queries import (
    bin_is_empty,
    find_order,
    order_detail,
    order_lines,
    order_shipped,
    order_to_pick,
)
from scanner_tui.workflows.returns import ReturnsWorkflow
from tests.workflow_helpers import scan, services


@pytest.fixture
def demo(engine):
    build_demo(engine, "small")
    return engine


def test_an_order_shipped_what_came_back_and_when(demo):
    mug = find_code(demo, "MUG-01").id
    before = order_shipped(demo, "SO-0999", mug)
    assert (before.order.code, before.shipped, before.back) == ("SO-0999", 2, 0)
    assert before.last_shipped is not None
    wf = ReturnsWorkflow(services(demo, "OP-0002"))
    for step in ("MUG-01", "SO-0999"):
        assert scan(wf, step).accepted
    assert wf.answer("1").accepted and wf.answer("d").accepted and wf.answer("new").changed
    after = order_shipped(demo, " SO-0999 ", mug)
    assert (after.shipped, after.back) == (2, 1)
    assert order_shipped(demo, "NO-SUCH", mug) is None and find_order(demo, "NO-SUCH") is None


def test_an_order_in_detail_and_its_lines(demo):
    found = order_detail(demo, "SO-0999")
    assert found.order.customer == "Maria Lopez"
    laptop = next(ln for ln in found.lines if ln.sku == "LAPTOP-14")
    assert ("AT00000008", "shipped", laptop.line_no) in {
        (u.serial, u.status, u.line_no) for u in found.units}
    order, lines = order_lines(demo, "SO-0999")
    assert order == found.order and lines == found.lines
    assert order_detail(demo, "NO-SUCH") is None and order_lines(demo, "NO-SUCH") is None


def test_the_stock_of_an_order_to_pick_lies_in_pick_and_reserve_bins_only(demo):
    code = next(c for c in ("QC-1003", "SO-1001", "SO-1000") if find_order(demo, c)
                and find_order(demo, c).status in ("open", "picking"))
    found = order_to_pick(demo, code)
    wanted = {ln.sku_id for ln in found.lines if ln.remaining > 0}
    assert found.stock and {s.sku_id for s in found.stock} <= wanted
    assert all(s.qty > 0 and s.bin_kind in ("pick", "reserve") for s in found.stock)
    assert not any(bin_is_empty(demo, s.bin) for s in found.stock)
    every = {ln.line_no for ln in found.lines}
    assert order_to_pick(demo, code, closed=every).stock == ()
    shipped = order_to_pick(demo, "SO-0999")  # shipped: nothing left to pick
    assert shipped.lines and shipped.stock == ()


def test_a_return_saved_with_its_question_open_has_no_step_of_its_own(demo):
    wf = ReturnsWorkflow(services(demo, "OP-0002"))
    assert scan(wf, "AT00000008").accepted and wf.step == "reason"
    data = wf.snapshot()
    assert "step" not in data["state"] and data["question"]["action"] == "reason"
    back = ReturnsWorkflow.restore(wf.services, data)
    assert back.step == "reason" and back.question == wf.question
    assert back.answer("d").accepted and back.step == "condition"
