"""The store reads about orders that the floor workflows need (plain data; no workflow logic).

* ``open_orders`` / ``find_order``: orders by status or code.
* ``order_lines``: an order's lines (ordered, picked, shipped).
* ``order_to_pick``: an order, its lines and where the SKUs still to
  pick lie in pick and reserve bins (pick's planner).
* ``bin_is_empty`` / ``stock_in_bin``: what the books hold in a bin (pick's short and empty).
* ``lot_expired``: when a lot in a bin expired, if it has; ``lot_refusal`` / ``unit_refusal``:
  why a scanned lot or unit may not be picked (expired or on hold; ``lot_rules``).
* ``order_detail``: an order with its lines and units (look-up).
* ``order_shipped``: what of a SKU an order shipped and what came back (returns).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import Connection, Engine, bindparam, func, select

from scanner_tui.inventory.errors import LotNotPickable
from scanner_tui.inventory.floor_queries import ledger_head
from scanner_tui.inventory.lookup import Resolved
from scanner_tui.inventory.lot_rules import held, refusal, today, usable
from scanner_tui.inventory.models import (
    Asset,
    Bin,
    LedgerEntry,
    Order,
    OrderLine,
    Sku,
    Stock,
)
from scanner_tui.inventory.ops.receiving import returned_qty

T_ORDER, T_OLINE, T_SKU = Order.__table__, OrderLine.__table__, Sku.__table__
T_BIN, T_ASSET, T_STOCK = Bin.__table__, Asset.__table__, Stock.__table__
T_LEDGER = LedgerEntry.__table__

PICKABLE_KINDS = ("pick", "reserve")  # pick faces first, then reserve
OPEN_STATUSES = ("open", "picking", "picked", "staged")
PICKING_STATUSES = ("open", "picking")  # what is left of these is planned


@dataclass(frozen=True, slots=True)
class OrderInfo:
    id: int
    code: str
    customer: str
    channel: str
    status: str


@dataclass(frozen=True, slots=True)
class LineInfo:
    line_no: int
    sku_id: int
    sku: str
    tracking: str  # serial | quantity
    qty: int
    picked: int
    shipped: int

    @property
    def remaining(self) -> int:
        return max(0, self.qty - self.picked)


class StockSpot(NamedTuple):  # a tuple: thousands are read for a large order's plan
    """Stock of one SKU in one pickable bin and lot (a serial SKU's units in a bin: lot None)."""

    sku_id: int
    bin: str
    bin_kind: str  # pick | reserve
    lot: str | None
    expiry: date | None
    qty: int


@dataclass(frozen=True, slots=True)
class UnitInfo:
    serial: str
    status: str
    line_no: int


@dataclass(frozen=True, slots=True)
class OrderDetail:
    order: OrderInfo
    lines: tuple[LineInfo, ...]
    units: tuple[UnitInfo, ...]  # by line, then serial


@dataclass(frozen=True, slots=True)
class Shipped:
    """What an order shipped of one SKU, what came back, and when it last shipped it."""

    order: OrderInfo
    shipped: int
    back: int
    last_shipped: datetime | None


def _order_row(row) -> OrderInfo:  # noqa: ANN001
    return OrderInfo(row.id, row.code, row.customer, row.channel, row.status)


# Built once with bound parameters: the pick re-reads its order after every change.
_ORDER = select(T_ORDER).where(T_ORDER.c.code == bindparam("code"))
_LINES = (select(T_OLINE.c.line_no, T_OLINE.c.sku_id, T_SKU.c.code, T_SKU.c.tracking,
                 T_OLINE.c.qty, T_OLINE.c.qty_picked, T_OLINE.c.qty_shipped)
          .join(T_SKU, T_SKU.c.id == T_OLINE.c.sku_id)
          .where(T_OLINE.c.order_id == bindparam("order_id")).order_by(T_OLINE.c.line_no))


def _find(conn: Connection, code: str) -> OrderInfo | None:
    row = conn.execute(_ORDER, {"code": code.strip()}).first()
    return None if row is None else _order_row(row)


def open_orders(engine: Engine, limit: int = 20) -> list[OrderInfo]:
    """Orders that still need picking, staging or shipping, oldest first."""
    q = (select(T_ORDER).where(T_ORDER.c.status.in_(OPEN_STATUSES))
         .order_by(T_ORDER.c.created_at, T_ORDER.c.code).limit(limit))
    with engine.connect() as conn:
        return [_order_row(r) for r in conn.execute(q)]


def find_order(engine: Engine, code: str) -> OrderInfo | None:
    """An order by its code (any status), or None."""
    with engine.connect() as conn:
        return _find(conn, code)


def _lines(conn: Connection, order_id: int) -> tuple[LineInfo, ...]:
    return tuple(
        LineInfo(r.line_no, r.sku_id, r.code, r.tracking, r.qty, r.qty_picked, r.qty_shipped)
        for r in conn.execute(_LINES, {"order_id": order_id}))


def order_lines(engine: Engine, code: str) -> tuple[OrderInfo, tuple[LineInfo, ...]] | None:
    """An order and its lines by line number; None when the order does not exist."""
    with engine.connect() as conn:
        order = _find(conn, code)
        return None if order is None else (order, _lines(conn, order.id))


@dataclass(frozen=True, slots=True)
class OrderToPick:
    order: OrderInfo
    lines: tuple[LineInfo, ...]
    stock: tuple[StockSpot, ...]  # of the lines still to pick; none unless open or picking
    seen: int = 0  # the newest ledger row read before (a later change has a higher id)


def order_to_pick(engine: Engine, code: str, closed: Collection[int] = ()) -> OrderToPick | None:
    """An order, its lines, and where the SKUs of its lines still to pick (not ``closed``)
    lie, in one read; None when the order does not exist. ``seen``: the ledger's head, read
    first, so any change the read may have missed has a higher id (``changed_since``)."""
    with engine.connect() as conn:
        seen = ledger_head(conn)
        order = _find(conn, code)
        if order is None:
            return None
        lines = _lines(conn, order.id)
        stock: list[StockSpot] = []
        if order.status in PICKING_STATUSES:
            todo = [ln for ln in lines if ln.remaining > 0 and ln.line_no not in closed]
            stock = _pickable(conn, {ln.sku_id for ln in todo if ln.tracking == "serial"},
                              {ln.sku_id for ln in todo if ln.tracking != "serial"})
    return OrderToPick(order, lines, tuple(stock), seen)


def _pickable(conn: Connection, serial: Collection[int], quantity: Collection[int]
              ) -> list[StockSpot]:
    """Where the SKUs lie in active pick and reserve bins (two queries for all of them):
    ``serial`` SKUs as units in stock per bin, ``quantity`` SKUs per bin and lot; expired
    lots and lots on hold are left out (never picked: ``lot_rules.usable``)."""
    pickable = (T_BIN.c.active, T_BIN.c.kind.in_(PICKABLE_KINDS))
    rows: list[tuple] = []
    if serial:
        rows += [(sku, code, kind, None, None, n) for sku, code, kind, n in conn.execute(
            select(T_ASSET.c.sku_id, T_BIN.c.code, T_BIN.c.kind, func.count(T_ASSET.c.id))
            .join(T_ASSET, T_ASSET.c.bin_id == T_BIN.c.id)
            .where(T_ASSET.c.sku_id.in_(sorted(serial)), T_ASSET.c.status == "in_stock",
                   *pickable, usable(T_ASSET.c.sku_id, T_ASSET.c.lot, T_ASSET.c.expiry))
            .group_by(T_ASSET.c.sku_id, T_BIN.c.code, T_BIN.c.kind))]
    if quantity:
        rows += conn.execute(
            select(T_STOCK.c.sku_id, T_BIN.c.code, T_BIN.c.kind, T_STOCK.c.lot,
                   T_STOCK.c.expiry, T_STOCK.c.qty)
            .join(T_STOCK, T_STOCK.c.bin_id == T_BIN.c.id)
            .where(T_STOCK.c.sku_id.in_(sorted(quantity)), T_STOCK.c.qty > 0, *pickable,
                   usable(T_STOCK.c.sku_id, T_STOCK.c.lot, T_STOCK.c.expiry)))
    return [StockSpot._make(r) for r in rows if r[5] and r[5] > 0]


def bin_is_empty(engine: Engine, bin_code: str) -> bool:
    """True when the books hold nothing in a bin: no unit in stock, no quantity."""
    with engine.connect() as conn:
        bin_id = conn.execute(select(T_BIN.c.id).where(T_BIN.c.code == bin_code)).scalar()
        if bin_id is None:
            return False
        unit = conn.execute(select(T_ASSET.c.id).where(
            T_ASSET.c.bin_id == bin_id, T_ASSET.c.status == "in_stock").limit(1)).first()
        qty = conn.execute(select(T_STOCK.c.id).where(
            T_STOCK.c.bin_id == bin_id, T_STOCK.c.qty > 0).limit(1)).first()
    return unit is None and qty is None


def lot_expired(engine: Engine, sku_id: int, bin_code: str, lot: str) -> date | None:
    """The expiry of ``lot`` of a SKU in a bin when it has expired (before today), else None."""
    with engine.connect() as conn:
        found = conn.execute(
            select(T_STOCK.c.expiry).join(T_BIN, T_BIN.c.id == T_STOCK.c.bin_id)
            .where(T_STOCK.c.sku_id == sku_id, T_BIN.c.code == bin_code, T_STOCK.c.lot == lot,
                   T_STOCK.c.qty > 0, T_STOCK.c.expiry < today()).limit(1)).scalar()
    return found


def lot_refusal(engine: Engine, sku_id: int, sku: str, bin_code: str,
                lot: str) -> LotNotPickable | None:
    """Why ``lot`` of a SKU scanned in a bin may not be picked (on hold, or expired there);
    None: it may."""
    with engine.connect() as conn:
        on_hold = bool(lot) and conn.execute(select(held(sku_id, lot))).scalar()
    return refusal(lot, sku, lot_expired(engine, sku_id, bin_code, lot), bool(on_hold))


def unit_refusal(engine: Engine, unit: Resolved) -> LotNotPickable | None:
    """Why a serialised unit may not be picked (its lot on hold or expired); None: it may."""
    if not unit.lot and unit.expiry is None:
        return None
    with engine.connect() as conn:
        on_hold = bool(unit.lot) and conn.execute(select(held(unit.sku_id, unit.lot))).scalar()
    return refusal(unit.lot or "", unit.sku_code or "", unit.expiry, bool(on_hold))


def stock_in_bin(engine: Engine, sku_id: int, bin_code: str) -> int:
    """Quantity of a quantity SKU in a bin (all lots), by the books."""
    with engine.connect() as conn:
        found = conn.execute(
            select(func.coalesce(func.sum(T_STOCK.c.qty), 0))
            .join(T_BIN, T_BIN.c.id == T_STOCK.c.bin_id)
            .where(T_STOCK.c.sku_id == sku_id, T_BIN.c.code == bin_code)).scalar()
    return int(found or 0)


def order_detail(engine: Engine, code: str) -> OrderDetail | None:
    """An order, its lines and the units it got; None when unknown."""
    with engine.connect() as conn:
        order = _find(conn, code)
        if order is None:
            return None
        lines = _lines(conn, order.id)
        units = conn.execute(
            select(Asset.serial, Asset.status, OrderLine.line_no)
            .join(OrderLine, OrderLine.id == Asset.order_line_id)
            .where(OrderLine.order_id == order.id)
            .order_by(OrderLine.line_no, Asset.serial)).all()
    return OrderDetail(order, lines, tuple(UnitInfo(u.serial, u.status, u.line_no)
                                           for u in units))


def order_shipped(engine: Engine, code: str, sku_id: int) -> Shipped | None:
    """What an order shipped of a SKU and what came back (returns not undone); None when the
    order is unknown."""
    with engine.connect() as conn:
        order = _find(conn, code)
        if order is None:
            return None
        lines = conn.execute(select(T_OLINE).where(T_OLINE.c.order_id == order.id,
                                                   T_OLINE.c.sku_id == sku_id)).all()
        shipped = sum(ln.qty_shipped for ln in lines)
        back = sum(returned_qty(conn, order.code, ln.line_no, sku_id) for ln in lines)
        at = conn.execute(select(func.max(T_LEDGER.c.at)).where(
            T_LEDGER.c.doc_type == "order", T_LEDGER.c.doc_code == order.code,
            T_LEDGER.c.action == "ship", T_LEDGER.c.sku_id == sku_id)).scalar()
    return Shipped(order, shipped, back, at)
