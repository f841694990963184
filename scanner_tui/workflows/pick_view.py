"""What the pick screen shows, from the picker's state (no store writes, no Textual).

``Step`` is where the picker is; ``order_view`` draws an open order (the question, when one
stands, is the instruction), ``choose_view`` the list of open orders, ``ship_summary`` the
lines the shipped order leaves on the screen.
"""

from __future__ import annotations

from enum import StrEnum

from scanner_tui.inventory.db import Engine
from scanner_tui.scanning.result import Kind
from scanner_tui.workflows.base import Line, Question, View
from scanner_tui.workflows.pick_plan import Plan, Task, open_orders


class Step(StrEnum):
    CHOOSE = "choose"  # no order yet
    PICK = "pick"  # tasks left
    STAGE = "stage"  # all picked (or short): scan a staging bin
    SHIP = "ship"  # staged: CMD:DONE ships
    NOTHING = "nothing"  # nothing picked and nothing can be


def step_of(plan: Plan | None) -> Step:
    if plan is None:
        return Step.CHOOSE
    if plan.order.status == "staged":
        return Step.SHIP
    if plan.tasks:
        return Step.PICK
    if plan.picked > 0 or any(ln.picked for ln in plan.lines):
        return Step.STAGE
    return Step.NOTHING


def order_view(plan: Plan, task: Task | None, at_bin: str | None, staged_in: str | None,
               question: Question | None, *, picking_lot: str | None = None) -> View:
    """An open order: the next step in big type, the order's lines. ``picking_lot``: the lot
    being picked now (a scanned label's, when it is not the planned one)."""
    step = step_of(plan)
    order = plan.order
    context = [f"{order.customer} · {order.channel}" if order.customer else order.channel]
    accepts: tuple[Kind, ...] = (Kind.COMMAND,)
    if step is Step.PICK and task is not None:
        if at_bin != task.bin:
            instruction = f"Scan bin {task.bin}"
            context.append(f"Go to {task.bin}: {task.qty} x {task.sku}")
            accepts = (Kind.BIN,)
        else:
            context.append(f"At {task.bin}: {task.qty} x {task.sku}")
            if picking_lot or task.lot:
                context.append(f"Lot {picking_lot or task.lot}")
            if task.tracking == "serial":
                instruction = f"Scan {task.sku} unit"
                accepts = (Kind.ASSET, Kind.BIN)
            else:
                instruction = take(task.qty, task.sku)
                accepts = (Kind.PRODUCT, Kind.BIN)
    elif step is Step.STAGE:
        instruction = "Scan a staging bin"
        context.append(f"Picked {plan.picked} of {plan.wanted}; CMD:DONE ships now")
        accepts = (Kind.BIN,)
    elif step is Step.SHIP:
        instruction = "Scan CMD:DONE to ship"
        if staged_in:
            context.append(f"Staged in {staged_in}")
    else:
        instruction = "Nothing to pick: CMD:CANCEL"
        context.append("No stock in any pick or reserve bin")
    if question is not None:
        instruction = question.text
    return View(title=f"Pick {order.code}", instruction=instruction, context=tuple(context),
                columns=("#", "SKU", "Picked", "Bin"), lines=plan_lines(plan, task),
                accepts=accepts)


def take(qty: int, sku: str) -> str:
    """What to pick, said as what to take (never as what the bin holds)."""
    return f"Take {qty} of {sku}"


def choose_view(engine: Engine, last_summary: tuple[str, ...]) -> View:
    """The open orders, numbered (after a shipment: its lines' serials and shorts above them;
    the totals, ``last_summary[0]``, are the shipping scan's answer, not said twice)."""
    orders = open_orders(engine)
    lines = tuple(Line((str(n), o.code, o.customer, o.status))
                  for n, o in enumerate(orders, start=1))
    context = last_summary[1:] or (("No open orders",) if not orders else ())
    return View(title="Pick", instruction="Scan or type an order", context=context,
                columns=("#", "Order", "Customer", "Status"), lines=lines,
                narrow=("Customer",))


def plan_lines(plan: Plan, task: Task | None) -> tuple[Line, ...]:
    out = []
    for ln in plan.lines:
        tasks = [t for t in plan.tasks if t.line_no == ln.line_no]
        if ln.picked >= ln.qty:
            state = "done"
        elif not tasks:
            state = "short"
        elif task is not None and task.line_no == ln.line_no:
            state = "current"
        else:
            state = ""
        where = tasks[0].bin if tasks else ""
        out.append(Line((str(ln.line_no), ln.sku, f"{ln.picked}/{ln.qty}", where), state))
    return tuple(out)


def ship_summary(plan: Plan, serials: dict[str, list[str]]) -> list[str]:
    """What a shipped order leaves on the screen: the totals, then each line's serials or
    what it is short."""
    short = plan.wanted - plan.picked
    out = [f"Order {plan.order.code} shipped: {plan.picked} picked, {short} short."]
    for ln in plan.lines:
        got = serials.get(str(ln.line_no))
        if got:
            out.append(f"{plan.order.code} line {ln.line_no} {ln.sku}: {', '.join(got)}")
        elif ln.picked < ln.qty:
            out.append(f"{plan.order.code} line {ln.line_no} {ln.sku}: "
                       f"{ln.qty - ln.picked} short")
    return out
