"""Whether stock of a lot may go out: one rule for plan, pick, ship and move (issue 11 item 7).

Stock may be picked when its lot has not expired (no expiry, or an expiry of today or later)
and is not on hold (a recall: a ``LotHold`` row for the lot, of every SKU or of this one).
The plan reads only such stock (``usable``); an operation refuses the rest with a sentence
(``refusal``): "Lot B2604 is on hold (recall); put it aside."
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select

from scanner_tui.inventory.errors import LotNotPickable, shown
from scanner_tui.inventory.models import LotHold, utcnow

T_HOLD = LotHold.__table__

HELD_SQL = ("SELECT 1 FROM lothold WHERE lot = ? AND (sku_id IS NULL OR sku_id = ?)"
            " LIMIT 1")


def today() -> date:
    """Today's date (UTC): a lot whose expiry is before it has expired."""
    return utcnow().date()


def held(sku_id: Any, lot: Any) -> ColumnElement[bool]:
    """SQL: the lot of this SKU is on hold (``sku_id``, ``lot``: columns or values)."""
    return exists(select(T_HOLD.c.id).where(
        T_HOLD.c.lot == lot, or_(T_HOLD.c.sku_id.is_(None), T_HOLD.c.sku_id == sku_id)))


def usable(sku_id: Any, lot: Any, expiry: Any, on: date | None = None) -> ColumnElement[bool]:
    """SQL: stock (or a unit) with these columns may be planned and picked."""
    return and_(or_(expiry.is_(None), expiry >= (on or today())), ~held(sku_id, lot))


def refusal(lot: str, sku: str, expiry: date | None, on_hold: bool,
            on: date | None = None) -> LotNotPickable | None:
    """Why stock of ``lot`` may not be picked, as the error to raise; None: it may."""
    if on_hold:
        return LotNotPickable(f"Lot {shown(lot, 20)} is on hold (recall); put it aside.",
                              lot=lot, why="hold")
    if expiry is not None and expiry < (on or today()):
        what = f"Lot {shown(lot, 20)} of {sku}" if lot else f"This {sku}"
        return LotNotPickable(f"{what} expired on {expiry.isoformat()}; put it aside.",
                              lot=lot, why="expired", expiry=expiry)
    return None


def move_refusal(lot: str) -> LotNotPickable:
    """A lot on hold leaves its bin only into quarantine, or by a supervisor or admin."""
    return LotNotPickable(f"Lot {shown(lot, 20)} is on hold (recall); move it only into a "
                          "quarantine bin, or ask a supervisor.", lot=lot, why="hold")
