"""Code look-up: from a scanned or typed code to its record (bin, unit or product), fast.

Every path is one indexed equality look-up (indexes on ``bin.code``, ``asset.serial``,
``sku.code`` and ``barcode.code``; ``tests/test_lookup.py`` checks the query plans):

* ``resolve(session, code)`` tries bin, unit, SKU code, then barcode (a GTIN of any length is
  looked up as 14 digits, and aliases as given); ``find`` is the same returning None.
* ``resolve_scan(session, result)`` uses what the classifier already knows (one query; a GS1
  unit scan, two: its GTIN must be a barcode of the unit's product, else ``GtinMismatch``; a
  GS1 place label, (414)+(254), the bin the bins import mapped it to: ``ix_bin_gln``).

A unit is its SKU plus its serial: two products may share a serial. A bare serial naming units
of two products raises ``AmbiguousSerial`` (it names both and asks for the product label).
* ``StoreKnownCodes(engine)`` answers the classifier's ``known_kind(code)`` protocol.

The statements are plain SQL text run on the DB-API cursor of a pooled connection: an ORM
round trip costs more than the index look-up itself.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine
from sqlmodel import Session

from scanner_tui.inventory.errors import AmbiguousSerial, GtinMismatch, NotFound
from scanner_tui.scanning.result import Kind, ScanResult

_BIN = "SELECT id, code, kind, zone, active FROM bin WHERE code = ?"
_PLACE = ("SELECT id, code, kind, zone, active FROM bin WHERE gln = ? AND gln_extension = ?"
          " ORDER BY id LIMIT 1")
_ASSET = (
    "SELECT a.id, a.serial, a.status, a.lot, a.expiry, a.order_line_id, a.sku_id,"
    " s.code, s.description, s.tracking, a.bin_id, b.code, b.kind"
    " FROM asset a JOIN sku s ON s.id = a.sku_id LEFT JOIN bin b ON b.id = a.bin_id"
    " WHERE a.serial = ? ORDER BY a.id LIMIT 4"
)
_SKU_COLS = "SELECT s.id, s.code, s.description, s.tracking"
_SKU = _SKU_COLS + " FROM sku s WHERE s.code = ?"
_BARCODE = _SKU_COLS + " FROM barcode c JOIN sku s ON s.id = c.sku_id WHERE c.code = ?"
_KNOWN = (
    "SELECT 'bin' FROM bin WHERE code = ?"
    " UNION ALL SELECT 'asset' FROM asset WHERE serial = ?"
    " UNION ALL SELECT 'product' FROM sku WHERE code = ?"
    " UNION ALL SELECT 'product' FROM barcode WHERE code = ?"
)
STATEMENTS = {"bin": _BIN, "place": _PLACE, "asset": _ASSET, "sku": _SKU, "barcode": _BARCODE,
              "known": _KNOWN}


@dataclass(frozen=True, slots=True)
class Resolved:
    """The record a code names. ``code`` is its own code (bin code, serial or SKU code);
    ``matched`` is the code as it was looked up (a GTIN-14 or alias for a product)."""

    kind: Kind  # BIN, ASSET or PRODUCT
    id: int
    code: str
    matched: str
    sku_id: int | None = None
    sku_code: str | None = None
    description: str | None = None
    tracking: str | None = None
    bin_id: int | None = None
    bin_code: str | None = None
    bin_kind: str | None = None
    zone: str | None = None
    active: bool | None = None
    status: str | None = None
    lot: str | None = None
    expiry: date | None = None
    order_line_id: int | None = None


def gtin14(code: str) -> str | None:
    """A GTIN-8/12/13/14 as the 14 digits Barcode rows hold, else None."""
    return code.zfill(14) if code.isdigit() and len(code) in (8, 12, 13, 14) else None


def _paramstyle(statement: str, style: str) -> str:
    return statement.replace("?", "%s") if style in ("format", "pyformat") else statement


_BY_STYLE: dict[str, dict[str, str]] = {}


class _Cursor:
    """Run the look-up statements on one DB-API connection (qmark or format paramstyle)."""

    def __init__(self, dbapi_conn: Any, paramstyle: str) -> None:
        self.conn = dbapi_conn
        sql = _BY_STYLE.get(paramstyle)
        if sql is None:
            sql = _BY_STYLE[paramstyle] = {k: _paramstyle(v, paramstyle)
                                           for k, v in STATEMENTS.items()}
        self.sql = sql

    def row(self, name: str, *params: str) -> tuple | None:
        cur = self.conn.cursor()
        try:
            cur.execute(self.sql[name], params)
            return cur.fetchone()
        finally:
            cur.close()

    def rows(self, name: str, *params: str) -> list[tuple]:
        cur = self.conn.cursor()
        try:
            cur.execute(self.sql[name], params)
            return cur.fetchall()
        finally:
            cur.close()


def _cursor_for(source: Session | Connection) -> _Cursor:
    conn = source.connection() if isinstance(source, Session) else source
    return _Cursor(conn.connection.driver_connection, conn.dialect.paramstyle)


def _bin(c: _Cursor, code: str, r: tuple | None = None) -> Resolved | None:
    r = r or c.row("bin", code)
    if r is None:
        return None
    return Resolved(Kind.BIN, r[0], r[1], code, bin_id=r[0], bin_code=r[1], bin_kind=r[2],
                    zone=r[3], active=bool(r[4]))


def _asset(c: _Cursor, code: str) -> Resolved | None:
    """The unit with serial ``code``; AmbiguousSerial when units of two products have it."""
    rows = c.rows("asset", code)
    if len(rows) > 1:
        raise AmbiguousSerial(code, sorted({r[7] for r in rows}))
    return _unit(rows[0], code) if rows else None


def _asset_of_gtin(c: _Cursor, serial: str, gtin: str) -> Resolved | None:
    """The unit a GS1 scan names: serial AND a product whose barcode is ``gtin``. Units with
    this serial but of another product raise GtinMismatch (the label is not the unit's)."""
    rows = c.rows("asset", serial)
    if not rows:
        return None
    product = _product(c, gtin, by_code=False)
    for r in rows:
        if product is not None and r[6] == product.id:
            return _unit(r, serial)
    raise GtinMismatch(serial, gtin, product.sku_code if product else None,
                       sorted({r[7] for r in rows}))


def unit_of(source: Session | Connection, serial: str, gtin: str | None = None
            ) -> Resolved | None:
    """The unit ``serial`` names (with ``gtin``: the unit of that product, else GtinMismatch);
    AmbiguousSerial when a bare serial names units of two products; None when none has it."""
    c = _cursor_for(source)
    return _asset_of_gtin(c, serial, gtin) if gtin else _asset(c, serial)


def _unit(r: tuple, code: str) -> Resolved:
    expiry = date.fromisoformat(r[4]) if isinstance(r[4], str) else r[4]
    return Resolved(Kind.ASSET, r[0], r[1], code, status=r[2], lot=r[3], expiry=expiry,
                    order_line_id=r[5], sku_id=r[6], sku_code=r[7], description=r[8],
                    tracking=r[9], bin_id=r[10], bin_code=r[11], bin_kind=r[12])


def _product(c: _Cursor, code: str, *, by_code: bool = True) -> Resolved | None:
    r = c.row("sku", code) if by_code else None
    matched = code
    if r is None:
        as14 = gtin14(code)
        for key in (as14, code) if as14 and as14 != code else (code,):
            r = c.row("barcode", key)
            if r is not None:
                matched = key
                break
    if r is None:
        return None
    return Resolved(Kind.PRODUCT, r[0], r[1], matched, sku_id=r[0], sku_code=r[1],
                    description=r[2], tracking=r[3])


def find(session: Session | Connection, code: str) -> Resolved | None:
    """The bin, unit or product ``code`` names (tried in that order), or None.

    For read-only look-ups pass a Connection (``engine.connect()``): on SQLite a Session's
    transaction begins IMMEDIATE, i.e. takes the write lock for as long as it is open.
    """
    code = code.strip()
    if not code:
        return None
    c = _cursor_for(session)
    if gtin14(code):  # all digits: a product first (own tags are alphanumeric)
        return _product(c, code) or _bin(c, code) or _asset(c, code)
    return _bin(c, code) or _asset(c, code) or _product(c, code)


def resolve(session: Session | Connection, code: str) -> Resolved:
    """Like ``find``; an unknown code raises NotFound with a sentence for the floor."""
    found = find(session, code)
    if found is None:
        raise NotFound("code", code.strip(), "it is not a bin, unit or product of this store.")
    return found


def resolve_scan(session: Session | Connection, result: ScanResult) -> Resolved | None:
    """The record for a classified scan, using its kind and fields (one indexed query)."""
    c = _cursor_for(session)
    if result.kind is Kind.BIN and result.bin:
        return _bin(c, result.bin)
    if result.kind is Kind.BIN and result.gln:  # a GS1 place label mapped by the bins import
        r = c.row("place", result.gln, result.gln_extension or "")
        return _bin(c, r[1], r) if r is not None else None
    if result.kind is Kind.ASSET and result.serial:
        if result.gtin:
            return _asset_of_gtin(c, result.serial, result.gtin)
        return _asset(c, result.serial)
    if result.kind is Kind.PRODUCT:
        if result.gtin:
            return _product(c, result.gtin, by_code=False)
        if result.sku:
            return _product(c, result.sku)
    if result.kind is Kind.UNKNOWN and result.code:
        return find(session, result.code)
    return None


_KINDS = {"bin": Kind.BIN, "asset": Kind.ASSET, "product": Kind.PRODUCT}


def look_up(engine: Engine, result: ScanResult) -> Resolved | None:
    """The bin, unit or product a classified scan names (None when the store does not know),
    on a connection of its own."""
    with engine.connect() as conn:
        return resolve_scan(conn, result)


def find_code(engine: Engine, code: str) -> Resolved | None:
    """The bin, unit or product a plain code names, or None, on a connection of its own."""
    with engine.connect() as conn:
        return find(conn, code)


class StoreKnownCodes:
    """The classifier's ``KnownCodes``: is ``code`` a bin, unit or product of this store?

    One UNION ALL of four unique-index look-ups per call, on one pooled connection kept open and
    shared by every thread under a lock (a call takes ~20 µs; per-thread connections would leak
    with Textual's short-lived thread workers). A failed call drops the connection; the next
    call opens a fresh one. ``close()`` gives it back to the pool.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None
        self._cursor: _Cursor | None = None
        self._lock = threading.Lock()

    def known_kind(self, code: str) -> Kind | None:
        code = code.strip()
        if not code:
            return None
        as14 = gtin14(code) or code
        with self._lock:
            if self._cursor is None:
                self._conn = self.engine.connect()
                self._cursor = _cursor_for(self._conn)
            try:
                row = self._cursor.row("known", code, code, code, as14)
                _end_read(self._cursor.conn)
            except Exception:
                self._drop()
                raise
        return None if row is None else _KINDS[row[0]]

    def _drop(self) -> None:
        conn, self._conn, self._cursor = self._conn, None, None
        if conn is not None:
            try:
                conn.invalidate()
                conn.close()
            except Exception:  # noqa: BLE001  (already broken: nothing more to give back)
                pass

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
            self._conn = self._cursor = None


def _end_read(dbapi_conn: Any) -> None:
    """End the implicit read transaction so a long-lived connection never pins old data."""
    if getattr(dbapi_conn, "in_transaction", False):
        dbapi_conn.rollback()
    elif hasattr(dbapi_conn, "info") and hasattr(dbapi_conn.info, "transaction_status"):
        if dbapi_conn.info.transaction_status != 0:  # psycopg: not idle
            dbapi_conn.rollback()
