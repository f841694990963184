"""The store changed under the plan: another terminal picked, moved or counted away what the
plan sent this picker to (issue 11 item 8).

Before each scan and each CMD:SHORT / SKIP / DONE of the pick step the order is planned again
when ledger rows on its SKUs came after the plan was read (``changed_since``: one indexed
look-up; nothing else is read when nothing changed), and always when an operation of the pick
is refused. When the task on screen lost stock, the worker is told why in one sentence naming
the unit or bin, the terminal and where to go now ("AT00000009 was just picked on T2; go to
A02-A-04"); the scan itself is then handled on the new plan (the next bin that holds the
stock is accepted; a unit scanned there is taken as the bin's scan when the bin the worker
stood at was emptied). When no bin holds the SKU any more, the line will be short: the order
goes on with the other lines, and CMD:DONE finishes short as before. A mixin ``PickWorkflow``
composes.
"""

from __future__ import annotations

import dataclasses

from scanner_tui.inventory.floor_queries import changed_since, last_taken
from scanner_tui.scanning.result import Kind, Scan, ScanResult
from scanner_tui.workflows.base import Ask, Outcome, Question
from scanner_tui.workflows.dock import look_up
from scanner_tui.workflows.pick_plan import Plan, Task
from scanner_tui.workflows.pick_records import Pending
from scanner_tui.workflows.pick_view import Step
from scanner_tui.workflows.taken_away import gone


def planned(plan: Plan, task: Task) -> int:
    """How much of ``task``'s line ``plan`` takes from ``task``'s bin."""
    return sum(t.qty for t in plan.tasks if t.line_no == task.line_no and t.bin == task.bin)


def told(news: tuple[str, str]) -> str:
    """Why and where to go now, as one sentence."""
    return f"{news[0]}; {news[1]}."


class Replanning:
    """Planning again when the store changed, and saying why."""

    def _catch_up(self, task: Task | None = None, *, force: bool = False
                  ) -> tuple[str, str] | None:
        """Plan again if the store changed since the plan was read (always with ``force``);
        why ``task`` (default: the one on screen) lost stock and where to go now (two
        clauses), or None when it did not."""
        plan = self.plan
        task = task or self.current_task()
        if plan is None or task is None:
            return None
        engine = self.services.engine
        if not force and not changed_since(engine, plan.seen, {t.sku_id for t in plan.tasks}):
            return None
        self._sync()
        before, after = planned(plan, task), planned(self.plan, task) if self.plan else 0
        if self.plan is None or after >= before:
            return None
        taken = last_taken(engine, plan.seen, task.sku_id, bin_code=task.bin)
        why = (gone(taken, plan.order.code) if taken is not None
               else f"{task.bin} no longer holds the {task.sku} planned")
        return why, self._go_now(task, after)

    def _go_now(self, task: Task, left: int) -> str:
        """Where the picker goes after ``task`` lost stock (``left``: what is still there)."""
        plan = self.plan
        if left > 0:
            return f"{left} left in {task.bin}"
        again = [t for t in plan.tasks if t.line_no == task.line_no]
        if again:
            return f"go to {again[0].bin}"
        line = plan.line(task.line_no)
        if line is not None and line.remaining == 0:
            done = f"line {task.line_no} ({task.sku}) is all picked"
        else:
            done = f"no {task.sku} is left in any bin, line {task.line_no} will be short"
        step = self.step
        if step is Step.PICK:
            nxt = self.current_task()
            return f"{done}; go to {nxt.bin}" if nxt is not None else done
        if step is Step.STAGE:
            return f"{done}; scan a staging bin, or CMD:DONE to ship"
        if step is Step.SHIP:
            return f"{done}; the order is staged, scan CMD:DONE to ship"
        return f"{done}; nothing else is left to pick, scan CMD:CANCEL"

    def _scan_on_fresh_plan(self, scan: Scan, result: ScanResult) -> Outcome:
        """A scan handled on a plan read again if the store changed under it, with why."""
        news = self._catch_up() if self.step is Step.PICK else None
        if news is None:
            return self._scan(scan, result)
        if self.step is not Step.PICK:
            return Outcome.refuse(told(news))
        self._unit_as_bin(result)
        out = self._scan(scan, result)
        if out.accepted:
            return dataclasses.replace(out, message=f"{news[0]}. {out.message}", warning=True)
        return dataclasses.replace(out, message=told(news))

    def _unit_as_bin(self, result: ScanResult) -> None:
        """Where the bin the picker stood at was emptied under them, a unit scanned in a bin
        the new plan picks its SKU from stands for that bin's scan."""
        plan = self.plan
        if result.kind is not Kind.ASSET or plan.tasks_at(self.at_bin):
            return
        unit = look_up(self.services.engine, result)
        if (unit is not None and unit.kind is Kind.ASSET and unit.status == "in_stock"
                and any(t.sku_id == unit.sku_id for t in plan.tasks_at(unit.bin_code))):
            self.at_bin = unit.bin_code

    def _command_on_fresh_plan(self, command: str) -> Outcome | None:
        """CMD:SHORT / SKIP / DONE of the pick step on a task that lost its stock under the
        plan: refused with why (the plan is new; nothing is shorted, put off or finished)."""
        if command not in ("SHORT", "SKIP", "DONE") or self.step is not Step.PICK:
            return None
        news = self._catch_up()
        return None if news is None else Outcome.refuse(told(news))

    def _pick_refused(self, refused: Outcome, task: Task | None) -> Outcome:
        """A pick the store refused: if ``task`` lost its stock under the plan meanwhile, why
        (the order's own refusal stands when its line is picked in full)."""
        if task is None:
            return refused
        news = self._catch_up(task, force=True)
        line = self.plan.line(task.line_no) if self.plan is not None else None
        if news is None or line is None or line.remaining == 0:
            return refused
        return Outcome.refuse(told(news))

    def _quantity_refused(self, refused: Outcome, pending: Pending) -> Outcome:
        """The quantity question's pick refused: on a plan read again, the question is asked
        again for what is left in the bin, else dropped."""
        out = self._pick_refused(refused, pending.task)
        line = self.plan.line(pending.task.line_no) if self.plan is not None else None
        if line is None or line.remaining == 0:
            self._drop_question()
            return out
        if out is refused:
            return out  # nothing changed under it: the question stays, type another quantity
        here = [t for t in self.plan.tasks_at(pending.bin) if t.line_no == line.line_no]
        if not here:
            self._drop_question()
            return out
        left = sum(t.qty for t in here)
        question = self._ask(Question(f"How many {pending.task.sku}? (Enter: {left})",
                                      Ask.QUANTITY, action="qty", default=left),
                             dataclasses.replace(pending, task=here[0], target=left, lot=(
                                 here[0].lot if pending.lot == pending.task.lot
                                 else pending.lot)))
        return dataclasses.replace(out, question=question)
