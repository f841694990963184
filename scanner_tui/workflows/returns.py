"""Returns (buy online, return in store): a unit or a quantity comes back from a customer.

* Scan the unit: the screen shows which order and customer it went to, and when it shipped.
  A unit that never shipped from here is refused with what the store knows about it.
* Or scan the product (quantity SKU), then the order (scanned or typed), then the quantity
  (typed; scan the product again for one more; 1 unless changed).
* Choose the reason (DAMAGED / WRONG / UNWANTED) and the condition (NEW / OPENED / BROKEN):
  by key (1-3 or the word) or by scanning the CMD: card (``CMD:DAMAGED``...). The return is
  recorded when the condition is given: into the returns bin, or quarantine when BROKEN.

The returns and quarantine bins are the store's first active ones of those kinds, or the
``returns_bin`` / ``quarantine_bin`` options; scanning such a bin between returns picks it.
CMD:CANCEL drops the return being recorded (nothing changed), else closes the workflow.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from scanner_tui.inventory.db import Engine
from scanner_tui.inventory.errors import DomainError
from scanner_tui.inventory.floor_queries import first_bin
from scanner_tui.inventory.history import UnknownCode, history
from scanner_tui.inventory.operations import ROLE_MATRIX, return_unit
from scanner_tui.inventory.order_queries import find_order, order_shipped
from scanner_tui.scanning.classify import NO_RULE
from scanner_tui.scanning.result import Kind, Scan, ScanResult
from scanner_tui.text import sentence
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
    scan_from_dict,
    scan_to_dict,
)
from scanner_tui.workflows.dock import active_bin, look_up
from scanner_tui.workflows.lookup import fit

REASONS = ("DAMAGED", "WRONG", "UNWANTED")
CONDITIONS = ("NEW", "OPENED", "BROKEN")
QUARANTINE_CONDITIONS = ("BROKEN",)


@dataclass(frozen=True, slots=True)
class Pending:
    """The return being recorded (plain data: codes, numbers, the scan that started it)."""

    label: str  # the serial, or the SKU code
    scan_id: str = ""
    serial: str | None = None
    sku: str | None = None
    sku_id: int = 0
    order: str | None = None
    qty: int = 1
    returnable: int = 1  # how many may still come back on the order (quantity returns)
    lot: str = ""
    reason: str | None = None
    entry: str = "scanned"
    scan: Scan | None = None  # the scan that started this return
    info: tuple[str, ...] = ()


def when(at: str | None) -> str:
    """An ISO time as the floor reads it: ``2026-11-11 10:00``."""
    return at[:16].replace("T", " ") if at else "?"


def unit_story(engine: Engine, serial: str, sku: str | None = None
               ) -> tuple[str | None, list[str]]:
    """(why it cannot come back or None, context lines: product, order, customer, shipped);
    ``sku``: the unit's product when two products share the serial."""
    try:
        h = history(engine, serial)
    except UnknownCode:
        return f"{serial} was never shipped from here; put it aside for a supervisor.", []
    if h.get("type") == "units":  # a unit is SKU + serial
        h = next((u for u in h["units"] if u["sku"] == sku), h)
    if h.get("type") != "asset":
        return f"{serial} was never shipped from here; put it aside for a supervisor.", []
    if h["status"] == "returned":
        where = f" in {h['bin']}" if h["bin"] else ""
        return f"{serial} has come back already (returned{where}); ask a supervisor.", []
    if h["status"] != "shipped":
        state = h["status"].replace("_", " ") + (f" in {h['bin']}" if h["bin"] else "")
        return (f"{serial} never left here: the store has it {state}; put it aside for a "
                "supervisor."), []
    shipped = [e for e in h["events"] if e["action"] == "ship"]
    lines = [f"{serial} {h['sku']}"]
    if h["order"]:
        lines.append(f"Order {h['order']} {h['customer'] or ''}".rstrip())
    if shipped:
        lines.append(f"Shipped {when(shipped[-1]['at'])}")
    return None, [fit(line) for line in lines]


class ReturnsWorkflow(Workflow):
    key = "returns"
    title = "Returns"
    roles = ROLE_MATRIX["return"]

    def __init__(self, services: Services, **options: object) -> None:
        super().__init__(services)
        engine = services.engine
        self.returns_bin = str(options.get("returns_bin") or first_bin(engine, "returns") or "")
        self.quarantine_bin = str(options.get("quarantine_bin")
                                  or first_bin(engine, "quarantine") or self.returns_bin)
        self.pending: Pending | None = None  # the open question (``asked``) says what is due
        self.last: tuple[str, ...] = ()  # context of the last return recorded

    # -- task state as data (``Workflow.snapshot``) -----------------------------------------
    state_version = 2  # 2: the step is the open question (1 kept a ``step`` of its own)

    def save(self) -> dict:
        p = self.pending
        pending = None
        if p is not None:
            pending = {k: v for k, v in asdict(p).items() if k != "scan"}
            pending["scan"] = scan_to_dict(p.scan)
        return {"returns_bin": self.returns_bin, "quarantine_bin": self.quarantine_bin,
                "last": list(self.last), "pending": pending}

    def load(self, state: dict) -> None:
        self.returns_bin, self.quarantine_bin = state["returns_bin"], state["quarantine_bin"]
        self.last = tuple(state["last"])  # the open question comes back as ``asked``
        p = state["pending"]
        self.pending = None if p is None else Pending(
            **{**p, "scan": scan_from_dict(p["scan"]), "info": tuple(p["info"])})

    @property
    def step(self) -> str:
        """start | order | qty | reason | condition: read from the return and its question."""
        if self.pending is None:
            return "start"
        return self.asked.action if self.asked is not None else "order"

    # -- view --------------------------------------------------------------------------------
    def view(self) -> View:
        p = self.pending
        context = tuple(p.info) if p else tuple(self.last)
        bins = f"To {self.returns_bin or '-'}; broken to {self.quarantine_bin or '-'}"
        rows: tuple[Line, ...] = ()
        if p is not None:
            rows = (Line((p.label, str(p.qty), p.reason or "?"), "current"),)
        return View(self.title, self._instruction(), context + (bins,),
                    ("Item", "Qty", "Reason"), rows, self._accepts())

    def _instruction(self) -> str:
        p = self.pending
        if p is None:
            return "Scan the returned unit or product"
        if self.step == "order":
            return brief(f"Scan or type order for {p.sku}", "Scan or type the order")
        if self.step == "qty":
            return brief(f"Qty of {p.sku}? Or scan reason", "Type the qty, or scan reason")
        if self.step == "reason":
            return "Reason: DAMAGED, WRONG, UNWANTED"
        return "Condition: NEW, OPENED, BROKEN"

    def _accepts(self) -> tuple[Kind, ...]:
        if self.step == "start":
            return (Kind.ASSET, Kind.PRODUCT, Kind.BIN)
        if self.step == "qty":
            return (Kind.PRODUCT, Kind.COMMAND)
        if self.step == "order":
            return (Kind.UNKNOWN,)
        return (Kind.COMMAND,)

    def _ask(self, action: str, message: str) -> Outcome:
        """Open the question ``action`` (qty | reason | condition) about the pending return
        (answered by key or by scanning a CMD: card)."""
        p = self.pending
        if action == "qty":
            q = Question(f"How many {p.sku} came back?", Ask.QUANTITY, action=action,
                         default=p.qty)
        elif action == "reason":
            q = Question(f"Why did {p.label} come back?", Ask.CHOICE, REASONS, action=action)
        else:
            q = Question(f"Condition of {p.label}?", Ask.CHOICE, CONDITIONS, action=action)
        self.asked = q
        return Outcome.ok(message, question=q)

    def _close(self) -> None:
        self.pending, self.asked = None, None

    # -- scans -------------------------------------------------------------------------------
    def on_unrecognised(self, scan: Scan, result: ScanResult) -> Outcome | None:
        # Orders carry no tag rule of their own: while an order is due, a code that is not
        # otherwise recognised is tried as an order code.
        if self.step == "order" and result.kind is Kind.UNKNOWN and result.code:
            if find_order(self.services.engine, result.code) is not None:
                return self._order(result.code)
        elif self.step == "start" and result.kind is Kind.UNKNOWN and result.reason == NO_RULE:
            # A manufacturer serial the store has never seen: flag it, in words.
            return Outcome.refuse(f"{result.code} is not a unit of this store; it was never "
                                  "shipped from here. Put it aside for a supervisor.")
        return None

    def on_answer_scan(self, q: Question, scan: Scan, result: ScanResult) -> Outcome | None:
        """The product again counts one more; a reason or condition card chooses."""
        p = self.pending
        if self.step == "qty" and result.kind is Kind.PRODUCT:
            found = look_up(self.services.engine, result)
            if found is not None and found.id == p.sku_id:
                return self._set_qty(p.qty + 1)
        if result.kind is Kind.COMMAND and (result.command in REASONS
                                            or result.command in CONDITIONS):
            return self._choose(result.command, scan)
        return None

    def answer_qty(self, qty: int | None, scan: Scan) -> Outcome:
        if qty is None:
            return Outcome.refuse(f"Type how many {self.pending.sku} came back, or CMD:CANCEL.")
        out = self._set_qty(qty)
        return self._ask("reason", out.message) if out.accepted else out

    def answer_reason(self, word: str, scan: Scan) -> Outcome:
        return self._choose(word, scan)

    answer_condition = answer_reason

    def on_scan(self, scan: Scan, result: ScanResult) -> Outcome:
        if self.step == "start":
            return self._start(scan, result)
        if self.step == "order":
            return Outcome.refuse(f"{result.code} is not an order. {sentence(self._instruction())}")
        return expected(self._accepts(), result, self._instruction())

    def _start(self, scan: Scan, result: ScanResult) -> Outcome:
        if result.kind is Kind.BIN:
            return self._choose_bin(result)
        if result.kind is Kind.ASSET and result.serial:
            found = look_up(self.services.engine, result)  # GTIN and serial must agree
            return self._unit(scan, result.serial, found.sku_code if found else None)
        if result.kind is Kind.PRODUCT:
            found = look_up(self.services.engine, result)
            if found is None:
                return Outcome.refuse(f"{result.code} is not a known product.")
            if found.tracking == "serial":
                return Outcome.refuse(f"{found.code} is serial tracked; scan the unit's tag.")
            self.pending = Pending(label=found.code, sku=found.code, sku_id=found.id,
                                   lot=result.lot or "", entry=entry_of(scan),
                                   info=(f"Return of {found.code}",), scan=scan,
                                   scan_id=scan.id)
            return Outcome.ok(f"{found.code}: scan or type the order it shipped on.")
        return expected(self._accepts(), result, self._instruction())

    def _choose_bin(self, result: ScanResult) -> Outcome:
        found = active_bin(self.services.engine, result)
        if isinstance(found, Outcome):
            return found
        if found.bin_kind == "returns":
            self.returns_bin = found.code
            return Outcome.ok(f"Returns go to {found.code}.")
        if found.bin_kind == "quarantine":
            self.quarantine_bin = found.code
            return Outcome.ok(f"Broken returns go to {found.code}.")
        return Outcome.refuse(f"{found.code} is a {found.bin_kind} bin; returns go to a "
                              "returns or quarantine bin.")

    def _unit(self, scan: Scan, serial: str, sku: str | None = None) -> Outcome:
        why, info = unit_story(self.services.engine, serial, sku)
        if why is not None:
            return Outcome.refuse(why)
        self.pending = Pending(label=serial, serial=serial, sku=sku, entry=entry_of(scan),
                               info=tuple(info), scan=scan, scan_id=scan.id)
        return self._ask("reason", f"{'; '.join(info[1:]) or serial}. Why did it come back?")

    # -- quantity returns: order and quantity ------------------------------------------------
    def _order(self, code: str) -> Outcome:
        p = self.pending
        assert p is not None and p.sku is not None
        code = code.strip()
        found = order_shipped(self.services.engine, code, p.sku_id)
        if found is None:
            return Outcome.refuse(f"{code} is not a known order. {sentence(self._instruction())}")
        order, shipped, back, at = found.order, found.shipped, found.back, found.last_shipped
        if shipped - back <= 0:
            told = f"shipped {shipped} of {p.sku}" + (f", {back} came back" if back else "")
            return Outcome.refuse(f"Order {order.code} {told}; none can come back on it.")
        info = (fit(f"Return of {p.sku}"), fit(f"Order {order.code} {order.customer}"),
                fit(f"Shipped {shipped}" + (f" on {when(at.isoformat())}" if at else "")
                    + (f", {back} back" if back else "")))
        p = self.pending = replace(p, order=order.code, returnable=shipped - back, info=info)
        return self._ask("qty", f"Order {order.code}: {p.returnable} of {p.sku} may come "
                         "back; how many did?")

    def _set_qty(self, qty: int) -> Outcome:
        p = self.pending
        assert p is not None
        if qty < 1:
            return Outcome.refuse("The quantity must be at least 1; type it again.")
        if qty > p.returnable:
            return Outcome.refuse(f"Order {p.order} can take back only {p.returnable} of "
                                  f"{p.sku}; {qty} is more than that.")
        self.pending = replace(p, qty=qty)
        return self._ask("qty", f"{qty} of {p.sku}; why did it come back?")

    # -- reason and condition ----------------------------------------------------------------
    def _choose(self, word: str, scan: Scan | None) -> Outcome:
        p = self.pending
        assert p is not None
        if self.step in ("qty", "reason") and word in REASONS:
            self.pending = replace(p, reason=word)
            return self._ask("condition", f"Reason {word}; what condition is it in?")
        if self.step == "condition" and word in CONDITIONS:
            return self._record(word, scan)
        wanted = CONDITIONS if self.step == "condition" else REASONS
        return Outcome.refuse(f"{word} is not one of {', '.join(wanted)}. "
                              f"{sentence(self._instruction())}")

    def _record(self, condition: str, scan: Scan | None) -> Outcome:
        p = self.pending
        assert p is not None and p.reason is not None
        bin_code = self.quarantine_bin if condition in QUARANTINE_CONDITIONS else self.returns_bin
        if not bin_code:
            return Outcome.refuse("This store has no returns bin; ask a supervisor.")
        reason = f"{p.reason.lower()}; condition {condition.lower()}"
        kwargs: dict = {"bin": bin_code, "reason": reason}
        if p.serial is not None:
            kwargs.update(serial=p.serial, sku=p.sku)  # a unit is SKU + serial
        else:
            kwargs.update(sku=p.sku, qty=p.qty, order=p.order, lot=p.lot)
        # The row records how the unit or product was captured; an answer given by key has
        # no scan of its own, so the return is keyed on the scan that started it.
        kwargs["entry"] = p.entry
        kwargs["scan_id"] = scan.id if scan is not None else f"{p.scan_id}.r"
        try:
            done = self.run(return_unit, scan or p.scan, **kwargs)
        except DomainError as err:
            return Outcome.refuse(str(err))
        self.last = (*p.info, fit(f"Back: {p.reason}, {condition} -> {bin_code}"))
        self._close()
        if self.services.shift is not None:
            self.services.shift.line_done()
        return Outcome.ok(done.message, changed=not done.replayed)

    # -- commands and keys -------------------------------------------------------------------
    def on_command(self, command: str, scan: Scan) -> Outcome:
        if command == "CANCEL":
            if self.pending is not None:
                label = self.pending.label
                self._close()
                return Outcome.ok(f"Return of {label} dropped; nothing was recorded.")
            return Outcome.ok("Returns closed.", done=True)
        if command == "DONE":
            if self.pending is not None:
                return Outcome.refuse(f"{self.pending.label} is not recorded yet: "
                                      f"{self._instruction()}, or CMD:CANCEL.")
            return Outcome.ok("Returns closed.", done=True)
        return super().on_command(command, scan)

    def on_text(self, text: str, scan: Scan, result: ScanResult) -> Outcome:
        if self.step == "order":
            if find_order(self.services.engine, text) is not None:
                return self._order(text)
            return Outcome.refuse(f"{text[:40]} is not a known order. "
                                  f"{sentence(self._instruction())}")
        return super().on_text(text, scan, result)

