"""Why a unit cannot be handled as stock: the sentences moving and picking both raise.

Its own module so that ``movement`` and ``orders`` both use it without importing each other.
"""

from __future__ import annotations

from sqlalchemy import select

from scanner_tui.inventory.errors import AlreadyPicked, AlreadyShipped, NotInStock
from scanner_tui.inventory.ops.base import T_OLINE, T_ORDER, Tx


def order_code_of(tx: Tx, order_line_id: int | None) -> str | None:
    """The code of the order an order line belongs to (None without a line)."""
    if order_line_id is None:
        return None
    return tx.execute(select(T_ORDER.c.code).join(T_OLINE, T_OLINE.c.order_id == T_ORDER.c.id)
                      .where(T_OLINE.c.id == order_line_id)).scalar()


def refuse_unit(tx: Tx, unit, hint: str = "") -> None:
    """Raise the sentence that says why this unit cannot be handled as stock."""
    if unit.status == "picked":
        row = tx.last_row_for_asset(unit.id, action="pick")
        raise AlreadyPicked(unit.serial, order_code_of(tx, unit.order_line_id) or "?",
                            row.operator if row else "", row.at if row else None)
    if unit.status == "shipped":
        row = tx.last_row_for_asset(unit.id, action="ship")
        raise AlreadyShipped(unit.serial, order_code_of(tx, unit.order_line_id),
                             row.at if row else None)
    raise NotInStock(unit.serial, unit.status, hint)
