"""Counting one bin: start (snapshot the books), record units and quantities, close.

Each call is one short transaction (SQLite: BEGIN IMMEDIATE). Starting a bin reads the newest
ledger id and the bin's stock and units in the same transaction (PostgreSQL: REPEATABLE READ),
so "snapshot + ledger rows after that id" is exactly the books. Counted lines are not stock:
they change nothing until a supervisor approves the count.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError

from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.counting.common import (
    APPROVERS,
    CLOSED_BIN,
    COUNTABLE,
    OPEN_BIN,
    T_ASSET,
    T_BIN,
    T_CBIN,
    T_CLINE,
    T_COUNT,
    T_SKU,
    T_SNAP,
    T_STOCK,
    CountRefused,
    badges,
    bin_row,
    newest_ledger_id,
    signed_in_on,
)
from scanner_tui.inventory.errors import (
    BadQuantity,
    NotFound,
    NotSerialTracked,
    SerialRequired,
)
from scanner_tui.inventory.models import utcnow
from scanner_tui.inventory.ops.base import T_BARCODE, gtin14

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class BinCount:
    """A bin being counted by this counter."""

    count_bin_id: int
    count_code: str
    bin_code: str
    bin_id: int
    round: int
    blind: bool
    resumed: bool = False  # this counter had started it already (lines kept)
    set_aside: str = ""  # taken over: the counter whose round was set aside


@dataclass(frozen=True, slots=True)
class Counted:
    """One counted line: a unit or a quantity of a product."""

    line_id: int
    sku: str
    qty: int
    serial: str | None = None
    lot: str = ""
    elsewhere: bool = False  # a unit the books put somewhere else (found here)


@contextmanager
def _tx(engine: Engine, *, ledger_cut: bool = False) -> Iterator[Connection]:
    """One transaction; on PostgreSQL every statement sees the same snapshot.

    ``ledger_cut``: the transaction reads "the newest ledger id" as a cut between rows before
    and after it. On PostgreSQL ids come from a sequence, so a row with a lower id may still be
    uncommitted; a SHARE lock on the ledger, taken before the snapshot, waits for those writers
    to finish (and holds new ones for the few milliseconds this takes). SQLite's BEGIN
    IMMEDIATE already serialises writers.
    """
    with engine.connect() as conn:
        pg = conn.dialect.name == "postgresql"
        if pg:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            if pg and ledger_cut:
                conn.exec_driver_sql("LOCK TABLE ledgerentry IN SHARE MODE")
            yield conn


def _serialization_failure(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) in ("40001", "40P01")


def _retrying(fn: Callable[..., T]) -> Callable[..., T]:
    """Run again when PostgreSQL refuses a REPEATABLE READ transaction because another
    terminal changed the same rows first (the next attempt sees their change and answers)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        for _attempt in range(3):
            try:
                return fn(*args, **kwargs)
            except DBAPIError as exc:
                if not _serialization_failure(exc):
                    raise
        raise CountRefused("Another terminal keeps changing this count; scan again.")

    return wrapper


def _snapshot(conn: Connection, cb_id: int, rnd: int, bin_id: int) -> int:
    """Write the bin's expected contents for this round; returns the ledger id they reflect."""
    snap_id = newest_ledger_id(conn)
    stock = conn.execute(select(T_STOCK.c.sku_id, T_STOCK.c.lot, T_STOCK.c.qty)
                         .where(T_STOCK.c.bin_id == bin_id, T_STOCK.c.qty != 0)).all()
    units = conn.execute(select(T_ASSET.c.id, T_ASSET.c.sku_id, T_ASSET.c.lot)
                         .where(T_ASSET.c.bin_id == bin_id,
                                T_ASSET.c.status.in_(COUNTABLE))).all()
    rows = [{"count_bin_id": cb_id, "round": rnd, "sku_id": s, "asset_id": None, "lot": lot,
             "qty": q} for s, lot, q in stock]
    rows += [{"count_bin_id": cb_id, "round": rnd, "sku_id": s, "asset_id": a, "lot": lot,
              "qty": 1} for a, s, lot in units]
    if rows:
        conn.execute(insert(T_SNAP), rows)
    return snap_id


@_retrying
def start_bin(engine: Engine, *, actor: Actor, bin_code: str,
              count_code: str | None = None, take_over: bool = False) -> BinCount:
    """Begin (or resume) counting a bin of an open count: the books are snapshotted now.
    ``take_over``: the caller holds the bin's claim (``inventory.claims``), so a round another
    counter started is no longer worked by them (left, taken over, their terminal gone): it is
    set aside and the bin counted afresh. The count's assignment and "a recount is done by
    another counter" still hold, except for a supervisor taking it over."""
    with _tx(engine, ledger_cut=True) as conn:
        trusted = signed_in_on(conn, actor)
        boss = take_over and trusted.role in APPROVERS
        b = bin_row(conn, bin_code)
        if not b.active:
            raise CountRefused(f"Bin {b.code} is not in use any more; it cannot be counted.")
        q = (select(T_CBIN, T_COUNT.c.code.label("count_code"), T_COUNT.c.blind,
                    T_COUNT.c.assigned_to.label("count_assignee"))
             .join(T_COUNT, T_COUNT.c.id == T_CBIN.c.count_id)
             .where(T_CBIN.c.bin_id == b.id, T_CBIN.c.status.in_(OPEN_BIN),
                    T_COUNT.c.status != "approved")
             .order_by(T_COUNT.c.id))
        if count_code:
            q = q.where(T_COUNT.c.code == count_code.strip())
        rows = conn.execute(q).all()
        if not rows:
            on = f"count {count_code.strip()}" if count_code else "an open count"
            raise CountRefused(f"{b.code} is not on {on}; ask a supervisor to plan one.")
        mine = [r for r in rows if r.status == "counting" and r.counter == actor.badge]
        if mine:
            r = mine[0]
            return BinCount(r.id, r.count_code, b.code, b.id, r.round, bool(r.blind), True)
        free = [r for r in rows if r.status != "counting"] or (rows if take_over else [])
        if not free:
            raise CountRefused(f"{rows[0].counter} is counting {b.code} now; count another "
                               "bin.")
        r = free[0]
        assignee = r.assigned_to or (r.count_assignee if r.round == 1 else "")
        if assignee and assignee != actor.badge and not boss:
            raise CountRefused(f"{b.code} on {r.count_code} is assigned to {assignee}.")
        if actor.badge in badges(r.not_by) and not boss:
            raise CountRefused(f"{actor.badge} counted {b.code} before; a recount is done by "
                               "another counter.")
        if r.status == "counting":  # the other counter's round is set aside
            for table in (T_CLINE, T_SNAP):
                conn.execute(delete(table).where(table.c.count_bin_id == r.id,
                                                 table.c.round == r.round))
        snap_id = _snapshot(conn, r.id, r.round, b.id)
        took = conn.execute(update(T_CBIN).where(T_CBIN.c.id == r.id,
                                                 T_CBIN.c.status == r.status)
                            .values(status="counting", counter=actor.badge,
                                    started_at=utcnow(), snapshot_ledger_id=snap_id))
        if took.rowcount != 1:
            raise CountRefused(f"Someone started counting {b.code} just now; count another bin.")
        conn.execute(update(T_COUNT).where(T_COUNT.c.id == r.count_id,
                                           T_COUNT.c.status == "open")
                     .values(status="counting"))
        return BinCount(r.id, r.count_code, b.code, b.id, r.round, bool(r.blind),
                        set_aside=r.counter if r.status == "counting" else "")


def _counting(conn: Connection, actor: Actor, cb_id: int):  # noqa: ANN202
    signed_in_on(conn, actor)
    row = conn.execute(select(T_CBIN, T_BIN.c.code.label("bin_code"))
                       .join(T_BIN, T_BIN.c.id == T_CBIN.c.bin_id)
                       .where(T_CBIN.c.id == cb_id)).first()
    if row is None or row.status != "counting" or row.counter != actor.badge:
        where = row.bin_code if row is not None else "this bin"
        raise CountRefused(f"{where} is not being counted by {actor.badge}; scan the bin "
                           "to start.")
    return row


def _line(conn: Connection, cb, actor: Actor, scan_id: str, entry: str, **values) -> int:  # noqa: ANN001
    dup = conn.execute(select(T_CLINE.c.id).where(T_CLINE.c.scan_id == scan_id)).scalar()
    if dup is not None:
        return int(dup)  # the same scan again (a retry): counted once
    return int(conn.execute(insert(T_CLINE).values(
        count_bin_id=cb.id, round=cb.round, scan_id=scan_id, entry=entry,
        counter=actor.badge, at=utcnow(), **values)).inserted_primary_key[0])


@_retrying
def count_unit(engine: Engine, *, actor: Actor, count_bin_id: int, serial: str,
               scan_id: str, entry: str = "scanned", gtin: str | None = None) -> Counted:
    """Count one unit here; a unit the books put elsewhere is counted as found here. A unit is
    SKU + serial: ``gtin`` (a GS1 label's) names the product when two share the serial."""
    from scanner_tui.inventory.lookup import unit_of

    with _tx(engine) as conn:
        cb = _counting(conn, actor, count_bin_id)
        found = unit_of(conn, serial.strip(), gtin)
        if found is None:
            raise NotFound("unit", serial.strip(), "put it aside and tell a supervisor.")
        unit = SimpleNamespace(id=found.id, serial=found.code, sku_id=found.sku_id,
                               bin_id=found.bin_id, status=found.status, lot=found.lot,
                               sku=found.sku_code)
        again = conn.execute(select(T_CLINE.c.scan_id).where(
            T_CLINE.c.count_bin_id == cb.id, T_CLINE.c.round == cb.round,
            T_CLINE.c.asset_id == unit.id)).scalar()
        if again is not None and again != scan_id:
            raise CountRefused(f"{unit.serial} is already counted in {cb.bin_code}.")
        line_id = _line(conn, cb, actor, scan_id, entry, sku_id=unit.sku_id, asset_id=unit.id,
                        lot=unit.lot, qty=1)
        elsewhere = not (unit.bin_id == cb.bin_id and unit.status in COUNTABLE)
        return Counted(line_id, unit.sku, 1, unit.serial, unit.lot, elsewhere)


def _product(conn: Connection, code: str):  # noqa: ANN202
    code = code.strip()
    cols = (T_SKU.c.id, T_SKU.c.code, T_SKU.c.tracking)
    row = conn.execute(select(*cols).where(T_SKU.c.code == code)).first()
    if row is None:
        keys = [k for k in (gtin14(code), code) if k]
        row = conn.execute(select(*cols).join(T_BARCODE, T_BARCODE.c.sku_id == T_SKU.c.id)
                           .where(T_BARCODE.c.code.in_(keys))).first()
    if row is None:
        raise NotFound("product", code, "check the label or ask a supervisor.")
    return row


@_retrying
def count_qty(engine: Engine, *, actor: Actor, count_bin_id: int, sku: str, qty: int = 1,
              lot: str = "", scan_id: str, entry: str = "scanned") -> Counted:
    """Count ``qty`` of a quantity SKU here (a new line; ``set_qty`` corrects it)."""
    if not isinstance(qty, int) or isinstance(qty, bool) or qty < 0:
        raise BadQuantity(qty)
    with _tx(engine) as conn:
        cb = _counting(conn, actor, count_bin_id)
        product = _product(conn, sku)
        if product.tracking == "serial":
            raise SerialRequired(product.code)
        line_id = _line(conn, cb, actor, scan_id, entry, sku_id=product.id, asset_id=None,
                        lot=(lot or "").strip(), qty=qty)
        return Counted(line_id, product.code, qty, None, (lot or "").strip())


@_retrying
def set_qty(engine: Engine, *, actor: Actor, line_id: int, qty: int) -> Counted:
    """Correct the quantity of a counted product line (the quantity question's answer)."""
    if not isinstance(qty, int) or isinstance(qty, bool) or qty < 0:
        raise BadQuantity(qty)
    with _tx(engine) as conn:
        line = conn.execute(select(T_CLINE, T_SKU.c.code.label("sku"))
                            .join(T_SKU, T_SKU.c.id == T_CLINE.c.sku_id)
                            .where(T_CLINE.c.id == line_id)).first()
        if line is None:
            raise CountRefused("That counted line is gone; scan the product again.")
        _counting(conn, actor, line.count_bin_id)
        if line.asset_id is not None:
            raise NotSerialTracked(line.sku)  # pragma: no cover (units have no quantity)
        conn.execute(update(T_CLINE).where(T_CLINE.c.id == line_id).values(qty=qty))
        return Counted(line_id, line.sku, qty, None, line.lot)


@_retrying
def drop_line(engine: Engine, *, actor: Actor, line_id: int) -> None:
    """Take a counted line back (the counter's undo)."""
    with _tx(engine) as conn:
        line = conn.execute(select(T_CLINE).where(T_CLINE.c.id == line_id)).first()
        if line is None:
            return
        _counting(conn, actor, line.count_bin_id)
        conn.execute(delete(T_CLINE).where(T_CLINE.c.id == line_id))


def counted_lines(engine: Engine, count_bin_id: int) -> list[Counted]:
    """What has been counted in the bin's current round, in scan order (a unit the books put
    elsewhere marked as ``count_unit`` marks it)."""
    with engine.connect() as conn:
        rnd, bin_id = conn.execute(select(T_CBIN.c.round, T_CBIN.c.bin_id)
                                   .where(T_CBIN.c.id == count_bin_id)).one()
        rows = conn.execute(
            select(T_CLINE.c.id, T_SKU.c.code, T_CLINE.c.qty, T_ASSET.c.serial, T_CLINE.c.lot,
                   T_ASSET.c.bin_id, T_ASSET.c.status)
            .join(T_SKU, T_SKU.c.id == T_CLINE.c.sku_id)
            .outerjoin(T_ASSET, T_ASSET.c.id == T_CLINE.c.asset_id)
            .where(T_CLINE.c.count_bin_id == count_bin_id, T_CLINE.c.round == rnd)
            .order_by(T_CLINE.c.id)).all()
    return [Counted(r.id, r.code, r.qty, r.serial, r.lot,
                    r.serial is not None and not (r.bin_id == bin_id and r.status in COUNTABLE))
            for r in rows]


def expected_lines(engine: Engine, count_bin_id: int) -> list[tuple[str, str, int]]:
    """The snapshot (sku, lot, qty) of the bin's current round: only for counts that are not
    blind (the screen must not call it otherwise)."""
    with engine.connect() as conn:
        rnd = conn.execute(select(T_CBIN.c.round).where(T_CBIN.c.id == count_bin_id)).scalar()
        rows = conn.execute(
            select(T_SKU.c.code, T_SNAP.c.lot, func.sum(T_SNAP.c.qty))
            .join(T_SKU, T_SKU.c.id == T_SNAP.c.sku_id)
            .where(T_SNAP.c.count_bin_id == count_bin_id, T_SNAP.c.round == rnd)
            .group_by(T_SKU.c.code, T_SNAP.c.lot).order_by(T_SKU.c.code, T_SNAP.c.lot)).all()
    return [(r[0], r[1], int(r[2])) for r in rows]


@_retrying
def close_bin(engine: Engine, *, actor: Actor, count_bin_id: int) -> str:
    """Close the bin (CMD:DONE): ledger rows up to now are moves during the count."""
    with _tx(engine, ledger_cut=True) as conn:
        cb = _counting(conn, actor, count_bin_id)
        n = conn.execute(select(func.count()).select_from(T_CLINE).where(
            T_CLINE.c.count_bin_id == cb.id, T_CLINE.c.round == cb.round)).scalar()
        conn.execute(update(T_CBIN).where(T_CBIN.c.id == cb.id).values(
            status="counted", closed_at=utcnow(), close_ledger_id=newest_ledger_id(conn)))
        left = conn.execute(select(func.count()).select_from(T_CBIN).where(
            T_CBIN.c.count_id == cb.count_id, T_CBIN.c.status.not_in(CLOSED_BIN))).scalar()
        code = conn.execute(select(T_COUNT.c.code).where(T_COUNT.c.id == cb.count_id)).scalar()
        if not left:
            conn.execute(update(T_COUNT).where(T_COUNT.c.id == cb.count_id)
                         .values(status="counted"))
    tail = f"{left} bin(s) left on {code}." if left else f"{code} is fully counted."
    return f"{cb.bin_code} counted ({n} line(s)). {tail}"


@_retrying
def abandon_bin(engine: Engine, *, actor: Actor, count_bin_id: int) -> str:
    """Give the bin back uncounted (CMD:CANCEL): its lines and snapshot of this round go."""
    with _tx(engine) as conn:
        cb = _counting(conn, actor, count_bin_id)
        for table in (T_CLINE, T_SNAP):
            conn.execute(delete(table).where(table.c.count_bin_id == cb.id,
                                             table.c.round == cb.round))
        conn.execute(update(T_CBIN).where(T_CBIN.c.id == cb.id).values(
            status="recount" if cb.round > 1 else "pending", counter="", started_at=None,
            snapshot_ledger_id=None))
    return f"{cb.bin_code} is left uncounted; nothing was recorded."
