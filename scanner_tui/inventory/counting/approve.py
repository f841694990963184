"""Approve a count (post its adjustments in ONE transaction) or send bins back for a recount.

Approval runs in the operations frame (``run_operation``: one transaction, idempotent by scan
id) with the ``Tx`` helpers, so every change has its ledger row and ``verify`` stays green:

* a unit expected and not counted -> ``lost`` (no bin);
* a unit counted that the books had in another bin -> ``move`` into the counted bin;
* a unit counted that the books had as lost -> ``found`` in the counted bin;
* a quantity variance -> ``adjust`` (in or out of the bin, by lot).

Rows carry ``doc_type="count"``, ``doc_code`` = the count, ``doc_line`` = the bin's place in it.
Units or stock that changed again after the bin was closed are left as they are (said in the
answer); a quantity that can no longer be taken out refuses the approval (recount the bin).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, insert, select, update

from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.counting.common import (
    CLOSED_BIN,
    T_BIN,
    T_CBIN,
    T_COUNT,
    T_LEDGER,
    T_RESULT,
    CountRefused,
    badges,
    count_row,
    listed,
    operator_badge,
    require_supervisor,
)
from scanner_tui.inventory.counting.compare import BinComparison, LineComparison, compare_on
from scanner_tui.inventory.errors import hhmm
from scanner_tui.inventory.ops.base import AssetRow, BinRow, OpResult, Retry, Tx, run_operation
from scanner_tui.inventory.ops.movement import MOVABLE_STATUSES
from scanner_tui.text import counted


def _status_in(kind: str) -> str:
    return "quarantined" if kind == "quarantine" else "in_stock"


def _unit(tx: Tx, serial: str, sku: str) -> AssetRow:
    found = tx.asset_or_none(serial, sku=sku)  # a unit is SKU + serial
    assert found is not None
    return found


def _changed_since(tx: Tx, asset_id: int, close_id: int) -> bool:
    return tx.one(select(T_LEDGER.c.id).where(
        T_LEDGER.c.asset_id == asset_id, T_LEDGER.c.id > close_id,
        T_LEDGER.c.status_after.is_not(None)).limit(1)) is not None


def _post_units(tx: Tx, b: BinComparison, line: LineComparison, doc: dict,
                notes: list[str], elsewhere: set[str]) -> None:
    close_id = b.close_ledger_id or 0
    for serial in line.missing:
        if serial in elsewhere:
            continue  # counted in another bin of this count: moved there below, not lost
        unit = _unit(tx, serial, line.sku)
        if _changed_since(tx, unit.id, close_id) or unit.bin_id != b.bin_id:
            notes.append(f"{serial} moved after the count; left as it is")
            continue
        if unit.status not in MOVABLE_STATUSES:
            notes.append(f"{serial} is {unit.status.replace('_', ' ')}; not marked lost")
            continue
        if not tx.set_asset(unit, status="lost", bin_id=None):
            raise Retry()
        tx.ledger("lost", sku_id=unit.sku_id, asset_id=unit.id, qty=1, from_bin_id=b.bin_id,
                  lot=unit.lot, status_after="lost", reason=f"not found at count {doc['doc_code']}",
                  **doc)
    status = _status_in(b.bin_kind)
    found = [s for s, _ in line.wrong_bin] + [s for s, st in line.unexpected if st == "lost"]
    for serial, st in line.unexpected:
        if st != "lost":
            notes.append(f"{serial} is {st.replace('_', ' ')} by the books; not changed")
    for serial in found:
        unit = _unit(tx, serial, line.sku)
        if _changed_since(tx, unit.id, close_id):
            notes.append(f"{serial} moved after the count; left as it is")
            continue
        if unit.status == "lost":
            action = "found"
        elif unit.status in MOVABLE_STATUSES and unit.bin_id not in (None, b.bin_id):
            action = "move"
        else:
            notes.append(f"{serial} is {unit.status.replace('_', ' ')}; not moved")
            continue
        if not tx.set_asset(unit, status=status, bin_id=b.bin_id):
            raise Retry()
        tx.ledger(action, sku_id=unit.sku_id, asset_id=unit.id, qty=1,
                  from_bin_id=unit.bin_id if action == "move" else None, to_bin_id=b.bin_id,
                  lot=unit.lot, status_after=status,
                  reason=f"found at count {doc['doc_code']}", **doc)


def _post_qty(tx: Tx, b: BinComparison, line: LineComparison, doc: dict) -> None:
    change = line.variance
    if change == 0:
        return
    sku = tx.sku_by_id(line.sku_id)
    bin_ = BinRow(b.bin_id, b.bin, b.zone, b.bin_kind, True)
    why = f"count {doc['doc_code']}"
    if change > 0:
        lot = max(line.lots, key=lambda lq: lq[1])[0] if line.lots else line.lot
        tx.put(sku.id, b.bin_id, change, lot)
        tx.ledger("adjust", sku_id=sku.id, qty=change, to_bin_id=b.bin_id, lot=lot, reason=why,
                  **doc)
        return
    takes = [(line.lot, -change)]
    if line.lots:  # all lots counted together: take the shortfall from the fullest lots first
        takes, left = [], -change
        for lot, _q in sorted(line.lots, key=lambda lq: -lq[1]):
            n = min(left, tx.stock_qty(sku.id, b.bin_id, lot))
            if n > 0:
                takes.append((lot, n))
                left -= n
        if left:
            takes.append((line.lots[0][0], left))  # refuses below: not that much any more
    for lot, n in takes:
        tx.take(sku, bin_, n, lot)
        tx.ledger("adjust", sku_id=sku.id, qty=n, from_bin_id=b.bin_id, lot=lot, reason=why,
                  **doc)


def approve(engine: Engine, *, actor: Actor, count_code: str, scan_id: str,
            entry: str = "typed") -> OpResult:
    """Approve a finished count: post every adjustment in one transaction (supervisors and
    admins, never for a count they counted in); bins lose their ``needs_count`` flag and
    record this as their last count."""

    def body(tx: Tx) -> tuple[str, dict]:
        conn = tx.session
        actor = tx.actor  # as the store has it (run_operation checked the role)
        count = count_row(conn, count_code)
        if count.status == "approved":
            raise CountRefused(f"{count.code} was approved by {count.approved_by} at "
                               f"{hhmm(count.approved_at)}.")
        result = compare_on(conn, count.code)
        open_bins = [b.bin for b in result.bins if not b.closed]
        if open_bins:
            raise CountRefused(f"{count.code} is not finished: {listed(open_bins)} not "
                               "counted yet.")
        own = [b.bin for b in result.bins if b.counter == actor.badge and b.status != "approved"]
        if own:
            raise CountRefused(f"{actor.badge} counted {listed(own)} on {count.code}; another "
                               "supervisor must approve it.")
        # Claim the count first: a second approval at the same time (another terminal) waits
        # here and then finds it approved; a recount sent meanwhile makes it not finished.
        claimed = conn.execute(update(T_COUNT).where(
            T_COUNT.c.id == count.id, T_COUNT.c.status == count.status,
            T_COUNT.c.status != "approved").values(
            status="approved", approved_by=actor.badge, approved_at=tx.now))
        if claimed.rowcount != 1:
            raise CountRefused(f"{count.code} changed just now (approved or sent back); look "
                               "at it again.")
        notes: list[str] = []
        now = tx.now
        elsewhere = {s for b in result.bins if b.status != "approved" for ln in b.lines
                     for s in [*(w for w, _ in ln.wrong_bin), *(u for u, _ in ln.unexpected)]}
        for n, b in enumerate(result.bins, start=1):
            if b.status == "approved":
                continue
            doc = {"doc_type": "count", "doc_code": count.code, "doc_line": n}
            for line in b.lines:
                if line.tracking == "serial":
                    _post_units(tx, b, line, doc, notes, elsewhere)
                else:
                    _post_qty(tx, b, line, doc)
            if b.lines:
                conn.execute(insert(T_RESULT), [{
                    "count_id": count.id, "count_bin_id": b.count_bin_id, "bin_id": b.bin_id,
                    "sku_id": ln.sku_id, "lot": ln.lot, "expected": ln.expected,
                    "counted": ln.counted, "variance": ln.variance, "value": ln.value,
                    "missing": " ".join(ln.missing),
                    "unexpected": " ".join(s for s, _ in ln.unexpected),
                    "wrong_bin": " ".join(f"{s}@{w}" for s, w in ln.wrong_bin),
                    "counter": b.counter, "approved_at": now} for ln in b.lines])
            conn.execute(update(T_CBIN).where(T_CBIN.c.id == b.count_bin_id)
                         .values(status="approved", approved_at=now))
            conn.execute(update(T_BIN).where(T_BIN.c.id == b.bin_id).values(needs_count=False))
        rows = len(tx.ledger_ids)
        text = (f"{count.code} approved: {counted(len(result.bins), 'bin')}, "
                f"{counted(rows, 'ledger row')}, variance "
                f"{counted(result.variance_units, 'unit', signed=True)} "
                f"({result.variance_value:+.2f}).")
        if notes:
            text += " Left alone: " + "; ".join(notes[:5]) + (
                f" and {len(notes) - 5} more." if len(notes) > 5 else ".")
        return text, {"notes": notes, "variance_units": result.variance_units,
                      "variance_value": result.variance_value}

    return run_operation(engine, "count", actor, scan_id, entry, body, role_op="approve")


def recount(engine: Engine, *, actor: Actor, count_code: str, bins: Sequence[str],
            assign_to: str | None = None) -> str:
    """Send counted bins back for a recount by another counter (supervisors and admins); a bin
    whose counter left it half counted is taken back from them the same way."""
    if not bins:
        raise CountRefused("Name the bins to count again.")
    with engine.begin() as conn:
        require_supervisor(conn, actor, "send bins back for a recount")
        count = count_row(conn, count_code)
        if count.status == "approved":
            raise CountRefused(f"{count.code} is approved; plan a new count instead.")
        assignee = operator_badge(conn, assign_to) if assign_to else ""
        rows = []
        for code in bins:
            cb = conn.execute(
                select(T_CBIN, T_BIN.c.code.label("bin_code"))
                .join(T_BIN, T_BIN.c.id == T_CBIN.c.bin_id)
                .where(T_CBIN.c.count_id == count.id, T_BIN.c.code == code.strip())).first()
            if cb is None:
                raise CountRefused(f"{code.strip()} is not on {count.code}.")
            if cb.status not in (*CLOSED_BIN, "counting"):  # counting: a count left unfinished
                raise CountRefused(f"{cb.bin_code} has not been counted yet on {count.code}.")
            before = badges(cb.not_by) | {cb.counter}
            if assignee and assignee in before:
                raise CountRefused(f"{assignee} counted {cb.bin_code} before; choose another "
                                   "counter for the recount.")
            rows.append((cb, before))
        for cb, before in rows:
            conn.execute(update(T_CBIN).where(T_CBIN.c.id == cb.id).values(
                status="recount", round=cb.round + 1, not_by=",".join(sorted(before))[:200],
                counter="", assigned_to=assignee, started_at=None, closed_at=None,
                snapshot_ledger_id=None, close_ledger_id=None))
        conn.execute(update(T_COUNT).where(T_COUNT.c.id == count.id)
                     .values(status="counting"))
    names = listed([cb.bin_code for cb, _ in rows])
    who = f" by {assignee}" if assignee else " by another counter"
    return f"{names} on {count.code} will be counted again{who}."


__all__ = ["approve", "recount"]
