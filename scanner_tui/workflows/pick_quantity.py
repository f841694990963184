"""The quantity taken from a bin: "How many MUG-01?" answered by a typed number or Enter
(the default: what is planned in this bin, or the label's count), or by scanning the same
product again to count pieces one by one (reaching the planned quantity picks it). A mixin
``PickWorkflow`` composes: ``answer_qty`` is the base dispatcher's ``answer_<action>``.
"""

from __future__ import annotations

import dataclasses

from scanner_tui.inventory import operations as ops
from scanner_tui.scanning.result import Kind, Scan, ScanResult
from scanner_tui.workflows.base import Ask, Outcome, Question
from scanner_tui.workflows.dock import look_up


class QuantityQuestion:
    """Picking the quantity asked for, counting pieces, dropping the question."""

    def _pick_qty(self, qty: int) -> Outcome:
        pending = self.pending
        assert pending is not None and pending.task is not None and pending.scan is not None
        plan = self.plan
        assert plan is not None
        if qty <= 0:
            return Outcome.refuse(f"{qty} cannot be picked; type a quantity of 1 or more.")
        line = plan.line(pending.task.line_no)
        if line is not None and qty > line.remaining:
            return Outcome.refuse(f"Order {plan.order.code} needs only {line.remaining} more "
                                  f"of {pending.task.sku}; type {line.remaining} or less.")
        # more than the planned lot holds: let the operation choose a lot that has enough
        lot = pending.lot if qty <= pending.task.qty or pending.lot != pending.task.lot else None
        done = self._run(ops.pick, pending.scan, order=plan.order.code,
                         line=pending.task.line_no, sku=pending.task.sku, bin=pending.bin,
                         qty=qty, lot=lot)
        if isinstance(done, Outcome):  # another terminal may have picked it meanwhile
            return self._quantity_refused(done, pending)  # ``pick_replan``
        self._drop_question()
        out = self._picked(done, pending.bin)
        took = (done.data or {}).get("lot")
        if took and pending.lot and took != pending.lot:  # the screen said another lot
            return dataclasses.replace(out, warning=True, message=(
                f"Lot {took} taken: lot {pending.lot} has too few here. {out.message}"))
        return out

    def on_answer_scan(self, q: Question, scan: Scan, result: ScanResult) -> Outcome | None:
        """The quantity's own scan: the same product again counts one more piece."""
        pending = self.pending
        if q.action != "qty" or result.kind is not Kind.PRODUCT or pending is None:
            return None
        found = look_up(self.services.engine, result)
        if found is None or pending.task is None or found.sku_id != pending.task.sku_id:
            return None
        return self._count_piece(result.count or 1)

    def _cancel_question(self) -> Outcome:
        q, pending = self.asked, self.pending
        self._drop_question()
        if q is not None and q.action == "qty" and pending is not None and pending.task:
            return Outcome.ok(f"No quantity given for {pending.task.sku}; nothing picked. "
                              f"{self.view().instruction}.")
        return Outcome.ok(f"Question dropped. {self.view().instruction}.")

    def answer_qty(self, qty: int | None, scan: Scan) -> Outcome:
        if qty is None:
            return self._cancel_question()
        return self._pick_qty(qty)

    def _count_piece(self, pieces: int = 1) -> Outcome:
        """The product scanned again while its quantity is asked: ``pieces`` more (a case
        label's count, else one)."""
        pending = self.pending
        assert pending is not None and pending.task is not None
        count = pending.count + pieces
        if count >= pending.target:
            return self._pick_qty(count)
        question = self._ask(Question(f"Counted {count} {pending.task.sku} (Enter: {count})",
                                      Ask.QUANTITY, action="qty", default=count),
                             dataclasses.replace(pending, count=count))
        return Outcome.ok(f"Counted {count} of {pending.task.sku}; scan more, or Enter to "
                          f"pick {count}.", question=question)
