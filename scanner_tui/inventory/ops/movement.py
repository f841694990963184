"""Stock changing place or amount inside the store: putaway, move, adjust, scrap."""

from __future__ import annotations

from sqlalchemy import Engine

from scanner_tui import codes
from scanner_tui.inventory import lot_rules
from scanner_tui.inventory.actor import Actor, Approval, approver_badge, signed_in
from scanner_tui.inventory.errors import (
    BadQuantity,
    DomainError,
    NeedsApproval,
    NotAllowed,
    NotFound,
    SameBin,
    WrongBin,
)
from scanner_tui.inventory.identity import quantity, valid
from scanner_tui.inventory.ops.base import (
    APPROVERS,
    OpResult,
    Retry,
    Tx,
    run_operation,
)
from scanner_tui.inventory.ops.door import guarded
from scanner_tui.inventory.ops.unit_refusals import refuse_unit

PUTAWAY_BIN_KINDS = ("pick", "reserve")
MOVE_BIN_KINDS = ("pick", "reserve", "dock", "returns", "quarantine")
MOVABLE_STATUSES = ("in_stock", "returned", "quarantined")


def _status_in(kind: str, current: str) -> str:
    if kind == "quarantine":
        return "quarantined"
    if kind == "returns":
        return current
    return "in_stock"


def _may_move(tx: Tx, sku_id: int, lot: str, target) -> None:  # noqa: ANN001
    """Stock of a lot on hold leaves its bin only into quarantine, or by a supervisor."""
    if target.kind != "quarantine" and tx.actor.role not in APPROVERS \
            and tx.on_hold(sku_id, lot):
        raise lot_rules.move_refusal(lot)


def _move(tx: Tx, action: str, to_bin: str, kinds: tuple[str, ...], serial: str | None,
          sku: str | None, qty: int, from_bin: str | None, lot: str | None) -> str:
    target = tx.bin(to_bin, kinds=kinds, operation="putaway" if action == "putaway" else "a move")
    if serial is not None:
        unit = tx.asset(serial, sku=sku)
        if unit.status not in MOVABLE_STATUSES:
            refuse_unit(tx, unit)
        current = tx.bin_code(unit.bin_id)
        if from_bin is not None and from_bin.strip() != current:
            raise WrongBin(from_bin.strip(), current, item=unit.serial)
        if unit.bin_id == target.id:
            raise SameBin(unit.serial, target.code)
        _may_move(tx, unit.sku_id, unit.lot, target)
        status = _status_in(target.kind, unit.status)
        if not tx.set_asset(unit, bin_id=target.id, status=status):
            raise Retry()
        tx.ledger(action, sku_id=unit.sku_id, asset_id=unit.id, qty=1, from_bin_id=unit.bin_id,
                  to_bin_id=target.id, lot=unit.lot, status_after=status)
        return f"{unit.serial} ({unit.sku_code}) is now in {target.code}."
    if not sku:
        raise NotFound("product", "", "scan the unit or the product first.")
    sku_row = tx.quantity_sku(sku)
    n = quantity(tx, qty)
    if from_bin is None:
        raise NotFound("bin", "", "scan the bin the stock comes from.")
    source = tx.bin(from_bin)
    if source.id == target.id:
        raise SameBin(sku_row.code, target.code)
    use_lot = lot if lot is not None else tx.choose_lot(
        sku_row, source, n, put_aside=target.kind == "quarantine")
    _may_move(tx, sku_row.id, use_lot, target)
    tx.take(sku_row, source, n, use_lot)
    expiry = tx.put(sku_row.id, target.id, n, use_lot)
    tx.ledger(action, sku_id=sku_row.id, qty=n, from_bin_id=source.id, to_bin_id=target.id,
              lot=use_lot, expiry=expiry)
    return f"Moved {n} of {sku_row.code} from {source.code} to {target.code}."


@guarded
def putaway(engine: Engine, *, actor: Actor, scan_id: str, to_bin: str,
            serial: str | None = None, sku: str | None = None, qty: int = 1,
            from_bin: str | None = None, lot: str | None = None,
            entry: str = "scanned") -> OpResult:
    """Put received stock away into a pick or reserve bin."""
    return run_operation(engine, "putaway", actor, scan_id, entry, lambda tx: _move(
        tx, "putaway", to_bin, PUTAWAY_BIN_KINDS, serial, sku, qty, from_bin, lot))


@guarded
def move(engine: Engine, *, actor: Actor, scan_id: str, to_bin: str,
         serial: str | None = None, sku: str | None = None, qty: int = 1,
         from_bin: str | None = None, lot: str | None = None,
         entry: str = "scanned") -> OpResult:
    """Move a unit, or ``qty`` of a quantity SKU, between bins (not into staging)."""
    return run_operation(engine, "move", actor, scan_id, entry, lambda tx: _move(
        tx, "move", to_bin, MOVE_BIN_KINDS, serial, sku, qty, from_bin, lot))


def _approver(tx: Tx, approved_by: Approval | None) -> str:
    """The badge that approves an adjustment: the operator's own if the store has them as a
    supervisor or admin; else an active supervisor's or admin's, proved by their own badge
    scan at this terminal (``Approval``), never by a badge given as a name."""
    if tx.actor.role in APPROVERS:
        return tx.actor.badge
    if approved_by is None:
        raise NeedsApproval(tx.actor.badge, "adjustment")
    badge = approver_badge(tx.sql, tx.actor, approved_by, tx.now, tx.scan_id)
    approver = signed_in(tx.sql, Actor(badge, tx.actor.terminal))
    if approver.role not in APPROVERS:
        raise NotAllowed(badge, approver.role, "approve adjustments", APPROVERS)
    return badge


@guarded
def adjust(engine: Engine, *, actor: Actor, scan_id: str, bin: str, sku: str,
           delta: int | None = None, counted: int | None = None, lot: str = "",
           reason: str = "", approved_by: Approval | None = None,
           entry: str = "scanned") -> OpResult:
    """Correct the quantity of a quantity SKU in a bin, by ``delta`` or to ``counted``.

    Supervisors and admins adjust on their own authority; a receiver's adjustment needs
    ``approved_by`` = an active supervisor's or admin's own badge scan at the same terminal
    (``Approval``); pickers may not adjust.
    """
    if (delta is None) == (counted is None):
        raise ValueError("give exactly one of delta or counted")

    def body(tx: Tx) -> str:
        bin_row = tx.bin(bin)
        sku_row = tx.quantity_sku(sku)
        approver = _approver(tx, approved_by)
        have = tx.stock_qty(sku_row.id, bin_row.id, lot)
        if counted is not None:
            change = valid(codes.parse_quantity, counted, minimum=0, limit=codes.STOCK_LIMIT,
                           what="count") - have
        else:
            if not isinstance(delta, int) or isinstance(delta, bool):
                raise BadQuantity(delta)
            change = delta if delta < 0 else quantity(tx, delta)
            if -change > codes.STOCK_LIMIT:
                raise BadQuantity(delta)
        if change == 0:
            return f"{bin_row.code} holds {have} of {sku_row.code}; nothing to adjust."
        why = (reason.strip() or "adjustment") + f" (approved by {approver})"
        if change < 0:
            tx.take(sku_row, bin_row, -change, lot)
            tx.ledger("adjust", sku_id=sku_row.id, qty=-change, from_bin_id=bin_row.id,
                      lot=lot, reason=why[:200])
        else:
            tx.put(sku_row.id, bin_row.id, change, lot)
            tx.ledger("adjust", sku_id=sku_row.id, qty=change, to_bin_id=bin_row.id, lot=lot,
                      reason=why[:200])
        return (f"{bin_row.code} now holds {have + change} of {sku_row.code} "
                f"({change:+d}, approved by {approver}).")

    return run_operation(engine, "adjust", actor, scan_id, entry, body)


@guarded
def scrap(engine: Engine, *, actor: Actor, scan_id: str, serial: str | None = None,
          sku: str | None = None, bin: str | None = None, qty: int = 1, lot: str = "",
          reason: str = "", entry: str = "scanned") -> OpResult:
    """Write off a unit, or ``qty`` of a quantity SKU from ``bin`` (supervisors and admins)."""

    def body(tx: Tx) -> str:
        why = reason.strip()[:200]
        if serial is not None:
            unit = tx.asset(serial, sku=sku)
            if unit.status not in MOVABLE_STATUSES:
                refuse_unit(tx, unit)
            if bin is not None:
                current = tx.bin_code(unit.bin_id)
                if bin.strip() != current:
                    raise WrongBin(bin.strip(), current, item=unit.serial)
            if not tx.set_asset(unit, status="scrapped", bin_id=None):
                raise Retry()
            tx.ledger("scrap", sku_id=unit.sku_id, asset_id=unit.id, qty=1,
                      from_bin_id=unit.bin_id, lot=unit.lot, status_after="scrapped",
                      reason=why)
            return f"{unit.serial} ({unit.sku_code}) is scrapped."
        if not sku or not bin:
            raise DomainError("Scan the bin and the product to scrap, or the unit's tag.")
        sku_row = tx.quantity_sku(sku)
        bin_row = tx.bin(bin)
        n = quantity(tx, qty)
        tx.take(sku_row, bin_row, n, lot)
        tx.ledger("scrap", sku_id=sku_row.id, qty=n, from_bin_id=bin_row.id, lot=lot,
                  reason=why)
        return f"Scrapped {n} of {sku_row.code} from {bin_row.code}."

    return run_operation(engine, "scrap", actor, scan_id, entry, body)




@guarded
def mark_lost(engine: Engine, *, actor: Actor, scan_id: str, serial: str, reason: str = "",
              approved_by: Approval | None = None, sku: str | None = None,
              entry: str = "typed") -> OpResult:
    """A unit that a count did not find: status ``lost``, no bin (an adjustment: approved)."""

    def body(tx: Tx) -> str:
        unit = tx.asset(serial, sku=sku)
        approver = _approver(tx, approved_by)
        if unit.status not in MOVABLE_STATUSES:
            refuse_unit(tx, unit)
        if not tx.set_asset(unit, status="lost", bin_id=None):
            raise Retry()
        why = (reason.strip() or "not found at count") + f" (approved by {approver})"
        tx.ledger("lost", sku_id=unit.sku_id, asset_id=unit.id, qty=1, from_bin_id=unit.bin_id,
                  lot=unit.lot, status_after="lost", reason=why[:200])
        where = tx.bin_code(unit.bin_id)
        said = f"{unit.serial} ({unit.sku_code}) is marked lost"
        return said + (f" (was in {where})." if where else ".")

    return run_operation(engine, "lost", actor, scan_id, entry, body, role_op="adjust")


@guarded
def found(engine: Engine, *, actor: Actor, scan_id: str, serial: str, bin: str,
          reason: str = "", approved_by: Approval | None = None, sku: str | None = None,
          entry: str = "scanned") -> OpResult:
    """A unit marked lost turns up: back in stock in ``bin`` (an adjustment: approved)."""

    def body(tx: Tx) -> str:
        unit = tx.asset(serial, missing="receive it if it is new to the store.", sku=sku)
        target = tx.bin(bin, kinds=MOVE_BIN_KINDS, operation="a found unit")
        approver = _approver(tx, approved_by)
        if unit.status != "lost":
            if unit.status in MOVABLE_STATUSES:
                where = tx.bin_code(unit.bin_id)
                raise SameBin(unit.serial, where) if unit.bin_id == target.id else WrongBin(
                    target.code, where, item=unit.serial)
            refuse_unit(tx, unit)
        status = _status_in(target.kind, "in_stock")
        if not tx.set_asset(unit, status=status, bin_id=target.id):
            raise Retry()
        why = (reason.strip() or "found") + f" (approved by {approver})"
        tx.ledger("found", sku_id=unit.sku_id, asset_id=unit.id, qty=1, to_bin_id=target.id,
                  lot=unit.lot, status_after=status, reason=why[:200])
        return f"{unit.serial} ({unit.sku_code}) is found and back in {target.code}."

    return run_operation(engine, "found", actor, scan_id, entry, body, role_op="adjust")
