"""Where to pick an order from: its lines and the bins that hold their stock, in walking order.

Pure planning over plain store reads (``inventory.order_queries``). A line's remaining
quantity (ordered minus picked) is taken from one pick bin when one holds enough, else split
over bins: pick bins before reserve bins, each by bin code. Serial
lines count the units in stock in a bin; quantity lines with dated lots take them
first-expired-first-out over all bins (undated lots last; expired lots are never read), one
task per (bin, lot). Two lines of the same SKU never count the same stock twice. What no bin can
cover is short. Tasks come sorted by bin code: the walk through the aisles.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from scanner_tui.inventory.db import Engine
from scanner_tui.inventory.order_queries import (
    PICKABLE_KINDS,
    LineInfo,
    OrderInfo,
    StockSpot,
    bin_is_empty,
    find_order,
    lot_expired,
    lot_refusal,
    open_orders,
    order_to_pick,
    stock_in_bin,
    unit_refusal,
)

__all__ = ["LineInfo", "OrderInfo", "Plan", "Task", "bin_is_empty", "find_order", "lot_expired",
           "lot_refusal", "open_orders", "plan_order", "stock_in_bin", "unit_refusal"]


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
    seen: int = 0  # the newest ledger row when the store was read (``changed_since``)

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


RANK = {kind: n for n, kind in enumerate(PICKABLE_KINDS)}


def _walk_order(s: StockSpot) -> tuple:
    """First to expire first over all bins (no expiry last); then pick bins before reserve,
    by bin code."""
    return (s.expiry is None, str(s.expiry or ""), RANK[s.bin_kind], s.bin, s.lot or "")


def _availability(spots: tuple[StockSpot, ...]) -> dict[int, list[StockSpot]]:
    """Where each SKU can be picked, in walking order."""
    out: dict[int, list[StockSpot]] = {}
    for spot in spots:
        out.setdefault(spot.sku_id, []).append(spot)
    for found in out.values():
        found.sort(key=_walk_order)
    return out


def _allocate(need: int, slots: list[tuple[StockSpot, int]]) -> list[tuple[StockSpot, int]]:
    """From (slot, quantity still free) in order: undated stock all from one pick bin when one
    holds enough; else slots in order (dated lots first-expiring first, then pick bins before
    reserve, by code) until ``need`` is met."""
    totals: dict[str, int] = {}
    for s, free in slots:
        if s.bin_kind == PICKABLE_KINDS[0]:
            totals[s.bin] = totals.get(s.bin, 0) + free
    dated = any(s.expiry is not None for s, _free in slots)
    enough = None if dated else next((b for b, n in sorted(totals.items()) if n >= need), None)
    if enough is not None:
        slots = [(s, free) for s, free in slots if s.bin == enough]
    out: list[tuple[StockSpot, int]] = []
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
    found = order_to_pick(engine, code, closed)
    if found is None:
        return None
    order, lines = found.order, found.lines
    tasks: list[Task] = []
    if found.stock:
        used: dict[tuple[int, str, str | None], int] = {}
        todo = [ln for ln in lines if ln.remaining > 0 and ln.line_no not in closed]
        cache = _availability(found.stock)
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
    return Plan(order, lines, tuple(tasks), found.seen)
