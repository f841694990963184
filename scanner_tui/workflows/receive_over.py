"""Over-receipt: more than the receipt expects is a warning with a yes/no question. CMD:YES
receives what fits on the receipt line and the excess blind (the line never exceeds what it
expects), CMD:NO leaves it aside for a supervisor. A mixin ``ReceiveWorkflow`` composes.
"""

from __future__ import annotations

from scanner_tui.scanning.result import Scan
from scanner_tui.workflows.base import Outcome, Question, entry_of


class OverReceipt:
    """The over-receipt question and its answer (see the module docstring)."""

    def _over(self, scan: Scan, n: int, fits: int, serial: str | None = None) -> Outcome:
        cur = self.current
        extra = n - fits
        expects = f"{self.receipt.code} expects no more {cur.code}" if fits == 0 else \
            f"{self.receipt.code} expects only {fits} more {cur.code}"
        q = self._ask("over", Question(f"Receive {extra} over the receipt?"), scan=scan, qty=n,
                      fits=fits, serial=serial)
        return Outcome.ok(f"Over-receipt: {expects}. CMD:YES receives {extra} anyway, "
                          "CMD:NO sets it aside.", warning=True, question=q)

    def answer_over(self, yes: bool, scan: Scan | None = None) -> Outcome:
        p, self.pending = self.pending, None
        cur = self.current
        if not yes:
            if p.serial:
                return Outcome.ok(f"{p.serial} not received; set it aside for a supervisor.")
            fits = f"; {self.receipt.code} takes {p.fits} more" if p.fits else ""
            return Outcome.ok(f"{p.qty} of {cur.code} not received{fits}. Set the excess aside "
                              "for a supervisor.")
        parts = []
        if p.fits:
            done = self._op(p.scan.id, entry_of(p.scan), on_receipt=True, sku=cur.code,
                            qty=p.fits)
            if isinstance(done, Outcome):
                return done
            parts.append(done.message)
        kwargs = {"serial": p.serial, "sku": cur.code} if p.serial else \
            {"sku": cur.code, "qty": p.qty - p.fits}
        over_id = f"{p.scan.id}.over" if p.fits else p.scan.id
        done = self._op(over_id, entry_of(p.scan), on_receipt=False, **kwargs)
        if isinstance(done, Outcome):
            return Outcome.ok(" ".join(parts) + f" The excess was refused: {done.message}",
                              changed=bool(parts), warning=True)
        parts.append(done.message)
        text = " ".join(parts) + f" {p.qty - p.fits} over {self.receipt.code}, recorded."
        return Outcome.ok(text, changed=True, warning=True)
