"""The frame every operation runs in: one transaction, the idempotency key, roles, ledger rows.

``run_operation`` opens the transaction, takes the ledger chain's head (the first lock of
every change: one global order, so changes never deadlock each other on PostgreSQL), answers
a scan id already in ``AppliedScan`` with its first result, reads the operator's role and
active flag from the store (``actor.signed_in``: never the role the caller claims), checks the
role, runs the operation body with a ``Tx``, records the scan id with the result sentence and
commits. The ``Tx`` helpers run fixed, bound SQL on the transaction's DB-API cursor for the
hot paths (Core statements elsewhere) and change stock and units only through guarded
``UPDATE ... WHERE`` statements whose row count is checked, so the rules hold under
concurrency on SQLite and on PostgreSQL alike; each ledger row is sealed into the hash chain
(``inventory/chain.py``).
"""

from __future__ import annotations

import random
import time
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, Row, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session

from scanner_tui.inventory import chain, lot_rules, sessions
from scanner_tui.inventory.actor import Actor, signed_in
from scanner_tui.inventory.db import session_scope
from scanner_tui.inventory.errors import (
    BadQuantity,
    DomainError,
    Inactive,
    InsufficientStock,
    NotAllowed,
    NotFound,
    SerialRequired,
    WrongBin,
    WrongBinKind,
)
from scanner_tui.inventory.lookup import gtin14
from scanner_tui.inventory.models import (
    Asset,
    Barcode,
    Bin,
    ExpectedSerial,
    LedgerEntry,
    Operator,
    Order,
    OrderLine,
    Receipt,
    ReceiptLine,
    Sku,
    Stock,
    utcnow,
)

T_BIN = Bin.__table__
T_SKU = Sku.__table__
T_BARCODE = Barcode.__table__
T_ASSET = Asset.__table__
T_STOCK = Stock.__table__
T_LEDGER = LedgerEntry.__table__
T_OPERATOR = Operator.__table__
T_RECEIPT = Receipt.__table__
T_RLINE = ReceiptLine.__table__
T_EXPECTED = ExpectedSerial.__table__
T_ORDER = Order.__table__
T_OLINE = OrderLine.__table__

ENTRIES = ("scanned", "typed")

# Who may do what (the inventory layer refuses; the UI may also hide).
ROLE_MATRIX: dict[str, tuple[str, ...]] = {
    "receive": ("receiver", "supervisor", "admin"),
    "putaway": ("picker", "receiver", "supervisor", "admin"),
    "move": ("picker", "receiver", "supervisor", "admin"),
    "pick": ("picker", "supervisor", "admin"),
    "stage": ("picker", "supervisor", "admin"),
    "ship": ("picker", "receiver", "supervisor", "admin"),
    "return": ("receiver", "supervisor", "admin"),
    "adjust": ("receiver", "supervisor", "admin"),  # a receiver's needs a supervisor's approval
    "scrap": ("supervisor", "admin"),
    "undo": ("picker", "receiver", "supervisor", "admin"),  # own last change only
    "approve": ("supervisor", "admin"),  # a cycle count (never one they counted in)
    "hold": ("supervisor", "admin"),  # put a lot on hold (recall) or release it
}
APPROVERS = ("supervisor", "admin")
VERB = {
    "receive": "receive stock", "putaway": "put stock away", "move": "move stock",
    "pick": "pick orders", "stage": "stage orders", "ship": "ship orders",
    "return": "take returns", "adjust": "adjust stock", "scrap": "scrap stock",
    "undo": "undo changes", "approve": "approve counts", "hold": "hold or release lots",
}


@dataclass(frozen=True, slots=True)
class OpResult:
    """What an operation did: one confirmation sentence and the ledger rows it wrote."""

    operation: str
    message: str
    scan_id: str
    ledger_ids: tuple[int, ...] = ()
    replayed: bool = False  # True when this scan had already been applied (nothing changed now)
    data: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message


def allowed(role: str, operation: str) -> bool:
    """May this role do ``operation`` (a key of ROLE_MATRIX)? For menus; the check is here."""
    return role in ROLE_MATRIX.get(operation, ())


def check_role(actor: Actor, operation: str) -> None:
    """Raise NotAllowed unless the actor's role may do ``operation`` (``actor`` as the store
    has it: ``run_operation`` reads it with ``signed_in``)."""
    roles = ROLE_MATRIX[operation]
    if actor.role not in roles:
        raise NotAllowed(actor.badge, actor.role, VERB[operation], roles)


BinRow = namedtuple("BinRow", "id code zone kind active")
SkuRow = namedtuple("SkuRow", "id code description tracking capture_lot capture_expiry")
AssetRow = namedtuple("AssetRow",
                      "id serial sku_id status bin_id lot expiry order_line_id sku_code")
_BIN_SQL = "SELECT id, code, zone, kind, active FROM bin WHERE code = ?"
_SKU_COLS = "SELECT s.id, s.code, s.description, s.tracking, s.capture_lot, s.capture_expiry"
_SKU_SQL = _SKU_COLS + " FROM sku s WHERE s.code = ?"
_SKU_ID_SQL = _SKU_COLS + " FROM sku s WHERE s.id = ?"
_SKU_BARCODE_SQL = _SKU_COLS + " FROM barcode c JOIN sku s ON s.id = c.sku_id WHERE c.code = ?"
_ASSET_SQL = ("SELECT a.id, a.serial, a.sku_id, a.status, a.bin_id, a.lot, a.expiry,"
              " a.order_line_id, s.code FROM asset a JOIN sku s ON s.id = a.sku_id"
              " WHERE a.serial = ? ORDER BY a.id")
_LEDGER_COLS = ("action", "at", "operator", "terminal", "entry", "scan_id", "sku_id", "asset_id",
                "qty", "from_bin_id", "to_bin_id", "lot", "expiry", "status_after", "doc_type",
                "doc_code", "doc_line", "reason", "reverses_id")
_LEDGER_INSERT = ("id", *_LEDGER_COLS, "chain_hash")
_LEDGER_SQL = (f"INSERT INTO ledgerentry ({', '.join(_LEDGER_INSERT)}) VALUES "
               f"({', '.join('?' * len(_LEDGER_INSERT))})")
_TAKE_SQL = ("UPDATE stock SET qty = qty - ? WHERE sku_id = ? AND bin_id = ? AND lot = ?"
             " AND qty >= ?")
_ADD_SQL = ("UPDATE stock SET qty = qty + ?, expiry = COALESCE(expiry, ?)"
            " WHERE sku_id = ? AND bin_id = ? AND lot = ?")
# A lot is one batch: its expiry is the same wherever it lies (stock first, then the ledger).
_LOT_EXPIRY_SQL = ("SELECT expiry FROM stock WHERE sku_id = ? AND lot = ? AND expiry IS NOT NULL"
                   " LIMIT 1")
_LOT_EXPIRY_LEDGER_SQL = ("SELECT expiry FROM ledgerentry WHERE sku_id = ? AND lot = ?"
                          " AND expiry IS NOT NULL ORDER BY id DESC LIMIT 1")
_CHOOSE_LOT_SQL = ("SELECT lot, expiry FROM stock WHERE sku_id = ? AND bin_id = ? AND qty >= ?"
                   " ORDER BY lot")


def _as_date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


class _Sql:
    """Plain SQL on the transaction's DB-API connection: an ORM round trip per statement costs
    several times the statement itself. Statements are written with ``?`` and rewritten once
    for the driver's paramstyle; values are always bound, never formatted in."""

    _converted: dict[tuple[str, bool], str] = {}
    _processors: dict[str, dict[str, Callable | None]] = {}

    def __init__(self, session: Session | Connection) -> None:
        conn = session.connection() if isinstance(session, Session) else session
        self.dialect = conn.dialect
        self.raw = conn.connection.driver_connection
        self.fmt = conn.dialect.paramstyle in ("format", "pyformat")
        procs = self._processors.get(self.dialect.name)
        if procs is None:
            procs = self._processors[self.dialect.name] = {
                name: T_LEDGER.c[name].type.dialect_impl(self.dialect)
                .bind_processor(self.dialect) for name in ("at", "expiry")}
        self.at_proc = procs["at"]
        self.date_proc = procs["expiry"]
        self.chain = chain.Appender(self.raw, self.dialect.name, self.dialect.paramstyle)

    def run(self, sql: str, params: tuple = ()) -> Any:
        key = (sql, self.fmt)
        text = self._converted.get(key)
        if text is None:
            text = self._converted[key] = sql.replace("?", "%s") if self.fmt else sql
        cur = self.raw.cursor()
        cur.execute(text, params)
        return cur

    def first(self, sql: str, params: tuple = ()) -> tuple | None:
        cur = self.run(sql, params)
        try:
            return cur.fetchone()
        finally:
            cur.close()

    def count(self, sql: str, params: tuple = ()) -> int:
        cur = self.run(sql, params)
        try:
            return cur.rowcount
        finally:
            cur.close()


class Tx:
    """One operation's transaction: the session plus the facts every ledger row records."""

    def __init__(self, session: Session | Connection, actor: Actor, scan_id: str, entry: str,
                 operation: str, sql: _Sql | None = None) -> None:
        self.session = session
        self.actor = actor
        self.scan_id = scan_id
        self.entry = entry
        self.operation = operation
        self.ledger_ids: list[int] = []
        self.now = utcnow()
        self.sql = sql or _Sql(session)

    def execute(self, statement: Any, params: Any = None) -> Any:
        return self.session.execute(statement, params)

    def one(self, statement: Any) -> Row | None:
        return self.session.execute(statement).first()

    # -- look-ups -------------------------------------------------------------------------
    def bin(self, code: str, *, kinds: tuple[str, ...] | None = None,
            operation: str = "") -> BinRow:
        found = self.sql.first(_BIN_SQL, (code.strip(),))
        if found is None:
            raise NotFound("bin", code, "scan the bin tag on the shelf.")
        row = BinRow(*found)
        if not row.active:
            raise Inactive("bin", row.code)
        if kinds is not None and row.kind not in kinds:
            raise WrongBinKind(row.code, row.kind, operation or self.operation, kinds)
        return row

    def bin_code(self, bin_id: int | None) -> str | None:
        if bin_id is None:
            return None
        found = self.sql.first("SELECT code FROM bin WHERE id = ?", (bin_id,))
        return None if found is None else found[0]

    def sku(self, code: str) -> SkuRow:
        """A SKU by its code, a GTIN (any length, stored as 14 digits) or an alias."""
        code = code.strip()
        found = self.sql.first(_SKU_SQL, (code,))
        if found is None:
            as14 = gtin14(code)
            for key in (as14, code) if as14 and as14 != code else (code,):
                found = self.sql.first(_SKU_BARCODE_SQL, (key,))
                if found is not None:
                    break
        if found is None:
            raise NotFound("product", code, "check the label or ask a supervisor.")
        return SkuRow(*found)

    def quantity_sku(self, code: str) -> SkuRow:
        """Like ``sku``, for a bare quantity: a serial-tracked SKU raises SerialRequired."""
        sku_row = self.sku(code)
        if sku_row.tracking == "serial":
            raise SerialRequired(sku_row.code)
        return sku_row

    def sku_by_id(self, sku_id: int) -> SkuRow:
        return SkuRow(*self.sql.first(_SKU_ID_SQL, (sku_id,)))

    def asset(self, serial: str, *, missing: str = "", sku: str | None = None) -> AssetRow:
        row = self.asset_or_none(serial, sku=sku)
        if row is None:
            raise NotFound("unit", serial, missing or "check the tag or ask a supervisor.")
        return row

    def asset_or_none(self, serial: str, *, sku: str | None = None) -> AssetRow | None:
        """The unit ``serial`` names (a unit is SKU + serial: ``sku``, a SKU code, GTIN or
        alias, says which when two products share the serial; see ``identity.pick_unit``)."""
        from scanner_tui.inventory.identity import pick_unit

        return pick_unit(self, serial.strip(), self.units(serial.strip()), sku)

    def units(self, serial: str) -> list[AssetRow]:
        """Every unit with this serial (one per product at most), oldest first."""
        cur = self.sql.run(_ASSET_SQL, (serial,))
        found = cur.fetchall()
        cur.close()
        return [AssetRow(*r)._replace(expiry=_as_date(r[6])) for r in found]

    def last_row_for_asset(self, asset_id: int, before: int | None = None,
                           action: str | None = None) -> Row | None:
        # state-changing rows only: notes (label, hold, release) carry no status
        q = select(T_LEDGER).where(T_LEDGER.c.asset_id == asset_id,
                                   T_LEDGER.c.status_after.is_not(None))
        if before is not None:
            q = q.where(T_LEDGER.c.id < before)
        if action is not None:
            q = q.where(T_LEDGER.c.action == action)
        return self.one(q.order_by(T_LEDGER.c.id.desc()).limit(1))

    # -- changes --------------------------------------------------------------------------
    def ledger(self, action: str, **values: Any) -> int:
        """Append one ledger row stamped with operator, terminal, entry, scan id and time,
        sealed into the hash chain (inventory/chain.py)."""
        values.update(action=action, at=self.now, operator=self.actor.badge,
                      terminal=self.actor.terminal, entry=values.get("entry", self.entry),
                      scan_id=self.scan_id)
        defaults = {"qty": 0, "lot": "", "doc_type": "", "doc_code": "", "reason": ""}
        row = {name: values.get(name, defaults.get(name)) for name in _LEDGER_COLS}
        row["expiry"] = _as_date(row["expiry"])
        self.sql.chain.seal(row)
        params = [row[name] for name in _LEDGER_INSERT]
        if self.sql.at_proc is not None:
            params[2] = self.sql.at_proc(params[2])
        if self.sql.date_proc is not None and params[13] is not None:
            params[13] = self.sql.date_proc(params[13])
        self.sql.count(_LEDGER_SQL, tuple(params))
        self.ledger_ids.append(row["id"])
        return row["id"]

    def stock_qty(self, sku_id: int, bin_id: int, lot: str | None = None) -> int:
        sql = "SELECT COALESCE(SUM(qty), 0) FROM stock WHERE sku_id = ? AND bin_id = ?"
        params: tuple = (sku_id, bin_id)
        if lot is not None:
            sql, params = sql + " AND lot = ?", params + (lot,)
        return int(self.sql.first(sql, params)[0])

    def on_hold(self, sku_id: int, lot: str) -> bool:
        """Is this lot of the SKU on hold (a recall)? No lot is never held."""
        return bool(lot) and self.sql.first(lot_rules.HELD_SQL, (lot, sku_id)) is not None

    def refuse_unpickable(self, sku_id: int, sku_code: str, lot: str,
                          expiry: date | None) -> None:
        """Raise ``LotNotPickable`` for stock of an expired lot or a lot on hold."""
        why = lot_rules.refusal(lot, sku_code, _as_date(expiry), self.on_hold(sku_id, lot))
        if why is not None:
            raise why

    def choose_lot(self, sku: Any, bin_row: Any, qty: int, *, redirect: bool = False,
                   put_aside: bool = False) -> str:
        """The lot to take ``qty`` from when none was scanned: the first to expire (FEFO)
        among lots that may be picked (``lot_rules``); when only expired or held stock has
        enough, that is refused with its sentence and nothing moves. ``put_aside`` (a move
        into quarantine): expired and held lots are taken first instead."""
        cur = self.sql.run(_CHOOSE_LOT_SQL, (sku.id, bin_row.id, qty))
        rows = cur.fetchall()
        cur.close()
        if not rows:
            have = self.stock_qty(sku.id, bin_row.id)
            self.raise_short(sku, bin_row, qty, have, "", redirect=redirect)
        lots = [(lot, _as_date(expiry)) for lot, expiry in rows]
        refused = [lot_rules.refusal(lot, sku.code, expiry, self.on_hold(sku.id, lot))
                   for lot, expiry in lots]
        fefo = sorted(range(len(lots)), key=lambda i: (
            (refused[i] is None) == put_aside, lots[i][1] is None, lots[i][1] or date.max,
            lots[i][0]))
        first = fefo[0]
        if refused[first] is not None and not put_aside:
            raise refused[first]
        return lots[first][0]

    def raise_short(self, sku: Any, bin_row: Any, qty: int, have: int, lot: str, *,
                    redirect: bool = False) -> None:
        """Refuse a take; for a pick (``redirect``) from a bin holding none of the SKU, name a
        bin that has enough stock that may be picked instead ("A01-A-01 is not the bin for
        this; go to A01-A-02")."""
        if have <= 0 and redirect:
            q = (select(T_BIN.c.code).join(T_STOCK, T_STOCK.c.bin_id == T_BIN.c.id)
                 .where(T_STOCK.c.sku_id == sku.id, T_STOCK.c.qty >= qty, T_BIN.c.active,
                        lot_rules.usable(T_STOCK.c.sku_id, T_STOCK.c.lot, T_STOCK.c.expiry))
                 .order_by(T_STOCK.c.qty.desc()).limit(1))
            if lot:
                q = q.where(T_STOCK.c.lot == lot)
            other = self.execute(q).scalar()
            if other is not None and other != bin_row.code:
                raise WrongBin(bin_row.code, other)
        raise InsufficientStock(sku.code, bin_row.code, qty, have, lot)

    def take(self, sku: Any, bin_row: Any, qty: int, lot: str, *,
             redirect: bool = False) -> None:
        """Remove ``qty`` from a bin's stock; never below zero (guarded UPDATE)."""
        if self.sql.count(_TAKE_SQL, (qty, sku.id, bin_row.id, lot, qty)) != 1:
            self.raise_short(sku, bin_row, qty, self.stock_qty(sku.id, bin_row.id, lot), lot,
                             redirect=redirect)

    def lot_expiry(self, sku_id: int, lot: str) -> date | None:
        """The expiry the store knows for a lot of a SKU (None: no lot, or never dated)."""
        if not lot:
            return None
        for sql in (_LOT_EXPIRY_SQL, _LOT_EXPIRY_LEDGER_SQL):
            found = self.sql.first(sql, (sku_id, lot))
            if found is not None:
                return _as_date(found[0])
        return None

    def put(self, sku_id: int, bin_id: int, qty: int, lot: str,
            expiry: date | None = None) -> date | None:
        """Add ``qty`` to a bin's stock (an upsert that survives a concurrent first insert).

        The lot's expiry travels with it: when none is given, the one the store knows for the
        lot is kept (putaway, move, return, count). Returns the expiry the stock carries."""
        expiry = _as_date(expiry) or self.lot_expiry(sku_id, lot)
        bound = expiry if self.sql.date_proc is None or expiry is None \
            else self.sql.date_proc(expiry)
        for _ in range(2):
            if self.sql.count(_ADD_SQL, (qty, bound, sku_id, bin_id, lot)) == 1:
                return expiry
            try:
                with self.session.begin_nested():
                    self.execute(insert(T_STOCK).values(
                        sku_id=sku_id, bin_id=bin_id, lot=lot, expiry=expiry, qty=qty))
                return expiry
            except IntegrityError:
                continue  # someone inserted the row first: add to it
        raise RuntimeError("stock row could not be written")  # pragma: no cover

    def set_asset(self, asset: Any, **values: Any) -> bool:
        """Update a unit only if it is still as it was read (status and bin unchanged)."""
        if "expiry" in values and self.sql.date_proc is not None and values["expiry"]:
            values["expiry"] = self.sql.date_proc(_as_date(values["expiry"]))
        names = list(values)
        sql = (f"UPDATE asset SET {', '.join(f'{n} = ?' for n in names)}"
               " WHERE id = ? AND status = ? AND "
               + ("bin_id IS NULL" if asset.bin_id is None else "bin_id = ?"))
        params = [values[n] for n in names] + [asset.id, asset.status]
        if asset.bin_id is not None:
            params.append(asset.bin_id)
        return self.sql.count(sql, tuple(params)) == 1


def positive(qty: int) -> int:
    """A quantity 1..``codes.MAX_QUANTITY`` (operations use ``identity.quantity``, which
    applies the site's limit)."""
    from scanner_tui.codes import CodeRefused, parse_quantity

    try:
        return parse_quantity(qty)
    except CodeRefused as exc:
        raise BadQuantity(qty, str(exc)) from None


def _replay(sql: _Sql, scan_id: str, operation: str, summary: str) -> OpResult:
    cur = sql.run("SELECT id FROM ledgerentry WHERE scan_id = ? ORDER BY id", (scan_id,))
    ids = tuple(r[0] for r in cur.fetchall())
    cur.close()
    return OpResult(operation, summary, scan_id, ids, replayed=True)


_APPLIED_SQL = "SELECT operation, summary FROM appliedscan WHERE scan_id = ?"
_CLAIM_SQL = "INSERT INTO appliedscan (scan_id, operation, summary, at) VALUES (?, ?, ?, ?)"


def applied(engine: Engine, scan_id: str) -> OpResult | None:
    """The result of ``scan_id`` if it has been applied, else None."""
    with session_scope(engine) as session:
        sql = _Sql(session)
        prior = sql.first(_APPLIED_SQL, (scan_id,))
        return None if prior is None else _replay(sql, scan_id, *prior)


class Retry(Exception):
    """Raised inside a body when a guarded update lost a race: run the body again."""


class StoreBusy(DomainError):
    """Other terminals kept the rows this change needs: nothing was changed."""

    def __init__(self) -> None:
        super().__init__("The store was busy with other terminals and nothing was changed; "
                         "scan it again.")


ATTEMPTS = 6
# PostgreSQL's "try again" states: serialization_failure, deadlock_detected.
_TRY_AGAIN = ("40001", "40P01")


def _try_again(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", None) or exc
    return getattr(orig, "sqlstate", None) in _TRY_AGAIN


def _transaction(engine: Engine, operation: str, actor: Actor, scan_id: str, entry: str,
                 body: Callable[[Tx], str | tuple[str, dict]], role_op: str) -> OpResult:
    # One transaction on a Connection (what session_scope does, without the ORM unit of work
    # that these Core/plain statements do not use).
    with engine.connect() as session, session.begin():
        sql = _Sql(session)
        # The chain head first: on PostgreSQL every change takes this one lock before any
        # other row, so changes never wait on each other in opposite orders (no deadlock).
        sql.chain.lock()
        prior = sql.first(_APPLIED_SQL, (scan_id,))
        if prior is not None:
            return _replay(sql, scan_id, *prior)
        trusted = signed_in(sql, actor)  # the store's role and active flag, not the caller's
        check_role(trusted, role_op)
        tx = Tx(session, trusted, scan_id, entry, operation, sql)
        out = body(tx)
        message, data = out if isinstance(out, tuple) else (out, {})
        at = sql.at_proc(tx.now) if sql.at_proc is not None else tx.now
        sql.count(_CLAIM_SQL, (scan_id, operation, message[:400], at))
        done = OpResult(operation, message, scan_id, tuple(tx.ledger_ids), False, data)
        sessions.operation_committing(session, done)  # the terminal's row, in this commit
        return done


def run_operation(engine: Engine, operation: str, actor: Actor, scan_id: str, entry: str,
                  body: Callable[[Tx], str | tuple[str, dict]],
                  *, role_op: str | None = None) -> OpResult:
    """Run ``body`` as one idempotent transaction keyed by ``scan_id``.

    The operator's role and active flag are read from the store in that transaction (the
    ``Actor`` passed in names who, not what they may do). The body checks the rules, changes
    state, writes ledger rows and returns the confirmation sentence (or ``(sentence, data)``),
    or raises a DomainError and nothing is kept. The scan id is written to ``AppliedScan`` in
    the same transaction, after the body: a concurrent application of the same scan fails on
    its primary key (or on a guarded update) and is then answered with the first result. A
    lost race, a deadlock or a serialization failure runs it again with the same scan id, a
    bounded number of times; then the answer is ``StoreBusy``, a sentence.
    """
    if entry not in ENTRIES:
        raise ValueError(f"entry must be one of {ENTRIES}, not {entry!r}")
    if not scan_id or len(scan_id) > 64:
        raise ValueError("scan_id must be a non-empty string of at most 64 characters")
    redo = sessions.recorded(scan_id, operation)
    if redo is not None:  # committed before the host stopped: the task hears it again
        return OpResult(operation, redo["message"], scan_id, tuple(redo["ledger_ids"]),
                        False, dict(redo["data"]))
    lost_race = (IntegrityError, Retry,
                 getattr(engine.dialect.loaded_dbapi, "IntegrityError", IntegrityError))
    for attempt in range(ATTEMPTS):
        try:
            return _transaction(engine, operation, actor, scan_id, entry, body,
                                role_op or operation)
        except DomainError:
            # On PostgreSQL a concurrent copy of this scan may have won while we waited on a
            # row lock: then this is a replay, not a refusal.
            done = applied(engine, scan_id) if engine.dialect.name != "sqlite" else None
            if done is not None:
                return done
            raise
        except lost_race:
            # Lost a race (same scan id, same new serial, same stock row): the winner has
            # committed, so the next attempt sees its state and answers accordingly.
            continue
        except DBAPIError as exc:
            if not _try_again(exc):
                raise
            time.sleep(random.uniform(0.005, 0.02) * (attempt + 1))
    raise StoreBusy()
