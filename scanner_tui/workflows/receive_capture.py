"""Lot and expiry captured while receiving, for a SKU that needs them: from GS1 data, else
asked (scan or type the lot, type the expiry) once for the product being received; then what
waited for them goes on. A mixin ``ReceiveWorkflow`` composes.
"""

from __future__ import annotations

from datetime import date

from scanner_tui.codes import CodeRefused, check_lot
from scanner_tui.scanning.result import Scan
from scanner_tui.workflows.base import Ask, Outcome, Question, entry_of
from scanner_tui.workflows.dock import parse_expiry


class LotExpiryCapture:
    """The lot and expiry questions and their answers (see the module docstring)."""

    def _capture(self, then: str, scan: Scan, serial: str | None = None,
                 run: int = 0) -> Outcome:
        """Ask for the lot / expiry the current SKU needs, then go on (``then``: qty | serial
        | unit; ``serial``: the unit that waits for the answer; ``run``: the count before)."""
        cur = self.current
        if cur.capture_lot and not cur.lot:
            q = self._ask("lot", Question(f"Lot of {cur.code}?", Ask.TEXT), then=then,
                          scan=scan, serial=serial, qty=run)
            return Outcome.ok(f"{cur.code}: scan or type its lot.", question=q)
        if cur.capture_expiry and not cur.expiry_known:
            q = self._ask("expiry", Question(f"Expiry of {cur.code}? YYYY-MM-DD", Ask.TEXT),
                          then=then, scan=scan, serial=serial, qty=run)
            return Outcome.ok(f"{cur.code}: type its expiry date.", question=q)
        return self._go_on(then, scan, serial, run)

    def _go_on(self, then: str, scan: Scan, serial: str | None, run: int) -> Outcome:
        """What waited for the lot / expiry."""
        if then == "serial":
            return Outcome.ok(f"{self.current.code} is tracked by serial: scan each unit.")
        if then == "qty":
            return self._receive_qty(scan, 1, entry_of(scan), run)
        if then == "count":
            return self._confirm_count(scan, run)
        return self._receive_unit(scan, serial, entry_of(scan))

    def answer_lot(self, lot: str, scan: Scan | None = None) -> Outcome:
        """The lot, through the one validator (``codes.check_lot``): a refused scan or typed
        text never becomes the line's lot (issue 11 item 3)."""
        try:
            lot = check_lot(lot)
        except CodeRefused as err:
            return Outcome.refuse(f"{err} Scan or type the lot again.")
        if not lot:
            return Outcome.refuse("No lot given; scan or type the lot.")
        p, self.pending = self.pending, None
        self.current.lot = lot
        out = self._capture(p.then, p.scan, p.serial, p.qty)
        return prefixed(f"Lot {lot}. ", out)

    def answer_expiry(self, text: str, scan: Scan | None = None) -> Outcome:
        day = parse_expiry(text)
        if day is None:
            return Outcome.refuse(f"{text[:20]} is not a date; type the expiry of "
                                  f"{self.current.code} as YYYY-MM-DD.")
        return self._expiry(day)

    def _expiry(self, day: date) -> Outcome:
        p, self.pending = self.pending, None
        self.current.expiry, self.current.expiry_known = day, True
        out = self._capture(p.then, p.scan, p.serial, p.qty)
        return prefixed(f"Expiry {day.isoformat()}. ", out)


def prefixed(prefix: str, out: Outcome) -> Outcome:
    """``out`` with ``prefix`` before its message."""
    return Outcome(out.accepted, prefix + out.message, changed=out.changed, done=out.done,
                   question=out.question, warning=out.warning)
