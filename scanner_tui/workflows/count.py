"""Count: the counter's step machine for cycle counts (blind unless the count says otherwise).

* Scan a bin of an open count: the books are snapshotted now (``start_bin``).
* Scan every unit's tag (serial SKUs): each is counted once; a unit the books put in another
  bin is counted as found here (a warning), not refused. A unit the store does not know is
  refused: put it aside for a supervisor.
* Scan a product (quantity SKUs): 1 is counted and the quantity is asked. Type it, or scan the
  product again for one more; any other scan takes the quantity as it stands.
* ``CMD:DONE`` closes the bin (nothing counted: "is it empty?" first; ``CMD:YES`` closes it
  empty). ``CMD:DONE`` with no bin open leaves counting.

Blind: the counter never sees what the books expect; a count planned with ``blind=False``
shows the expected quantities next to the counted ones. ``CMD:UNDO`` takes back the last
counted line (counts are not stock: nothing is in the ledger until a supervisor approves).
``CMD:CANCEL`` drops the quantity question's line, else gives the bin back uncounted, else
leaves counting.

The bin is claimed while it is counted here (``claiming``): one counter at a time, let go when
it is closed, given back or left; a supervisor who takes it over counts it afresh.
"""

from __future__ import annotations

from dataclasses import asdict

from scanner_tui.inventory.counting import (
    BinCount,
    Counted,
    abandon_bin,
    close_bin,
    count_qty,
    count_unit,
    counted_lines,
    drop_line,
    expected_lines,
    set_qty,
    start_bin,
)
from scanner_tui.inventory.errors import DomainError, shown
from scanner_tui.scanning.result import Kind, Scan, ScanResult
from scanner_tui.workflows.base import (
    Ask,
    Line,
    Outcome,
    Question,
    Services,
    View,
    Workflow,
    brief,
    entry_of,
    expected,
)
from scanner_tui.workflows.claiming import DocumentClaims
from scanner_tui.workflows.dock import find_code

COUNTER_ROLES = ("picker", "receiver", "supervisor", "admin")


class CountWorkflow(DocumentClaims, Workflow):
    """Count bins of open counts; ``count`` limits it to one count (its code)."""

    key = "count"
    title = "Count"
    roles: tuple[str, ...] = COUNTER_ROLES

    def __init__(self, services: Services, *, count: str | None = None) -> None:
        super().__init__(services)
        self.count_code = count
        self.bin: BinCount | None = None
        self.current: Counted | None = None  # the product line whose quantity is asked
        self.lines: list[Counted] = []

    # -- task state as data (``Workflow.snapshot``) -----------------------------------------
    state_version = 1

    def save(self) -> dict:
        return {"count": self.count_code,
                "bin": asdict(self.bin) if self.bin is not None else None,
                "current": self.current.line_id if self.current is not None else None}

    def load(self, state: dict) -> None:
        self.count_code = state["count"]  # an open "is it empty?" comes back as ``asked``
        self.bin = BinCount(**state["bin"]) if state["bin"] else None
        self.current = Counted(state["current"], "", 0) if state["current"] else None
        self._refresh()  # the lines counted so far are read from the store

    @property
    def confirm_empty(self) -> bool:
        """Whether "is the bin empty?" is asked (CMD:DONE with nothing counted)."""
        return self.asked is not None and self.asked.action == "empty"

    # -- what the screen shows ---------------------------------------------------------------
    @property
    def question(self) -> Question | None:
        """Is the bin empty (yes/no), or the count of the current product (a count prompt:
        every scan is already counted, so scanning on closes it)."""
        if self.asked is not None:
            return self.asked
        if self.current is not None:
            return Question(f"How many {self.current.sku} in {self.bin.bin_code}? "
                            f"({self.current.qty})", Ask.QUANTITY, action="qty",
                            default=self.current.qty, optional=True)
        return None

    def view(self) -> View:
        title = f"Count {self.bin.count_code}" if self.bin else self.title
        if self.bin is None:
            return View(title, self._instruction(), ("CMD:DONE leaves counting",),
                        accepts=(Kind.BIN,))
        context = [f"Bin {self.bin.bin_code}",
                   f"Counted: {len(self.lines)} line(s); CMD:DONE closes the bin"]
        rows = tuple(Line((c.serial or c.sku + (f" {c.lot}" if c.lot else ""), str(c.qty)),
                          "current" if self.current and c.line_id == self.current.line_id
                          else "warn" if c.elsewhere and not self.bin.blind else "")
                     for c in self.lines)
        columns: tuple[str, ...] = ("Item", "Qty")
        if not self.bin.blind:
            exp = {(sku, lot): q for sku, lot, q in expected_lines(self.services.engine,
                                                                   self.bin.count_bin_id)}
            columns = ("Item", "Qty", "Books")
            rows = tuple(Line((*r.cells, ""), r.state) for r in rows) + tuple(
                Line((f"{sku} {lot}".strip(), "", str(q))) for (sku, lot), q in exp.items())
        return View(title, self._instruction(), tuple(context), columns, rows,
                    (Kind.ASSET, Kind.PRODUCT))

    def _instruction(self) -> str:
        """The next step in big type: at most 38 characters (a 40-column handheld)."""
        if self.bin is None:
            return "Scan a bin to count"
        if self.confirm_empty:
            return brief(f"Is {self.bin.bin_code} empty? CMD:YES", "Is the bin empty? CMD:YES")
        if self.current is not None:
            return brief(f"Qty of {self.current.sku}? Or scan next", "Quantity? Or scan next")
        return brief(f"Scan units, products in {self.bin.bin_code}", "Scan units and products")

    def _refresh(self) -> None:
        self.lines = counted_lines(self.services.engine, self.bin.count_bin_id) if self.bin \
            else []
        if self.current is not None:
            self.current = next((c for c in self.lines if c.line_id == self.current.line_id),
                                None)

    # -- the bin's claim (``claiming``) -----------------------------------------------------
    def document(self) -> tuple[str, str] | None:
        return ("count-bin", self.bin.bin_code) if self.bin is not None else None

    def open_document(self, kind: str, code: str, *, taken: bool) -> Outcome:
        return self._bin(code, taken=taken)

    def drop_document(self) -> None:
        self.bin, self.current, self.asked, self.lines = None, None, None, []

    # -- scans -------------------------------------------------------------------------------
    def on_scan(self, scan: Scan, result: ScanResult) -> Outcome:
        if result.kind is Kind.BIN:
            return self._bin(result.bin or result.code)
        if self.bin is None:
            return expected((Kind.BIN,), result, self._instruction())
        if result.kind is Kind.ASSET:
            self.current = None
            return self._unit(scan, result.serial or result.code, result.gtin)
        if result.kind is Kind.PRODUCT:
            return self._product(scan, result.gtin or result.sku or result.code, result.lot)
        return expected((Kind.ASSET, Kind.PRODUCT), result, self._instruction())

    def _bin(self, code: str, *, taken: bool = False) -> Outcome:
        if self.bin is not None:
            if code == self.bin.bin_code:
                return Outcome.ok(f"Counting {code}; CMD:DONE closes it.")
            return Outcome.refuse(f"Finish {self.bin.bin_code} first: CMD:DONE closes it.")
        refused = self.claim_document("count-bin", code)
        if refused is not None:  # another counter has it (a supervisor is asked to take it)
            return refused
        # holding the claim, this person works the bin now: a round another counter left
        # (or lost by a take-over, or by a terminal long gone) is set aside
        taken = taken or self.services.claims is not None
        try:
            self.bin = start_bin(self.services.engine, actor=self.actor, bin_code=code,
                                 count_code=self.count_code, take_over=taken)
        except DomainError as err:
            self.release_document(("count-bin", code))
            return Outcome.refuse(str(err))
        self.current = None
        self._refresh()
        if self.bin.set_aside:
            return Outcome.ok(f"Counting {code} afresh ({self.bin.count_code}; "
                              f"{self.bin.set_aside}'s count set aside): scan every unit and "
                              "product.")
        if self.bin.resumed:
            return Outcome.ok(f"Counting {code} again: {len(self.lines)} line(s) so far.")
        return Outcome.ok(f"Counting {code} ({self.bin.count_code}): scan every unit and "
                          "product.")

    def _unit(self, scan: Scan, serial: str, gtin: str | None = None) -> Outcome:
        try:
            got = count_unit(self.services.engine, actor=self.actor,
                             count_bin_id=self.bin.count_bin_id, serial=serial,
                             scan_id=scan.id, entry=entry_of(scan), gtin=gtin)
        except DomainError as err:
            return self._refused(err, scan, scan.payload)
        self._add(got)
        n = sum(1 for c in self.lines if c.serial)
        if got.elsewhere and not self.bin.blind:
            return Outcome.ok(f"{got.serial} belongs in another bin by the books; counted here "
                              f"as found ({n} unit(s)).", warning=True)
        # blind (issue 11 item 12): nothing of the books until the bin is closed (``_close``)
        return Outcome.ok(f"{got.serial} counted ({n} unit(s) in {self.bin.bin_code}).")

    def _product(self, scan: Scan, code: str, lot: str | None) -> Outcome:
        cur = self.current
        if cur is not None and code in (cur.sku,) + self._aliases(code, cur) \
                and (lot or "") == cur.lot:
            return self._set(cur.qty + 1)
        try:
            got = count_qty(self.services.engine, actor=self.actor,
                            count_bin_id=self.bin.count_bin_id, sku=code, qty=1, lot=lot or "",
                            scan_id=scan.id, entry=entry_of(scan))
        except DomainError as err:
            return Outcome.refuse(str(err))
        self.current = got
        self._add(got)
        return Outcome.ok(f"1 of {got.sku}; type the quantity or scan again.",
                          question=self.question)

    def _aliases(self, code: str, cur: Counted) -> tuple[str, ...]:
        """``code`` if it names the same product as the current line (GTIN, alias)."""
        found = find_code(self.services.engine, code)
        return (code,) if found is not None and found.sku_code == cur.sku else ()

    def _set(self, qty: int) -> Outcome:
        try:
            got = set_qty(self.services.engine, actor=self.actor, line_id=self.current.line_id,
                          qty=qty)
        except DomainError as err:
            return Outcome.refuse(str(err))
        self.current = got
        self.lines = [got if c.line_id == got.line_id else c for c in self.lines]
        return Outcome.ok(f"{got.qty} of {got.sku} counted; scan the next item.",
                          question=self.question)

    # -- commands and keys -------------------------------------------------------------------
    def on_command(self, command: str, scan: Scan) -> Outcome:
        if command == "CANCEL" and self.taking is not None:
            return self.answer_take_over(False, scan)
        if self.bin is None:
            if command in ("DONE", "CANCEL"):
                return Outcome.ok("Counting closed.", done=True)
            return super().on_command(command, scan)
        if command == "CANCEL" and self.confirm_empty:
            return self.answer_empty(False, scan)
        if command == "CANCEL" and self.current is not None:
            return self._drop(self.current)
        if command == "CANCEL":
            text = abandon_bin(self.services.engine, actor=self.actor,
                               count_bin_id=self.bin.count_bin_id)
            self.release_document()
            self.bin, self.lines = None, []
            return Outcome.ok(text)
        if command == "DONE":
            if not self.lines and not self.confirm_empty:
                self.asked = Question(f"Nothing counted in {self.bin.bin_code}: is it empty?",
                                      action="empty")
                self.current = None
                return Outcome.ok(f"Nothing counted in {self.bin.bin_code}: is it empty? "
                                  "CMD:YES closes it empty.", question=self.question)
            return self._close()
        return super().on_command(command, scan)

    def _close(self) -> Outcome:
        """Close the bin; now the counter may hear what the books said of the units found
        (a blind count said nothing while counting)."""
        elsewhere = [c.serial for c in self.lines if c.elsewhere and c.serial]
        try:
            text = close_bin(self.services.engine, actor=self.actor,
                             count_bin_id=self.bin.count_bin_id)
        except DomainError as err:
            return Outcome.refuse(str(err))
        self.release_document()
        self.drop_document()
        if self.services.shift is not None:
            self.services.shift.line_done()
        if elsewhere:
            units = ", ".join(elsewhere[:3]) + (" ..." if len(elsewhere) > 3 else "")
            return Outcome.ok(f"{text} By the books in another bin: {units}.", warning=True)
        return Outcome.ok(text)

    def _add(self, got: Counted) -> None:
        if all(c.line_id != got.line_id for c in self.lines):  # not a replayed scan
            self.lines.append(got)
            self.undid = False  # a new line: the next undo takes it back at once

    def _drop(self, line: Counted) -> Outcome:
        try:
            drop_line(self.services.engine, actor=self.actor, line_id=line.line_id)
        except DomainError as err:
            return Outcome.refuse(str(err))
        if self.current is not None and self.current.line_id == line.line_id:
            self.current = None
        self._refresh()
        what = line.serial or f"{line.qty} of {line.sku}"
        return Outcome.ok(f"{what} is no longer counted.")

    def on_undo(self, scan: Scan) -> Outcome:
        if self.bin is None or not self.lines:
            return Outcome.refuse("Nothing counted here to take back.")
        done = self._drop(self.lines[-1])
        self.undid = self.undid or done.accepted  # another undo asks first (``undo_preview``)
        return done

    def undo_preview(self) -> str | None:
        """The counted line the next undo would take back (a count line is not a ledger
        change), or None when nothing is counted here."""
        if self.bin is None or not self.lines:
            return None
        line = self.lines[-1]
        return f"count of {line.serial or f'{line.qty} of {line.sku}'}"

    # -- answers -----------------------------------------------------------------------------
    def answer_empty(self, yes: bool, scan: Scan) -> Outcome:
        """Is the bin empty? Yes closes it empty; no goes on counting."""
        if yes:
            return self._close()
        self.asked = None
        return Outcome.ok(f"Go on counting {self.bin.bin_code}.")

    def answer_qty(self, qty: int | None, scan: Scan) -> Outcome:
        """The current product's count: a number sets it, the same number (Enter, CMD:YES)
        confirms it, None (CMD:NO) drops the line."""
        got = self.current
        if qty is None:
            return self._drop(got)
        if qty == got.qty:
            self.current = None
            return Outcome.ok(f"{got.qty} of {got.sku} counted.")
        return self._set(qty)

    def on_text(self, text: str, scan: Scan, result: ScanResult) -> Outcome:
        if self.current is not None and text and not result.accepted:
            return Outcome.refuse(f"{shown(text, 20)} is not a quantity; type digits only.")
        return super().on_text(text, scan, result)
