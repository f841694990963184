"""Helpers (no tests here): a small store for the operation tests and a ledger replay."""

from __future__ import annotations

import itertools
from collections import defaultdict

from sqlalchemy import select
from sqlmodel import Session

from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.models import (
    Asset,
    Barcode,
    Bin,
    ExpectedSerial,
    LedgerEntry,
    Operator,
    Order,
    OrderLine,
    Receipt,
    ReceiptLine,
    Sku,
    Stock,
    TagRoll,
)

PICKER = Actor("OP-0001", "T1", "picker")
RECEIVER = Actor("OP-0002", "T2", "receiver")
SUPERVISOR = Actor("OP-0003", "T3", "supervisor")
ADMIN = Actor("OP-0004", "T4", "admin")

_ids = itertools.count(1)


def sid(prefix: str = "s") -> str:
    """A fresh scan id."""
    return f"{prefix}{next(_ids):06d}"


def seed(engine) -> None:
    """Bins of every kind, a serial and a quantity SKU, operators, a receipt, two orders."""
    with Session(engine) as s:
        for code, kind, active in [
            ("D01-A-01", "dock", True), ("A01-A-01", "pick", True), ("A01-A-02", "pick", True),
            ("R01-A-01", "reserve", True), ("S01-A-01", "staging", True),
            ("T01-A-01", "returns", True), ("Q01-A-01", "quarantine", True),
            ("X01-A-01", "pick", False),
        ]:
            s.add(Bin(code=code, zone=code[0], kind=kind, active=active))
        s.add(Sku(code="LAPTOP-15", description="Laptop 15in", tracking="serial",
                  unit_value=900))
        s.add(Sku(code="MUG-01", description="Mug", tracking="quantity", unit_value=5))
        s.add(Sku(code="BATT-AA", description="AA batteries", tracking="quantity",
                  capture_lot=True, capture_expiry=True))  # sku id 3
        for badge, role, active in [("OP-0001", "picker", True), ("OP-0002", "receiver", True),
                                    ("OP-0003", "supervisor", True), ("OP-0004", "admin", True),
                                    ("OP-0009", "supervisor", False)]:
            s.add(Operator(badge=badge, name=badge, role=role, active=active))
        s.flush()
        s.add(Barcode(code="09501101020917", sku_id=1, kind="gtin"))
        s.add(Barcode(code="04006381333931", sku_id=2, kind="gtin"))
        s.add(Barcode(code="MUGALIAS", sku_id=2, kind="alias"))
        s.add(Receipt(code="R-100", supplier="ACME"))
        s.flush()
        s.add(ReceiptLine(receipt_id=1, line_no=1, sku_id=1, qty_expected=3))
        s.add(ReceiptLine(receipt_id=1, line_no=2, sku_id=2, qty_expected=10))
        s.flush()
        for n in (1, 2, 3):
            s.add(ExpectedSerial(receipt_id=1, line_id=1, serial=f"SN000{n}"))
        s.add(Order(code="1007", customer="Ann", channel="ship-from-store"))
        s.add(Order(code="1008", customer="Bob", channel="click-and-collect"))
        s.flush()
        s.add(OrderLine(order_id=1, line_no=1, sku_id=1, qty=2))
        s.add(OrderLine(order_id=1, line_no=2, sku_id=2, qty=3))
        s.add(OrderLine(order_id=2, line_no=1, sku_id=1, qty=1))
        s.add(OrderLine(order_id=2, line_no=2, sku_id=2, qty=5))
        # a registered roll of pre-printed own tags: AT00000001..AT00099999 are issued
        s.add(TagRoll(prefix="AT", first=1, last=99_999, registered_by="OP-0003"))
        s.commit()


def replay(engine) -> tuple[dict, dict]:
    """Stock and unit state rebuilt from the ledger alone (the rule ``verify`` checks)."""
    stock: dict = defaultdict(int)
    units: dict = {}
    with Session(engine) as s:
        for row in s.execute(select(LedgerEntry).order_by(LedgerEntry.id)).scalars():
            if row.asset_id is not None:
                units[row.asset_id] = (row.to_bin_id, row.status_after)
                continue
            if row.from_bin_id is not None:
                stock[(row.sku_id, row.from_bin_id, row.lot)] -= row.qty
            if row.to_bin_id is not None:
                stock[(row.sku_id, row.to_bin_id, row.lot)] += row.qty
    return ({k: v for k, v in stock.items() if v}, units)


def books(engine) -> tuple[dict, dict]:
    """Stock and unit state as the tables hold them now."""
    with Session(engine) as s:
        stock = {(r.sku_id, r.bin_id, r.lot): r.qty
                 for r in s.execute(select(Stock)).scalars() if r.qty}
        units = {a.id: (a.bin_id, a.status) for a in s.execute(select(Asset)).scalars()}
    return stock, units


def assert_books_agree(engine) -> None:
    assert replay(engine) == books(engine)
    stock, _ = books(engine)
    assert all(q >= 0 for q in stock.values())
