"""Why the stock or unit a worker was sent to is gone, in one sentence from the ledger row
that took it ("AT00000009 was just picked on T2"): pick, putaway and move say it when the
store changed under them (another terminal picked, moved or counted it away);
``unit_taken`` / ``stock_taken`` tell whether what a worker holds is still where it was
taken from by the books."""

from __future__ import annotations

from scanner_tui.inventory.db import Engine
from scanner_tui.inventory.floor_queries import Taken, bin_stock, last_taken, unit_at
from scanner_tui.inventory.ops.movement import MOVABLE_STATUSES

# what happened to a unit / to a quantity, by the ledger row's action
UNIT_VERBS = {"pick": "picked", "move": "moved to {to}", "putaway": "put away in {to}",
              "lost": "counted as lost", "scrap": "scrapped", "stage": "staged in {to}",
              "ship": "shipped", "undo": "taken back by an undo"}
QTY_VERBS = {"pick": "picked from {frm}", "move": "moved from {frm} to {to}",
             "putaway": "put away from {frm} in {to}", "adjust": "counted away in {frm}",
             "scrap": "scrapped in {frm}", "undo": "taken back from {frm} by an undo"}


def gone(taken: Taken, order: str | None = None) -> str:
    """The sentence (no full stop) for ``taken``; ``order``: the worker's own order (a pick
    for it says so)."""
    who = (f" on {taken.terminal}" if taken.terminal
           else f" by {taken.operator}" if taken.operator else "")
    places = {"frm": taken.from_bin or "its bin", "to": taken.to_bin or "another bin"}
    mine = " for this order" if taken.action == "pick" and order and taken.doc_code == order \
        else ""
    if taken.serial:
        verb = UNIT_VERBS.get(taken.action, "taken out").format(**places)
        return f"{taken.serial} was just {verb}{who}{mine}"
    verb = QTY_VERBS.get(taken.action, "taken out of {frm}").format(**places)
    be = "was" if taken.qty == 1 else "were"
    return f"{taken.qty} {taken.sku} {be} just {verb}{who}{mine}"


def unit_taken(engine: Engine, sku_id: int, serial: str, from_bin: str) -> str | None:
    """Why a unit taken in hand from ``from_bin`` is not there to handle any more by the books
    (another terminal moved, picked or counted it), or None when it still is."""
    now = unit_at(engine, sku_id, serial)
    if now is not None and now[1] == from_bin and now[0] in MOVABLE_STATUSES:
        return None
    row = last_taken(engine, 0, sku_id, serial=serial)
    return gone(row) if row is not None else f"{serial} is no longer in {from_bin}"


def stock_taken(engine: Engine, sku_id: int, bin_code: str, bin_id: int, lot: str | None,
                wanted: int) -> tuple[str, int] | None:
    """Why fewer than ``wanted`` of a quantity SKU (one ``lot``, or any) are left in a bin, and
    how many are; None when enough are."""
    left = bin_stock(engine, sku_id, bin_id, lot)
    if left >= wanted:
        return None
    row = last_taken(engine, 0, sku_id, bin_code=bin_code)
    return (gone(row) if row is not None else f"{bin_code} holds only {left}"), left
