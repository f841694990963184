"""Undo: reverse the operator's own last change with compensating ledger rows.

The last change is the newest scan of this operator that is not itself an undo and has not
been undone: all ledger rows of its scan id and of its ``<scan id>.<n>`` operations (a basket
move is one change). Each row is compensated by an ``undo`` row with ``reverses_id`` set;
nothing is deleted. Units must still be where that change left them, and
quantity must still be in the bin it went to; otherwise the undo is refused with a sentence.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select, update

from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.errors import CannotUndo, InsufficientStock, NothingToUndo, hhmm
from scanner_tui.inventory.models import as_aware
from scanner_tui.inventory.ops.base import (
    T_ASSET,
    T_BIN,
    T_EXPECTED,
    T_LEDGER,
    T_OLINE,
    T_ORDER,
    T_RECEIPT,
    T_RLINE,
    OpResult,
    Retry,
    Tx,
    run_operation,
)
from scanner_tui.inventory.ops.orders import refresh_order_status
from scanner_tui.inventory.ops.receiving import VOID

UNDOABLE = ("receive", "putaway", "move", "pick", "stage", "return", "adjust", "scrap", "lost",
            "found")
BATCH = 200
NOTES = ("label", "hold", "release")  # ledger rows that record an event but change no stock


def _last_change(tx: Tx, since: datetime | None = None) -> list:
    """Rows of the operator's newest change that is neither an undo nor undone, newest first.

    With ``since`` (the start of the operator's shift), an older change is not offered: undo
    is for the slip just made, not for last month's work."""
    undone: set[int] = set()
    before = None
    batch = 16  # the change to undo is nearly always among the operator's newest rows
    while True:
        q = select(T_LEDGER).where(T_LEDGER.c.operator == tx.actor.badge)
        if before is not None:
            q = q.where(T_LEDGER.c.id < before)
        rows = tx.execute(q.order_by(T_LEDGER.c.id.desc()).limit(batch)).all()
        if not rows:
            raise NothingToUndo(f"{tx.actor.badge} has no change left to undo.",
                                badge=tx.actor.badge)
        for row in rows:
            if row.action == "undo":
                undone.add(row.reverses_id)
            elif row.action in NOTES:
                continue  # a printed label changes no stock: undo the change before it
            elif row.id not in undone:
                if since is not None and as_aware(row.at) < since:
                    raise NothingToUndo(
                        f"{tx.actor.badge} has changed nothing since signing in at "
                        f"{hhmm(since)}; nothing to undo.", badge=tx.actor.badge)
                if row.scan_id is None:
                    return [row]
                group = tx.execute(  # by scan id alone: ix_ledger_scan, not the operator's
                    select(T_LEDGER).where(T_LEDGER.c.scan_id.in_(_scan_family(tx, row)))
                    .order_by(T_LEDGER.c.id.desc())).all()
                return [r for r in group if r.id not in undone and r.action != "undo"
                        and r.operator == tx.actor.badge]
        before = rows[-1].id
        batch = BATCH


def scan_of(scan_id: str) -> str:
    """The scan an operation's key belongs to: a workflow that applies several operations
    for one scan keys them ``<scan id>.<n>`` (a basket move, an over-receipt's extra)."""
    return scan_id.split(".", 1)[0]


def _scan_family(tx: Tx, row) -> list[str]:
    """The scan ids of every operation made for ``row``'s scan, so that one scan (a basket
    moved by one bin scan) is undone as one. They are the operator's rows just before it."""
    scan = scan_of(row.scan_id)
    ids = {row.scan_id}
    before, batch = row.id, 16
    while True:
        rows = tx.execute(select(T_LEDGER.c.id, T_LEDGER.c.scan_id)
                          .where(T_LEDGER.c.operator == tx.actor.badge, T_LEDGER.c.id < before)
                          .order_by(T_LEDGER.c.id.desc()).limit(batch)).all()
        for r in rows:
            if r.scan_id is None or scan_of(r.scan_id) != scan:
                return sorted(ids)
            ids.add(r.scan_id)
        if len(rows) < batch:
            return sorted(ids)
        before, batch = rows[-1].id, BATCH


def _doc_side_effects(tx: Tx, row, serial: str | None) -> None:
    """Give back what the change counted on its document (receipt or order line)."""
    if row.action == "receive" and row.doc_type == "receipt":
        receipt_id = tx.execute(select(T_RECEIPT.c.id)
                                .where(T_RECEIPT.c.code == row.doc_code)).scalar()
        tx.execute(update(T_RLINE).where(T_RLINE.c.receipt_id == receipt_id,
                                         T_RLINE.c.line_no == row.doc_line)
                   .values(qty_received=T_RLINE.c.qty_received - row.qty))
        if serial is not None:
            tx.execute(update(T_EXPECTED).where(T_EXPECTED.c.receipt_id == receipt_id,
                                                T_EXPECTED.c.serial == serial)
                       .values(received=False))
    if row.action in ("pick", "stage") and row.doc_type == "order":
        order_id = tx.execute(select(T_ORDER.c.id)
                              .where(T_ORDER.c.code == row.doc_code)).scalar()
        if row.action == "pick":
            tx.execute(update(T_OLINE).where(T_OLINE.c.order_id == order_id,
                                             T_OLINE.c.line_no == row.doc_line)
                       .values(qty_picked=T_OLINE.c.qty_picked - row.qty))
        refresh_order_status(tx, order_id)


def _undo_asset_row(tx: Tx, row) -> str:
    unit = tx.one(select(T_ASSET).where(T_ASSET.c.id == row.asset_id))
    if unit.bin_id != row.to_bin_id or unit.status != row.status_after:
        where = tx.bin_code(unit.bin_id) or "no bin"
        raise CannotUndo(f"{unit.serial} has changed since ({unit.status.replace('_', ' ')}, "
                         f"{where}); undo only reverses your last change.",
                         serial=unit.serial)
    prev = tx.last_row_for_asset(unit.id, before=row.id)
    bin_id, status = (prev.to_bin_id, prev.status_after) if prev else (None, VOID)
    values = {"bin_id": bin_id, "status": status}
    if row.action == "pick":
        values["order_line_id"] = None
    if not tx.set_asset(unit, **values):
        raise Retry()
    tx.ledger("undo", sku_id=row.sku_id, asset_id=unit.id, qty=1, from_bin_id=row.to_bin_id,
              to_bin_id=bin_id, lot=row.lot, status_after=status, doc_type=row.doc_type,
              doc_code=row.doc_code, doc_line=row.doc_line, reverses_id=row.id)
    _doc_side_effects(tx, row, unit.serial)
    return unit.serial


def _refuse_undo_of_shipped_pick(tx: Tx, row) -> None:
    """A quantity pick that has left on its shipment cannot come back to the bin by undo."""
    if row.action != "pick" or row.doc_type != "order":
        return
    line = tx.execute(
        select(T_OLINE.c.qty_picked, T_OLINE.c.qty_shipped)
        .join(T_ORDER, T_ORDER.c.id == T_OLINE.c.order_id)
        .where(T_ORDER.c.code == row.doc_code, T_OLINE.c.line_no == row.doc_line)).first()
    if line is not None and line.qty_picked - row.qty < line.qty_shipped:
        raise CannotUndo(f"Order {row.doc_code} has shipped what you picked; a shipped pick "
                         "cannot be undone at a terminal; ask a supervisor.",
                         order=row.doc_code)


def _undo_qty_row(tx: Tx, row) -> str:
    _refuse_undo_of_shipped_pick(tx, row)
    sku_row = tx.sku_by_id(row.sku_id)
    if row.to_bin_id is not None:
        to_bin = tx.one(select(T_BIN).where(T_BIN.c.id == row.to_bin_id))
        try:
            tx.take(sku_row, to_bin, row.qty, row.lot)
        except InsufficientStock as exc:
            raise CannotUndo(f"The {row.qty} of {sku_row.code} are no longer all in "
                             f"{to_bin.code}; count the bin with a supervisor.",
                             sku=sku_row.code, bin=to_bin.code) from exc
    if row.from_bin_id is not None:
        tx.put(row.sku_id, row.from_bin_id, row.qty, row.lot, row.expiry)
    tx.ledger("undo", sku_id=row.sku_id, qty=row.qty, from_bin_id=row.to_bin_id,
              to_bin_id=row.from_bin_id, lot=row.lot, expiry=row.expiry,
              doc_type=row.doc_type, doc_code=row.doc_code, doc_line=row.doc_line,
              reverses_id=row.id)
    _doc_side_effects(tx, row, None)
    return f"{row.qty} of {sku_row.code}"


def last_change(engine: Engine, *, actor: Actor, since: datetime | None = None) -> str:
    """What ``undo_last`` would reverse now, in words ("move of AT00000002", "receive of 5 of
    MUG-01"), read without changing anything; raises NothingToUndo as ``undo_last`` would."""
    with engine.connect() as conn:
        tx = Tx(conn, actor, "", "scanned", "undo")
        rows = _last_change(tx, since)
        what = []
        for r in rows:
            if r.asset_id is not None:
                what.append(tx.execute(select(T_ASSET.c.serial)
                                       .where(T_ASSET.c.id == r.asset_id)).scalar())
            else:
                what.append(f"{r.qty} of {tx.sku_by_id(r.sku_id).code}")
    return f"{rows[0].action} of {', '.join(what)}"


def undo_last(engine: Engine, *, actor: Actor, scan_id: str,
              entry: str = "scanned", since: datetime | None = None) -> OpResult:
    """Reverse the operator's own last change (all rows of its scan) by compensating rows.

    ``since``: only a change made at or after this time (the workflows pass the shift start).
    """

    def body(tx: Tx) -> str:
        rows = _last_change(tx, since)
        refused = [r.action for r in rows if r.action not in UNDOABLE]
        if refused:
            raise CannotUndo(f"A {refused[0]} cannot be undone at a terminal; ask a supervisor.",
                             action=refused[0])
        what = [(_undo_asset_row if r.asset_id is not None else _undo_qty_row)(tx, r)
                for r in rows]
        action = rows[0].action
        return f"Undone: {action} of {', '.join(what)}."

    return run_operation(engine, "undo", actor, scan_id, entry, body)
