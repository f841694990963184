"""Orders going out: pick, stage, ship.

A picked unit stays in its bin with status ``picked`` and ``order_line_id`` set until it is
staged (moved to a staging bin) and shipped (status ``shipped``, no bin). Picked quantity of a
quantity SKU leaves its bin at pick time (ledger row with only ``from_bin``); the order line's
``qty_picked`` holds it until it ships (a ``ship`` row with the quantity and no bin).
"""

from __future__ import annotations

from sqlalchemy import Engine, bindparam, select, update

from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.errors import (
    DocumentClosed,
    LotNotPickable,
    NotFound,
    NotOnDocument,
    WrongBin,
    shown,
)
from scanner_tui.inventory.identity import quantity
from scanner_tui.inventory.ops.base import (
    T_ASSET,
    T_OLINE,
    T_ORDER,
    OpResult,
    Retry,
    Tx,
    run_operation,
)
from scanner_tui.inventory.ops.door import guarded
from scanner_tui.inventory.ops.unit_refusals import refuse_unit
from scanner_tui.text import counted

STAGING_KINDS = ("staging",)
# The pick path's statements, built once with bound parameters (a pick runs them every scan).
_ORDER = select(T_ORDER).where(T_ORDER.c.code == bindparam("code"))
_LINE_QTYS = select(T_OLINE.c.qty, T_OLINE.c.qty_picked).where(
    T_OLINE.c.order_id == bindparam("order_id"))
_SET_STATUS = update(T_ORDER).where(T_ORDER.c.id == bindparam("order_id")).values(
    status=bindparam("new_status"))
_LINES = select(T_OLINE).where(T_OLINE.c.order_id == bindparam("order_id")).order_by(
    T_OLINE.c.line_no)
_LINE_NO = _LINES.where(T_OLINE.c.line_no == bindparam("line_no"))
_LINES_OF_SKU = _LINES.where(T_OLINE.c.sku_id == bindparam("sku_id"))
_PICKED = (update(T_OLINE)
           .where(T_OLINE.c.id == bindparam("line_id"),
                  T_OLINE.c.qty_picked + bindparam("n") <= T_OLINE.c.qty)
           .values(qty_picked=T_OLINE.c.qty_picked + bindparam("n")))


def open_order(tx: Tx, code: str):
    row = tx.execute(_ORDER, {"code": code.strip()}).first()
    if row is None:
        raise NotFound("order", code)
    if row.status in ("shipped", "cancelled"):
        raise DocumentClosed(f"Order {row.code} is {row.status}; nothing more can be done "
                             "on it.", order=row.code, status=row.status)
    return row


def refresh_order_status(tx: Tx, order_id: int, *, staged: bool = False) -> None:
    """open / picking / picked (/ staged) from the lines' picked quantities."""
    lines = tx.execute(_LINE_QTYS, {"order_id": order_id}).all()
    picked = sum(min(q, p) for q, p in lines)
    wanted = sum(q for q, _ in lines)
    if staged:
        status = "staged"
    elif picked == 0:
        status = "open"
    elif picked >= wanted:
        status = "picked"
    else:
        status = "picking"
    tx.execute(_SET_STATUS, {"order_id": order_id, "new_status": status})


def _claim_line(tx: Tx, order, line: int | None, sku_row, n: int):
    """The order line this pick counts against; its qty_picked raised by ``n`` (guarded)."""
    if line is not None:
        rows = tx.execute(_LINE_NO, {"order_id": order.id, "line_no": line}).all()
        if not rows:
            raise NotOnDocument(f"Order {order.code} has no line {line}.", order=order.code,
                                line=line)
        if rows[0].sku_id != sku_row.id:
            raise NotOnDocument(f"Line {line} of order {order.code} is not for {sku_row.code}.",
                                order=order.code, line=line, sku=sku_row.code)
    else:
        rows = tx.execute(_LINES_OF_SKU, {"order_id": order.id, "sku_id": sku_row.id}).all()
        if not rows:
            raise NotOnDocument(f"Order {order.code} does not need {sku_row.code}; put it back.",
                                order=order.code, sku=sku_row.code)
    for row in rows:
        if row.qty_picked + n <= row.qty:
            done = tx.execute(_PICKED, {"line_id": row.id, "n": n})
            if done.rowcount != 1:
                raise Retry()
            return row
    wanted = sum(r.qty for r in rows)
    raise NotOnDocument(f"Order {order.code} needs {wanted} of {sku_row.code} and all are "
                        "picked; put this one back.", order=order.code, sku=sku_row.code)


@guarded
def pick(engine: Engine, *, actor: Actor, scan_id: str, order: str, line: int | None = None,
         serial: str | None = None, sku: str | None = None, bin: str | None = None,
         qty: int = 1, lot: str | None = None, entry: str = "scanned") -> OpResult:
    """Pick one unit (by ``serial``) or ``qty`` of a quantity SKU from ``bin`` for an order."""
    def body(tx: Tx) -> tuple[str, dict]:
        order_row = open_order(tx, order)
        if serial is not None:
            unit = tx.asset(serial, sku=sku)
            if unit.status != "in_stock":
                refuse_unit(tx, unit, "only units in stock can be picked.")
            tx.refuse_unpickable(unit.sku_id, unit.sku_code, unit.lot, unit.expiry)
            if bin is not None:
                scanned = tx.bin(bin)
                if scanned.id != unit.bin_id:
                    raise WrongBin(scanned.code, tx.bin_code(unit.bin_id), item=unit.serial)
            sku_row = tx.sku_by_id(unit.sku_id)
            oline = _claim_line(tx, order_row, line, sku_row, 1)
            if not tx.set_asset(unit, status="picked", order_line_id=oline.id):
                raise Retry()
            tx.ledger("pick", sku_id=unit.sku_id, asset_id=unit.id, qty=1,
                      from_bin_id=unit.bin_id, to_bin_id=unit.bin_id, lot=unit.lot,
                      status_after="picked", doc_type="order", doc_code=order_row.code,
                      doc_line=oline.line_no)
            refresh_order_status(tx, order_row.id)
            return (f"Picked {unit.serial} ({sku_row.code}) for order {order_row.code}.",
                    {"order": order_row.code, "line": oline.line_no})
        if not sku:
            raise NotFound("product", "", "scan the unit or the product first.")
        sku_row = tx.quantity_sku(sku)
        if bin is None:
            raise NotFound("bin", "", "scan the bin you pick from.")
        bin_row = tx.bin(bin)
        n = quantity(tx, qty)
        if lot is not None:
            tx.refuse_unpickable(sku_row.id, sku_row.code, lot, tx.lot_expiry(sku_row.id, lot))
        use_lot = lot if lot is not None else tx.choose_lot(sku_row, bin_row, n,
                                                                redirect=True)
        oline = _claim_line(tx, order_row, line, sku_row, n)
        tx.take(sku_row, bin_row, n, use_lot, redirect=True)
        tx.ledger("pick", sku_id=sku_row.id, qty=n, from_bin_id=bin_row.id, lot=use_lot,
                  doc_type="order", doc_code=order_row.code, doc_line=oline.line_no)
        refresh_order_status(tx, order_row.id)
        return (f"Picked {n} of {sku_row.code} from {bin_row.code} for order {order_row.code}.",
                {"order": order_row.code, "line": oline.line_no, "lot": use_lot})

    return run_operation(engine, "pick", actor, scan_id, entry, body)


def _picked_units(tx: Tx, order_id: int):
    return tx.execute(
        select(T_ASSET, T_OLINE.c.line_no)
        .join(T_OLINE, T_OLINE.c.id == T_ASSET.c.order_line_id)
        .where(T_OLINE.c.order_id == order_id, T_ASSET.c.status == "picked")
        .order_by(T_ASSET.c.id)
    ).all()


_PICKED_LOTS_SQL = (
    "SELECT DISTINCT p.sku_id, p.lot FROM ledgerentry p WHERE p.doc_type = 'order'"
    " AND p.doc_code = ? AND p.action = 'pick' AND p.asset_id IS NULL AND p.lot <> ''"
    " AND NOT EXISTS (SELECT 1 FROM ledgerentry u WHERE u.reverses_id = p.id)")


def _refuse_held(tx: Tx, order_row, units, *, quantities: bool = False) -> None:  # noqa: ANN001
    """An order with picked stock of a lot on hold is neither staged nor shipped: that stock
    goes back to be put aside first (``quantities``: the lots picked by quantity too)."""
    lots = {(u.sku_id, u.lot) for u in units}
    if quantities:
        cur = tx.sql.run(_PICKED_LOTS_SQL, (order_row.code,))
        lots |= {(sku_id, lot) for sku_id, lot in cur.fetchall()}
        cur.close()
    held = sorted(lot for sku_id, lot in lots if tx.on_hold(sku_id, lot))
    if held:
        raise LotNotPickable(f"Lot {shown(held[0], 20)} is on hold (recall); order "
                             f"{order_row.code} cannot go out with it: ask a supervisor to "
                             "take it off the order and put it aside.", lot=held[0], why="hold")


@guarded
def stage(engine: Engine, *, actor: Actor, scan_id: str, order: str, bin: str,
          serial: str | None = None, sku: str | None = None,
          entry: str = "scanned") -> OpResult:
    """Move an order's picked units (or one, by ``serial``) to a staging bin."""

    def body(tx: Tx) -> str:
        order_row = open_order(tx, order)
        target = tx.bin(bin, kinds=STAGING_KINDS, operation="staging")
        units = _picked_units(tx, order_row.id)
        if serial is not None:
            mine = [u for u in units if u.serial == serial]
            if len(mine) != 1 or sku:  # a unit is SKU + serial: the product says which
                unit = tx.asset(serial, sku=sku)
                mine = [u for u in units if u.id == unit.id]
                if not mine:
                    raise NotOnDocument(f"{unit.serial} is not picked for order "
                                        f"{order_row.code}.", serial=unit.serial,
                                        order=order_row.code)
            units = mine
        _refuse_held(tx, order_row, units)
        moved = 0
        for unit in units:
            if unit.bin_id == target.id:
                continue
            if not tx.set_asset(unit, bin_id=target.id):
                raise Retry()
            tx.ledger("stage", sku_id=unit.sku_id, asset_id=unit.id, qty=1,
                      from_bin_id=unit.bin_id, to_bin_id=target.id, lot=unit.lot,
                      status_after="picked", doc_type="order", doc_code=order_row.code,
                      doc_line=unit.line_no)
            moved += 1
        picked_any = tx.execute(select(T_OLINE.c.id).where(
            T_OLINE.c.order_id == order_row.id, T_OLINE.c.qty_picked > 0).limit(1)).first()
        if picked_any is None:
            raise NotOnDocument(f"Nothing is picked for order {order_row.code} yet.",
                                order=order_row.code)
        if serial is None:
            refresh_order_status(tx, order_row.id, staged=True)
            units_moved = f" ({counted(moved, 'unit')} moved)" if moved else ""
            return f"Order {order_row.code} is staged in {target.code}{units_moved}."
        return f"{serial.strip()} is staged in {target.code} for order {order_row.code}."

    return run_operation(engine, "stage", actor, scan_id, entry, body)


@guarded
def ship(engine: Engine, *, actor: Actor, scan_id: str, order: str,
         entry: str = "scanned") -> OpResult:
    """Ship everything picked for an order: serials are recorded per order line."""

    def body(tx: Tx) -> tuple[str, dict]:
        order_row = open_order(tx, order)
        serials: dict[int, list[str]] = {}
        units = _picked_units(tx, order_row.id)
        _refuse_held(tx, order_row, units, quantities=True)
        for unit in units:
            if not tx.set_asset(unit, status="shipped", bin_id=None):
                raise Retry()
            tx.ledger("ship", sku_id=unit.sku_id, asset_id=unit.id, qty=1,
                      from_bin_id=unit.bin_id, lot=unit.lot, status_after="shipped",
                      doc_type="order", doc_code=order_row.code, doc_line=unit.line_no)
            serials.setdefault(unit.line_no, []).append(unit.serial)
        total = sum(len(v) for v in serials.values())
        lines = tx.execute(select(T_OLINE).where(T_OLINE.c.order_id == order_row.id)
                           .order_by(T_OLINE.c.line_no)).all()
        for ln in lines:
            n = ln.qty_picked - ln.qty_shipped
            if n <= 0:
                continue
            if tx.sku_by_id(ln.sku_id).tracking != "serial":  # its units left stock at pick
                tx.ledger("ship", sku_id=ln.sku_id, qty=n, doc_type="order",
                          doc_code=order_row.code, doc_line=ln.line_no)
                total += n
            tx.execute(update(T_OLINE).where(T_OLINE.c.id == ln.id,
                                             T_OLINE.c.qty_shipped == ln.qty_shipped)
                       .values(qty_shipped=ln.qty_picked))
        if total == 0:
            raise NotOnDocument(f"Nothing is picked for order {order_row.code}; nothing can "
                                "ship.", order=order_row.code)
        tx.execute(update(T_ORDER).where(T_ORDER.c.id == order_row.id).values(status="shipped"))
        wanted = sum(ln.qty for ln in lines)
        short = f" ({wanted - total} short)" if total < wanted else ""
        return (f"Order {order_row.code} shipped: {counted(total, 'unit')}{short}.",
                {"serials": {str(k): v for k, v in serials.items()}})

    return run_operation(engine, "ship", actor, scan_id, entry, body)
