"""The store reads the floor workflows need (no workflow logic here; SQL stays in inventory/).

* ``first_bin`` / ``default_dock_bin``: a kind's first active bin (returns, quarantine), the
  site's default receiving place.
* ``suggest_bin`` / ``lots_in``: where putaway sends a SKU, and the lots of a SKU in a bin.
* ``bin_stock``: a quantity SKU's stock in a bin (move's basket).
* ``undone_scan_ids``: the scans whose rows an undo compensated.
* ``sku_capture``: a SKU's code, tracking and what receiving captures for it.
* ``ledger_head`` / ``changed_since`` / ``last_taken``: how far the ledger has come, whether
  rows on some SKUs came since, and the newest row since that took a SKU out of a bin or moved
  a unit (who, on which terminal, where to): why a plan or a hand-held item went stale;
  ``unit_at``: a unit's status and bin now.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import NamedTuple

from sqlalchemy import Connection, Engine, and_, exists, func, select, union

from scanner_tui.inventory.models import Asset, Bin, LedgerEntry, Sku, Stock

T_BIN = Bin.__table__
T_STOCK = Stock.__table__
T_ASSET = Asset.__table__
T_LEDGER = LedgerEntry.__table__
T_SKU = Sku.__table__


def first_bin(engine: Engine, kind: str) -> str | None:
    """The first active bin of a kind by code, or None."""
    with engine.connect() as conn:
        return conn.execute(select(T_BIN.c.code).where(T_BIN.c.kind == kind, T_BIN.c.active)
                            .order_by(T_BIN.c.code).limit(1)).scalar()


def default_dock_bin(engine: Engine) -> str | None:
    """The first active dock bin by code (the site's default receiving place), or None."""
    return first_bin(engine, "dock")


def suggest_bin(engine: Engine, sku_id: int, exclude: int | None = None) -> str | None:
    """Where to put a SKU: a pick bin holding it, else a reserve bin holding it, else the
    first empty active pick bin (by code; ``exclude``: the bin it comes from).

    The bins holding the SKU are read from its stock rows and units (indexed by SKU), not by
    probing every bin."""
    held = union(
        select(T_STOCK.c.bin_id).where(T_STOCK.c.sku_id == sku_id, T_STOCK.c.qty > 0),
        select(T_ASSET.c.bin_id).where(T_ASSET.c.sku_id == sku_id,
                                       T_ASSET.c.bin_id.is_not(None))).subquery()
    empty = and_(~exists().where(T_STOCK.c.bin_id == T_BIN.c.id, T_STOCK.c.qty > 0),
                 ~exists().where(T_ASSET.c.bin_id == T_BIN.c.id))
    base = select(T_BIN.c.code).where(T_BIN.c.active).order_by(T_BIN.c.code).limit(1)
    if exclude is not None:
        base = base.where(T_BIN.c.id != exclude)
    holds = T_BIN.c.id.in_(select(held.c.bin_id))
    with engine.connect() as conn:
        for where in ((T_BIN.c.kind == "pick", holds), (T_BIN.c.kind == "reserve", holds),
                      (T_BIN.c.kind == "pick", empty)):
            found = conn.execute(base.where(*where)).scalar()
            if found is not None:
                return found
    return None


def lots_in(engine: Engine, sku_id: int, bin_id: int) -> list[tuple[str, date | None, int]]:
    """(lot, expiry, qty) of a SKU in a bin, first to expire first."""
    q = (select(T_STOCK.c.lot, T_STOCK.c.expiry, T_STOCK.c.qty)
         .where(T_STOCK.c.sku_id == sku_id, T_STOCK.c.bin_id == bin_id, T_STOCK.c.qty > 0))
    with engine.connect() as conn:
        rows = [(r.lot, r.expiry, int(r.qty)) for r in conn.execute(q)]
    rows.sort(key=lambda r: (r[1] is None, r[1] or date.max, r[0]))
    return rows


def bin_stock(engine: Engine, sku_id: int, bin_id: int, lot: str | None = None) -> int:
    """Quantity of a quantity SKU in a bin (one lot, or all lots)."""
    q = select(func.coalesce(func.sum(T_STOCK.c.qty), 0)).where(
        T_STOCK.c.sku_id == sku_id, T_STOCK.c.bin_id == bin_id)
    if lot is not None:
        q = q.where(T_STOCK.c.lot == lot)
    with engine.connect() as conn:
        return int(conn.execute(q).scalar() or 0)


def undone_scan_ids(engine: Engine, ledger_ids: tuple[int, ...]) -> set[str]:
    """Scan ids of the rows that the given ``undo`` rows compensate."""
    if not ledger_ids:
        return set()
    undo = T_LEDGER.alias("u")
    q = (select(T_LEDGER.c.scan_id).join(undo, undo.c.reverses_id == T_LEDGER.c.id)
         .where(undo.c.id.in_(ledger_ids)))
    with engine.connect() as conn:
        return {s for s in conn.execute(q).scalars() if s}


class SkuCapture(NamedTuple):
    id: int
    code: str
    tracking: str
    capture_lot: bool
    capture_expiry: bool


def sku_capture(engine: Engine, sku_id: int) -> SkuCapture:
    """A SKU's code, tracking and whether receiving captures its lot / expiry."""
    q = select(T_SKU.c.id, T_SKU.c.code, T_SKU.c.tracking, T_SKU.c.capture_lot,
               T_SKU.c.capture_expiry).where(T_SKU.c.id == sku_id)
    with engine.connect() as conn:
        r = conn.execute(q).one()
    return SkuCapture(r.id, r.code, r.tracking, bool(r.capture_lot), bool(r.capture_expiry))


def ledger_head(conn: Connection) -> int:
    """The id of the newest ledger row (0: none). Appends are serialised by the hash chain,
    so every row committed after this read gets a higher id."""
    return int(conn.execute(select(func.max(T_LEDGER.c.id))).scalar() or 0)


def changed_since(engine: Engine, since: int, sku_ids: Collection[int]) -> bool:
    """Whether a ledger row on one of ``sku_ids`` was written after row ``since``."""
    if not sku_ids:
        return False
    q = (select(T_LEDGER.c.id)
         .where(T_LEDGER.c.id > since, T_LEDGER.c.sku_id.in_(sorted(sku_ids))).limit(1))
    with engine.connect() as conn:
        return conn.execute(q).first() is not None


def unit_at(engine: Engine, sku_id: int, serial: str) -> tuple[str, str | None] | None:
    """A unit's status and bin code now (None: no such unit)."""
    q = (select(T_ASSET.c.status, T_BIN.c.code)
         .outerjoin(T_BIN, T_BIN.c.id == T_ASSET.c.bin_id)
         .where(T_ASSET.c.sku_id == sku_id, T_ASSET.c.serial == serial))
    with engine.connect() as conn:
        row = conn.execute(q).first()
    return None if row is None else (row[0], row[1])


class Taken(NamedTuple):
    """A ledger row that took stock out of a bin or moved a unit: what, where, by whom."""

    action: str  # pick | move | putaway | adjust | lost | scrap | stage | ship | undo
    serial: str | None  # the unit, for a serial SKU
    sku: str
    qty: int
    from_bin: str | None
    to_bin: str | None
    doc_code: str  # the order a pick was for
    operator: str
    terminal: str


def last_taken(engine: Engine, since: int, sku_id: int, *, bin_code: str | None = None,
               serial: str | None = None) -> Taken | None:
    """The newest ledger row after row ``since`` that took ``sku_id`` out of ``bin_code``
    (or, with ``serial``, that changed that unit); None when there is none."""
    frm, to = T_BIN.alias("frm"), T_BIN.alias("to")
    q = (select(T_LEDGER.c.action, T_ASSET.c.serial, T_SKU.c.code, T_LEDGER.c.qty,
                frm.c.code, to.c.code, T_LEDGER.c.doc_code, T_LEDGER.c.operator,
                T_LEDGER.c.terminal)
         .join(T_SKU, T_SKU.c.id == T_LEDGER.c.sku_id)
         .outerjoin(T_ASSET, T_ASSET.c.id == T_LEDGER.c.asset_id)
         .outerjoin(frm, frm.c.id == T_LEDGER.c.from_bin_id)
         .outerjoin(to, to.c.id == T_LEDGER.c.to_bin_id)
         .where(T_LEDGER.c.id > since, T_LEDGER.c.sku_id == sku_id)
         .order_by(T_LEDGER.c.id.desc()).limit(1))
    if serial is not None:
        q = q.where(T_ASSET.c.serial == serial)
    if bin_code is not None:
        q = q.where(frm.c.code == bin_code)
    with engine.connect() as conn:
        row = conn.execute(q).first()
    return None if row is None else Taken(*row[:3], abs(int(row[3] or 0)), *row[4:])
