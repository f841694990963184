"""A receipt as the receiving workflow reads it: lines, room left, ship-notice serials.

Every read is fresh (another terminal may be receiving the same receipt) and indexed: lines
by receipt, expected serials by (receipt, serial).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, Row, select

from scanner_tui.inventory.models import ExpectedSerial, Receipt, ReceiptLine, Sku

T_SKU = Sku.__table__
T_RECEIPT = Receipt.__table__
T_RLINE = ReceiptLine.__table__
T_EXPECTED = ExpectedSerial.__table__


def open_receipts(engine: Engine, limit: int = 50) -> list[ReceiptDoc]:
    """Open receipts by code (the list a receiver chooses from)."""
    q = (select(T_RECEIPT.c.id, T_RECEIPT.c.code, T_RECEIPT.c.supplier)
         .where(T_RECEIPT.c.status == "open").order_by(T_RECEIPT.c.code).limit(limit))
    with engine.connect() as conn:
        return [ReceiptDoc(engine, *r) for r in conn.execute(q)]


def find_receipt(engine: Engine, code: str) -> Row | None:
    """(id, code, supplier, status) of a receipt by its code, or None."""
    q = select(T_RECEIPT.c.id, T_RECEIPT.c.code, T_RECEIPT.c.supplier, T_RECEIPT.c.status
               ).where(T_RECEIPT.c.code == code)
    with engine.connect() as conn:
        return conn.execute(q).first()


@dataclass(frozen=True)
class ReceiptDoc:
    engine: Engine
    id: int
    code: str
    supplier: str

    def lines(self) -> list[Row]:
        """The lines: line_no, sku_id, code (the SKU's), qty_expected, qty_received."""
        q = (select(T_RLINE.c.line_no, T_RLINE.c.sku_id, T_SKU.c.code, T_RLINE.c.qty_expected,
                    T_RLINE.c.qty_received).join(T_SKU, T_SKU.c.id == T_RLINE.c.sku_id)
             .where(T_RLINE.c.receipt_id == self.id).order_by(T_RLINE.c.line_no))
        with self.engine.connect() as conn:
            return list(conn.execute(q))

    def room(self, sku_id: int) -> int | None:
        """How many more of a SKU the receipt expects (None: the SKU is not on it)."""
        lines = [ln for ln in self.lines() if ln.sku_id == sku_id]
        if not lines:
            return None
        return max(0, sum(ln.qty_expected - ln.qty_received for ln in lines))

    def notice_entry(self, serial: str) -> Row | None:
        """(sku_id, received) of a serial on the ship notice, or None."""
        q = (select(T_RLINE.c.sku_id, T_EXPECTED.c.received)
             .join(T_RLINE, T_RLINE.c.id == T_EXPECTED.c.line_id)
             .where(T_EXPECTED.c.receipt_id == self.id, T_EXPECTED.c.serial == serial))
        with self.engine.connect() as conn:
            return conn.execute(q).first()

    def has_notice(self, sku_id: int) -> bool:
        """Whether the ship notice lists serials for this SKU's line(s)."""
        q = (select(T_EXPECTED.c.id).join(T_RLINE, T_RLINE.c.id == T_EXPECTED.c.line_id)
             .where(T_EXPECTED.c.receipt_id == self.id, T_RLINE.c.sku_id == sku_id).limit(1))
        with self.engine.connect() as conn:
            return conn.execute(q).first() is not None

    def missing_serials(self) -> list[str]:
        """Serials on the ship notice not received (yet), by serial."""
        q = (select(T_EXPECTED.c.serial).where(T_EXPECTED.c.receipt_id == self.id,
                                               T_EXPECTED.c.received.is_(False))
             .order_by(T_EXPECTED.c.serial))
        with self.engine.connect() as conn:
            return list(conn.execute(q).scalars())
