"""Pick an order, stage it, ship it: the picker's step machine (no Textual here).

Steps: choose an order (scan or type its code, or type its number in the list) -> for each
task in walking order scan its bin, then each unit (serial SKU) or the product and a quantity
-> scan a staging bin -> ``CMD:DONE`` ships (serials recorded per order line by ``ship``).

Questions follow the one rule of ``workflows.base``: each is answered by ``CMD:YES`` /
``CMD:NO``, by a key (``answer("y")``, a number, Enter), or by its own scan; any other scan
is refused with the question repeated; ``CMD:CANCEL`` drops it:

* quantity ("How many MUG-01?"): Enter / ``CMD:YES`` takes the default (what is planned in
  this bin); scanning the same product again counts pieces one by one (reaching the planned
  quantity picks it); ``CMD:NO`` / ``CMD:CANCEL``: nothing picked.
* zero check ("Is A01-B-03 empty now?", after a pick empties a bin by the books): ``NO``
  flags the bin for a count.
* count flag after ``CMD:SHORT`` ("Flag A01-B-03 for a count?").
* finish short (``CMD:DONE`` with lines left).

``CMD:SHORT`` gives up the current task's bin: the line is planned again from other bins, and
what no bin holds is short. ``CMD:SKIP`` puts the current task off until the end of the walk.
``CMD:UNDO`` reverses this operator's last change anywhere; ``CMD:CANCEL`` drops a question,
else leaves the order (picks stay), else leaves picking.

The order is claimed while it is open here (``claiming``): opened by one picker at a time, let
go when it ships or is left; taken over by a supervisor, it is left on the next scan.

The quantity question lives in ``pick_quantity``, shorts and count flags in ``pick_short``,
planning again when another terminal took the stock (with why) in ``pick_replan`` (mixins the
class composes); the screen in ``pick_view``, the plan in ``pick_plan``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from scanner_tui.inventory import operations as ops
from scanner_tui.inventory.errors import DomainError, LotNotPickable, SerialRequired, shown
from scanner_tui.inventory.floor_queries import bin_stock
from scanner_tui.inventory.lookup import Resolved
from scanner_tui.inventory.ops.base import ROLE_MATRIX, OpResult
from scanner_tui.scanning.result import Kind, Scan, ScanResult
from scanner_tui.workflows.base import (
    Ask,
    Outcome,
    Question,
    Services,
    View,
    Workflow,
    expected,
    is_number,
    scan_from_dict,
    scan_to_dict,
)
from scanner_tui.workflows.claiming import DocumentClaims
from scanner_tui.workflows.dock import find_code, look_up
from scanner_tui.workflows.pick_plan import (
    Plan,
    Task,
    bin_is_empty,
    find_order,
    lot_refusal,
    open_orders,
    plan_order,
    stock_in_bin,
    unit_refusal,
)
from scanner_tui.workflows.pick_quantity import QuantityQuestion
from scanner_tui.workflows.pick_records import Pending, ShortRecord
from scanner_tui.workflows.pick_replan import Replanning
from scanner_tui.workflows.pick_short import ShortPicks
from scanner_tui.workflows.pick_view import (
    Step,
    choose_view,
    order_view,
    ship_summary,
    step_of,
)


class PickWorkflow(DocumentClaims, QuantityQuestion, ShortPicks, Replanning, Workflow):
    """Pick one order after another; ``order`` opens one at once, ``auto_ship`` ships as soon
    as the order is staged (counter hand-over)."""

    key = "pick"
    title = "Pick"
    roles: tuple[str, ...] = ROLE_MATRIX["pick"]

    def __init__(self, services: Services, *, order: str | None = None,
                 auto_ship: bool = False) -> None:
        super().__init__(services)
        self.auto_ship = auto_ship
        self.plan: Plan | None = None
        self.at_bin: str | None = None  # the working location: the last bin scanned
        self.pending: Pending | None = None
        self.skipped: dict[int, set[str]] = {}  # line -> bins shorted in
        self.closed: set[int] = set()  # lines finished short
        self.deferred: set[tuple[int, str]] = set()  # (line, bin) put off with CMD:SKIP
        self.shorts: list[ShortRecord] = []
        self.staged_in: str | None = None
        self.last_summary: tuple[str, ...] = ()
        self._lines_seen: set[int] = set()
        if order:
            opened = self._open(order)
            if not opened.accepted:
                raise ValueError(opened.message)

    # -- task state as data (``Workflow.snapshot``) -----------------------------------------
    state_version = 1

    def save(self) -> dict:
        p = self.pending
        return {
            "order": self.plan.order.code if self.plan else None, "at_bin": self.at_bin,
            "auto_ship": self.auto_ship,
            "pending": None if p is None else {
                "bin": p.bin, "task": dataclasses.asdict(p.task) if p.task else None,
                "scan": scan_to_dict(p.scan), "lot": p.lot,
                "target": p.target, "count": p.count},
            "skipped": {str(k): sorted(v) for k, v in self.skipped.items()},
            "closed": sorted(self.closed), "deferred": sorted(self.deferred),
            "shorts": [dataclasses.astuple(r) for r in self.shorts],
            "staged_in": self.staged_in, "last_summary": list(self.last_summary),
            "lines_seen": sorted(self._lines_seen)}

    def load(self, state: dict) -> None:
        self.auto_ship = bool(state["auto_ship"])
        self.at_bin = state["at_bin"]
        self.skipped = {int(k): set(v) for k, v in state["skipped"].items()}
        self.closed = set(state["closed"])
        self.deferred = {(int(n), str(b)) for n, b in state["deferred"]}
        self.shorts = [ShortRecord(*r) for r in state["shorts"]]
        self.staged_in = state["staged_in"]
        self.last_summary = tuple(state["last_summary"])
        self._lines_seen = set(state["lines_seen"])
        p = state["pending"]
        self.pending = None if p is None else Pending(
            bin=p["bin"], task=Task(**p["task"]) if p["task"] else None,
            scan=scan_from_dict(p["scan"]), lot=p["lot"],
            target=p["target"], count=p["count"])
        order = state["order"]  # the plan is read from the store again, never trusted
        self.plan = (plan_order(self.services.engine, order, self.skipped, self.closed)
                     if order else None)

    # -- state -------------------------------------------------------------------------------
    @property
    def step(self) -> Step:
        return step_of(self.plan)

    def _ask(self, question: Question, pending: Pending) -> Question:
        self.asked, self.pending = question, pending
        return question

    def _drop_question(self) -> None:
        self.asked, self.pending = None, None

    def current_task(self) -> Task | None:
        """The task at the working bin if there is one, else the next one in walking order
        (tasks put off with CMD:SKIP come last)."""
        if self.plan is None or not self.plan.tasks:
            return None
        tasks = sorted(self.plan.tasks, key=lambda t: (t.line_no, t.bin) in self.deferred)
        here = [t for t in tasks if t.bin == self.at_bin
                and (t.line_no, t.bin) not in self.deferred]
        return here[0] if here else tasks[0]

    def _sync(self) -> None:
        """Read the order again (after a change, an undo, or another terminal's work)."""
        if self.plan is None:
            return
        plan = plan_order(self.services.engine, self.plan.order.code, self.skipped, self.closed)
        self.plan = plan
        if plan is None:
            return
        open_lines = plan.open_line_nos()
        for ln in plan.lines:
            finished = ln.picked >= ln.qty or (ln.line_no not in open_lines
                                               and ln.line_no in self._touched_short())
            if finished and ln.line_no not in self._lines_seen:
                self._lines_seen.add(ln.line_no)
                if self.services.shift is not None:
                    self.services.shift.line_done()

    def _touched_short(self) -> set[int]:
        return {s.line_no for s in self.shorts} | self.closed

    # -- what the screen shows (``pick_view``) ----------------------------------------------
    def view(self) -> View:
        if self.step is Step.CHOOSE:
            return choose_view(self.services.engine, self.last_summary)
        p = self.pending
        picking = p.lot if p is not None and p.task is not None and self.asked else None
        return order_view(self.plan, self.current_task(), self.at_bin, self.staged_in,
                          self.asked, picking_lot=picking)

    # -- entry points ------------------------------------------------------------------------
    def on_unrecognised(self, scan: Scan, result: ScanResult) -> Outcome | None:
        if self.plan is None and result.kind is Kind.UNKNOWN and result.code:
            order = find_order(self.services.engine, result.code)
            if order is not None:  # an order's barcode (order codes follow no tag rule)
                return self._open(order.code)
        return None

    def on_scan(self, scan: Scan, result: ScanResult) -> Outcome:
        return self._scan_on_fresh_plan(scan, result)  # the store may have changed under it

    def on_command(self, command: str, scan: Scan) -> Outcome:
        if command == "CANCEL" and self.taking is not None:
            return self.answer_take_over(False, scan)
        if command == "CANCEL" and self.asked is not None:
            return self._cancel_question()
        return self._command_on_fresh_plan(command) or self._command(command, scan)

    def on_undo(self, scan: Scan) -> Outcome:
        return self._undo_pick(scan)  # drops an open question, then reads the order again

    def on_text(self, text: str, scan: Scan, result: ScanResult) -> Outcome:
        if text and self.step is Step.CHOOSE:
            return self._choose_typed(text)
        return super().on_text(text, scan, result)

    # -- choosing an order -------------------------------------------------------------------
    def _choose_typed(self, text: str) -> Outcome:
        if is_number(text):
            orders = open_orders(self.services.engine)
            n = int(text)
            if 1 <= n <= len(orders):
                return self._open(orders[n - 1].code)
            if find_order(self.services.engine, text) is None:
                return Outcome.refuse(f"There is no order number {n} in the list; "
                                      f"type 1 to {len(orders)} or the order code.")
        return self._open(text)

    def _open(self, code: str) -> Outcome:
        order = find_order(self.services.engine, code)
        if order is None:
            return Outcome.refuse(f"{code} is not an order of this store; scan the order "
                                  "barcode or type its code.")
        if order.status not in ("open", "picking", "picked", "staged"):
            return Outcome.refuse(f"Order {order.code} is {order.status}; nothing more can be "
                                  "done on it.")
        refused = self.claim_document("order", order.code)
        if refused is not None:  # another picker has it (a supervisor is asked to take it)
            return refused
        self.plan = plan_order(self.services.engine, order.code)
        self.at_bin = None
        self._drop_question()
        self.skipped, self.closed, self.shorts, self.deferred = {}, set(), [], set()
        self.staged_in = None
        assert self.plan is not None
        self._lines_seen = {ln.line_no for ln in self.plan.lines if ln.picked >= ln.qty}
        who = order.customer or order.channel
        if self.step is Step.NOTHING:
            return Outcome.ok(f"Order {order.code} for {who}: nothing of it is in a pick or "
                              "reserve bin. Scan CMD:CANCEL.", warning=True)
        left = self.plan.wanted - self.plan.picked
        return Outcome.ok(f"Order {order.code} for {who}: {left} to pick. "
                          f"{self.view().instruction}.")

    def _leave(self) -> Outcome:
        plan = self.plan
        assert plan is not None
        code, picked, wanted = plan.order.code, plan.picked, plan.wanted
        self.release_document()
        self.drop_document()
        return Outcome.ok(f"Left order {code} with {picked} of {wanted} picked; "
                          "it can be picked up again later.")

    # -- the order's claim (``claiming``) ---------------------------------------------------
    def document(self) -> tuple[str, str] | None:
        return ("order", self.plan.order.code) if self.plan is not None else None

    def open_document(self, kind: str, code: str, *, taken: bool) -> Outcome:
        return self._open(code)

    def drop_document(self) -> None:
        self.plan, self.at_bin, self.staged_in = None, None, None
        self._drop_question()

    # -- scans -------------------------------------------------------------------------------
    def _scan(self, scan: Scan, result: ScanResult) -> Outcome:
        step = self.step
        instruction = self.view().instruction
        if step is Step.CHOOSE:
            return Outcome.refuse(f"{result.code} is not an order. {instruction}.")
        if step is Step.PICK:
            if result.kind is Kind.BIN:
                return self._bin(scan, result)
            if result.kind in (Kind.ASSET, Kind.PRODUCT):
                return self._item(scan, result)
            return expected((Kind.BIN, Kind.ASSET, Kind.PRODUCT), result, instruction)
        if step is Step.STAGE:
            if result.kind is Kind.BIN:
                return self._stage(scan, result.bin or result.code)
            return expected((Kind.BIN,), result, instruction)
        if step is Step.SHIP:
            return Outcome.refuse(f"Order {self._code()} is staged; {instruction}.")
        return Outcome.refuse(f"Nothing can be picked for order {self._code()}; {instruction}.")

    def _code(self) -> str:
        return self.plan.order.code if self.plan else ""

    def _bin(self, scan: Scan, result: ScanResult) -> Outcome:
        plan, task = self.plan, self.current_task()
        assert plan is not None and task is not None
        code = (result.bin or result.code).strip()
        if code == self.at_bin and plan.tasks_at(code):
            return Outcome.ok(f"You are at {code}. {self.view().instruction}.")
        here = plan.tasks_at(code)
        if not here:
            return Outcome.refuse(f"{code} is not a bin for this pick; go to {task.bin}.")
        self.at_bin = code
        first = here[0]
        return Outcome.ok(f"At {code}: pick {first.qty} x {first.sku}. "
                          f"{self.view().instruction}.")

    def _item(self, scan: Scan, result: ScanResult) -> Outcome:
        plan, task = self.plan, self.current_task()
        assert plan is not None and task is not None
        found = look_up(self.services.engine, result)
        if found is None:
            what = "unit" if result.kind is Kind.ASSET else "product"
            return Outcome.refuse(f"{result.code} is not a known {what}; check the label or "
                                  "ask a supervisor.")
        if found.kind is Kind.ASSET and found.status != "in_stock":
            # cannot be picked: the operation says why (picked for which order, by whom, when)
            where = self.at_bin or found.bin_code or ""
            done = self._run(ops.pick, scan, order=plan.order.code, serial=found.code,
                             sku=found.sku_code, bin=where or None)
            if isinstance(done, Outcome):
                return self._pick_refused(done, task)
            return self._picked(done, where)
        if self.at_bin is None or not plan.tasks_at(self.at_bin):
            return Outcome.refuse(f"Scan bin {task.bin} first: the pick starts at the bin.")
        refused = unit_refusal(self.services.engine, found) if found.kind is Kind.ASSET \
            else None
        if refused is not None:  # a unit of an expired or held lot: never picked
            return self._put_aside(refused, found.bin_code or self.at_bin)
        if found.kind is Kind.ASSET:
            return self._unit(scan, found)
        if found.kind is Kind.PRODUCT:
            return self._product(scan, found, result.lot, result.count)
        return Outcome.refuse(f"{found.code} is a bin. {self.view().instruction}.")

    def _unit(self, scan: Scan, unit: Resolved) -> Outcome:
        plan, at = self.plan, self.at_bin
        assert plan is not None and at is not None
        line: int | None = None
        if unit.status == "in_stock":  # else the operation says why (picked by whom, ...)
            here = [t for t in plan.tasks_at(at) if t.sku_id == unit.sku_id]
            elsewhere = plan.tasks_for(unit.sku_id)
            wanted = here[0] if here else (elsewhere[0] if elsewhere else None)
            if wanted is None:
                lines = plan.lines_for(unit.sku_id)
                if not lines:
                    need = plan.tasks_at(at)[0]
                    return Outcome.refuse(
                        f"{unit.code} is a {unit.sku_code}; order {plan.order.code} does not "
                        f"need it. Put it back; pick {need.sku} in {at}.")
                line = lines[0].line_no  # all picked: the operation refuses with the count
            elif unit.bin_code != at:
                if unit.bin_code and plan.tasks_at(unit.bin_code) and not here:
                    return Outcome.refuse(f"{unit.code} is in {unit.bin_code}, not in {at}; "
                                          f"scan bin {unit.bin_code} to pick it there.")
                return Outcome.refuse(
                    f"{unit.code} is in {unit.bin_code or 'no bin'}, not in {at}; put it back "
                    f"and take the {wanted.sku} in {wanted.bin}.")
            else:
                line = wanted.line_no
        done = self._run(ops.pick, scan, order=plan.order.code, line=line, serial=unit.code,
                         sku=unit.sku_code, bin=at)
        if isinstance(done, Outcome):  # taken meanwhile by another terminal? then why
            return self._pick_refused(done, self.current_task())
        return self._picked(done, at)

    def _product(self, scan: Scan, product: Resolved, lot: str | None,
                 count: int | None = None) -> Outcome:
        """``count``: how many the label says it holds (offered instead of the plan's)."""
        plan, at = self.plan, self.at_bin
        assert plan is not None and at is not None
        sku = product.sku_code or product.code
        if product.tracking == "serial":
            return Outcome.refuse(str(SerialRequired(sku)))
        refused = lot_refusal(self.services.engine, product.sku_id or 0, sku, at, lot) \
            if lot else None
        if refused is not None:  # an expired or held lot: never picked
            return self._put_aside(refused, at)
        here = [t for t in plan.tasks_at(at) if t.sku_id == product.sku_id]
        if not here:
            lines = plan.lines_for(product.sku_id or 0)
            if not lines:
                return Outcome.refuse(f"Order {plan.order.code} does not need {sku}; put it "
                                      f"back. {self.view().instruction}.")
            elsewhere = plan.tasks_for(product.sku_id or 0)
            if not elsewhere:
                wanted = sum(ln.qty for ln in lines)
                return Outcome.refuse(f"Order {plan.order.code} needs {wanted} of {sku} and "
                                      "all are picked; put it back.")
            have = stock_in_bin(self.services.engine, product.sku_id or 0, at)
            if have <= 0:
                return Outcome.refuse(f"{at} holds no {sku} by the books; the {sku} for this "
                                      f"order is in {elsewhere[0].bin}.")
            line = plan.line(elsewhere[0].line_no)
            assert line is not None
            task = dataclasses.replace(elsewhere[0], bin=at, qty=min(have, line.remaining),
                                       lot=None)
        else:  # the planned lot, unless the label says which lot this is
            task = next((t for t in here if lot is not None and t.lot == lot), here[0])
        unplanned = lot is not None and task.lot is not None and lot != task.lot
        if unplanned:  # a lot the plan did not choose: refused now unless the bin has it
            in_bin = self._lot_here(product.sku_id or 0, at, lot)
            if in_bin <= 0:
                return Outcome.refuse(f"Lot {shown(lot, 20)} of {sku} is not in {at} by the "
                                      f"books; take lot {task.lot}.")
            task = dataclasses.replace(task, qty=min(task.qty, in_bin))
        lot = lot if lot is not None else task.lot
        line = plan.line(task.line_no)
        needs = line.remaining if line is not None else task.qty
        take = count if count and count <= needs else task.qty
        question = self._ask(Question(f"How many {sku}? (Enter: {take})", Ask.QUANTITY,
                                      action="qty", default=take),
                             Pending(bin=at, task=task, scan=scan, lot=lot,
                                     target=task.qty, count=take if count else 1))
        said = "" if not count else f"The label says {count}. " if take == count else \
            f"The label says {count}; {plan.order.code} needs {needs}. "
        if unplanned:
            said = f"Lot {lot}, not the planned {here[0].lot}: picking lot {lot}. {said}"
        return Outcome.ok(f"{said}{sku}: type how many you take from {at}, Enter for {take}.",
                          question=question, warning=unplanned)

    def _put_aside(self, refused: LotNotPickable, bin_code: str) -> Outcome:
        """Refuse stock of an expired or held lot; an expired lot's bin is flagged for a count."""
        flag = f" {self._flag(bin_code)}" if refused.why == "expired" else ""
        return Outcome.refuse(f"{refused}{flag}")

    def _lot_here(self, sku_id: int, bin_code: str, lot: str) -> int:
        """How many of ``lot`` of a SKU ``bin_code`` holds, by the books."""
        found = find_code(self.services.engine, bin_code)
        if found is None or found.kind is not Kind.BIN:
            return 0
        return bin_stock(self.services.engine, sku_id, found.id, lot)

    def _picked(self, done: OpResult, at: str) -> Outcome:
        self._sync()
        if done.replayed:
            return Outcome.ok(f"Already done: {done.message}")
        if bin_is_empty(self.services.engine, at):
            question = self._ask(Question(f"Is {at} empty now?", action="zero"),
                                 Pending(bin=at))
            return Outcome.ok(f"{done.message} {at} should now be empty: is it? "
                              "CMD:YES or CMD:NO.", changed=True, question=question)
        return Outcome.ok(f"{done.message} {self.view().instruction}.", changed=True)

    # -- commands ----------------------------------------------------------------------------
    def _command(self, command: str, scan: Scan) -> Outcome:
        step = self.step
        if command == "CANCEL":
            if self.plan is None:
                return Outcome.ok("Left picking.", done=True)
            return self._leave()
        if step is Step.PICK and command == "SHORT":
            return self._short()
        if step is Step.PICK and command == "SKIP":
            return self._skip()
        if step is Step.PICK and command == "DONE":
            plan = self.plan
            assert plan is not None
            left = sum(t.qty for t in plan.tasks)
            question = self._ask(Question(f"Finish with {left} short?", action="finish"),
                                 Pending())
            return Outcome.ok(f"{left} still to pick on order {plan.order.code}. Finish short? "
                              "CMD:YES or CMD:NO.", question=question)
        if step is Step.STAGE and command == "DONE":
            return self._ship(scan)  # straight from the pick bins, no staging
        if step is Step.SHIP and command == "DONE":
            return self._ship(scan)
        if step is Step.NOTHING and command == "DONE":
            return self._leave()
        return Outcome.refuse(f"CMD:{command} does nothing here. {self.view().instruction}.")

    def _skip(self) -> Outcome:
        task = self.current_task()
        assert task is not None
        self.deferred.add((task.line_no, task.bin))
        nxt = self.current_task()
        if nxt is None or nxt == task:
            return Outcome.ok(f"Nothing else to pick first. {self.view().instruction}.")
        return Outcome.ok(f"{task.sku} in {task.bin} put off until the end. "
                          f"{self.view().instruction}.")

    def _undo_pick(self, scan: Scan) -> Outcome:
        try:
            done = self.run(ops.undo_last, scan, since=self.undo_since)
        except DomainError as err:
            return Outcome.refuse(self.undo_refusal(err))
        self._drop_question()
        self._sync()
        if self.plan is not None and self.plan.order.status != "staged":
            self.staged_in = None
        return Outcome.ok(f"{done.message} {self.view().instruction}.", changed=True)

    def _stage(self, scan: Scan, bin_code: str) -> Outcome:
        plan = self.plan
        assert plan is not None
        done = self._run(ops.stage, scan, order=plan.order.code, bin=bin_code)
        if isinstance(done, Outcome):
            return done
        self.staged_in = bin_code.strip()
        self._sync()
        if self.auto_ship:
            return self._ship(scan, staged=done.message)
        return Outcome.ok(f"{done.message} Scan CMD:DONE to ship.", changed=True)

    def _ship(self, scan: Scan, staged: str = "") -> Outcome:
        plan = self.plan
        assert plan is not None
        # With auto_ship the staging scan also ships: the ship gets its own idempotency key.
        ship_scan = dataclasses.replace(scan, id=f"{scan.id[:56]}-ship") if staged else scan
        done = self._run(ops.ship, ship_scan, order=plan.order.code)
        if isinstance(done, Outcome):
            return done
        self._sync()
        summary = ship_summary(self.plan, done.data.get("serials", {}))
        self.last_summary = tuple(summary)
        self.release_document()
        self.drop_document()
        head = f"{staged} " if staged else ""
        return Outcome.ok(head + summary[0], changed=True, done=True)

    # -- questions (one dispatcher in the base: ``answer_<action>``) -------------------------
    # -- operations --------------------------------------------------------------------------
    def _run(self, operation: Callable[..., OpResult], scan: Scan,
             **kwargs: object) -> OpResult | Outcome:
        """Run one inventory operation for this scan; a refusal becomes an Outcome."""
        try:
            return self.run(operation, scan, **kwargs)
        except DomainError as err:
            return Outcome.refuse(str(err))
