"""``history CODE``: the life of a unit, what a bin holds and saw, where a SKU is.

``history(engine, code)`` resolves the code (asset serial, bin code, SKU code, GTIN or alias,
GS1 data carrying a serial or a GTIN; then an order or receipt code) and returns a JSON-ready
dict; ``render(h)`` turns it into lines for a person. Unknown codes raise UnknownCode.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Select, bindparam, func, select, union
from sqlalchemy.orm import aliased

from scanner_tui.inventory.export import plain, plain_row
from scanner_tui.inventory.lookup import gtin14
from scanner_tui.inventory.lot_rules import held
from scanner_tui.inventory.models import (
    Asset,
    Barcode,
    Bin,
    LedgerEntry,
    Operator,
    Order,
    OrderLine,
    Receipt,
    ReceiptLine,
    Sku,
    Stock,
)
from scanner_tui.inventory.verify import reader
from scanner_tui.text import counted

RECENT = 50
LIST_UNITS = 200


class UnknownCode(LookupError):
    """Nothing in the store answers to this code."""


def _gs1(code: str) -> tuple[str | None, str | None]:
    """(serial, gtin14) from GS1 data, or (None, None); guarded, length-capped."""
    if len(code) > 200 or not (code[:1] in "(]" or code[:2] in ("01", "00")):
        return None, None
    try:
        from biip import parse
        from biip.gs1_messages import GS1Message

        if code.startswith("("):
            msg = GS1Message.parse_hri(code)
        else:
            res = parse(code)
            msg = res.gs1_message
            if msg is None and res.gtin is not None:
                return None, res.gtin.as_gtin_14()
        if msg is None:
            return None, None
        serial = msg.element_strings.get(ai="21")
        gtin = msg.element_strings.get(ai="01")
        return (serial.value if serial else None,
                gtin.gtin.as_gtin_14() if gtin and gtin.gtin else None)
    except Exception:  # noqa: BLE001  (untrusted data: anything biip refuses is "not GS1")
        return None, None


# The statements are built once (module level or cached per ``recent``), with bound
# parameters: building a nine-join select afresh cost more CPU than running it, and a statement
# object kept alive keeps its compiled-cache key (SQLAlchemy memoizes it on the object).

def _by(column: Any, name: str = "id") -> ColumnElement[bool]:
    return column == bindparam(name)


_UNITS = select(Asset.id).where(_by(Asset.serial, "serial")).order_by(Asset.id)
_UNITS_OF_GTIN = _UNITS.join(Barcode, Barcode.sku_id == Asset.sku_id).where(
    _by(Barcode.code, "gtin"))
_BIN_ID = select(Bin.id).where(_by(Bin.code, "code"))
_SKU_ID = select(Sku.id).where(_by(Sku.code, "code"))
_BARCODE_SKU = select(Barcode.sku_id).where(Barcode.code.in_(bindparam("codes", expanding=True)))
_ORDER_ID = select(Order.id).where(_by(Order.code, "code"))
_RECEIPT_ID = select(Receipt.id).where(_by(Receipt.code, "code"))


def _units(conn: Connection, serial: str, gtin: str | None = None) -> tuple[str, object] | None:
    """("asset", id) for the unit a serial names, ("assets", [ids]) when units of several
    products share it (a unit is SKU + serial), or None. With a GTIN: that product's unit."""
    if gtin:
        ids = list(conn.execute(_UNITS_OF_GTIN, {"serial": serial, "gtin": gtin}).scalars())
    else:
        ids = list(conn.execute(_UNITS, {"serial": serial}).scalars())
    if not ids:
        return None
    return ("asset", ids[0]) if len(ids) == 1 else ("assets", ids)


def resolve(conn: Connection, code: str) -> tuple[str, object] | None:
    """("asset" | "assets" | "bin" | "sku" | "order" | "receipt", id or ids) for a code."""
    code = code.strip()
    if not code:
        return None
    found = _units(conn, code)
    if found is not None:
        return found
    found = conn.execute(_BIN_ID, {"code": code}).scalar()
    if found is not None:
        return "bin", found
    found = conn.execute(_SKU_ID, {"code": code}).scalar()
    if found is not None:
        return "sku", found
    candidates = [code, gtin14(code) or code]  # a GTIN-8/12/13 as the 14 digits stored
    serial, gtin = _gs1(code)
    if serial:
        found = _units(conn, serial, gtin)
        if found is not None:
            return found
    if gtin:
        candidates.append(gtin)
    found = conn.execute(_BARCODE_SKU, {"codes": candidates}).scalar()
    if found is not None:
        return "sku", found
    found = conn.execute(_ORDER_ID, {"code": code}).scalar()
    if found is not None:
        return "order", found
    found = conn.execute(_RECEIPT_ID, {"code": code}).scalar()
    if found is not None:
        return "receipt", found
    return None


def _events_of(ids: Select, limit: int | None = None, newest_first: bool = False) -> Select:
    """Ledger rows with codes, operator names and the document's party (supplier, customer),
    for the ledger ids ``ids`` selects."""
    frm, to = aliased(Bin, name="frm"), aliased(Bin, name="to_bin")
    picked = ids.subquery("picked")  # drive the query from the few ids (planners then use
    stmt = (                         # the primary key instead of joining the whole ledger)
        select(LedgerEntry.id, LedgerEntry.at, LedgerEntry.action, Sku.code.label("sku"),
               Asset.serial, LedgerEntry.qty, frm.code.label("from_bin"),
               to.code.label("to_bin"), LedgerEntry.lot, LedgerEntry.status_after,
               LedgerEntry.doc_type, LedgerEntry.doc_code, LedgerEntry.doc_line,
               LedgerEntry.operator, Operator.name.label("operator_name"),
               LedgerEntry.terminal, LedgerEntry.entry, LedgerEntry.reason,
               LedgerEntry.reverses_id, Receipt.supplier, Order.customer, Order.channel)
        .select_from(picked)
        .join(LedgerEntry, LedgerEntry.id == picked.c.id)
        .outerjoin(Sku, Sku.id == LedgerEntry.sku_id)
        .outerjoin(Asset, Asset.id == LedgerEntry.asset_id)
        .outerjoin(frm, frm.id == LedgerEntry.from_bin_id)
        .outerjoin(to, to.id == LedgerEntry.to_bin_id)
        .outerjoin(Operator, Operator.badge == LedgerEntry.operator)
        .outerjoin(Receipt, (LedgerEntry.doc_type == "receipt")
                   & (Receipt.code == LedgerEntry.doc_code))
        .outerjoin(Order, (LedgerEntry.doc_type == "order") & (Order.code == LedgerEntry.doc_code))
        .order_by(LedgerEntry.id.desc() if newest_first else LedgerEntry.id)
    )
    return stmt.limit(limit) if limit else stmt


def _events(conn: Connection, stmt: Select, params: dict, newest_first: bool = False
            ) -> list[dict]:
    """The rows of an ``_events_of`` statement, oldest first."""
    if conn.dialect.name == "postgresql":
        # Nine joins: PostgreSQL's planner would try every join order (~20 ms of planning a
        # look-up, for a 0.1 ms query); the written order, driven from the ids, is the plan.
        conn.exec_driver_sql("SET LOCAL join_collapse_limit = 1")
    rows = [plain_row(r) for r in conn.execute(stmt, params)]
    return rows[::-1] if newest_first else rows


_ASSET = (
    select(Asset.serial, Sku.code.label("sku"), Sku.description, Asset.status,
           Bin.code.label("bin"), Asset.lot, Asset.expiry, Asset.entry, Asset.attributes,
           Order.code.label("order"), Order.customer,
           held(Asset.sku_id, Asset.lot).label("held"))
    .join(Sku, Sku.id == Asset.sku_id).outerjoin(Bin, Bin.id == Asset.bin_id)
    .outerjoin(OrderLine, OrderLine.id == Asset.order_line_id)
    .outerjoin(Order, Order.id == OrderLine.order_id)
    .where(_by(Asset.id)))
_ASSET_EVENTS = _events_of(select(LedgerEntry.id).where(_by(LedgerEntry.asset_id)))


def _asset(conn: Connection, asset_id: int) -> dict:
    row = conn.execute(_ASSET, {"id": asset_id}).one()
    return {"type": "asset", **plain_row(row), "held": bool(row.held),
            "events": _events(conn, _ASSET_EVENTS, {"id": asset_id})}


_BIN = select(Bin.code, Bin.zone, Bin.kind, Bin.active).where(_by(Bin.id))
_BIN_STOCK = (
    select(Sku.code.label("sku"), Sku.description, Stock.lot, Stock.expiry, Stock.qty,
           held(Stock.sku_id, Stock.lot).label("held"))
    .join(Sku, Sku.id == Stock.sku_id)
    .where(_by(Stock.bin_id), Stock.qty != 0).order_by(Sku.code, Stock.lot))
_BIN_UNIT_COUNT = select(func.count()).select_from(Asset).where(_by(Asset.bin_id))
_BIN_UNITS = (
    select(Asset.serial, Sku.code.label("sku"), Asset.status, Asset.lot)
    .join(Sku, Sku.id == Asset.sku_id).where(_by(Asset.bin_id))
    .order_by(Sku.code, Asset.serial).limit(LIST_UNITS))


@cache
def _bin_events(recent: int) -> Select:
    out_of = (select(LedgerEntry.id).where(_by(LedgerEntry.from_bin_id))
              .order_by(LedgerEntry.id.desc()).limit(recent).subquery())
    into = (select(LedgerEntry.id).where(_by(LedgerEntry.to_bin_id))
            .order_by(LedgerEntry.id.desc()).limit(recent).subquery())
    moved = union(select(out_of.c.id), select(into.c.id)).subquery()
    return _events_of(select(moved.c.id), limit=recent, newest_first=True)


def _bin(conn: Connection, bin_id: int, recent: int) -> dict:
    by_id = {"id": bin_id}
    info = conn.execute(_BIN, by_id).one()
    stock = [dict(r._mapping) | {"expiry": plain(r.expiry), "held": bool(r.held)}
             for r in conn.execute(_BIN_STOCK, by_id)]
    units = [dict(r._mapping) for r in conn.execute(_BIN_UNITS, by_id)]
    n_units = (len(units) if len(units) < LIST_UNITS  # a full list: count them all
               else conn.execute(_BIN_UNIT_COUNT, by_id).scalar_one())
    return {"type": "bin", **dict(info._mapping), "stock": stock, "unit_count": n_units,
            "units": units,
            "events": _events(conn, _bin_events(recent), by_id, newest_first=True)}


_SKU = select(Sku.code, Sku.description, Sku.tracking, Sku.unit_value, Sku.capture_lot,
              Sku.capture_expiry).where(_by(Sku.id))
_SKU_BARCODES = (select(Barcode.code, Barcode.kind).where(_by(Barcode.sku_id))
                 .order_by(Barcode.kind, Barcode.code))
_SKU_STOCK = (
    select(Bin.code.label("bin"), Bin.zone, Stock.lot, Stock.expiry, Stock.qty,
           held(Stock.sku_id, Stock.lot).label("held"))
    .join(Bin, Bin.id == Stock.bin_id)
    .where(_by(Stock.sku_id), Stock.qty != 0).order_by(Bin.code, Stock.lot))
_SKU_UNITS_BY_STATUS = (select(Asset.status, func.count()).where(_by(Asset.sku_id))
                        .group_by(Asset.status).order_by(Asset.status))
_SKU_UNITS_BY_BIN = (
    select(Bin.code, Asset.status, func.count()).join(Bin, Bin.id == Asset.bin_id)
    .where(_by(Asset.sku_id)).group_by(Bin.code, Asset.status)
    .order_by(Bin.code, Asset.status).limit(LIST_UNITS))


@cache
def _sku_events(recent: int) -> Select:
    return _events_of(select(LedgerEntry.id).where(_by(LedgerEntry.sku_id))
                      .order_by(LedgerEntry.id.desc()).limit(recent), newest_first=True)


def _sku(conn: Connection, sku_id: int, recent: int) -> dict:
    by_id = {"id": sku_id}
    info = conn.execute(_SKU, by_id).one()
    barcodes = [dict(r._mapping) for r in conn.execute(_SKU_BARCODES, by_id)]
    stock = [dict(r._mapping) | {"expiry": plain(r.expiry), "held": bool(r.held)}
             for r in conn.execute(_SKU_STOCK, by_id)]
    by_status = {s: n for s, n in conn.execute(_SKU_UNITS_BY_STATUS, by_id).all()}
    units_by_bin = [{"bin": b, "status": s, "units": n}
                    for b, s, n in conn.execute(_SKU_UNITS_BY_BIN, by_id).all()]
    return {"type": "sku", **dict(info._mapping), "barcodes": barcodes, "stock": stock,
            "units_by_status": by_status, "units_by_bin": units_by_bin,
            "events": _events(conn, _sku_events(recent), by_id, newest_first=True)}


def history(engine: Engine, code: str, *, recent: int = RECENT) -> dict:
    """The history of whatever CODE names; raises UnknownCode if nothing does."""
    with reader(engine).connect() as conn:
        found = resolve(conn, code)
        if found is None:
            raise UnknownCode(code)
        kind, ident = found
        if kind == "asset":
            return _asset(conn, ident)
        if kind == "assets":  # one serial, units of several products: each with its SKU
            units = [_asset(conn, i) for i in ident]
            return {"type": "units", "serial": units[0]["serial"], "units": units}
        if kind == "bin":
            return _bin(conn, ident, recent)
        if kind in ("order", "receipt"):
            return _document(conn, kind, ident)
        return _sku(conn, ident, recent)


def warm_up(engine: Engine) -> None:
    """Read one bin's and one unit's history and drop it. A terminal's app does this once when
    it starts, so the worker's first scan finds the store connection open, the database's
    caches for these tables loaded and the statements compiled, instead of paying for all
    three (on a host serving 50 terminals a first scan took ~3x a later one). Reads only."""
    with reader(engine).connect() as conn:
        codes = [conn.execute(select(Bin.code).limit(1)).scalar(),
                 conn.execute(select(Asset.serial).limit(1)).scalar()]
    if reader(engine) is not engine:  # (SQLite) the writing engine's connection, the journal's
        with engine.connect() as conn:
            conn.execute(select(Bin.id).limit(1)).all()
    for code in codes:
        if code:
            history(engine, code)


_ORDER = select(Order.code, Order.customer, Order.channel, Order.status,
                Order.created_at).where(_by(Order.id))
_ORDER_LINES = (
    select(OrderLine.line_no, Sku.code.label("sku"), OrderLine.qty, OrderLine.qty_picked,
           OrderLine.qty_shipped)
    .join(Sku, Sku.id == OrderLine.sku_id)
    .where(_by(OrderLine.order_id)).order_by(OrderLine.line_no))
_RECEIPT = select(Receipt.code, Receipt.supplier, Receipt.status,
                  Receipt.created_at).where(_by(Receipt.id))
_RECEIPT_LINES = (
    select(ReceiptLine.line_no, Sku.code.label("sku"), ReceiptLine.qty_expected,
           ReceiptLine.qty_received)
    .join(Sku, Sku.id == ReceiptLine.sku_id)
    .where(_by(ReceiptLine.receipt_id)).order_by(ReceiptLine.line_no))
_DOCUMENT_EVENTS = _events_of(select(LedgerEntry.id).where(
    _by(LedgerEntry.doc_type, "kind"), _by(LedgerEntry.doc_code, "code")))


def _document(conn: Connection, kind: str, doc_id: int) -> dict:
    """An order (customer, lines, which units) or a receipt (supplier, lines) and its rows."""
    head_stmt, lines_stmt = (_ORDER, _ORDER_LINES) if kind == "order" else (
        _RECEIPT, _RECEIPT_LINES)
    head = conn.execute(head_stmt, {"id": doc_id}).one()
    lines = [dict(r._mapping) for r in conn.execute(lines_stmt, {"id": doc_id})]
    return {"type": kind, **plain_row(head), "lines": lines,
            "events": _events(conn, _DOCUMENT_EVENTS, {"kind": kind, "code": head.code})}


# --- words for people ---------------------------------------------------------------------------

def _when(at: str) -> str:
    return at[:16].replace("T", " ") if at else "?"


def describe_event(e: dict) -> str:
    """One line: when, what, where, which document and party, who, how entered."""
    what = e["action"]
    if e["serial"] is None and e["qty"]:
        what += f" {e['qty']} x {e['sku']}" + (f" lot {e['lot']}" if e["lot"] else "")
    elif e["serial"] is not None:
        what += f" {e['serial']} ({e['sku']})"  # a unit is SKU + serial
    if e["from_bin"] and e["from_bin"] == e["to_bin"]:
        where = f"in {e['to_bin']}"
    elif e["from_bin"] and e["to_bin"]:
        where = f"from {e['from_bin']} to {e['to_bin']}"
    elif e["to_bin"]:
        where = f"into {e['to_bin']}"
    elif e["from_bin"]:
        where = f"out of {e['from_bin']}"
    else:
        where = ""
    doc = ""
    if e["doc_type"] == "receipt":
        doc = f"receipt {e['doc_code']}" + (f" from {e['supplier']}" if e["supplier"] else "")
    elif e["doc_type"] == "order":
        doc = f"order {e['doc_code']}"
        if e["customer"]:
            doc += f" for {e['customer']} ({e['channel']})"
    elif e["doc_code"]:
        doc = f"{e['doc_type']} {e['doc_code']}".strip()
    who = e["operator"] or e["terminal"] or "?"
    if e["operator_name"]:
        who += f" {e['operator_name']}"
    parts = [_when(e["at"]), what, where, doc, f"by {who}"]
    if e["status_after"] and e["serial"] is not None:
        parts.append(f"-> {e['status_after']}")
    if e["entry"] == "typed":
        parts.append("(typed)")
    if e["reason"]:
        parts.append(f"[{e['reason']}]")
    if e["reverses_id"]:
        parts.append(f"(reverses #{e['reverses_id']})")
    return "  ".join(p for p in parts if p)


def _attributes(raw: str) -> dict:
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def render(h: dict) -> list[str]:
    """Lines for the terminal (plain text: the caller strips control characters)."""
    out: list[str] = []
    if h["type"] == "units":
        out.append(f"Serial {h['serial']} names {len(h['units'])} units, one per product:")
        for unit in h["units"]:
            out += ["", *render(unit)]
        return out
    if h["type"] == "asset":
        where = f" in {h['bin']}" if h["bin"] else ""
        out.append(f"Unit {h['serial']}: {h['sku']} {h['description']}")
        order = ""
        if h["order"]:
            label = "order" if h["status"] in ("picked", "staged", "shipped") else "last order"
            order = f", {label} {h['order']} for {h['customer']}"
        out.append(f"  now {h['status']}{where}{order}")
        if h["lot"] or h["expiry"]:
            on_hold = ", on hold" if h["held"] else ""
            out.append(f"  lot {h['lot'] or '-'}, expiry {h['expiry'] or '-'}{on_hold}")
        attrs = _attributes(h.get("attributes") or "{}")
        if attrs:
            out.append("  " + ", ".join(f"{k} {v}" for k, v in attrs.items()))
        if h["entry"] == "typed":
            out.append("  serial first captured by typing, not scanning")
        out.append(f"  life ({len(h['events'])} ledger rows):")
    elif h["type"] == "bin":
        out.append(f"Bin {h['code']}: zone {h['zone'] or '-'}, {h['kind']}"
                   + ("" if h["active"] else " (inactive)"))
        if not h["stock"] and not h["unit_count"]:
            out.append("  empty")
        for s in h["stock"]:
            lot = f" lot {s['lot']}" if s["lot"] else ""
            lot += " (on hold)" if s["held"] else ""
            out.append(f"  {s['qty']:>6} x {s['sku']}{lot}  {s['description']}")
        for u in h["units"]:
            out.append(f"  unit {u['serial']}  {u['sku']}  {u['status']}")
        if h["unit_count"] > len(h["units"]):
            out.append(f"  ... {h['unit_count'] - len(h['units'])} more units")
        out.append(f"  recent movements ({len(h['events'])}):")
    elif h["type"] == "order":
        out.append(f"Order {h['code']}: {h['customer']} ({h['channel']}), {h['status']}")
        for ln in h["lines"]:
            out.append(f"  line {ln['line_no']}: {ln['qty']} x {ln['sku']}, picked "
                       f"{ln['qty_picked']}, shipped {ln['qty_shipped']}")
        out.append(f"  ledger ({counted(len(h['events']), 'row')}):")
    elif h["type"] == "receipt":
        out.append(f"Receipt {h['code']} from {h['supplier']}, {h['status']}")
        for ln in h["lines"]:
            out.append(f"  line {ln['line_no']}: {ln['sku']}, received {ln['qty_received']} of "
                       f"{ln['qty_expected']}")
        out.append(f"  ledger ({counted(len(h['events']), 'row')}):")
    else:
        codes = ", ".join(b["code"] for b in h["barcodes"])
        out.append(f"SKU {h['code']}: {h['description']} ({h['tracking']} tracked)")
        if codes:
            out.append(f"  barcodes: {codes}")
        total = sum(s["qty"] for s in h["stock"])
        if h["tracking"] == "quantity" or h["stock"]:
            out.append(f"  stock: {total} in {len(h['stock'])} bin lines")
        for s in h["stock"]:
            lot = f" lot {s['lot']}" if s["lot"] else ""
            lot += " (on hold)" if s["held"] else ""
            out.append(f"  {s['qty']:>6} in {s['bin']}{lot}")
        if h["units_by_status"]:
            out.append("  units: " + ", ".join(f"{n} {s}" for s, n in
                                               h["units_by_status"].items()))
            for u in h["units_by_bin"]:
                out.append(f"  {u['units']:>6} {u['status']} in {u['bin']}")
        out.append(f"  recent movements ({len(h['events'])}):")
    out += [f"    {describe_event(e)}" for e in h["events"]]
    return out
