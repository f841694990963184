"""Goods coming in: receive (against a receipt or not) and customer returns."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, Engine, and_, func, insert, select, update

from scanner_tui import codes
from scanner_tui.inventory import authenticity
from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.errors import (
    AuthenticityError,
    CaptureRequired,
    DocumentClosed,
    DuplicateSerial,
    NeverShipped,
    NotFound,
    NotOnDocument,
    NotSerialTracked,
    ReceivedAgain,
    UnissuedTag,
)
from scanner_tui.inventory.identity import (
    check_room,
    policy_for,
    quantity,
    tag_issued,
    valid,
)
from scanner_tui.inventory.ops.base import (
    T_ASSET,
    T_EXPECTED,
    T_LEDGER,
    T_OLINE,
    T_ORDER,
    T_RECEIPT,
    T_RLINE,
    OpResult,
    Retry,
    Tx,
    run_operation,
)
from scanner_tui.inventory.ops.door import guarded

RECEIVE_BIN_KINDS = ("dock", "pick", "reserve", "quarantine")
RETURN_BIN_KINDS = ("returns", "quarantine")
VOID = "void"  # status of a unit whose receipt was undone: it may be received again
IN_STORE = ("in_stock", "picked", "returned", "quarantined")  # received again: an event


def _unit_to_receive(tx: Tx, sku_row, serial: str, warnings: list[AuthenticityError]):
    """The unit row this receive reuses (a voided receipt of the same product) or None for a
    new one; refuses a serial the product has already, an own tag held by another product,
    and an own tag the store never issued (or only warns, as the site's policy says)."""
    policy = policy_for(tx.session.engine)
    pattern = tx.sql.first("SELECT serial_pattern FROM sku WHERE id = ?", (sku_row.id,))[0]
    own = policy.is_own_tag(serial)
    valid(codes.check_serial, serial, pattern="" if own else pattern or "")
    if own and tx.sql.dialect.name == "postgresql":
        # An own tag is unique across products, which no index says: two terminals receiving
        # it as two products at once take turns (SQLite's BEGIN IMMEDIATE already does).
        tx.sql.first("SELECT pg_advisory_xact_lock(hashtext(?))", (f"own-tag:{serial}",))
    same, others = None, []
    for unit in tx.units(serial):
        if unit.sku_id == sku_row.id:
            same = unit
        elif unit.status != VOID:
            others.append(unit)
    if same is not None and same.status != VOID:
        if same.status in IN_STORE or same.status == "shipped":
            raise ReceivedAgain(serial, same.status, tx.bin_code(same.bin_id), sku_row.code)
        raise DuplicateSerial(serial, same.status, tx.bin_code(same.bin_id))
    if own and others:  # the site's own tags name one unit in the whole store
        other = others[0]
        raise ReceivedAgain(serial, other.status, tx.bin_code(other.bin_id), other.sku_code)
    if own and same is None and not tag_issued(tx.sql, policy, serial):
        if policy.unissued_tags == "refuse":
            raise UnissuedTag(serial)
        warnings.append(UnissuedTag(serial, warn=True))
    return same


def _receipt_line(tx: Tx, receipt_code: str, line: int | None, sku_id: int, sku_code: str,
                  qty: int):
    receipt = tx.one(select(T_RECEIPT).where(T_RECEIPT.c.code == receipt_code.strip()))
    if receipt is None:
        raise NotFound("receipt", receipt_code)
    if receipt.status != "open":
        raise DocumentClosed(f"Receipt {receipt.code} is closed; nothing more can be received "
                             "on it.", receipt=receipt.code)
    q = select(T_RLINE).where(T_RLINE.c.receipt_id == receipt.id).order_by(T_RLINE.c.line_no)
    if line is not None:
        row = tx.one(q.where(T_RLINE.c.line_no == line))
        if row is None:
            raise NotOnDocument(f"Receipt {receipt.code} has no line {line}.",
                                receipt=receipt.code, line=line)
        if row.sku_id != sku_id:
            raise NotOnDocument(f"Line {line} of receipt {receipt.code} is not for {sku_code}.",
                                receipt=receipt.code, line=line, sku=sku_code)
        rows = [row]
    else:
        rows = tx.execute(q.where(T_RLINE.c.sku_id == sku_id)).all()
        if not rows:
            raise NotOnDocument(f"{sku_code} is not on receipt {receipt.code}; set it aside "
                                "for a supervisor.", receipt=receipt.code, sku=sku_code)
    for row in rows:
        if row.qty_received + qty <= row.qty_expected:
            done = tx.execute(
                update(T_RLINE).where(T_RLINE.c.id == row.id,
                                      T_RLINE.c.qty_received + qty <= T_RLINE.c.qty_expected)
                .values(qty_received=T_RLINE.c.qty_received + qty))
            if done.rowcount != 1:
                raise Retry()
            return receipt, row
    expected = sum(r.qty_expected for r in rows)
    received = sum(r.qty_received for r in rows)
    raise NotOnDocument(
        f"Receipt {receipt.code} expects {expected} of {sku_code} and {received} are in; "
        f"{qty} more is more than expected.",
        receipt=receipt.code, sku=sku_code, expected=expected, received=received)


def _check_expected_serial(tx: Tx, receipt, line, serial: str) -> None:
    """If the receipt lists serials (an advance ship notice), the unit must be one of them."""
    listed = tx.one(select(T_EXPECTED).where(T_EXPECTED.c.receipt_id == receipt.id,
                                             T_EXPECTED.c.serial == serial))
    if listed is None:
        any_listed = tx.execute(select(T_EXPECTED.c.id).where(
            T_EXPECTED.c.receipt_id == receipt.id, T_EXPECTED.c.line_id == line.id).limit(1)
        ).first()
        if any_listed is not None:
            raise NotOnDocument(f"{serial} is not on the ship notice of receipt {receipt.code};"
                                " set it aside for a supervisor.",
                                serial=serial, receipt=receipt.code)
        return
    done = tx.execute(update(T_EXPECTED).where(T_EXPECTED.c.id == listed.id,
                                               T_EXPECTED.c.received.is_(False))
                      .values(received=True))
    if done.rowcount != 1:
        raise DuplicateSerial(serial, "received", None)


def _sku_from_notice(tx: Tx, receipt_code: str | None, serial: str):
    if receipt_code is None:
        raise NotFound("unit", serial, "scan the product barcode first, then the unit.")
    row = tx.one(select(T_RLINE.c.sku_id).select_from(T_EXPECTED)
                 .join(T_RLINE, T_RLINE.c.id == T_EXPECTED.c.line_id)
                 .join(T_RECEIPT, T_RECEIPT.c.id == T_EXPECTED.c.receipt_id)
                 .where(T_RECEIPT.c.code == receipt_code, T_EXPECTED.c.serial == serial))
    if row is None:
        raise NotOnDocument(f"{serial} is not on the ship notice of receipt {receipt_code}; "
                            "scan the product barcode first.", serial=serial,
                            receipt=receipt_code)
    return tx.sku_by_id(row.sku_id)


def _check_capture(sku_row, lot: str, expiry: date | None) -> None:
    """A SKU that records lot / expiry gets them at receipt, or is refused."""
    missing = [name for name, flag, value in (("lot", sku_row.capture_lot, lot.strip()),
                                              ("expiry date", sku_row.capture_expiry, expiry))
               if flag and not value]
    if missing:
        raise CaptureRequired(sku_row.code, " and ".join(missing))


@guarded
def receive(engine: Engine, *, actor: Actor, scan_id: str, bin: str, sku: str | None = None,
            serial: str | None = None, qty: int = 1, lot: str = "",
            expiry: date | None = None, receipt: str | None = None, line: int | None = None,
            entry: str = "scanned") -> OpResult:
    """Receive one serialised unit (``serial``) or ``qty`` of a quantity SKU into ``bin``."""

    warnings: list[AuthenticityError] = []

    def body(tx: Tx) -> str:
        bin_row = tx.bin(bin, kinds=RECEIVE_BIN_KINDS, operation="receiving")
        lot_code = lot  # codes are checked at the door (identity.guarded)
        if serial is not None:
            serial_code = serial
            sku_row = tx.sku(sku) if sku else _sku_from_notice(tx, receipt, serial_code)
            if sku_row.tracking != "serial":
                raise NotSerialTracked(sku_row.code)
            _check_capture(sku_row, lot_code, expiry)
            existing = _unit_to_receive(tx, sku_row, serial_code, warnings)
            for warning in warnings:
                tx.execute(insert(authenticity.T_EVENT).values(**authenticity.event_values(
                    warning, scan_id=scan_id, terminal=actor.terminal, operator=actor.badge,
                    payload=serial_code, refused=False)))
            doc = {}
            if receipt is not None:
                rec, rline = _receipt_line(tx, receipt, line, sku_row.id, sku_row.code, 1)
                _check_expected_serial(tx, rec, rline, serial_code)
                doc = {"doc_type": "receipt", "doc_code": rec.code, "doc_line": rline.line_no}
            values = dict(sku_id=sku_row.id, status="in_stock", bin_id=bin_row.id, lot=lot_code,
                          expiry=expiry, entry=tx.entry, order_line_id=None)
            if existing is None:
                asset_id = tx.execute(insert(T_ASSET).values(
                    serial=serial_code, attributes="{}", **values)).inserted_primary_key[0]
            else:
                if not tx.set_asset(existing, **values):
                    raise Retry()
                asset_id = existing.id
            tx.ledger("receive", sku_id=sku_row.id, asset_id=asset_id, qty=1,
                      to_bin_id=bin_row.id, lot=lot_code, expiry=expiry,
                      status_after="in_stock", **doc)
            said = f"Received {serial_code} ({sku_row.code}) into {bin_row.code}."
            return said + "".join(f" Note: {w}" for w in warnings)
        if not sku:
            raise NotFound("product", "", "scan the product barcode first.")
        sku_row = tx.quantity_sku(sku)
        n = quantity(tx, qty)
        _check_capture(sku_row, lot_code, expiry)
        doc = {}
        if receipt is not None:
            rec, rline = _receipt_line(tx, receipt, line, sku_row.id, sku_row.code, n)
            doc = {"doc_type": "receipt", "doc_code": rec.code, "doc_line": rline.line_no}
        check_room(tx, sku_row, bin_row, n, lot_code)
        tx.put(sku_row.id, bin_row.id, n, lot_code, expiry)
        tx.ledger("receive", sku_id=sku_row.id, qty=n, to_bin_id=bin_row.id, lot=lot_code,
                  expiry=expiry, **doc)
        return f"Received {n} of {sku_row.code} into {bin_row.code}."

    return run_operation(engine, "receive", actor, scan_id, entry, body)



def returned_qty(tx: Tx | Connection, order_code: str, line_no: int, sku_id: int) -> int:
    """Units of a quantity line already returned (return rows not undone since); ``tx``: an
    operation's transaction or a read connection."""
    undo = T_LEDGER.alias("u")
    undone = select(undo.c.id).where(undo.c.reverses_id == T_LEDGER.c.id).exists()
    q = select(func.coalesce(func.sum(T_LEDGER.c.qty), 0)).where(and_(
        T_LEDGER.c.doc_type == "order", T_LEDGER.c.doc_code == order_code,
        T_LEDGER.c.doc_line == line_no, T_LEDGER.c.action == "return",
        T_LEDGER.c.sku_id == sku_id, T_LEDGER.c.asset_id.is_(None), ~undone))
    return int(tx.execute(q).scalar() or 0)


@guarded
def return_unit(engine: Engine, *, actor: Actor, scan_id: str, bin: str,
                serial: str | None = None, sku: str | None = None, qty: int = 1,
                order: str | None = None, lot: str = "", reason: str = "",
                entry: str = "scanned") -> OpResult:
    """Take back a unit (by serial) or ``qty`` of a quantity SKU shipped on ``order``."""

    def body(tx: Tx) -> str:
        bin_row = tx.bin(bin, kinds=RETURN_BIN_KINDS, operation="a return")
        if serial is not None:
            serial_code = serial.strip()
            unit = tx.asset_or_none(serial_code, sku=sku)
            if unit is None:
                raise NeverShipped(f"{serial_code} was never shipped from here; put it aside "
                                   "for a supervisor.", serial=serial_code)
            if unit.status != "shipped":
                where = tx.bin_code(unit.bin_id)
                state = unit.status.replace("_", " ") + (f" in {where}" if where else "")
                raise NeverShipped(f"{serial_code} never left here: the store has it {state}; "
                                   "put it aside for a supervisor.", serial=serial_code,
                                   status=unit.status, bin=where)
            doc = _order_doc_of(tx, unit.order_line_id)
            if order is not None and doc.get("doc_code") not in (None, order.strip()):
                raise NeverShipped(f"{serial_code} shipped on order {doc['doc_code']}, not on "
                                   f"{order.strip()}.", serial=serial_code,
                                   order=doc["doc_code"])
            if not tx.set_asset(unit, status="returned", bin_id=bin_row.id):
                raise Retry()
            tx.ledger("return", sku_id=unit.sku_id, asset_id=unit.id, qty=1,
                      to_bin_id=bin_row.id, lot=unit.lot, status_after="returned",
                      reason=reason[:200], **doc)
            on = f" from order {doc['doc_code']}" if doc else ""
            return f"Returned {serial_code} ({unit.sku_code}){on} into {bin_row.code}."
        if not sku:
            raise NotFound("product", "", "scan the returned unit or product first.")
        sku_row = tx.quantity_sku(sku)
        n = quantity(tx, qty)
        if not order:
            raise NeverShipped(f"A return of {sku_row.code} needs the order it shipped on.",
                               sku=sku_row.code)
        order_row = tx.one(select(T_ORDER).where(T_ORDER.c.code == order.strip()))
        if order_row is None:
            raise NotFound("order", order)
        lines = tx.execute(select(T_OLINE).where(T_OLINE.c.order_id == order_row.id,
                                                 T_OLINE.c.sku_id == sku_row.id)
                           .order_by(T_OLINE.c.line_no)).all()
        for ln in lines:
            if ln.qty_shipped - returned_qty(tx, order_row.code, ln.line_no, sku_row.id) >= n:
                expiry = tx.put(sku_row.id, bin_row.id, n, lot)
                tx.ledger("return", sku_id=sku_row.id, qty=n, to_bin_id=bin_row.id, lot=lot,
                          expiry=expiry,
                          doc_type="order", doc_code=order_row.code, doc_line=ln.line_no,
                          reason=reason[:200])
                return f"Returned {n} of {sku_row.code} from order {order_row.code} into " \
                       f"{bin_row.code}."
        shipped = sum(ln.qty_shipped for ln in lines)
        raise NeverShipped(f"Order {order_row.code} shipped {shipped} of {sku_row.code}; {n} "
                           "more cannot come back on it.", order=order_row.code,
                           sku=sku_row.code, shipped=shipped)

    return run_operation(engine, "return", actor, scan_id, entry, body)


def _order_doc_of(tx: Tx, order_line_id: int | None) -> dict:
    if order_line_id is None:
        return {}
    row = tx.one(select(T_ORDER.c.code, T_OLINE.c.line_no)
                 .join(T_OLINE, T_OLINE.c.order_id == T_ORDER.c.id)
                 .where(T_OLINE.c.id == order_line_id))
    return {} if row is None else {"doc_type": "order", "doc_code": row.code,
                                   "doc_line": row.line_no}
