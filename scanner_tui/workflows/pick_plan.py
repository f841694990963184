"""Where to pick an order from: its lines and the bins that hold their stock, in walking order.

Read-only. A line's remaining quantity (ordered minus picked) is taken from one pick bin when
one holds enough, else split over bins: pick bins before reserve bins, each by bin code. Serial
lines count the units in stock in a bin; quantity lines take lots first-expiring first, one task
per (bin, lot). Two lines of the same SKU never count the same stock twice. What no bin can
cover is short. Tasks come sorted by bin code: the walk through the aisles.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from scanner_tui.inventory.models import Asset, Bin, Order, OrderLine, Sku, Stock

T_ORDER, T_OLINE, T_SKU = Order.__table__, OrderLine.__table__, Sku.__table__
T_BIN, T_ASSET, T_STOCK = Bin.__table__, Asset.__table__, Stock.__table__

PICKABLE_KINDS = ("pick", "reserve")  # pick faces first, then reserve
OPEN_STATUSES = ("open", "picking", "picked", "staged")


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


@dataclass(frozen=True, slots=True)
class Task:
    """Pick ``qty`` of a line's SKU from one bin."""

    line_no: int
    sku_id: int
    sku: str
    tracking: str
    bin: str
    qty: int
    lot: str | None = None  # the lot to take (quantity SKUs); None: any (serial units)


@dataclass(frozen=True, slots=True)
class Plan:
    order: OrderInfo
    lines: tuple[LineInfo, ...]
    tasks: tuple[Task, ...]  # sorted by (bin, line_no)

    def line(self, line_no: int) -> LineInfo | None:
        return next((ln for ln in self.lines if ln.line_no == line_no), None)

    def tasks_at(self, bin_code: str | None) -> list[Task]:
        return [t for t in self.tasks if t.bin == bin_code]

    def tasks_for(self, sku_id: int) -> list[Task]:
        return [t for t in self.tasks if t.sku_id == sku_id]

    def lines_for(self, sku_id: int) -> list[LineInfo]:
        return [ln for ln in self.lines if ln.sku_id == sku_id]

    def open_line_nos(self) -> set[int]:
        return {t.line_no for t in self.tasks}

    @property
    def picked(self) -> int:
        return sum(min(ln.qty, ln.picked) for ln in self.lines)

    @property
    def wanted(self) -> int:
        return sum(ln.qty for ln in self.lines)


def _order_row(row) -> OrderInfo:  # noqa: ANN001
    return OrderInfo(row.id, row.code, row.customer, row.channel, row.status)


def open_orders(engine: Engine, limit: int = 20) -> list[OrderInfo]:
    """Orders that still need picking, staging or shipping, oldest first."""
    q = (select(T_ORDER).where(T_ORDER.c.status.in_(OPEN_STATUSES))
         .order_by(T_ORDER.c.created_at, T_ORDER.c.code).limit(limit))
    with engine.connect() as conn:
        return [_order_row(r) for r in conn.execute(q)]


def find_order(engine: Engine, code: str) -> OrderInfo | None:
    """An order by its code (any status), or None."""
    with engine.connect() as conn:
        row = conn.execute(select(T_ORDER).where(T_ORDER.c.code == code.strip())).first()
    return None if row is None else _order_row(row)


@dataclass(frozen=True, slots=True)
class _Slot:
    """Stock of one SKU in one bin and lot (a serial SKU's units in a bin: lot None)."""

    rank: int  # 0 pick bin, 1 reserve
    bin: str
    lot: str | None
    fefo: tuple  # first to expire first, no expiry last
    qty: int


def _availability(conn, serial: Collection[int], quantity: Collection[int],  # noqa: ANN001
                  ) -> dict[int, list[_Slot]]:
    """Where each SKU can be picked (two queries for the whole order): by bin kind, bin code,
    then first-expiring lot."""
    rank = {kind: n for n, kind in enumerate(PICKABLE_KINDS)}
    pickable = (T_BIN.c.active, T_BIN.c.kind.in_(PICKABLE_KINDS))
    rows: list[tuple] = []
    if serial:
        rows += [(sku, code, kind, None, None, n) for sku, code, kind, n in conn.execute(
            select(T_ASSET.c.sku_id, T_BIN.c.code, T_BIN.c.kind, func.count(T_ASSET.c.id))
            .join(T_ASSET, T_ASSET.c.bin_id == T_BIN.c.id)
            .where(T_ASSET.c.sku_id.in_(sorted(serial)), T_ASSET.c.status == "in_stock",
                   *pickable)
            .group_by(T_ASSET.c.sku_id, T_BIN.c.code, T_BIN.c.kind))]
    if quantity:
        rows += list(conn.execute(
            select(T_STOCK.c.sku_id, T_BIN.c.code, T_BIN.c.kind, T_STOCK.c.lot,
                   T_STOCK.c.expiry, T_STOCK.c.qty)
            .join(T_STOCK, T_STOCK.c.bin_id == T_BIN.c.id)
            .where(T_STOCK.c.sku_id.in_(sorted(quantity)), T_STOCK.c.qty > 0, *pickable)))
    out: dict[int, list[_Slot]] = {}
    for sku, code, kind, lot, expiry, n in rows:
        if n and n > 0:
            out.setdefault(sku, []).append(_Slot(
                rank[kind], code, lot, (expiry is None, str(expiry or ""), lot or ""), int(n)))
    for slots in out.values():
        slots.sort(key=lambda s: (s.rank, s.bin, s.fefo))
    return out


def _allocate(need: int, slots: list[tuple[_Slot, int]]) -> list[tuple[_Slot, int]]:
    """From (slot, quantity still free) in order: all from one pick bin when one holds enough,
    else bins in order (pick bins, then reserve; by code) until ``need`` is met; inside a bin,
    first-expiring lots first."""
    totals: dict[str, int] = {}
    for s, free in slots:
        if s.rank == 0:
            totals[s.bin] = totals.get(s.bin, 0) + free
    enough = next((b for b, n in sorted(totals.items()) if n >= need), None)
    if enough is not None:
        slots = [(s, free) for s, free in slots if s.bin == enough]
    out: list[tuple[_Slot, int]] = []
    for s, free in slots:
        if need <= 0:
            break
        take = min(free, need)
        out.append((s, take))
        need -= take
    return out


def plan_order(engine: Engine, code: str, skipped: Mapping[int, Collection[str]] | None = None,
               closed: Collection[int] = ()) -> Plan | None:
    """The order's lines and its pick tasks; ``skipped`` bins per line (shorted there) and
    ``closed`` lines (finished short) get no tasks. None when the order does not exist."""
    skipped = skipped or {}
    with engine.connect() as conn:
        row = conn.execute(select(T_ORDER).where(T_ORDER.c.code == code.strip())).first()
        if row is None:
            return None
        order = _order_row(row)
        lines = tuple(
            LineInfo(r.line_no, r.sku_id, r.code, r.tracking, r.qty, r.qty_picked,
                     r.qty_shipped)
            for r in conn.execute(
                select(T_OLINE.c.line_no, T_OLINE.c.sku_id, T_SKU.c.code, T_SKU.c.tracking,
                       T_OLINE.c.qty, T_OLINE.c.qty_picked, T_OLINE.c.qty_shipped)
                .join(T_SKU, T_SKU.c.id == T_OLINE.c.sku_id)
                .where(T_OLINE.c.order_id == order.id).order_by(T_OLINE.c.line_no)))
        tasks: list[Task] = []
        if order.status in ("open", "picking"):
            used: dict[tuple[int, str, str | None], int] = {}
            todo = [ln for ln in lines if ln.remaining > 0 and ln.line_no not in closed]
            cache = _availability(conn, {ln.sku_id for ln in todo if ln.tracking == "serial"},
                                  {ln.sku_id for ln in todo if ln.tracking != "serial"})
            for ln in todo:
                avoid = set(skipped.get(ln.line_no, ()))
                free = [(s, s.qty - used.get((ln.sku_id, s.bin, s.lot), 0))
                        for s in cache.get(ln.sku_id, ()) if s.bin not in avoid]
                for slot, qty in _allocate(ln.remaining, [f for f in free if f[1] > 0]):
                    key = (ln.sku_id, slot.bin, slot.lot)
                    used[key] = used.get(key, 0) + qty
                    tasks.append(Task(ln.line_no, ln.sku_id, ln.sku, ln.tracking, slot.bin, qty,
                                      slot.lot))
    tasks.sort(key=lambda t: (t.bin, t.line_no))  # stable: lots stay first-expiring first
    return Plan(order, lines, tuple(tasks))


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


def stock_in_bin(engine: Engine, sku_id: int, bin_code: str) -> int:
    """Quantity of a quantity SKU in a bin (all lots), by the books."""
    with engine.connect() as conn:
        found = conn.execute(
            select(func.coalesce(func.sum(T_STOCK.c.qty), 0))
            .join(T_BIN, T_BIN.c.id == T_STOCK.c.bin_id)
            .where(T_STOCK.c.sku_id == sku_id, T_BIN.c.code == bin_code)).scalar()
    return int(found or 0)
