"""Plan a count: choose bins (by code, zone, SKU, flagged, or not counted for N days)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, case, func, insert, select, update

from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.counting.common import (
    CLOSED_BIN,
    COUNTABLE,
    T_ASSET,
    T_BIN,
    T_CBIN,
    T_COUNT,
    T_SKU,
    T_STOCK,
    CountRefused,
    bin_row,
    listed,
    operator_badge,
    require_supervisor,
)
from scanner_tui.inventory.errors import NotFound
from scanner_tui.inventory.models import as_aware, utcnow
from scanner_tui.inventory.ops.base import gtin14


@dataclass(frozen=True, slots=True)
class CountInfo:
    """A count as lists show it."""

    code: str
    status: str
    scope: str
    assigned_to: str
    created_by: str
    created_at: datetime
    bins: int
    closed: int  # bins counted (or approved)
    approved_by: str = ""
    blind: bool = True


def _sku_id(conn: Connection, code: str) -> int:
    from scanner_tui.inventory.models import Barcode

    code = code.strip()
    found = conn.execute(select(T_SKU.c.id).where(T_SKU.c.code == code)).scalar()
    if found is None:
        keys = [k for k in (gtin14(code), code) if k]
        found = conn.execute(select(Barcode.__table__.c.sku_id)
                             .where(Barcode.__table__.c.code.in_(keys))).scalar()
    if found is None:
        raise NotFound("product", code, "give a SKU code or GTIN of this store.")
    return int(found)


def last_counted(conn: Connection) -> dict[int, datetime]:
    """Each bin's last approved count (bin id -> when)."""
    rows = conn.execute(select(T_CBIN.c.bin_id, func.max(T_CBIN.c.approved_at))
                        .where(T_CBIN.c.approved_at.is_not(None)).group_by(T_CBIN.c.bin_id))
    return {r[0]: r[1] for r in rows}


def _choose(conn: Connection, bins: Sequence[str], zone: str | None, sku: str | None,
            not_counted_days: int | None, flagged: bool) -> tuple[list[int], list[str]]:
    """Bin ids matching any criterion (active bins only), and the scope in words."""
    chosen: dict[int, None] = {}
    scope: list[str] = []
    for code in bins:
        row = bin_row(conn, code)
        if not row.active:
            raise CountRefused(f"Bin {row.code} is not in use any more; it cannot be counted.")
        chosen[row.id] = None
    if bins:
        scope.append("bins " + listed([b.strip() for b in bins]))
    active = select(T_BIN.c.id).where(T_BIN.c.active).order_by(T_BIN.c.code)
    if zone:
        ids = conn.execute(active.where(T_BIN.c.zone == zone.strip())).scalars().all()
        if not ids:
            raise CountRefused(f"No bins in use are in zone {zone.strip()}.")
        chosen.update(dict.fromkeys(ids))
        scope.append(f"zone {zone.strip()}")
    if sku:
        sid = _sku_id(conn, sku)
        held = (select(T_STOCK.c.bin_id).where(T_STOCK.c.sku_id == sid, T_STOCK.c.qty > 0)
                .union(select(T_ASSET.c.bin_id).where(T_ASSET.c.sku_id == sid,
                                                      T_ASSET.c.bin_id.is_not(None),
                                                      T_ASSET.c.status.in_(COUNTABLE))))
        ids = conn.execute(active.where(T_BIN.c.id.in_(held))).scalars().all()
        if not ids:
            raise CountRefused(f"No bin holds {sku.strip()} by the books.")
        chosen.update(dict.fromkeys(ids))
        scope.append(f"bins of {sku.strip()}")
    if flagged:
        ids = conn.execute(active.where(T_BIN.c.needs_count)).scalars().all()
        chosen.update(dict.fromkeys(ids))
        scope.append("bins flagged for a count")
    if not_counted_days is not None:
        since = utcnow() - timedelta(days=not_counted_days)
        last = last_counted(conn)
        ids = [i for i in conn.execute(active).scalars().all()
               if i not in last or as_aware(last[i]) < since]
        chosen.update(dict.fromkeys(ids))
        scope.append(f"bins not counted for {not_counted_days} days")
    return list(chosen), scope




def plan_count(engine: Engine, *, actor: Actor, bins: Sequence[str] = (),
               zone: str | None = None, sku: str | None = None,
               not_counted_days: int | None = None, flagged: bool = False,
               assign_to: str | None = None, blind: bool = True) -> CountInfo:
    """Create a count of the chosen bins (any criterion matches); supervisors and admins only.

    Bins already on a count that is not approved are left out. Nothing is snapshotted here:
    the expected contents are read when the counter starts each bin.
    """
    if not (bins or zone or sku or flagged or not_counted_days is not None):
        raise CountRefused("Choose the bins to count: codes, a zone, a SKU, flagged bins or "
                           "bins not counted for some days.")
    with engine.begin() as conn:
        actor = require_supervisor(conn, actor, "plan counts")
        assignee = operator_badge(conn, assign_to) if assign_to else ""
        ids, scope = _choose(conn, bins, zone, sku, not_counted_days, flagged)
        busy = set(conn.execute(
            select(T_CBIN.c.bin_id).join(T_COUNT, T_COUNT.c.id == T_CBIN.c.count_id)
            .where(T_COUNT.c.status != "approved")).scalars())
        ids = [i for i in ids if i not in busy]
        if not ids:
            raise CountRefused("Every chosen bin is already on a count that is not approved "
                               "(or none matched); nothing to plan.")
        now = utcnow()
        count_id = conn.execute(insert(T_COUNT).values(
            code=f"new-{uuid.uuid4().hex[:24]}", status="open", scope="; ".join(scope)[:200],
            blind=blind, assigned_to=assignee, created_by=actor.badge, created_at=now,
            approved_by="")).inserted_primary_key[0]
        code = f"CC-{count_id:05d}"
        conn.execute(update(T_COUNT).where(T_COUNT.c.id == count_id).values(code=code))
        conn.execute(insert(T_CBIN), [
            {"count_id": count_id, "bin_id": i, "status": "pending", "round": 1,
             "assigned_to": assignee, "counter": "", "not_by": ""} for i in ids])
    return CountInfo(code, "open", "; ".join(scope)[:200], assignee, actor.badge, now,
                     len(ids), 0, "", blind)


def list_counts(engine: Engine, *, status: str | None = None,
                include_approved: bool = True) -> list[CountInfo]:
    """Counts, newest first, with how many of their bins are closed."""
    closed = func.sum(case((T_CBIN.c.status.in_(CLOSED_BIN), 1), else_=0))
    q = (select(T_COUNT, func.count(T_CBIN.c.id).label("n"), closed.label("closed"))
         .join(T_CBIN, T_CBIN.c.count_id == T_COUNT.c.id)
         .group_by(T_COUNT.c.id).order_by(T_COUNT.c.id.desc()))
    if status:
        q = q.where(T_COUNT.c.status == status)
    elif not include_approved:
        q = q.where(T_COUNT.c.status != "approved")
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    return [CountInfo(r.code, r.status, r.scope, r.assigned_to, r.created_by, r.created_at,
                      int(r.n), int(r.closed or 0), r.approved_by, bool(r.blind)) for r in rows]


def bins_of(conn: Connection, count_id: int) -> list:
    """The count's bins with their codes and zones, in bin code order."""
    return conn.execute(
        select(T_CBIN, T_BIN.c.code.label("bin_code"), T_BIN.c.zone, T_BIN.c.kind)
        .join(T_BIN, T_BIN.c.id == T_CBIN.c.bin_id)
        .where(T_CBIN.c.count_id == count_id).order_by(T_BIN.c.code)).all()


def bins_to_count(engine: Engine, badge: str = "") -> list[tuple[str, str]]:
    """(bin code, count code) of every bin planned and not counted yet, on counts assigned
    to ``badge`` or to nobody: what a counter's screen lists before a bin is scanned."""
    q = (select(T_BIN.c.code, T_COUNT.c.code)
         .join(T_CBIN, T_CBIN.c.bin_id == T_BIN.c.id)
         .join(T_COUNT, T_COUNT.c.id == T_CBIN.c.count_id)
         .where(T_COUNT.c.status != "approved", T_CBIN.c.status.not_in(CLOSED_BIN))
         .order_by(T_COUNT.c.code, T_BIN.c.code))
    if badge:
        q = q.where(func.coalesce(T_COUNT.c.assigned_to, "").in_(("", badge)))
    with engine.connect() as conn:
        return [(r[0], r[1]) for r in conn.execute(q)]
