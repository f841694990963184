"""``recall LOT``: every unit and every quantity of a lot, and where it is now.

Serialised units come from the asset table (indexed by lot); for a shipped unit the last ship
row of the ledger names the order, and the order the customer. Quantity stock of the lot is
listed per bin, and quantities of the lot already shipped per order line.
"""

from __future__ import annotations

from sqlalchemy import Engine, and_, exists, func, select
from sqlalchemy.orm import aliased

from scanner_tui.inventory.export import plain_row
from scanner_tui.inventory.lot_rules import held
from scanner_tui.inventory.models import Asset, Bin, LedgerEntry, LotHold, Order, Sku, Stock
from scanner_tui.inventory.verify import reader


class UnknownSku(LookupError):
    """The --sku given names no SKU."""


def recall(engine: Engine, lot: str, sku: str | None = None) -> dict:
    """{"lot", "sku", "hold", "units": [...], "stock": [...], "orders": [...]} for one lot.

    ``hold``: the lot's hold (by, since, reason, and the product when only one is held), or
    None when it is not on hold; each unit and stock line says ``held`` too.
    ``units``: every serialised unit of the lot with its status and bin, and for a shipped unit
    the order, customer and channel. ``stock``: quantity of the lot per bin. ``orders``:
    quantities of the lot picked for orders (``order_status`` says whether they shipped).
    """
    undo = aliased(LedgerEntry, name="undo")
    not_undone = ~exists().where(undo.reverses_id == LedgerEntry.id)
    with reader(engine).connect() as conn:
        sku_id = None
        if sku:
            sku_id = conn.execute(select(Sku.id).where(Sku.code == sku)).scalar()
            if sku_id is None:
                raise UnknownSku(sku)
        last_ship = (
            select(LedgerEntry.asset_id, func.max(LedgerEntry.id).label("ship_id"))
            .join(Asset, Asset.id == LedgerEntry.asset_id)
            .where(Asset.lot == lot, LedgerEntry.action == "ship", not_undone)
            .group_by(LedgerEntry.asset_id).subquery()
        )
        ship = aliased(LedgerEntry, name="ship")
        units_q = (
            select(Asset.serial, Sku.code.label("sku"), Asset.status, Bin.code.label("bin"),
                   Asset.expiry, held(Asset.sku_id, Asset.lot).label("held"),
                   ship.doc_code.label("order"), Order.customer, Order.channel,
                   ship.at.label("shipped_at"))
            .join(Sku, Sku.id == Asset.sku_id)
            .outerjoin(Bin, Bin.id == Asset.bin_id)
            .outerjoin(last_ship, last_ship.c.asset_id == Asset.id)
            .outerjoin(ship, ship.id == last_ship.c.ship_id)
            .outerjoin(Order, and_(ship.doc_type == "order", Order.code == ship.doc_code))
            .where(Asset.lot == lot)
            .order_by(Sku.code, Asset.serial)
        )
        stock_q = (
            select(Sku.code.label("sku"), Bin.code.label("bin"), Stock.qty, Stock.expiry,
                   held(Stock.sku_id, Stock.lot).label("held"))
            .join(Sku, Sku.id == Stock.sku_id).join(Bin, Bin.id == Stock.bin_id)
            .where(Stock.lot == lot, Stock.qty != 0).order_by(Sku.code, Bin.code)
        )
        frm = aliased(Bin, name="frm")
        orders_q = (  # a quantity of the lot leaves stock when it is picked for an order
            select(Sku.code.label("sku"), LedgerEntry.doc_code.label("order"),
                   LedgerEntry.doc_line.label("line"), LedgerEntry.qty,
                   frm.code.label("from_bin"), Order.customer, Order.channel,
                   Order.status.label("order_status"), LedgerEntry.at.label("picked_at"))
            .join(Sku, Sku.id == LedgerEntry.sku_id)
            .outerjoin(frm, frm.id == LedgerEntry.from_bin_id)
            .outerjoin(Order, Order.code == LedgerEntry.doc_code)
            .where(LedgerEntry.lot == lot, LedgerEntry.action == "pick",
                   LedgerEntry.doc_type == "order", LedgerEntry.asset_id.is_(None), not_undone)
            .order_by(LedgerEntry.id)
        )
        if sku_id is not None:
            units_q = units_q.where(Asset.sku_id == sku_id)
            stock_q = stock_q.where(Stock.sku_id == sku_id)
            orders_q = orders_q.where(LedgerEntry.sku_id == sku_id)
        holds_q = (select(LotHold.held_by.label("by"), LotHold.held_at.label("since"),
                          LotHold.reason, Sku.code.label("sku"))
                   .outerjoin(Sku, Sku.id == LotHold.sku_id).where(LotHold.lot == lot)
                   .order_by(LotHold.id))
        if sku_id is not None:
            holds_q = holds_q.where((LotHold.sku_id == sku_id) | LotHold.sku_id.is_(None))
        hold = [plain_row(r) for r in conn.execute(holds_q)]
        units = []
        for r in conn.execute(units_q):
            u = plain_row(r)
            u["held"] = bool(r.held)
            if r.status != "shipped":  # shipped earlier, since returned: not with the customer
                u.update(order=None, customer=None, channel=None, shipped_at=None)
            units.append(u)
        stock = [{**plain_row(r), "held": bool(r.held)} for r in conn.execute(stock_q)]
        orders = [plain_row(r) for r in conn.execute(orders_q)]
    return {"lot": lot, "sku": sku, "hold": hold[0] if hold else None, "units": units,
            "stock": stock, "orders": orders}


def hold_line(r: dict) -> str:
    """Whether the lot is on hold, in words."""
    h = r["hold"]
    if h is None:
        return "Not on hold."
    of = f" (only {h['sku']})" if h["sku"] else ""
    return f"On hold{of} since {str(h['since'])[:16]} by {h['by']}: {h['reason']}."


def render(r: dict) -> list[str]:
    """Lines for a person: where each unit and quantity of the lot is now."""
    what = f"lot {r['lot']}" + (f" of {r['sku']}" if r["sku"] else "")
    if not (r["units"] or r["stock"] or r["orders"]):
        return [f"Nothing of {what} is in the store or went out on an order.", hold_line(r)]
    in_stock = sum(s["qty"] for s in r["stock"])
    shipped = sum(o["qty"] for o in r["orders"] if o["order_status"] == "shipped")
    picked = sum(o["qty"] for o in r["orders"]) - shipped  # picked, not shipped yet
    out = [f"Recall {what}: {len(r['units'])} units; by quantity {in_stock} in stock, "
           f"{picked} picked for orders, {shipped} shipped", hold_line(r)]
    for u in r["units"]:
        if u["status"] == "shipped":
            where = (f"shipped {str(u['shipped_at'])[:10]} on order {u['order']} to "
                     f"{u['customer']} ({u['channel']})" if u["order"] else "shipped")
        else:
            where = f"{u['status']} in {u['bin'] or 'no bin'}"
        held_now = ", on hold" if u["held"] and u["status"] != "shipped" else ""
        out.append(f"  unit {u['serial']}  {u['sku']}  {where}{held_now}")
    for s in r["stock"]:
        out.append(f"  {s['qty']:>6} x {s['sku']} in {s['bin']}" + (", on hold" if s["held"]
                                                                     else ""))
    for o in r["orders"]:
        state = "shipped" if o["order_status"] == "shipped" else f"picked ({o['order_status']})"
        out.append(f"  {o['qty']:>6} x {o['sku']} {state} on order {o['order']} line {o['line']}"
                   f" to {o['customer']} ({o['channel']}), from {o['from_bin']}")
    return out
