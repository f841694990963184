"""Prove the books: replay the ledger in SQL and compare it with stock rows and asset state.

Replay rule (DESIGN, ledger conventions): a quantity row (no ``asset_id``) moves ``qty`` of
(sku, lot) out of ``from_bin_id`` and into ``to_bin_id``; an asset row sets the unit's bin to
``to_bin_id`` and its status to ``status_after``. Asset rows whose ``status_after`` is empty are
notes (a label printed) and change nothing. Everything is aggregated by the database (one
GROUP BY for stock, ``max(id)`` per asset for units), so it scales to millions of rows, on
SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

from sqlalchemy import Engine, and_, create_engine, event, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from scanner_tui.inventory.models import Asset, Bin, LedgerEntry, Sku, Stock

L = LedgerEntry.__table__
S = Stock.__table__
A = Asset.__table__
B = Bin.__table__
K = Sku.__table__


_READERS: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def reader(engine: Engine) -> Engine:
    """An engine for long reads (verify, export, history, recall) that never blocks writers.

    The store's engine begins every SQLite transaction IMMEDIATE (right for writes), which would
    make a minute-long export hold the write lock and lock the terminals out. In WAL mode a
    deferred ``BEGIN`` gives a consistent snapshot without blocking anyone. PostgreSQL reads
    never block writers: the engine is returned as it is.
    """
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return engine  # PostgreSQL; or an in-memory SQLite, which only its own engine sees
    found = _READERS.get(engine)
    if found is None:
        found = create_engine(engine.url, connect_args={"check_same_thread": False})

        @event.listens_for(found, "connect")
        def _on_connect(dbapi_conn, _record) -> None:  # noqa: ANN001
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA busy_timeout=10000")
            cur.execute("PRAGMA query_only=ON")
            cur.close()

        @event.listens_for(found, "begin")
        def _on_begin(conn) -> None:  # noqa: ANN001
            conn.exec_driver_sql("BEGIN")

        _READERS[engine] = found
    return found


@dataclass(frozen=True)
class Mismatch:
    """One place where the books and the ledger disagree, worded for a supervisor."""

    kind: str  # "stock" | "asset"
    code: str  # the SKU code (stock) or the asset serial
    message: str
    details: dict = field(default_factory=dict, compare=False)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class VerifyReport:
    mismatches: list[Mismatch]
    stock_keys: int  # (sku, bin, lot) combinations checked
    assets: int  # units checked
    ledger_rows: int

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def summary(self) -> str:
        if self.ok:
            return (
                f"books agree: {self.ledger_rows:,} ledger rows replayed, "
                f"{self.stock_keys:,} stock lines and {self.assets:,} units match"
            )
        return f"{len(self.mismatches):,} mismatch(es) between the books and the ledger"


def _stock_differences():
    """(sku_id, bin_id, lot, ledger_qty, books_qty) where replay and Stock rows disagree."""
    qty_rows = L.c.asset_id.is_(None)
    moves = union_all(
        select(
            L.c.sku_id, L.c.to_bin_id.label("bin_id"), L.c.lot,
            L.c.qty.label("ledger"), literal(0).label("books"),
        ).where(qty_rows, L.c.to_bin_id.is_not(None)),
        select(
            L.c.sku_id, L.c.from_bin_id.label("bin_id"), L.c.lot,
            (-L.c.qty).label("ledger"), literal(0).label("books"),
        ).where(qty_rows, L.c.from_bin_id.is_not(None)),
        select(S.c.sku_id, S.c.bin_id, S.c.lot, literal(0).label("ledger"), S.c.qty.label("books")),
    ).subquery("moves")
    ledger = func.sum(moves.c.ledger).label("ledger")
    books = func.sum(moves.c.books).label("books")
    grouped = (
        select(moves.c.sku_id, moves.c.bin_id, moves.c.lot, ledger, books)
        .group_by(moves.c.sku_id, moves.c.bin_id, moves.c.lot)
        .subquery("grouped")
    )
    diff = (
        select(
            K.c.code.label("sku"), B.c.code.label("bin"), grouped.c.lot,
            grouped.c.ledger, grouped.c.books,
        )
        .select_from(grouped)
        .outerjoin(K, K.c.id == grouped.c.sku_id)
        .outerjoin(B, B.c.id == grouped.c.bin_id)
        .where(or_(grouped.c.ledger != grouped.c.books, grouped.c.books < 0))
        .order_by(K.c.code, B.c.code, grouped.c.lot)
    )
    return diff


def _asset_differences():
    """Units whose (bin, status) differ from their last state-changing ledger row, or lack one."""
    last = (
        select(L.c.asset_id, func.max(L.c.id).label("last_id"))
        .where(L.c.asset_id.is_not(None), L.c.status_after.is_not(None))
        .group_by(L.c.asset_id)
        .subquery("last")
    )
    row = L.alias("lastrow")
    book_bin = aliased(Bin, name="book_bin")
    led_bin = aliased(Bin, name="led_bin")
    return (
        select(
            A.c.serial, K.c.code.label("sku"), A.c.status, book_bin.code.label("bin"),
            row.c.id.label("ledger_id"), row.c.status_after, led_bin.code.label("ledger_bin"),
        )
        .select_from(A)
        .outerjoin(last, last.c.asset_id == A.c.id)
        .outerjoin(row, row.c.id == last.c.last_id)
        .outerjoin(K, K.c.id == A.c.sku_id)
        .outerjoin(book_bin, book_bin.id == A.c.bin_id)
        .outerjoin(led_bin, led_bin.id == row.c.to_bin_id)
        .where(
            or_(
                row.c.id.is_(None),
                and_(
                    row.c.id.is_not(None),
                    or_(
                        A.c.bin_id.is_distinct_from(row.c.to_bin_id),
                        A.c.status.is_distinct_from(row.c.status_after),
                    ),
                ),
            )
        )
        .order_by(A.c.serial)
    )


def _where(bin_code: str | None) -> str:
    return bin_code if bin_code else "no bin"


def _stock_message(sku: str | None, bin_code: str | None, lot: str, ledger: int, books: int) -> str:
    sku = sku or "an unknown SKU"
    place = bin_code or "an unknown bin"
    if books < 0 and ledger == books:
        return f"Stock of {sku} lot '{lot}' in {place} is negative: {books}"
    return (
        f"Stock of {sku} lot '{lot}' in {place}: books say {books}, "
        f"ledger replay says {ledger}"
    )


def _asset_message(r) -> str:  # noqa: ANN001
    if r.ledger_id is None:
        return (
            f"Unit {r.serial} ({r.sku}) is in the books as {r.status} in {_where(r.bin)} "
            f"but has no ledger history"
        )
    return (
        f"Unit {r.serial} ({r.sku}): books say {r.status} in {_where(r.bin)}, "
        f"ledger replay says {r.status_after} in {_where(r.ledger_bin)} "
        f"(last ledger row #{r.ledger_id})"
    )


def verify_report(engine: Engine) -> VerifyReport:
    """Replay the whole ledger and return every mismatch with counts of what was checked."""
    out: list[Mismatch] = []
    with reader(engine).connect() as conn:
        for r in conn.execute(_stock_differences()):
            ledger, books = int(r.ledger or 0), int(r.books or 0)
            out.append(
                Mismatch(
                    "stock", r.sku or "", _stock_message(r.sku, r.bin, r.lot, ledger, books),
                    {"sku": r.sku, "bin": r.bin, "lot": r.lot, "books": books, "ledger": ledger},
                )
            )
        for r in conn.execute(_asset_differences()):
            out.append(
                Mismatch(
                    "asset", r.serial, _asset_message(r),
                    {
                        "serial": r.serial, "sku": r.sku, "status": r.status, "bin": r.bin,
                        "ledger_status": r.status_after, "ledger_bin": r.ledger_bin,
                        "ledger_id": r.ledger_id,
                    },
                )
            )
        stock_keys = conn.execute(select(func.count()).select_from(S)).scalar_one()
        assets = conn.execute(select(func.count()).select_from(A)).scalar_one()
        rows = conn.execute(select(func.count()).select_from(L)).scalar_one()
    return VerifyReport(out, int(stock_keys), int(assets), int(rows))


def verify(engine: Engine) -> list[Mismatch]:
    """Every mismatch between the books (Stock, Asset) and a replay of the ledger; [] if none."""
    return verify_report(engine).mismatches
