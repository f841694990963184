"""Dock labels that need a word from the person receiving: a label that says how many it
holds (confirm the count, or type it) and GS1 data that reads two ways (choose the reading).

A mixin ``ReceiveWorkflow`` composes: its ``answer_count`` / ``answer_reading`` are the base
dispatcher's ``answer_<action>`` for these questions.
"""

from __future__ import annotations

from dataclasses import replace

from scanner_tui.scanning.result import Scan, ScanResult
from scanner_tui.workflows.base import (
    Ask,
    Outcome,
    Question,
    contents_of,
    entry_of,
    reading_text,
)


class DockLabelQuestions:
    """The count a label states, and the label read two ways (see the module docstring)."""

    def _confirm_count(self, scan: Scan, n: int) -> Outcome:
        """A label that says how many it holds ((30)/(37), HIBC or 15434 quantity, a
        container's count): the person confirms the count (Enter / CMD:YES) or types it."""
        cur = self.current
        q = self._ask("count", Question(f"Receive {n} {cur.code}?", Ask.QUANTITY, default=n),
                      scan=scan, qty=n)
        return Outcome.ok(f"The label says {n} {cur.code}: Enter or CMD:YES receives {n}, "
                          "or type the count.", question=q)

    def answer_count(self, n: int | None, scan: Scan) -> Outcome:
        p, self.pending = self.pending, None
        if n is None:
            return Outcome.ok(f"{p.qty} of {self.current.code} not received. Scan a product.")
        if n < 1:
            self.pending = p
            return Outcome(False, "The quantity must be at least 1; type it again.",
                           question=p.question)
        entry = entry_of(p.scan) if n == p.qty else entry_of(scan)  # the label's, or typed
        return self._receive_qty(p.scan, n, entry, 0)

    def on_two_readings(self, scan: Scan, result: ScanResult) -> Outcome:
        """GS1 data that lost a separator: ask which reading is right (both shown)."""
        if self.finished is not None or self.choosing or self.bin is None:
            return super().on_two_readings(scan, result)
        readings = (reading_text(result)[:30], reading_text(result.alternative)[:30])
        self.pending = None  # a scan moves on: the count prompt closes
        q = self._ask("reading", Question("Which reading is right?", Ask.CHOICE, readings),
                      scan=scan)
        return Outcome.ok(
            f"The label reads two ways (a lost separator): 1 {readings[0]}, 2 {readings[1]}. "
            "Choose 1 or 2.", warning=True, question=q)

    def answer_reading(self, choice: str, scan: Scan) -> Outcome:
        """The reading chosen: received as if the label had read only that way."""
        p, self.pending = self.pending, None
        result = self.classify(p.scan.payload)
        chosen = result if choice == p.question.choices[0] else result.alternative
        if chosen is None:  # the store or the rules changed since: read it again
            return Outcome.refuse(f"{p.scan.payload[:30]} reads one way now; scan it again.")
        return self.on_scan(p.scan, contents_of(replace(chosen, alternative=None)))
