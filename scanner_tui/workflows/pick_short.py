"""Short picks: CMD:SHORT gives up the current task's bin (the line is planned again from
other bins; what no bin holds is short) and asks whether to flag the bin for a count; a bin
emptied by the books asks whether it is empty (No flags it); CMD:DONE with lines left asks
whether to finish short. A mixin ``PickWorkflow`` composes: ``answer_zero``, ``answer_flag``
and ``answer_finish`` are the base dispatcher's ``answer_<action>``.
"""

from __future__ import annotations

from scanner_tui.inventory.bin_flags import flag_for_count
from scanner_tui.inventory.errors import DomainError
from scanner_tui.scanning.result import Scan
from scanner_tui.text import sentence
from scanner_tui.workflows.base import Outcome, Question
from scanner_tui.workflows.pick_records import Pending, ShortRecord


class ShortPicks:
    """Shorting a bin, flagging bins for a count, finishing an order short."""

    def _short(self) -> Outcome:
        plan, task = self.plan, self.current_task()
        assert plan is not None and task is not None
        qty = sum(t.qty for t in plan.tasks_at(task.bin) if t.line_no == task.line_no)
        self.skipped.setdefault(task.line_no, set()).add(task.bin)
        self.shorts.append(ShortRecord(task.line_no, task.sku, task.bin, qty))
        self._sync()
        assert self.plan is not None
        again = [t for t in self.plan.tasks if t.line_no == task.line_no]
        if again:
            more = f" Get them from {again[0].bin} instead."
        else:
            more = f" Line {task.line_no} is short."
        question = self._ask(Question(f"Flag {task.bin} for a count?", action="flag"),
                             Pending(bin=task.bin))
        return Outcome.ok(f"Short {qty} of {task.sku} in {task.bin}.{more} Flag the bin "
                          "for a count? CMD:YES or CMD:NO.", question=question, warning=True)

    def answer_zero(self, yes: bool, scan: Scan) -> Outcome:
        """Is the bin empty now? No flags it for a count."""
        at = self.pending.bin
        self._drop_question()
        if yes:
            return Outcome.ok(f"{at} is empty. {sentence(self.view().instruction)}")
        return Outcome.ok(f"{self._flag(at)} {sentence(self.view().instruction)}", warning=True)

    def answer_flag(self, yes: bool, scan: Scan) -> Outcome:
        """Flag the bin shorted in for a count?"""
        at = self.pending.bin
        self._drop_question()
        if yes:
            return Outcome.ok(f"{self._flag(at)} {sentence(self.view().instruction)}")
        return Outcome.ok(f"{at} not flagged. {sentence(self.view().instruction)}")

    def answer_finish(self, yes: bool, scan: Scan) -> Outcome:
        """Finish the order short?"""
        self._drop_question()
        if not yes:
            return Outcome.ok(f"Go on picking. {sentence(self.view().instruction)}")
        assert self.plan is not None
        left = self.plan.open_line_nos()
        for task in self.plan.tasks:
            self.shorts.append(ShortRecord(task.line_no, task.sku, task.bin, task.qty))
        self.closed |= left
        self._sync()
        return Outcome.ok(f"Picking finished short. {sentence(self.view().instruction)}",
                          warning=True)

    def _flag(self, bin_code: str) -> str:
        try:
            flag_for_count(self.services.engine, bin_code)
        except DomainError as err:
            return str(err)
        return f"{bin_code} is flagged for a count."
