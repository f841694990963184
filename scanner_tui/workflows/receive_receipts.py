"""The receipt being received: choosing it (its code, its number in the list, or blind) and
reading it (fresh each time: other terminals receive too). A mixin ``ReceiveWorkflow``
composes; with no receipt chosen the reads answer as for a blind receipt.
"""

from __future__ import annotations

from scanner_tui.inventory.receipt_doc import ReceiptDoc, find_receipt, open_receipts
from scanner_tui.scanning.result import Scan
from scanner_tui.workflows.base import Outcome, is_number


class ReceiptChoice:
    """Which receipt, and what it expects (see the module docstring)."""

    def open_receipts(self) -> list[ReceiptDoc]:
        return open_receipts(self.services.engine)

    def receipt_lines(self) -> list:
        """The receipt's lines: line_no, sku_id, code, qty_expected, qty_received."""
        return self.receipt.lines() if self.receipt is not None else []

    def _room(self, sku_id: int) -> int | None:
        return self.receipt.room(sku_id) if self.receipt is not None else None

    def _notice_entry(self, serial: str):
        return self.receipt.notice_entry(serial) if self.receipt is not None else None

    def _has_notice(self, sku_id: int) -> bool:
        return self.receipt is not None and self.receipt.has_notice(sku_id)

    def missing_serials(self) -> list[str]:
        """Serials on the ship notice not received (yet)."""
        return self.receipt.missing_serials() if self.receipt is not None else []

    def _choose(self, text: str) -> Outcome:
        text = text.strip()
        if text.lower() in ("blind", "skip"):
            return self._go_blind()
        receipts = self.open_receipts()
        if is_number(text) and 1 <= int(text) <= len(receipts):
            text = receipts[int(text) - 1].code
        row = find_receipt(self.services.engine, text)
        if row is None:
            return Outcome.refuse(f"{text[:40]} is not a known receipt; scan the receipt's code "
                                  "or CMD:SKIP to receive blind.")
        if row.status != "open":
            return Outcome.refuse(f"Receipt {row.code} is closed; nothing more can be received "
                                  "on it.")
        refused = self.claim_document("receipt", row.code)
        if refused is not None:  # another receiver has it (a supervisor is asked to take it)
            return refused
        self.receipt = ReceiptDoc(self.services.engine, row.id, row.code, row.supplier)
        self.notice = ""
        lines = self.receipt_lines()
        todo = sum(max(0, ln.qty_expected - ln.qty_received) for ln in lines)
        return Outcome.ok(f"Receipt {row.code}: {len(lines)} line(s), {todo} to receive. "
                          "Scan a product.")

    def _go_blind(self) -> Outcome:
        self.blind, self.notice = True, ""
        return Outcome.ok("Receiving blind (no receipt). Scan a product.")

    def _is_receipt(self, code: str) -> bool:
        return find_receipt(self.services.engine, code) is not None

    def answer_receipt(self, choice: str, scan: Scan) -> Outcome:
        return self._choose(choice)
