"""Receive at the dock: against an open receipt (with or without a ship notice) or blind.

Flow (scan-first; a question is answered by its answer, typed or scanned: ``workflows.base``):

* Choose the receipt: scan or type its code, or its number in the list the view shows, or
  CMD:SKIP to receive blind. With no open receipt at all the workflow starts blind.
* Working bin: the site's dock bin (option ``dock_bin``, else ``services.dock_bin``,
  else the first active dock bin). Scanning another receivable bin asks "Receive into X
  from now on?" (CMD:YES changes it, CMD:NO or CMD:CANCEL keeps it): a stray bin scan never
  moves the receiving bin by itself (issue 11 item 5).
* Scan a product (GTIN, SKU code or alias, GS1 data with lot/expiry). Lot and expiry are
  captured when the SKU needs them: from GS1 data, else asked (scan or type the lot, type the
  expiry) once for the product being received.
* Quantity SKU: each scan receives 1 at once and asks "How many?" (kind quantity) with the
  running count as the default; the next scan of the same product adds 1, a typed number sets
  the count for that run of scans (the difference is received), any other scan leaves it.
* Serial SKU: scan every unit: GS1 serial, an own asset tag, or a manufacturer serial (a code
  the store does not know while a serial SKU is current, or one listed on the ship notice). A
  typed serial is recorded as typed; a typed quantity is refused.
* New asset tags, for a serial SKU whose units carry no serial of their own (no ship notice
  lists its serials): CMD:PRINT (or typed ``p``) prints the next tag on the terminal's label
  printer; a typed number N, then CMD:PRINT (or CMD:YES / ``y``), prints N (``p N`` typed does
  both). The tags are recorded (ledger ``label`` rows, doc receipt) once the printer took them;
  each tag printed here and scanned back receives one unit of the SKU it was printed for, with
  the tag as its serial. The view counts the tags still to stick on; the summary lists those
  never scanned back. A printer that fails: a refusal, nothing recorded, nothing expected.
* Over-receipt (more than the receipt expects) is a warning with a yes/no question: CMD:YES
  receives the excess blind (the receipt line never exceeds what it expects), CMD:NO leaves
  it aside; any other scan is refused with the question repeated (the one rule of
  ``workflows.base``; the "How many?" of a quantity SKU is an optional count prompt). A unit
  already in the store, or not on the ship notice, is refused and reported.
* CMD:DONE ends with a discrepancy summary (``summary()``): short lines, over lines, missing
  and unexpected serials, products not on the receipt. CMD:CANCEL drops the open question, else
  the current product, else leaves. CMD:UNDO reverses this operator's last change.

A scan handled a second time (same ``Scan.id``: a retry) gets its first answer again and
changes nothing (``Workflow.handle``'s memo; the store's applied-scan record after a restart).

The receipt is claimed while it is received here (``claiming``): one receiver at a time, let
go when it is done or left; taken over by a supervisor, it is left on the next scan.

Parts of the flow live in mixins the class composes: ``receive_receipts`` (the receipt),
``receive_bin`` (the receiving-bin question), ``receive_capture`` (lot and expiry),
``receive_labels`` (a label's count, two readings), ``receive_over`` (over-receipt).
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date

from scanner_tui.codes import check_serial, number_like
from scanner_tui.inventory.errors import AmbiguousSerial, DomainError, ReceivedAgain
from scanner_tui.inventory.floor_queries import sku_capture
from scanner_tui.inventory.identity import policy_for
from scanner_tui.inventory.models import utcnow
from scanner_tui.inventory.operations import ROLE_MATRIX, OpResult, receive, undo_last
from scanner_tui.inventory.ops.receiving import VOID
from scanner_tui.inventory.receipt_doc import ReceiptDoc
from scanner_tui.scanning.result import Kind, Scan, ScanResult
from scanner_tui.workflows.base import (
    QTY_DIGITS,
    Ask,
    Outcome,
    Question,
    Services,
    View,
    Workflow,
    entry_of,
    expected,
)
from scanner_tui.workflows.claiming import DocumentClaims
from scanner_tui.workflows.dock import (
    default_dock_bin,
    find_code,
    look_up,
    parse_expiry,
    plain_code,
    undone_scan_ids,
)
from scanner_tui.workflows.receive_bin import ReceivingBinQuestion
from scanner_tui.workflows.receive_capture import LotExpiryCapture, prefixed
from scanner_tui.workflows.receive_labels import DockLabelQuestions
from scanner_tui.workflows.receive_over import OverReceipt
from scanner_tui.workflows.receive_receipts import ReceiptChoice
from scanner_tui.workflows.receive_state import (
    Current,
    Pending,
    Record,
    Tagged,
    load_state,
    save_state,
)
from scanner_tui.workflows.receive_tags import ask_print, print_refusal, print_tags
from scanner_tui.workflows.receive_view import accepts, instruction, receive_view, summary
from scanner_tui.workflows.tag_printing import printer_of

FINISHED = ("Receiving is finished: CMD:CANCEL goes back to the menu, CMD:RECEIVE "
            "receives more.")

PRINT_WORDS = re.compile(r"(?:p|print)(?: +([0-9]{1,5}))?", re.IGNORECASE)  # typed print


# -- the workflow's own records --------------------------------------------------------------

class ReceiveWorkflow(DocumentClaims, DockLabelQuestions, ReceivingBinQuestion, OverReceipt,
                      ReceiptChoice, LotExpiryCapture, Workflow):
    """Receiving at the dock (see the module docstring)."""

    key = "receive"
    title = "Receive"
    roles = ROLE_MATRIX["receive"]

    def __init__(self, services: Services, *, receipt: str | None = None,
                 blind: bool = False, dock_bin: str | None = None, **options: object) -> None:
        super().__init__(services)
        self.options = options
        self.receipt: ReceiptDoc | None = None
        self.blind = blind
        self.bin: str | None = (dock_bin or services.dock_bin
                                or default_dock_bin(services.engine))
        self.current: Current | None = None
        self.pending: Pending | None = None
        self.records: list[Record] = []
        self.unexpected: list[str] = []  # serials refused: not on the ship notice
        self.not_on_receipt: list[str] = []  # SKU codes refused: not on the receipt
        self.notice = ""  # a line for the view (why the given receipt was not taken)
        self.finished: list[str] | None = None
        self.printed: dict[str, Tagged] = {}  # asset tags printed here
        self.awaiting: dict[str, Tagged] = {}  # printed here, not yet scanned back onto a unit
        if receipt is not None and not blind:
            chosen = self._choose(receipt)
            if not chosen.accepted:
                self.notice = chosen.message
        elif not blind and not self.open_receipts():
            self.blind = True

    # -- task state as data (``Workflow.snapshot``; ``receive_state``) ---------------------
    state_version = 1

    def save(self) -> dict:
        return save_state(self)

    def load(self, state: dict) -> None:
        load_state(self, state)

    # -- what the screen shows ---------------------------------------------------------------
    @property
    def ended(self) -> bool:
        return self.finished is not None

    @property
    def choosing(self) -> bool:
        return self.receipt is None and not self.blind

    @property
    def question(self) -> Question | None:
        """The open question, if any (answer it with ``answer`` or by scanning on)."""
        if self.asked is not None:  # take over a receipt someone else works? (``claiming``)
            return self.asked
        if self.pending is not None:
            return self.pending.question
        if self.choosing:  # a step more than a question: scans go on as usual
            codes = tuple(r.code for r in self.open_receipts())
            return Question("Which receipt?", Ask.CHOICE, codes + ("Blind",), action="receipt",
                            optional=True)
        return None

    def _ask(self, kind: str, question: Question, **data: object) -> Question:
        """Open a question; its action is ``kind`` (answered by ``answer_<kind>``)."""
        question = Question(question.text, question.kind, question.choices, kind,
                            question.default, question.optional)
        self.pending = Pending(kind, question, **data)  # type: ignore[arg-type]
        return question

    def view(self) -> View:
        return receive_view(self)

    def _instruction(self) -> str:
        return instruction(self)

    def _accepts(self) -> tuple[Kind, ...]:
        return accepts(self)

    def summary(self) -> list[str]:
        """The discrepancy summary: short lines, over lines, missing/unexpected serials."""
        return summary(self)

    # -- the receipt's claim (``claiming``) -------------------------------------------------
    def document(self) -> tuple[str, str] | None:
        if self.receipt is None or self.finished is not None:
            return None
        return ("receipt", self.receipt.code)

    def open_document(self, kind: str, code: str, *, taken: bool) -> Outcome:
        return self._choose(code)

    def drop_document(self) -> None:
        self.receipt, self.current, self.pending, self.asked = None, None, None, None
        self.records, self.unexpected, self.not_on_receipt = [], [], []

    # -- reading the receipt (fresh each time: other terminals receive too) -----------------
    def _sku(self, sku_id: int) -> Current:
        return Current(*sku_capture(self.services.engine, sku_id))

    # -- routing -----------------------------------------------------------------------------
    def on_unrecognised(self, scan: Scan, result: ScanResult) -> Outcome | None:
        """Unknown plain codes may be serials, lots or receipts."""
        if self.finished is not None:
            return Outcome.refuse(FINISHED)
        plain = plain_code(result)
        return self._plain(scan, plain) if plain is not None else None

    def on_answer_scan(self, q: Question, scan: Scan, result: ScanResult) -> Outcome | None:
        """A lot or expiry scanned (a plain code, or the product's GS1 label carrying it);
        CMD:PRINT for the print question."""
        p = self.pending
        if p is None:
            return None
        if p.kind == "print" and result.kind is Kind.COMMAND and result.command == "PRINT":
            return self._print(scan, p.qty)
        typed = scan.payload.strip()
        if p.kind == "print" and number_like(typed) and len(typed) <= QTY_DIGITS:
            return self._ask_print(self.typed_quantity(typed))  # typed: how many, changed
        if p.kind == "print" and PRINT_WORDS.fullmatch(scan.payload.strip()):
            n = PRINT_WORDS.fullmatch(scan.payload.strip()).group(1)
            return self._print(scan, int(n) if n else p.qty)
        if p.kind not in ("lot", "expiry"):
            return None
        plain = plain_code(result)
        if plain is not None:
            return self._plain(scan, plain)
        if result.kind is Kind.PRODUCT and (result.lot or result.expiry):
            found = look_up(self.services.engine, result)
            if found is not None and found.sku_id == self.current.sku_id:
                if result.expiry:
                    self.current.expiry, self.current.expiry_known = result.expiry, True
                if result.lot:
                    return self.answer_lot(result.lot)
                return self._expiry(result.expiry)
        return None

    def on_scan(self, scan: Scan, result: ScanResult) -> Outcome:
        if self.finished is not None:
            return Outcome.refuse(FINISHED)
        if result.kind is Kind.BIN:
            return self._bin(result)
        if self.choosing:
            return Outcome.refuse(f"{result.code} is not a receipt. Choose the receipt first: "
                                  "scan or type its code, or CMD:SKIP to receive blind.")
        if result.kind not in (Kind.PRODUCT, Kind.ASSET):
            return expected(self._accepts(), result, self._instruction())
        if self.bin is None:
            return Outcome.refuse(f"Scan the dock bin first; {result.code} waits.")
        if result.kind is Kind.PRODUCT:
            return self._product(scan, result)
        return self._unit_scan(scan, result)

    # -- bins --------------------------------------------------------------------------------
    # -- receipts ----------------------------------------------------------------------------
    # -- products and units ------------------------------------------------------------------
    def _select(self, sku_id: int, lot: str | None, expiry: date | None) -> Current:
        """Make a SKU current (keeping its captured lot/expiry unless the scan brings new)."""
        cur = self.current
        if cur is None or cur.sku_id != sku_id:
            cur = self.current = self._sku(sku_id)
        if lot:
            cur.lot = lot
        if expiry:
            cur.expiry, cur.expiry_known = expiry, True
        return cur

    def _product(self, scan: Scan, result: ScanResult) -> Outcome:
        found = look_up(self.services.engine, result)
        if found is None or found.kind is not Kind.PRODUCT:
            return Outcome.refuse(unknown_product(result))
        if self.receipt is not None and self._room(found.sku_id) is None:
            if found.sku_code not in self.not_on_receipt:
                self.not_on_receipt.append(found.sku_code)
            return Outcome.refuse(f"{found.sku_code} is not on receipt {self.receipt.code}; set "
                                  "it aside for a supervisor.")
        p = self.pending
        again = (p is not None and p.kind == "quantity" and self.current is not None
                 and result.count is None
                 and self.current.sku_id == found.sku_id
                 and (not result.lot or result.lot == self.current.lot))
        self.pending = None  # a scan moves on: the count prompt closes
        cur = self._select(found.sku_id, result.lot, result.expiry)
        if cur.serial:
            if result.count is not None:  # a count never replaces the units' own scans
                return prefixed(f"The label's count {result.count} is not taken; scan each "
                                 "unit. ", self._capture("serial", scan))
            return self._capture("serial", scan)
        if result.count is not None:
            return self._capture("count", scan, run=result.count)
        return self._capture("qty", scan, run=p.qty if again else 0)

    def _unit_scan(self, scan: Scan, result: ScanResult) -> Outcome:
        serial = result.serial or result.code
        sku_id = None
        if result.gtin or result.part:  # GS1 GTIN, or a maker's part number (HIBC, 15434)
            product = ScanResult(Kind.PRODUCT, code=result.gtin or result.part or "",
                                 gtin=result.gtin, sku=result.sku, part=result.part)
            found = look_up(self.services.engine, product)
            if found is None:
                return Outcome.refuse(f"{unknown_product(product)} Set {serial} aside.")
            sku_id = found.sku_id
        return self._unit(scan, serial, sku_id, result.lot, result.expiry)

    def _plain(self, scan: Scan, code: str) -> Outcome:
        """An unknown code: the receipt (choosing), a lot (asked), or a unit's serial."""
        if self.choosing:
            return self._choose(code)
        p = self.pending
        if p is not None and p.kind == "lot":
            return self.answer_lot(code)
        if p is not None and p.kind == "expiry":
            return self.answer_expiry(code)
        listed = self._notice_entry(code)
        if (listed is not None or code in self.awaiting
                or (self.current is not None and self.current.serial)):
            return self._unit(scan, code, listed.sku_id if listed else None, None, None)
        if self.receipt is not None and code != self.receipt.code and self._is_receipt(code):
            return Outcome.refuse(f"{code} is another receipt; finish {self.receipt.code} with "
                                  "CMD:DONE first.")
        return Outcome.refuse(f"{code[:40]} is not known here; scan the product barcode first, "
                              "then the unit's serial.")

    def _unit(self, scan: Scan, serial: str, sku_id: int | None, lot: str | None,
              expiry: date | None) -> Outcome:
        """One serialised unit: find its SKU, check the store and the notice, receive it.
        A code that cannot be a serial (``codes.check_serial``: escape remnants, other
        scripts' digits, emoji) is refused with its sentence and never listed on the
        receipt (issue 11 item 3: a refused scan is in the journal only)."""
        check_serial(serial)  # CodeRefused: ``Workflow._once`` refuses with its sentence
        engine = self.services.engine
        try:
            there = find_code(engine, serial)
        except AmbiguousSerial:  # units of several products share it: receive judges
            there = None
        if there is not None and there.kind is Kind.ASSET and there.status != VOID and (
                sku_id in (None, there.sku_id) or policy_for(engine).is_own_tag(serial)):
            return self._refused(ReceivedAgain(serial, there.status or "", there.bin_code,
                                               there.sku_code), scan, scan.payload)
        if there is not None and there.kind is not Kind.ASSET:
            return Outcome.refuse(f"{serial} is a {there.kind.value} code, not a unit's serial.")
        listed = self._notice_entry(serial)
        if sku_id is None and listed is not None:
            sku_id = listed.sku_id
        if sku_id is None and serial in self.awaiting:  # a tag printed here, stuck on now
            sku_id, lot, expiry = self.awaiting[serial]
        if sku_id is None and self.current is not None and self.current.serial:
            sku_id = self.current.sku_id
        if sku_id is None and there is not None:  # a unit whose receipt was undone
            sku_id = there.sku_id
        if sku_id is None:
            return Outcome.refuse(f"Scan the product barcode first, then {serial}.")
        sku = (self.current if self.current is not None and self.current.sku_id == sku_id
               else self._sku(sku_id))
        if not sku.serial:
            return Outcome.refuse(f"{sku.code} is counted by quantity: scan the product and "
                                  "give a quantity.")
        if self.receipt is not None:
            if self._room(sku.sku_id) is None:
                return Outcome.refuse(f"{sku.code} is not on receipt {self.receipt.code}; set "
                                      f"{serial} aside for a supervisor.")
            if listed is None and self._has_notice(sku.sku_id):
                if serial not in self.unexpected:
                    self.unexpected.append(serial)
                return Outcome.refuse(f"{serial} is not on the ship notice of "
                                      f"{self.receipt.code}; set it aside for a supervisor.")
        self.pending = None  # a scan moves on: the count prompt closes
        self._select(sku_id, lot, expiry)
        return self._capture("unit", scan, serial)

    # -- receiving ---------------------------------------------------------------------------
    def _op(self, scan_id: str, entry: str, *, on_receipt: bool, **kwargs) -> Outcome | OpResult:
        """Run ``receive``: its result, or the refusal as an Outcome."""
        cur = self.current
        try:
            done = receive(self.services.engine, actor=self.actor, scan_id=scan_id, entry=entry,
                           bin=self.bin, lot=cur.lot or "", expiry=cur.expiry,
                           receipt=self.receipt.code if on_receipt and self.receipt else None,
                           **kwargs)
        except DomainError as err:
            return Outcome.refuse(str(err))
        if not done.replayed:
            self.awaiting.pop(kwargs.get("serial") or "", None)
            new_sku = all(r.sku != cur.code for r in self.records)
            self.records.append(Record(scan_id, cur.code, kwargs.get("qty", 1),
                                       kwargs.get("serial"), over=not on_receipt
                                       and self.receipt is not None))
            # Shift summary: a receipt line completed, or (blind) a new product received.
            if (self._room(cur.sku_id) == 0 if on_receipt and self.receipt else
                    new_sku and self.receipt is None) and self.services.shift is not None:
                self.services.shift.line_done()
        return done

    def _expired(self) -> str:
        cur = self.current
        if cur is not None and cur.expiry is not None and cur.expiry < utcnow().date():
            return f" Expired on {cur.expiry.isoformat()}!"
        return ""

    def _receive_qty(self, scan: Scan, n: int, entry: str, run: int) -> Outcome:
        """Receive ``n`` more of the current quantity SKU; ``run``: the count before."""
        if self.receipt is not None:
            fits = self._room(self.current.sku_id) or 0
            if n > fits:
                return self._over(scan, n, fits)
        done = self._op(scan.id, entry, on_receipt=True, sku=self.current.code, qty=n)
        if isinstance(done, Outcome):
            return done
        return self._counted(done, run + n)

    def _counted(self, done: OpResult, total: int) -> Outcome:
        cur, expired = self.current, self._expired()
        q = self._ask("quantity", Question(f"How many {cur.code}? ({total})", Ask.QUANTITY,
                                           default=total, optional=True), qty=total)
        return Outcome.ok(f"{done.message}{expired} Count {total}: type the quantity "
                          "or scan on.", changed=not done.replayed,
                          warning=bool(expired), question=q)

    def _receive_unit(self, scan: Scan, serial: str, entry: str) -> Outcome:
        if self.receipt is not None:
            fits = self._room(self.current.sku_id) or 0
            if fits < 1:
                return self._over(scan, 1, 0, serial)
        done = self._op(scan.id, entry, on_receipt=True, serial=serial, sku=self.current.code)
        if isinstance(done, Outcome):
            return done
        expired = self._expired()
        return Outcome.ok(f"{done.message}{expired}", changed=not done.replayed,
                          warning=bool(expired))

    # -- new asset tags (``receive_tags``) ---------------------------------------------------
    def _print_refusal(self) -> str | None:
        return print_refusal(self)

    def _ask_print(self, n: int) -> Outcome:
        return ask_print(self, n)

    def _print(self, scan: Scan, n: int) -> Outcome:
        return print_tags(self, scan, n)

    def answer_print(self, yes: bool, scan: Scan) -> Outcome:
        p = self.pending
        if yes:
            return self._print(scan, p.qty)
        self.pending = None
        return Outcome.ok(f"No tags printed. {self._instruction()}.")

    # -- answers (the base's dispatcher calls answer_<action>) ------------------------------
    def answer_quantity(self, n: int | None, scan: Scan) -> Outcome:
        p = self.pending
        if n is None or n == p.qty:  # CMD:NO / Enter: the count stands
            self.pending = None
            return Outcome.ok(f"{p.qty} of {self.current.code}. Scan the next product.")
        if n < 1:
            return Outcome.refuse("The quantity must be at least 1; CMD:UNDO takes back the "
                                  "last receive.")
        if n < p.qty:
            return Outcome.refuse(f"{p.qty} of {self.current.code} are in already; CMD:UNDO "
                                  "takes back the last receive.")
        return self._receive_qty(scan, n - p.qty, entry_of(scan), p.qty)

    def on_text(self, text: str, scan: Scan, result: ScanResult) -> Outcome:
        if not text:
            return Outcome.refuse(f"Nothing was typed. {self._instruction()}.")
        if self.finished is not None:
            return Outcome.refuse(FINISHED)
        if self.choosing:
            return self._choose(text)
        p = self.pending
        words = PRINT_WORDS.fullmatch(text)
        if words is not None:
            n = words.group(1)
            return self._print(scan, int(n) if n else p.qty if p and p.kind == "print" else 1)
        if number_like(text) and len(text) <= QTY_DIGITS:
            cur = self.current
            if cur is not None and cur.serial:
                if self._print_refusal() is None and printer_of(self.services):
                    return self._ask_print(self.typed_quantity(text))
                return Outcome.refuse(f"{cur.code} is tracked by serial: scan each unit's tag, "
                                      "not a quantity.")
            what = cur.code if cur is not None else "the product"
            return Outcome.refuse(f"Scan {what} first, then type how many.")
        return self._route(scan, result)  # a code typed instead of scanned

    # -- commands ----------------------------------------------------------------------------
    def on_command(self, command: str, scan: Scan) -> Outcome:
        p = self.pending
        if command == "CANCEL" and self.taking is not None:
            return self.answer_take_over(False, scan)
        if command == "DONE":
            return self._finish()
        if self.finished is not None:
            if command == "CANCEL":
                return Outcome.ok("Receiving closed.", done=True)
            return Outcome.refuse(FINISHED)
        if command == "SKIP" and self.choosing:
            return self._go_blind()
        if command == "PRINT":
            return self._print(scan, 1)
        if command == "CANCEL":
            if p is not None:
                self.pending = None
                if p.kind == "print":
                    return Outcome.ok(f"No tags printed. {self._instruction()}.")
                if p.kind == "over":
                    return Outcome.ok(f"{p.serial or p.qty} of {self.current.code} not "
                                      "received.")
                if p.kind == "quantity":
                    return Outcome.ok(f"{p.qty} of {self.current.code}. Scan the next product.")
                if p.kind == "reading":
                    return Outcome.ok("Label set aside; nothing received. Scan a product.")
                if p.kind == "bin":
                    return Outcome.ok(f"Receiving into {self.bin}. {self._instruction()}.")
                code, self.current = self.current.code, None
                return Outcome.ok(f"{code} dropped; nothing received. Scan a product.")
            if self.current is not None:
                code, self.current = self.current.code, None
                return Outcome.ok(f"{code} put down. Scan a product.")
            self.release_document()
            return Outcome.ok("Receiving closed.", done=True)
        return super().on_command(command, scan)

    def on_undo(self, scan: Scan) -> Outcome:
        """CMD:UNDO: the inventory's undo_last, then forget what it reversed."""
        try:
            done = self.run(undo_last, scan, since=self.undo_since)
        except DomainError as err:
            return Outcome.refuse(self.undo_refusal(err))
        gone = undone_scan_ids(self.services.engine, done.ledger_ids)
        for r in self.records:  # a printed tag whose unit was taken back is awaited again
            if r.scan_id in gone and r.serial in self.printed:
                self.awaiting[r.serial] = self.printed[r.serial]
        self.records = [r for r in self.records if r.scan_id not in gone]
        if self.pending is not None and self.pending.kind == "quantity":
            self.pending = None
        return Outcome.ok(done.message, changed=not done.replayed)

    # -- the end -----------------------------------------------------------------------------
    def _finish(self) -> Outcome:
        self.release_document()
        self.pending = None
        self.finished = self.summary()
        if self.receipt is None:
            return Outcome.ok(f"Receiving done: {'; '.join(self.finished)}.", done=True)
        counts = defaultdict(int)
        for s in self.finished:
            counts[s.split(":")[0]] += 1
        if self.finished[0].endswith("received complete."):
            return Outcome.ok(self.finished[0], done=True)
        parts = [f"{n} {what.lower()}" for what, n in counts.items()]
        return Outcome.ok(f"{self.receipt.code} done with discrepancies: {', '.join(parts)}.",
                          done=True, warning=True)


def unknown_product(result: ScanResult) -> str:
    """The refusal for a product label the store does not know (a part number: how to map)."""
    if result.part and not result.sku:
        return (f"Part {result.part[:30]} is not a barcode alias of any SKU; ask a supervisor "
                "to add it.")
    return f"{result.code[:40]} is not a known product; check the label or ask a supervisor."


__all__ = ["ReceiveWorkflow", "parse_expiry"]
