"""Streamed exports for the ERP and for tax e-invoicing: CSV or one JSON array.

Rows come from a streaming cursor and are written as they arrive, so a store with millions of
units exports in constant memory. Ledger rows carry codes (SKU, serial, bins), not ids; every
serial comes with its SKU (a unit is SKU + serial).

CSV cells are neutralised for spreadsheets (the OWASP rule): a text cell that starts with
``=``, ``+``, ``-``, ``@``, TAB or CR gets a leading ``'`` so that a customer name such as
``=HYPERLINK(...)`` or a scanned lot ``=1+1`` is shown, never run. Numbers stay numbers. JSON
is exact: values as the store holds them.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import TextIO

from sqlalchemy import Engine, Row, Select, and_, exists, select
from sqlalchemy.orm import aliased

from scanner_tui.inventory.models import Asset, Bin, LedgerEntry, Order, OrderLine, Sku, Stock
from scanner_tui.inventory.verify import reader

EXPORT_KINDS = ("stock", "assets", "ledger", "shipments", "counts")
FORMATS = ("csv", "json")
BATCH = 5_000


def _stock() -> Select:
    return (
        select(Sku.code.label("sku"), Sku.description, Bin.code.label("bin"), Bin.zone,
               Stock.lot, Stock.expiry, Stock.qty)
        .join(Sku, Sku.id == Stock.sku_id).join(Bin, Bin.id == Stock.bin_id)
        .where(Stock.qty != 0)
        .order_by(Sku.code, Bin.code, Stock.lot)
    )


def _assets() -> Select:
    return (
        select(Asset.serial, Sku.code.label("sku"), Asset.status, Bin.code.label("bin"),
               Asset.lot, Asset.expiry, Order.code.label("order"), Order.customer, Asset.entry,
               Asset.attributes)
        .join(Sku, Sku.id == Asset.sku_id)
        .outerjoin(Bin, Bin.id == Asset.bin_id)
        .outerjoin(OrderLine, OrderLine.id == Asset.order_line_id)
        .outerjoin(Order, Order.id == OrderLine.order_id)
        .order_by(Asset.id)
    )


def _ledger() -> Select:
    frm, to = aliased(Bin, name="frm"), aliased(Bin, name="to_bin")
    return (
        select(LedgerEntry.id, LedgerEntry.at, LedgerEntry.action, Sku.code.label("sku"),
               Asset.serial, LedgerEntry.qty, frm.code.label("from_bin"),
               to.code.label("to_bin"), LedgerEntry.lot, LedgerEntry.expiry,
               LedgerEntry.status_after, LedgerEntry.doc_type, LedgerEntry.doc_code,
               LedgerEntry.doc_line, LedgerEntry.operator, LedgerEntry.terminal,
               LedgerEntry.entry, LedgerEntry.scan_id, LedgerEntry.reason,
               LedgerEntry.reverses_id)
        .outerjoin(Sku, Sku.id == LedgerEntry.sku_id)
        .outerjoin(Asset, Asset.id == LedgerEntry.asset_id)
        .outerjoin(frm, frm.id == LedgerEntry.from_bin_id)
        .outerjoin(to, to.id == LedgerEntry.to_bin_id)
        .order_by(LedgerEntry.id)
    )


def _shipments(order: str | None = None) -> Select:
    """Every ship row not undone since: one per unit (with its serial) or per quantity."""
    undo = aliased(LedgerEntry, name="undo")
    stmt = (
        select(LedgerEntry.doc_code.label("order"), LedgerEntry.doc_line.label("line"),
               Sku.code.label("sku"), Asset.serial, LedgerEntry.qty, LedgerEntry.lot,
               Order.customer, Order.channel, LedgerEntry.at.label("shipped_at"),
               LedgerEntry.operator, LedgerEntry.id.label("ledger_id"))
        .outerjoin(Sku, Sku.id == LedgerEntry.sku_id)
        .outerjoin(Asset, Asset.id == LedgerEntry.asset_id)
        .outerjoin(Order, Order.code == LedgerEntry.doc_code)
        .where(LedgerEntry.action == "ship", LedgerEntry.doc_type == "order")
        .where(~exists().where(and_(undo.reverses_id == LedgerEntry.id)))
        .order_by(LedgerEntry.doc_code, LedgerEntry.doc_line, LedgerEntry.id)
    )
    if order:
        stmt = stmt.where(LedgerEntry.doc_code == order)
    return stmt


def _counts() -> Select:
    """Approved cycle count lines (scanner_tui/inventory/counting)."""
    from scanner_tui.inventory.counting.report import counts_export

    return counts_export()


QUERIES = {"stock": _stock, "assets": _assets, "ledger": _ledger, "shipments": _shipments,
           "counts": _counts}


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutral_cell(value: object) -> object:
    """A CSV cell a spreadsheet shows as text: ``'`` before a leading ``= + - @`` TAB or CR."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def plain(value: object) -> object:
    """A value as JSON and CSV take it: dates and times in ISO form, the rest as it is."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def plain_row(row: Row) -> dict:
    """A result row as a dict of plain values."""
    return {k: plain(v) for k, v in row._mapping.items()}


def export_rows(engine: Engine, kind: str, *, order: str | None = None
                ) -> Iterator[dict[str, object]]:
    """Stream the rows of one export as dicts (dates as ISO strings)."""
    if kind not in QUERIES:
        raise ValueError(f"unknown export {kind!r}: choose {', '.join(EXPORT_KINDS)}")
    stmt = _shipments(order) if kind == "shipments" else QUERIES[kind]()
    with reader(engine).connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(stmt)
        keys = list(result.keys())
        for row in result:
            yield {k: plain(v) for k, v in zip(keys, row, strict=True)}


def columns(kind: str) -> list[str]:
    stmt = _shipments() if kind == "shipments" else QUERIES[kind]()
    return [c.name for c in stmt.selected_columns]


def write_export(engine: Engine, kind: str, fmt: str, out: TextIO, *,
                 order: str | None = None) -> int:
    """Write one export to ``out`` as it streams; returns the number of rows."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: choose csv or json")
    rows = export_rows(engine, kind, order=order)
    n = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=columns(kind), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: neutral_cell(v) for k, v in row.items()})
            n += 1
        return n
    out.write("[")
    for row in rows:
        out.write(",\n" if n else "\n")
        out.write(json.dumps(row, ensure_ascii=False))
        n += 1
    out.write("\n]\n" if n else "]\n")
    return n
