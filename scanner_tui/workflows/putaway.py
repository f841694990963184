"""Putaway: from the dock (or returns / quarantine) into pick and reserve bins.

* The working bin is where stock comes from: the site's dock bin (option ``from_bin``, else
  ``services.dock_bin``, else the first active dock bin); scanning a dock, returns or
  quarantine bin with nothing in hand changes it.
* Scan a unit (its tag) or a quantity product. The app suggests a bin (``suggest_bin``): a pick
  bin that already holds the SKU, else a reserve bin that holds it, else the first empty
  active pick bin; always by bin code, so the answer is deterministic.
* Quantity product: the quantity is asked (kind quantity); the default is all of it in the
  working bin (one lot: the scanned one, else the first to expire). Enter or CMD:YES takes
  the default, a number sets it, CMD:NO puts the item down; a scan meanwhile is refused with
  the question repeated (a quantity on screen is never replaced by a default).
* Scan the bin: the suggested one, or any other active pick or reserve bin (the message says
  it differs from the suggestion; the ledger row records the bin used). Dock, staging,
  returns and quarantine bins are refused as targets.

CMD:CANCEL puts the item down (else leaves), CMD:DONE leaves when nothing is in hand, CMD:UNDO
reverses this operator's last change.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from scanner_tui.inventory.errors import DomainError, NotInStock, WrongBinKind
from scanner_tui.inventory.floor_queries import lots_in, suggest_bin
from scanner_tui.inventory.lookup import Resolved
from scanner_tui.inventory.operations import ROLE_MATRIX, putaway
from scanner_tui.inventory.ops.movement import MOVABLE_STATUSES, PUTAWAY_BIN_KINDS
from scanner_tui.scanning.result import Kind, Scan, ScanResult
from scanner_tui.workflows.base import (
    Ask,
    Line,
    Outcome,
    Question,
    Services,
    View,
    entry_of,
    is_number,
)
from scanner_tui.workflows.dock import (
    PlaceOrItemWorkflow,
    default_dock_bin,
    look_up,
)
from scanner_tui.workflows.taken_away import stock_taken, unit_taken

SOURCE_KINDS = ("dock", "returns", "quarantine")


@dataclass
class Item:
    """What is in hand: a unit (``serial``) or ``qty`` of a quantity SKU from ``from_bin``."""

    sku: str
    sku_id: int
    from_bin: str
    from_bin_id: int
    suggestion: str | None
    qty: int = 1
    available: int = 1
    serial: str | None = None
    lot: str | None = None
    entry: str = "scanned"

    @property
    def label(self) -> str:
        return self.serial or f"{self.qty} {self.sku}"


class PutawayWorkflow(PlaceOrItemWorkflow):
    """Putaway (see the module docstring)."""

    key = "putaway"
    title = "Putaway"
    roles = ROLE_MATRIX["putaway"]

    def __init__(self, services: Services, *, from_bin: str | None = None,
                 **options: object) -> None:
        super().__init__(services)
        self.options = options
        self.source: str | None = (from_bin or services.dock_bin
                                   or default_dock_bin(services.engine))
        self.item: Item | None = None
        self.last: str = ""  # the last putaway, shown in the view

    # -- task state as data (``Workflow.snapshot``) -----------------------------------------
    state_version = 1

    def save(self) -> dict:
        return {"source": self.source, "last": self.last,
                "item": asdict(self.item) if self.item is not None else None}

    def load(self, state: dict) -> None:
        self.source, self.last = state["source"], state["last"]
        self.item = Item(**state["item"]) if state["item"] else None

    def _ask_qty(self) -> Question:
        item = self.item
        self.asked = Question(f"How many {item.sku}? ({item.qty})", Ask.QUANTITY,
                              action="qty", default=item.qty)
        return self.asked

    def view(self) -> View:
        context = [f"From {self.source}" if self.source else "No dock bin yet"]
        item = self.item
        rows: tuple[Line, ...] = ()
        if item is not None:
            lot = f" lot {item.lot}" if item.lot else ""
            context.append(f"In hand: {item.label}{lot}")
            rows = (Line((item.label, item.from_bin, item.suggestion or "-"), "current"),)
        if self.last:
            context.append(self.last[:38])
        return View(self.title, self._instruction(), tuple(context), ("Item", "From", "To"),
                    rows, self._accepts())

    def _instruction(self) -> str:
        item = self.item
        if item is None:
            return "Scan a unit or product" if self.source else "Scan the dock bin"
        if self.asked is not None:
            return f"Qty of {item.sku}? Enter: {item.qty}"
        if item.suggestion:
            return f"Scan bin {item.suggestion}"
        return "Scan a pick or reserve bin"

    def _accepts(self) -> tuple[Kind, ...]:
        if self.item is not None:
            return (Kind.BIN, Kind.ASSET, Kind.PRODUCT)
        return (Kind.ASSET, Kind.PRODUCT, Kind.BIN)

    # -- what is scanned ---------------------------------------------------------------------
    def _bin(self, scan: Scan, found: Resolved) -> Outcome:
        if self.item is None:
            if found.bin_kind in SOURCE_KINDS:
                self.source = found.code
                return Outcome.ok(f"Putting away from {found.code}. Scan a unit or product.")
            if found.bin_kind in PUTAWAY_BIN_KINDS:
                return Outcome.refuse(f"Scan a unit or product first, then {found.code} to put "
                                      "it there.")
            return Outcome.refuse(f"{found.code} is a {found.bin_kind} bin; scan a dock bin, or "
                                  "a unit or product.")
        if found.bin_kind not in PUTAWAY_BIN_KINDS:
            why = WrongBinKind(found.code, found.bin_kind or "", "putaway", PUTAWAY_BIN_KINDS)
            hint = (f"Scan bin {self.item.suggestion}" if self.item.suggestion
                    else "Scan a pick or reserve bin")
            return Outcome.refuse(f"{why} {hint}.")
        return self._put(scan, found)

    def _unit(self, scan: Scan, unit: Resolved) -> Outcome:
        if unit.status not in MOVABLE_STATUSES or unit.bin_id is None:
            return Outcome.refuse(str(NotInStock(unit.code, unit.status or "unknown",
                                                 "it cannot be put away.")))
        if unit.bin_kind not in SOURCE_KINDS:
            return Outcome.refuse(f"{unit.code} is put away already, in {unit.bin_code}; use "
                                  "Move to move it.")
        suggestion = suggest_bin(self.services.engine, unit.sku_id, exclude=unit.bin_id)
        self.item = Item(sku=unit.sku_code or "", sku_id=unit.sku_id or 0,
                         from_bin=unit.bin_code or "", from_bin_id=unit.bin_id,
                         suggestion=suggestion, serial=unit.code, entry=entry_of(scan))
        where = f"put it in {suggestion}" if suggestion else "scan a pick or reserve bin"
        return Outcome.ok(f"{unit.code} ({unit.sku_code}) from {unit.bin_code}: {where}.")

    def _product(self, scan: Scan, sku: Resolved, lot: str | None,
                 count: int | None = None) -> Outcome:
        if sku.tracking == "serial":
            return Outcome.refuse(f"{sku.code} is tracked by serial: scan each unit's tag, not "
                                  "the product.")
        if self.source is None:
            return Outcome.refuse(f"Scan the bin {sku.code} comes from first.")
        engine = self.services.engine
        source = look_up(engine, ScanResult(Kind.BIN, code=self.source, bin=self.source))
        if source is None:
            return Outcome.refuse(f"{self.source} is not a known bin; scan the dock bin.")
        lots = [r for r in lots_in(engine, sku.id, source.id) if lot is None or r[0] == lot]
        if not lots:
            lot_text = f" lot {lot}" if lot else ""
            return Outcome.refuse(f"{source.code} holds no {sku.code}{lot_text}. "
                                  f"{self._instruction()}.")
        use_lot, _expiry, qty = lots[0]
        suggestion = suggest_bin(engine, sku.id, exclude=source.id)
        take = min(count, qty) if count else qty  # the label's count, confirmed
        self.item = Item(sku=sku.code, sku_id=sku.id, from_bin=source.code,
                         from_bin_id=source.id, suggestion=suggestion, qty=take, available=qty,
                         lot=use_lot, entry=entry_of(scan))
        lot_text = f" (lot {use_lot})" if use_lot else ""
        where = f"put in {suggestion}" if suggestion else "scan a pick or reserve bin"
        if count:
            return Outcome.ok(f"The label says {count} {sku.code}{lot_text}; {qty} in "
                              f"{source.code}: Enter takes {take}, then {where}.",
                              question=self._ask_qty())
        return Outcome.ok(f"{qty} of {sku.code}{lot_text} in {source.code}: {where}; type "
                          "fewer if not all.", question=self._ask_qty())

    def _put(self, scan: Scan, target: Resolved) -> Outcome:
        item = self.item
        typed = "typed" in (item.entry, entry_of(scan))
        kwargs: dict = {"to_bin": target.code, "from_bin": item.from_bin}
        if item.serial:
            kwargs.update(serial=item.serial, sku=item.sku or None)
        else:
            kwargs.update(sku=item.sku, qty=item.qty, lot=item.lot)
        try:
            done = putaway(self.services.engine, actor=self.actor, scan_id=scan.id,
                           entry="typed" if typed else "scanned", **kwargs)
        except DomainError as err:
            return self._taken_away() or Outcome.refuse(str(err))
        self.item = None
        what = item.serial or f"{item.qty} of {item.sku}"
        text = f"Put {what} in {target.code}."
        if item.suggestion and target.code != item.suggestion:
            text = (f"Put {what} in {target.code}, not the suggested {item.suggestion}; "
                    "recorded.")
        self.last = f"Last: {what} in {target.code}"
        if self.services.shift is not None and not done.replayed:
            self.services.shift.line_done()
        return Outcome.ok(text, changed=not done.replayed)

    def _taken_away(self) -> Outcome | None:
        """The item in hand is no longer in its bin by the books (another terminal put it away,
        moved or picked it): why; it is put down, or the quantity asked again for what is
        left. None when it is still there (the operation's own refusal stands)."""
        item, engine = self.item, self.services.engine
        if item.serial:
            why = unit_taken(engine, item.sku_id, item.serial, item.from_bin)
            left = 0
        else:
            news = stock_taken(engine, item.sku_id, item.from_bin, item.from_bin_id, item.lot,
                               item.qty)
            why, left = news if news is not None else (None, 0)
        if why is None:
            return None
        if left <= 0:
            self.item, self.asked = None, None
            none = "" if item.serial else f"; none left in {item.from_bin}"
            return Outcome.refuse(f"{why}{none}. Scan the next unit or product.")
        item.qty = item.available = left
        return Outcome(False, f"{why}; {left} left in {item.from_bin}: how many do you put "
                       "away?", question=self._ask_qty())

    # -- typed input -------------------------------------------------------------------------
    def answer_qty(self, qty: int | None, scan: Scan) -> Outcome:
        """The quantity question: a number (Enter: the default), or None (CMD:NO: put down)."""
        item = self.item
        if qty is None:
            self.item, self.asked = None, None
            return Outcome.ok(f"{item.label} put down; nothing moved.")
        if qty < 1:
            return Outcome.refuse("The quantity must be at least 1; type it again.")
        if qty > item.available:
            return Outcome.refuse(f"{item.from_bin} holds only {item.available} of {item.sku}; "
                                  f"{qty} is more than that.")
        item.qty, self.asked = qty, None
        where = f"scan bin {item.suggestion}" if item.suggestion else "scan the bin"
        return Outcome.ok(f"{qty} of {item.sku}: {where}.")

    def on_text(self, text: str, scan: Scan, result: ScanResult) -> Outcome:
        if not text:
            return Outcome.refuse(f"Nothing was typed. {self._instruction()}.")
        if is_number(text):
            if self.item is not None and self.item.serial:
                return Outcome.refuse(f"{self.item.sku} is tracked by serial: one unit at a "
                                      "time, scan its bin.")
            return Outcome.refuse(f"Scan the product first, then type how many. "
                                  f"{self._instruction()}.")
        return self._route(scan, result)  # a code typed instead of scanned

    # -- commands ----------------------------------------------------------------------------
    def on_command(self, command: str, scan: Scan) -> Outcome:
        item = self.item
        if command == "CANCEL":
            if item is not None:
                self.item, self.asked = None, None
                return Outcome.ok(f"{item.label} put down; nothing moved.")
            return Outcome.ok("Putaway closed.", done=True)
        if command == "DONE":
            if item is not None:
                return Outcome.refuse(f"{item.label} is in hand: scan its bin, or CMD:CANCEL.")
            return Outcome.ok("Putaway closed.", done=True)
        return super().on_command(command, scan)


__all__ = ["PutawayWorkflow", "suggest_bin", "lots_in"]
