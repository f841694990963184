"""Lots on hold (a recall): ``hold_lot`` and ``release_lot``, for supervisors and admins.

A hold is a ``LotHold`` row for the lot (of every product, or of one): while it stands no unit
or stock of the lot is planned, picked, staged or shipped, and it leaves its bin only into
quarantine or by a supervisor (``inventory/lot_rules.py``); stock of the lot received later is
held too. Each hold and release writes a ledger row per unit and per stock line of the lot it
covers (one row naming the lot when nothing of it is in the store). The rows are notes: no bin
and no status, so replay (``verify``), counts and undo pass over them.
"""

from __future__ import annotations

from sqlalchemy import Engine, delete, insert, select

from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.errors import DomainError, hhmm, shown
from scanner_tui.inventory.models import LotHold
from scanner_tui.inventory.ops.base import (
    T_ASSET,
    T_BIN,
    T_SKU,
    T_STOCK,
    OpResult,
    Tx,
    run_operation,
)
from scanner_tui.inventory.ops.door import guarded

T_HOLD = LotHold.__table__
GONE = ("shipped", "scrapped", "lost", "void")  # units no longer here to hold


def _covered(tx: Tx, lot: str, sku_id: int | None) -> tuple[list, list]:
    """(units, stock lines) of the lot here (of one SKU when ``sku_id`` is given)."""
    units = (select(T_ASSET.c.id, T_ASSET.c.sku_id, T_ASSET.c.serial, T_BIN.c.code)
             .outerjoin(T_BIN, T_BIN.c.id == T_ASSET.c.bin_id)
             .where(T_ASSET.c.lot == lot, T_ASSET.c.status.not_in(GONE))
             .order_by(T_ASSET.c.id))
    stock = (select(T_STOCK.c.sku_id, T_STOCK.c.qty, T_BIN.c.code)
             .join(T_BIN, T_BIN.c.id == T_STOCK.c.bin_id)
             .where(T_STOCK.c.lot == lot, T_STOCK.c.qty > 0).order_by(T_STOCK.c.id))
    if sku_id is not None:
        units = units.where(T_ASSET.c.sku_id == sku_id)
        stock = stock.where(T_STOCK.c.sku_id == sku_id)
    return tx.execute(units).all(), tx.execute(stock).all()


def _note(tx: Tx, action: str, lot: str, sku_id: int | None, why: str) -> tuple[int, int]:
    """Ledger rows for every unit and stock line the hold covers; (units, quantity)."""
    units, stock = _covered(tx, lot, sku_id)
    for u in units:
        tx.ledger(action, sku_id=u.sku_id, asset_id=u.id, qty=1, lot=lot,
                  reason=f"{why} ({u.code or 'no bin'})"[:200])
    for s in stock:
        tx.ledger(action, sku_id=s.sku_id, qty=s.qty, lot=lot,
                  reason=f"{why} ({s.qty} in {s.code})"[:200])
    if not units and not stock:
        tx.ledger(action, sku_id=sku_id, lot=lot, reason=f"{why} (nothing of it here)"[:200])
    return len(units), sum(s.qty for s in stock)


def _what(tx: Tx, lot: str, sku: str | None) -> tuple[str, int | None]:
    lot = lot.strip()
    if not lot:
        raise DomainError("Say which lot: a hold needs a lot code.")
    if sku is None:
        return f"Lot {shown(lot, 20)}", None
    sku_row = tx.sku(sku)
    return f"Lot {shown(lot, 20)} of {sku_row.code}", sku_row.id


def _holds(tx: Tx, lot: str) -> list:
    return tx.execute(select(T_HOLD, T_SKU.c.code.label("sku"))
                      .outerjoin(T_SKU, T_SKU.c.id == T_HOLD.c.sku_id)
                      .where(T_HOLD.c.lot == lot).order_by(T_HOLD.c.id)).all()


def _said(n_units: int, qty: int) -> str:
    return f"{n_units} unit(s) and {qty} by quantity"


@guarded
def hold_lot(engine: Engine, *, actor: Actor, scan_id: str, lot: str, sku: str | None = None,
             reason: str = "", entry: str = "typed") -> OpResult:
    """Put a lot (of every product, or of ``sku``) on hold: a recall."""

    def body(tx: Tx) -> str:
        what, sku_id = _what(tx, lot, sku)
        code = lot.strip()
        for h in _holds(tx, code):
            if h.sku_id is None or h.sku_id == sku_id:
                return (f"{what} is already on hold (by {h.held_by}, {hhmm(h.held_at)}); "
                        "nothing changed.")
        if sku_id is None:  # the whole lot: it replaces holds of single products
            tx.execute(delete(T_HOLD).where(T_HOLD.c.lot == code))
        why = reason.strip() or "recall"
        tx.execute(insert(T_HOLD).values(lot=code, sku_id=sku_id, held_by=tx.actor.badge,
                                         held_at=tx.now, reason=why[:200]))
        n_units, qty = _note(tx, "hold", code, sku_id, f"hold: {why}")
        return (f"{what} is on hold: {_said(n_units, qty)} may not be picked, shipped or "
                "moved out until it is released.")

    return run_operation(engine, "hold", actor, scan_id, entry, body)


@guarded
def release_lot(engine: Engine, *, actor: Actor, scan_id: str, lot: str,
                sku: str | None = None, reason: str = "", entry: str = "typed") -> OpResult:
    """Lift the hold on a lot (of every product, or of ``sku``)."""

    def body(tx: Tx) -> str:
        what, sku_id = _what(tx, lot, sku)
        code = lot.strip()
        holds = _holds(tx, code)
        if sku_id is not None and any(h.sku_id is None for h in holds):
            raise DomainError(f"Lot {shown(code, 20)} is on hold for every product; release "
                              "it without naming a product.", lot=code)
        mine = [h for h in holds if sku_id is None or h.sku_id == sku_id]
        if not mine:
            raise DomainError(f"{what} is not on hold; nothing changed.", lot=code)
        tx.execute(delete(T_HOLD).where(T_HOLD.c.id.in_([h.id for h in mine])))
        why = reason.strip() or "released"
        n_units, qty = 0, 0
        for h in mine:
            u, q = _note(tx, "release", code, h.sku_id, f"release: {why}")
            n_units, qty = n_units + u, qty + q
        return f"{what} is released: {_said(n_units, qty)} may be picked again."

    return run_operation(engine, "hold", actor, scan_id, entry, body)
