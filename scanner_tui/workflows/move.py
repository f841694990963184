"""Move: units, or a bin's product and quantity, to another bin.

* Scan a unit's tag: it goes into the basket; more units may follow (a small basket).
* Or scan a bin (the working bin), then a product in it: the quantity is asked. Type it, or
  scan the product again for one more. The count is an optional question (every scan is
  already in the basket): the next scan (the target bin, a unit) takes the quantity as it
  stands (1 unless changed).
* Scan the target bin: everything in the basket moves there, one operation per item (each
  with its own idempotency key ``<scan id>.<n>``; CMD:UNDO reverses the whole basket, as one
  change). The target becomes the working bin.

CMD:CANCEL takes the line being counted out of the basket, else empties the basket, else
closes the workflow; CMD:DONE closes it once the basket is empty.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from scanner_tui.inventory.errors import DomainError
from scanner_tui.inventory.floor_queries import bin_stock
from scanner_tui.inventory.lookup import Resolved
from scanner_tui.inventory.operations import ROLE_MATRIX, move
from scanner_tui.inventory.ops.movement import MOVABLE_STATUSES, MOVE_BIN_KINDS
from scanner_tui.scanning.result import Kind, Scan, ScanResult
from scanner_tui.workflows.base import (
    Ask,
    Line,
    Outcome,
    Question,
    Services,
    View,
    brief,
    entry_of,
)
from scanner_tui.workflows.dock import PlaceOrItemWorkflow, look_up
from scanner_tui.workflows.taken_away import stock_taken, unit_taken


@dataclass
class Item:
    """One basket line: a unit (``serial``) or ``qty`` of a quantity SKU from ``from_bin``."""

    sku: str
    from_bin: str
    qty: int = 1
    serial: str | None = None
    lot: str | None = None  # None: the operation takes the first-expiring lot
    sku_id: int = 0
    bin_id: int = 0
    entry: str = "scanned"

    @property
    def label(self) -> str:
        return self.serial or self.sku


def unit_refusal(unit: Resolved) -> str | None:
    """Why a unit cannot be moved, or None when it can."""
    if unit.status in MOVABLE_STATUSES and unit.bin_code:
        return None
    if unit.status == "picked":
        return f"{unit.code} is picked for an order; stage it, do not move it."
    if unit.status == "shipped":
        return f"{unit.code} was shipped; it is not in the store."
    return f"{unit.code} is {(unit.status or 'unknown').replace('_', ' ')}; it cannot be moved."


class MoveWorkflow(PlaceOrItemWorkflow):
    key = "move"
    title = "Move"
    roles = ROLE_MATRIX["move"]

    def __init__(self, services: Services, **options: object) -> None:
        super().__init__(services)
        self.options = options
        self.working: Resolved | None = None  # the bin last scanned
        self.basket: list[Item] = []
        self.at_source = False  # the working bin was scanned as the place to take from

    # -- what the screen shows ---------------------------------------------------------------
    def view(self) -> View:
        context = []
        if self.working is not None:
            context.append(f"Working bin {self.working.code}")
        if self.basket:
            units = sum(1 for i in self.basket if i.serial)
            lines = len(self.basket) - units
            context.append(f"Basket: {units} unit(s), {lines} line(s)")
        rows = tuple(Line((i.label, str(i.qty), i.from_bin),
                          "current" if self.counting and i is self.basket[-1] else "")
                     for i in self.basket)
        return View(self.title, self._instruction(), tuple(context), ("Item", "Qty", "From"),
                    rows, self._accepts())

    def _instruction(self) -> str:
        if self.counting:
            return brief(f"Qty of {self.basket[-1].sku}? Or scan target",
                         "Type the qty, or scan target bin")
        if self.basket:
            return "Scan target bin (or next unit)"
        if self.working is not None:
            return brief(f"Scan unit or product in {self.working.code}",
                         "Scan a unit or a product here")
        return "Scan a unit or a bin"

    def _accepts(self) -> tuple[Kind, ...]:
        if self.basket:
            return (Kind.BIN, Kind.ASSET, Kind.PRODUCT)
        if self.working is not None:
            return (Kind.ASSET, Kind.PRODUCT, Kind.BIN)
        return (Kind.ASSET, Kind.BIN)

    # -- task state as data (``Workflow.snapshot``) -----------------------------------------
    state_version = 1

    def save(self) -> dict:
        return {"working": self.working.code if self.working is not None else None,
                "at_source": self.at_source, "basket": [asdict(i) for i in self.basket]}

    def load(self, state: dict) -> None:
        code = state["working"]  # looked up in the store again
        self.working = (look_up(self.services.engine, ScanResult(Kind.BIN, code=code, bin=code))
                        if code else None)
        self.at_source = bool(state["at_source"])
        self.basket = [Item(**i) for i in state["basket"]]

    @property
    def counting(self) -> bool:
        """The last basket line's quantity is being asked."""
        return self.asked is not None

    def _ask_count(self) -> Question:
        item = self.basket[-1]
        self.asked = Question(f"How many {item.sku} from {item.from_bin}? ({item.qty})",
                              Ask.QUANTITY, action="count", default=item.qty, optional=True)
        return self.asked

    # -- scans -------------------------------------------------------------------------------
    def _bin(self, scan: Scan, found: Resolved) -> Outcome:
        if not self.basket:
            self.working, self.at_source = found, True
            return Outcome.ok(f"Working bin {found.code}.")
        if found.bin_kind not in MOVE_BIN_KINDS:
            kinds = ", ".join(MOVE_BIN_KINDS[:-1]) + f" or {MOVE_BIN_KINDS[-1]}"
            return Outcome.refuse(f"{found.code} is a {found.bin_kind} bin; a move goes to a "
                                  f"{kinds} bin.")
        return self._move_basket(scan, found)

    def _unit(self, scan: Scan, unit: Resolved) -> Outcome:
        why = unit_refusal(unit)
        if why is not None:
            return Outcome.refuse(why)
        if any(i.serial == unit.code and i.sku_id == unit.sku_id for i in self.basket):
            return Outcome.refuse(f"{unit.code} is already in the basket. "
                                  f"{self._instruction()}.")
        self.asked = None
        self.basket.append(Item(sku=unit.sku_code or "", from_bin=unit.bin_code or "",
                                serial=unit.code, sku_id=unit.sku_id or 0,
                                bin_id=unit.bin_id or 0, entry=entry_of(scan)))
        text = f"{unit.code} from {unit.bin_code} is in the basket ({len(self.basket)})."
        if self.at_source and self.working is not None and unit.bin_code != self.working.code:
            # Found somewhere the books do not put it: say so (the move records its real bin).
            return Outcome.ok(f"{unit.code} is in {unit.bin_code} by the books, not in "
                              f"{self.working.code}; {text}", warning=True)
        return Outcome.ok(text)

    def _product(self, scan: Scan, sku: Resolved, lot: str | None,
                 count: int | None = None) -> Outcome:
        if sku.tracking == "serial":
            return Outcome.refuse(f"{sku.code} is serial tracked; scan each unit's tag.")
        if self.working is None:
            return Outcome.refuse(f"Scan the bin {sku.code} comes from first.")
        last = self.basket[-1] if self.basket else None
        if (self.counting and last is not None and last.sku_id == sku.id
                and last.bin_id == self.working.id and last.lot == lot):
            return self._set_qty(last.qty + (count or 1))
        bin_ = self.working
        free = self._available(sku.id, bin_.id, lot)
        if free < 1:
            have = bin_stock(self.services.engine, sku.id, bin_.id, lot)
            if have == 0:
                lot_text = f" lot {lot}" if lot else ""
                return Outcome.refuse(f"{bin_.code} holds no {sku.code}{lot_text}. "
                                      f"{self._instruction()}.")
            return Outcome.refuse(f"All {have} of {sku.code} in {bin_.code} are already in the "
                                  "basket.")
        take = min(count, free) if count else 1  # a label's count: the default to confirm
        self.basket.append(Item(sku=sku.code, from_bin=bin_.code, qty=take, lot=lot,
                                sku_id=sku.id, bin_id=bin_.id, entry=entry_of(scan)))
        if count:
            fewer = f" ({bin_.code} has {free} free)" if take < count else ""
            return Outcome.ok(f"The label says {count} {sku.code}{fewer}: Enter takes {take}, "
                              "or type the quantity.", warning=take < count,
                              question=self._ask_count())
        return Outcome.ok(f"1 of {sku.code} from {bin_.code}; type the quantity or scan "
                          "again.", question=self._ask_count())

    def _available(self, sku_id: int, bin_id: int, lot: str | None,
                   skip: Item | None = None) -> int:
        """Stock in the bin less what the basket already takes from it."""
        have = bin_stock(self.services.engine, sku_id, bin_id, lot)
        taken = sum(i.qty for i in self.basket if i is not skip and i.serial is None
                    and i.sku_id == sku_id and i.bin_id == bin_id
                    and (lot is None or i.lot in (None, lot)))
        return have - taken

    def _set_qty(self, qty: int) -> Outcome:
        item = self.basket[-1]
        if qty < 1:
            return Outcome.refuse("The quantity must be at least 1; type it again.")
        free = self._available(item.sku_id, item.bin_id, item.lot, skip=item)
        if qty > free:
            return Outcome.refuse(f"{item.from_bin} has only {free} of {item.sku} to move; "
                                  f"{qty} is more than that.")
        item.qty = qty
        return Outcome.ok(f"{qty} of {item.sku} from {item.from_bin}; scan the target bin.",
                          question=self._ask_count())

    def _move_basket(self, scan: Scan, target: Resolved) -> Outcome:
        self.asked = None
        moved: list[str] = []
        refused: list[tuple[Item, str]] = []
        single = len(self.basket) == 1
        for n, item in enumerate(self.basket):
            typed = "typed" in (item.entry, entry_of(scan))
            kwargs = dict(scan_id=scan.id if single else f"{scan.id}.{n}",
                          entry="typed" if typed else "scanned", to_bin=target.code)
            if item.serial:
                kwargs.update(serial=item.serial, sku=item.sku, from_bin=item.from_bin)
            else:
                kwargs.update(sku=item.sku, qty=item.qty, from_bin=item.from_bin, lot=item.lot)
            try:
                done = self.run(move, scan, **kwargs)
            except DomainError as err:
                refused.append((item, str(err)))
                continue
            moved.append(done.message)
            if self.services.shift is not None:
                self.services.shift.line_done()
        if not moved:
            # Nothing changed: keep the basket so the right bin can still be scanned (less
            # what another terminal took away meanwhile: said why).
            return self._taken_away([item for item, _why in refused]) or Outcome.refuse(
                refused[0][1] if len(refused) == 1 else
                f"Nothing moved to {target.code}: {refused[0][1]}")
        self.basket = []
        self.working, self.at_source = target, False
        if not refused:
            text = moved[0] if len(moved) == 1 else f"Moved {len(moved)} items to {target.code}."
            return Outcome.ok(text, changed=True)
        names = ", ".join(i.label for i, _ in refused)
        gone = self._gone(refused[0][0])
        why = f"{gone[0]}." if gone is not None else refused[0][1]
        return Outcome.ok(f"Moved {len(moved)} to {target.code}; not moved: {names} ({why})",
                          changed=True, warning=True)

    def _gone(self, item: Item) -> tuple[str, int] | None:
        """Why a basket line is not in its bin any more by the books (another terminal moved,
        picked or counted it away) and how much of it is left there; None when it is."""
        engine = self.services.engine
        if item.serial:
            why = unit_taken(engine, item.sku_id, item.serial, item.from_bin)
            return None if why is None else (why, 0)
        return stock_taken(engine, item.sku_id, item.from_bin, item.bin_id, item.lot, item.qty)

    def _taken_away(self, refused: list[Item]) -> Outcome | None:
        """Basket lines the move refused because they were taken away meanwhile: why; the
        basket keeps what is left, a line that shrank is asked for again (last in the
        basket). None when no refusal was such."""
        told, shrunk = [], None
        for item in refused:
            gone = self._gone(item)
            if gone is None:
                continue
            why, left = gone
            self.basket.remove(item)
            if left > 0:
                item.qty, shrunk = left, item
                self.basket.append(item)
                told.append(f"{why}; {left} left in {item.from_bin}")
            else:
                told.append(f"{why}; {item.label} is out of the basket")
        if not told:
            return None
        if shrunk is not None and self.basket[-1] is shrunk:
            return Outcome(False, f"{'. '.join(told)}: type how many, or scan the target.",
                           question=self._ask_count())
        return Outcome.refuse(f"{'. '.join(told)}. {self._instruction()}.")

    # -- commands and keys -------------------------------------------------------------------
    def on_command(self, command: str, scan: Scan) -> Outcome:
        if command == "CANCEL" and self.counting:
            return self.answer_count(None, scan)
        if command == "CANCEL":
            if self.basket:
                n = len(self.basket)
                self.basket = []
                return Outcome.ok(f"Basket emptied ({n} item(s)); nothing was moved.")
            return Outcome.ok("Move closed.", done=True)
        if command == "DONE":
            if self.basket:
                return Outcome.refuse(f"{len(self.basket)} item(s) in the basket: scan the "
                                      "target bin, or CMD:CANCEL.")
            return Outcome.ok("Move closed.", done=True)
        return super().on_command(command, scan)

    def answer_count(self, qty: int | None, scan: Scan) -> Outcome:
        """The count question: a number sets it (the same number confirms it), None
        (CMD:NO / CMD:CANCEL) takes the line out of the basket."""
        item = self.basket[-1]
        if qty is None:
            self.basket.pop()
            self.asked = None
            return Outcome.ok(f"{item.sku} from {item.from_bin} is out of the basket.")
        if qty == item.qty:
            self.asked = None
            return Outcome.ok(f"{item.qty} of {item.sku}; scan the target bin.")
        return self._set_qty(qty)

    def on_text(self, text: str, scan: Scan, result: ScanResult) -> Outcome:
        if self.counting:
            return Outcome.refuse(f"{text[:20]} is not a quantity; type digits only.")
        return super().on_text(text, scan, result)

