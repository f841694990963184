"""The receiving bin: the first receivable bin scanned is taken; another one asks "Receive
into X from now on?" (CMD:YES changes it, CMD:NO keeps it): a stray bin scan never moves the
receiving bin by itself (issue 11 item 5). A mixin ``ReceiveWorkflow`` composes.
"""

from __future__ import annotations

from scanner_tui.inventory.ops.receiving import RECEIVE_BIN_KINDS
from scanner_tui.scanning.result import Scan, ScanResult
from scanner_tui.text import sentence
from scanner_tui.workflows.base import Outcome, Question
from scanner_tui.workflows.dock import active_bin


class ReceivingBinQuestion:
    """A bin scanned while receiving, and the answer to "Receive into X from now on?"."""

    def _bin(self, result: ScanResult) -> Outcome:
        found = active_bin(self.services.engine, result)
        if isinstance(found, Outcome):
            return found
        if found.bin_kind not in RECEIVE_BIN_KINDS:
            kinds = ", ".join(RECEIVE_BIN_KINDS[:-1]) + f" or {RECEIVE_BIN_KINDS[-1]}"
            return Outcome.refuse(f"{found.code} is a {found.bin_kind} bin; receiving goes to a "
                                  f"{kinds} bin.")
        if self.bin is None or found.code == self.bin:  # the first bin, or the same again
            self.bin = found.code
            return Outcome.ok(f"Receiving into {found.code}.", question=self.question)
        self.pending = None  # a scan moves on: an optional count prompt closes
        q = self._ask("bin", Question(f"Receive into {found.code} from now on?"),
                      bin=found.code)
        return Outcome.ok(f"Receiving into {self.bin}. CMD:YES receives into {found.code} "
                          f"from now on, CMD:NO stays in {self.bin}.", question=q)

    def answer_bin(self, yes: bool, scan: Scan | None = None) -> Outcome:
        p, self.pending = self.pending, None
        if yes:
            self.bin = p.bin
        return Outcome.ok(f"Receiving into {self.bin}. {sentence(self._instruction())}")
