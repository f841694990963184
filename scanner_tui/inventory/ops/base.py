"""The frame every operation runs in: one transaction, the idempotency key, roles, ledger rows.

``run_operation`` opens the transaction, claims the scan id in ``AppliedScan`` (a second
application of the same scan returns the first result and changes nothing), checks the role,
runs the operation body with a ``Tx`` and commits. The ``Tx`` helpers read rows with plain Core
statements and change stock only through guarded ``UPDATE ... WHERE`` statements whose row
count is checked, so the rules hold on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Engine, Row, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.db import session_scope
from scanner_tui.inventory.errors import (
    BadQuantity,
    Inactive,
    InsufficientStock,
    NotAllowed,
    NotFound,
    WrongBin,
    WrongBinKind,
)
from scanner_tui.inventory.models import (
    AppliedScan,
    Asset,
    Barcode,
    Bin,
    LedgerEntry,
    Operator,
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
T_APPLIED = AppliedScan.__table__
T_OPERATOR = Operator.__table__

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
}
APPROVERS = ("supervisor", "admin")
VERB = {
    "receive": "receive stock", "putaway": "put stock away", "move": "move stock",
    "pick": "pick orders", "stage": "stage orders", "ship": "ship orders",
    "return": "take returns", "adjust": "adjust stock", "scrap": "scrap stock",
    "undo": "undo changes",
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


def check_role(actor: Actor, operation: str) -> None:
    allowed = ROLE_MATRIX[operation]
    if actor.role not in allowed:
        raise NotAllowed(actor.badge, actor.role, VERB[operation], allowed)


def gtin14(code: str) -> str | None:
    """A GTIN-8/12/13/14 written as 14 digits (the way Barcode rows store them), else None."""
    return code.zfill(14) if code.isdigit() and len(code) in (8, 12, 13, 14) else None


class Tx:
    """One operation's transaction: the session plus the facts every ledger row records."""

    def __init__(self, session: Session, actor: Actor, scan_id: str, entry: str,
                 operation: str) -> None:
        self.session = session
        self.actor = actor
        self.scan_id = scan_id
        self.entry = entry
        self.operation = operation
        self.ledger_ids: list[int] = []
        self.now = utcnow()

    def execute(self, statement: Any, params: Any = None) -> Any:
        return self.session.execute(statement, params)

    def one(self, statement: Any) -> Row | None:
        return self.session.execute(statement).first()

    # -- look-ups -------------------------------------------------------------------------
    def bin(self, code: str, *, kinds: tuple[str, ...] | None = None,
            operation: str = "") -> Row:
        row = self.one(select(T_BIN).where(T_BIN.c.code == code.strip()))
        if row is None:
            raise NotFound("bin", code, "scan the bin tag on the shelf.")
        if not row.active:
            raise Inactive("bin", row.code)
        if kinds is not None and row.kind not in kinds:
            raise WrongBinKind(row.code, row.kind, operation or self.operation, kinds)
        return row

    def bin_code(self, bin_id: int | None) -> str | None:
        if bin_id is None:
            return None
        return self.execute(select(T_BIN.c.code).where(T_BIN.c.id == bin_id)).scalar()

    def sku(self, code: str) -> Row:
        """A SKU by its code, a GTIN (any length, stored as 14 digits) or an alias."""
        code = code.strip()
        row = self.one(select(T_SKU).where(T_SKU.c.code == code))
        if row is None:
            keys = [code]
            as14 = gtin14(code)
            if as14 and as14 != code:
                keys.append(as14)
            row = self.one(
                select(T_SKU).join(T_BARCODE, T_BARCODE.c.sku_id == T_SKU.c.id)
                .where(T_BARCODE.c.code.in_(keys))
            )
        if row is None:
            raise NotFound("product", code, "check the label or ask a supervisor.")
        return row

    def sku_by_id(self, sku_id: int) -> Row:
        return self.one(select(T_SKU).where(T_SKU.c.id == sku_id))

    def asset(self, serial: str, *, missing: str = "") -> Row:
        row = self.asset_or_none(serial)
        if row is None:
            raise NotFound("unit", serial, missing or "check the tag or ask a supervisor.")
        return row

    def asset_or_none(self, serial: str) -> Row | None:
        return self.one(select(T_ASSET).where(T_ASSET.c.serial == serial.strip()))

    def last_row_for_asset(self, asset_id: int, before: int | None = None,
                           action: str | None = None) -> Row | None:
        q = select(T_LEDGER).where(T_LEDGER.c.asset_id == asset_id)
        if before is not None:
            q = q.where(T_LEDGER.c.id < before)
        if action is not None:
            q = q.where(T_LEDGER.c.action == action)
        return self.one(q.order_by(T_LEDGER.c.id.desc()).limit(1))

    # -- changes --------------------------------------------------------------------------
    def ledger(self, action: str, **values: Any) -> int:
        """Append one ledger row stamped with operator, terminal, entry, scan id and time."""
        values.setdefault("qty", 0)
        values.setdefault("lot", "")
        values.setdefault("doc_type", "")
        values.setdefault("doc_code", "")
        values.setdefault("reason", "")
        result = self.execute(insert(T_LEDGER).values(
            action=action, at=self.now, operator=self.actor.badge,
            terminal=self.actor.terminal, entry=values.pop("entry", self.entry),
            scan_id=self.scan_id, **values,
        ))
        ledger_id = int(result.inserted_primary_key[0])
        self.ledger_ids.append(ledger_id)
        return ledger_id

    def stock_qty(self, sku_id: int, bin_id: int, lot: str | None = None) -> int:
        q = select(T_STOCK.c.qty).where(T_STOCK.c.sku_id == sku_id, T_STOCK.c.bin_id == bin_id)
        if lot is not None:
            q = q.where(T_STOCK.c.lot == lot)
        return int(sum(self.execute(q).scalars().all()))

    def choose_lot(self, sku: Row, bin_row: Row, qty: int) -> str:
        """The lot to take ``qty`` from when none was scanned: first to expire (FEFO)."""
        rows = self.execute(
            select(T_STOCK.c.lot, T_STOCK.c.expiry)
            .where(T_STOCK.c.sku_id == sku.id, T_STOCK.c.bin_id == bin_row.id,
                   T_STOCK.c.qty >= qty)
        ).all()
        if not rows:
            have = self.stock_qty(sku.id, bin_row.id)
            self.raise_short(sku, bin_row, qty, have, "")
        rows.sort(key=lambda r: (r.expiry is None, r.expiry or date.max, r.lot))
        return rows[0].lot

    def raise_short(self, sku: Row, bin_row: Row, qty: int, have: int, lot: str) -> None:
        """Refuse a take: point to a bin that has enough when the scanned one has none."""
        if have <= 0:
            q = (select(T_BIN.c.code).join(T_STOCK, T_STOCK.c.bin_id == T_BIN.c.id)
                 .where(T_STOCK.c.sku_id == sku.id, T_STOCK.c.qty >= qty, T_BIN.c.active)
                 .order_by(T_STOCK.c.qty.desc()).limit(1))
            if lot:
                q = q.where(T_STOCK.c.lot == lot)
            other = self.execute(q).scalar()
            if other is not None and other != bin_row.code:
                raise WrongBin(bin_row.code, other)
        raise InsufficientStock(sku.code, bin_row.code, qty, have, lot)

    def take(self, sku: Row, bin_row: Row, qty: int, lot: str) -> None:
        """Remove ``qty`` from a bin's stock; never below zero (guarded UPDATE)."""
        result = self.execute(
            update(T_STOCK)
            .where(T_STOCK.c.sku_id == sku.id, T_STOCK.c.bin_id == bin_row.id,
                   T_STOCK.c.lot == lot, T_STOCK.c.qty >= qty)
            .values(qty=T_STOCK.c.qty - qty)
        )
        if result.rowcount != 1:
            self.raise_short(sku, bin_row, qty, self.stock_qty(sku.id, bin_row.id, lot), lot)

    def put(self, sku_id: int, bin_id: int, qty: int, lot: str,
            expiry: date | None = None) -> None:
        """Add ``qty`` to a bin's stock (an upsert that survives a concurrent first insert)."""
        cond = (T_STOCK.c.sku_id == sku_id, T_STOCK.c.bin_id == bin_id, T_STOCK.c.lot == lot)
        for _ in range(2):
            done = self.execute(update(T_STOCK).where(*cond).values(qty=T_STOCK.c.qty + qty))
            if done.rowcount == 1:
                return
            try:
                with self.session.begin_nested():
                    self.execute(insert(T_STOCK).values(
                        sku_id=sku_id, bin_id=bin_id, lot=lot, expiry=expiry, qty=qty))
                return
            except IntegrityError:
                continue  # someone inserted the row first: add to it
        raise RuntimeError("stock row could not be written")  # pragma: no cover

    def set_asset(self, asset: Row, **values: Any) -> bool:
        """Update a unit only if it is still as it was read (status and bin unchanged)."""
        result = self.execute(
            update(T_ASSET)
            .where(T_ASSET.c.id == asset.id, T_ASSET.c.status == asset.status,
                   T_ASSET.c.bin_id.is_(None) if asset.bin_id is None
                   else T_ASSET.c.bin_id == asset.bin_id)
            .values(**values)
        )
        return result.rowcount == 1


def positive(qty: int) -> int:
    if not isinstance(qty, int) or isinstance(qty, bool) or qty <= 0:
        raise BadQuantity(qty)
    return qty


def _replay(session: Session, prior: Row) -> OpResult:
    ids = session.execute(
        select(T_LEDGER.c.id).where(T_LEDGER.c.scan_id == prior.scan_id).order_by(T_LEDGER.c.id)
    ).scalars().all()
    return OpResult(prior.operation, prior.summary, prior.scan_id, tuple(ids), replayed=True)


class Retry(Exception):
    """Raised inside a body when a guarded update lost a race: run the body again."""


def run_operation(engine: Engine, operation: str, actor: Actor, scan_id: str, entry: str,
                  body: Callable[[Tx], str | tuple[str, dict]],
                  *, role_op: str | None = None) -> OpResult:
    """Run ``body`` as one idempotent transaction keyed by ``scan_id``.

    The body checks the rules, changes state, writes ledger rows and returns the confirmation
    sentence (or ``(sentence, data)``), or raises a DomainError and nothing is kept.
    """
    if entry not in ENTRIES:
        raise ValueError(f"entry must be one of {ENTRIES}, not {entry!r}")
    if not scan_id or len(scan_id) > 64:
        raise ValueError("scan_id must be a non-empty string of at most 64 characters")
    check_role(actor, role_op or operation)
    last_error: Exception | None = None
    for _attempt in range(3):
        try:
            with session_scope(engine) as session:
                prior = session.execute(
                    select(T_APPLIED).where(T_APPLIED.c.scan_id == scan_id)).first()
                if prior is not None:
                    return _replay(session, prior)
                session.execute(insert(T_APPLIED).values(
                    scan_id=scan_id, operation=operation, summary="", at=utcnow()))
                tx = Tx(session, actor, scan_id, entry, operation)
                out = body(tx)
                message, data = out if isinstance(out, tuple) else (out, {})
                session.execute(update(T_APPLIED).where(T_APPLIED.c.scan_id == scan_id)
                                .values(summary=message[:400]))
                result = OpResult(operation, message, scan_id, tuple(tx.ledger_ids), False, data)
            return result
        except (IntegrityError, Retry) as exc:
            # Lost a race (same scan id, same new serial, same stock row): the winner has
            # committed, so the next attempt sees its state and answers accordingly.
            last_error = exc
            continue
    assert last_error is not None
    raise last_error
