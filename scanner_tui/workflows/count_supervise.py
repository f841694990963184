"""Supervise counts: review, send back for a recount, approve (the supervisor's screen logic).

* Choose a count: type its code, or its number in the list (counts waiting first).
* Review: per bin and line, expected / counted / variance (the value in the context) and the
  serials missing, unexpected or from another bin (narrow rows for a 40-column screen).
  Scan (or type) a bin of the count to mark it for a recount (again to unmark); ``CMD:DONE``
  sends the marked bins back to another counter.
* ``CMD:YES`` (or typing ``approve``) approves the count when no bin is marked: one
  transaction of ledger rows; refused for pickers and receivers, for a supervisor's own count
  and for a count not finished.
* ``CMD:CANCEL`` leaves the review, then the screen.

``counts_view(engine)`` and ``compare_view(comparison)`` are plain functions for any screen.
"""

from __future__ import annotations

from scanner_tui.inventory.counting import (
    CountComparison,
    approve,
    compare,
    list_counts,
    recount,
)
from scanner_tui.inventory.db import Engine
from scanner_tui.inventory.errors import DomainError, shown
from scanner_tui.inventory.ops.base import APPROVERS
from scanner_tui.scanning.result import Kind, Scan, ScanResult
from scanner_tui.text import counted, sentence
from scanner_tui.workflows.base import (
    Line,
    Outcome,
    Services,
    View,
    Workflow,
    expected,
    is_number,
)

STATE_ORDER = {"counted": 0, "counting": 1, "open": 2, "approved": 3}


def waiting_counts(engine: Engine) -> list:
    """Counts not approved, finished ones first."""
    found = list_counts(engine, include_approved=False)
    return sorted(found, key=lambda c: (STATE_ORDER.get(c.status, 9), c.code))


def counts_view(engine: Engine) -> View:
    counts = waiting_counts(engine)
    rows = tuple(Line((str(n), c.code, c.status, f"{c.closed}/{c.bins}"),
                      "done" if c.status == "counted" else "")
                 for n, c in enumerate(counts, start=1))
    instruction = "Type a count's code or number" if counts else "No counts to review"
    return View("Counts", instruction, ("CMD:CANCEL leaves",), ("#", "Count", "State", "Bins"),
                rows, ())


def compare_lines(cmp: CountComparison) -> tuple[Line, ...]:
    """Narrow rows for a 40-column screen: a row per bin, then its lines (Item, Exp, Cnt, Var)
    and the serial findings: ``-serial`` missing, ``+serial`` / ``from bin`` from another bin,
    ``+serial status`` unexpected. Values are in the context (and ``counts compare``)."""
    rows: list[Line] = []
    for b in cmp.bins:
        if not b.closed:
            rows.append(Line((f"{b.bin} {b.status}", "", "", "")))
            continue
        rows.append(Line((b.bin, "", "", ""), "current"))
        if not b.lines:
            rows.append(Line((" (empty)", "0", "0", "0"), "done"))
        for ln in b.lines:
            item = " " + ln.sku + (f" {ln.lot}" if ln.lot else "")
            rows.append(Line((item, str(ln.expected), str(ln.counted), f"{ln.variance:+d}"),
                             "done" if ln.exact else "short" if ln.variance < 0 else "warn"))
            for serial in ln.missing:
                rows.append(Line((f"  -{serial}", "", "", ""), "short"))
            for serial, where in ln.wrong_bin:
                rows.append(Line((f"  +{serial}", "", "", ""), "warn"))
                rows.append(Line((f"   from {where}", "", "", ""), "warn"))
            for serial, status in ln.unexpected:
                rows.append(Line((f"  +{serial} {status.replace('_', ' ')}", "", "", ""),
                                 "warn"))
    return tuple(rows)


def compare_view(cmp: CountComparison, marked: set[str] | None = None) -> View:
    marked = marked or set()
    closed = sum(1 for b in cmp.bins if b.closed)
    context = [f"{closed}/{len(cmp.bins)} bins counted ({cmp.status})",
               f"Variance {counted(cmp.variance_units, 'unit', signed=True)}, "
               f"{cmp.variance_value:+.2f}"]
    moved = sum(b.moves_during for b in cmp.bins)
    if moved:
        context.append(f"{counted(moved, 'move')} during the count accounted for")
    if marked:
        context.append("Recount: " + ", ".join(sorted(marked)))
    if marked:
        instruction = "CMD:DONE sends marked bins back"
    elif cmp.status == "approved":
        instruction = "Approved; CMD:CANCEL leaves"
    else:
        instruction = "CMD:YES approves; scan bin to recount"
    return View(f"Count {cmp.code}", instruction, tuple(context),
                ("Item", "Exp", "Cnt", "Var"), compare_lines(cmp), (Kind.BIN,))


class CountSuperviseWorkflow(Workflow):
    """Review, send back and approve counts (supervisors and admins)."""

    key = "counts"  # the menu's key
    title = "Counts"
    roles: tuple[str, ...] = APPROVERS

    def __init__(self, services: Services, *, count: str | None = None) -> None:
        super().__init__(services)
        self.code: str | None = None
        self.marked: set[str] = set()
        self.cmp: CountComparison | None = None  # read on open and after every action
        if count:
            opened = self._open(count)
            if not opened.accepted:
                raise ValueError(opened.message)

    # -- task state as data (``Workflow.snapshot``) -----------------------------------------
    state_version = 1

    def save(self) -> dict:
        return {"count": self.code, "marked": sorted(self.marked)}

    def load(self, state: dict) -> None:
        self.code, self.marked = state["count"], set(state["marked"])
        self.comparison()  # compared with the books again

    def comparison(self) -> CountComparison | None:
        """The open count compared with the books, read again now."""
        self.cmp = compare(self.services.engine, self.code) if self.code else None
        return self.cmp

    def view(self) -> View:
        if self.code is None:
            return counts_view(self.services.engine)
        return compare_view(self.cmp or self.comparison(), self.marked)

    def _open(self, code: str) -> Outcome:
        try:
            cmp = compare(self.services.engine, code)
        except DomainError as err:
            return Outcome.refuse(str(err))
        self.code, self.marked, self.cmp = cmp.code, set(), cmp
        waiting = sum(1 for b in cmp.bins if not b.closed)
        tail = f"{counted(waiting, 'bin')} not counted yet." if waiting else "every bin is counted."
        return Outcome.ok(f"{cmp.code}: {tail}")

    def on_scan(self, scan: Scan, result: ScanResult) -> Outcome:
        if self.code is None:
            return Outcome.refuse(f"Type the count's code or number first. "
                                  f"{sentence(self.view().instruction)}")
        if result.kind is not Kind.BIN:
            return expected((Kind.BIN,), result, self.view().instruction)
        return self._mark(result.bin or result.code)

    def _mark(self, bin_code: str) -> Outcome:
        cmp = self.comparison()
        match = [b for b in cmp.bins if b.bin == bin_code]
        if not match:
            return Outcome.refuse(f"{shown(bin_code)} is not on {cmp.code}.")
        if not match[0].closed:
            return Outcome.refuse(f"{bin_code} has not been counted yet on {cmp.code}.")
        if bin_code in self.marked:
            self.marked.discard(bin_code)
            return Outcome.ok(f"{bin_code} will not be recounted.")
        self.marked.add(bin_code)
        return Outcome.ok(f"{bin_code} marked for a recount; CMD:DONE sends it back.")

    def on_command(self, command: str, scan: Scan) -> Outcome:
        if command == "CANCEL":
            if self.code is None:
                return Outcome.ok("Counts closed.", done=True)
            self._leave()
            return Outcome.ok("Back to the list of counts.")
        if self.code is None:
            return super().on_command(command, scan)
        if command == "DONE":
            if not self.marked:
                self._leave()
                return Outcome.ok("Back to the list of counts.")
            try:
                text = recount(self.services.engine, actor=self.actor, count_code=self.code,
                               bins=sorted(self.marked))
            except DomainError as err:
                return Outcome.refuse(str(err))
            self.marked = set()
            self.comparison()
            return Outcome.ok(text)
        if command == "YES":
            return self._approve(scan)
        return super().on_command(command, scan)

    def _leave(self) -> None:
        self.code, self.marked, self.cmp = None, set(), None

    def _approve(self, scan: Scan) -> Outcome:
        if self.marked:
            return Outcome.refuse("Bins are marked for a recount: CMD:DONE sends them back "
                                  "first.")
        try:
            done = self.run(approve, scan, count_code=self.code)
        except DomainError as err:
            self.comparison()  # others may have counted or sent bins back meanwhile
            return Outcome.refuse(str(err))
        self.comparison()
        return Outcome.ok(done.message, changed=not done.replayed)

    def on_undo(self, scan: Scan) -> Outcome:
        return Outcome.refuse("An approved count is corrected by a new count, not undone.")

    def on_text(self, text: str, scan: Scan, result: ScanResult) -> Outcome:
        typed = scan
        if self.code is None:
            counts = waiting_counts(self.services.engine)
            if is_number(text) and 1 <= int(text) <= len(counts):
                return self._open(counts[int(text) - 1].code)
            return self._open(text)
        if text.lower() in ("approve", "y", "yes"):
            return self._approve(typed)
        return self._mark(text.strip())
