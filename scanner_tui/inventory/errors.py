"""Domain errors: what a floor worker is told when an operation is refused.

``str(error)`` is one sentence about their world ("AT00000042 was already picked for order 1007
by OP-0001 at 10:32"); the same facts are kept as attributes (``error.fields``) for screens,
logs and tests. Raising one means the operation changed nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scanner_tui.text import masked, with_article


class DomainError(Exception):
    """Base of every refusal. ``code`` is a stable machine name, ``fields`` the facts."""

    code = "refused"

    def __init__(self, message: str, **fields: Any) -> None:
        message = shown(message, 300)
        super().__init__(message)
        self.message = message
        self.fields = fields
        for name, value in fields.items():
            setattr(self, name, value)

    def __str__(self) -> str:
        return self.message


def shown(text: str, limit: int = 64) -> str:
    """Text safe to put in a sentence: control characters as ``?``, cut to ``limit``."""
    text = masked(str(text))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def hhmm(at: datetime | None) -> str:
    """A time as the floor says it (``10:32``, UTC); with the date when it is not today."""
    if at is None:
        return "an unknown time"
    from scanner_tui.inventory.models import as_aware, utcnow

    at = as_aware(at)
    if at.date() == utcnow().date():
        return at.strftime("%H:%M")
    return at.strftime("%Y-%m-%d %H:%M")


class NotFound(DomainError):
    """A scanned or typed code that the store does not know."""

    code = "not_found"

    def __init__(self, what: str, value: str, hint: str = "") -> None:
        text = f"{shown(value)} is not a known {what}"
        super().__init__(f"{text}; {hint}" if hint else f"{text}.", what=what, value=value)


class Inactive(DomainError):
    code = "inactive"

    def __init__(self, what: str, value: str) -> None:
        super().__init__(f"{what.capitalize()} {value} is not in use any more.", what=what,
                         value=value)


class NotAllowed(DomainError):
    """The operator's role may not do this."""

    code = "not_allowed"

    def __init__(self, badge: str, role: str, operation: str, allowed: tuple[str, ...]) -> None:
        who = " or ".join(allowed)
        super().__init__(
            f"{badge} is {with_article(role)} and may not {operation}; ask {with_article(who)}.",
            badge=badge, role=role, operation=operation, allowed=allowed,
        )


class NeedsApproval(DomainError):
    code = "needs_approval"

    def __init__(self, badge: str, operation: str) -> None:
        super().__init__(
            f"A supervisor must approve this {operation}: have them scan their badge.",
            badge=badge, operation=operation,
        )


class WrongBin(DomainError):
    """The unit or stock is not in the bin that was scanned."""

    code = "wrong_bin"

    def __init__(self, scanned: str, expected: str | None, item: str = "") -> None:
        if expected:
            msg = f"{scanned} is not the bin for this; go to {expected}."
            if item:
                msg = f"{item} is in {expected}, not in {scanned}; go to {expected}."
        else:
            msg = f"{item or 'This'} is not in any bin; {scanned} is the wrong place for it."
        super().__init__(msg, scanned=scanned, expected=expected, item=item)


class WrongBinKind(DomainError):
    code = "wrong_bin_kind"

    def __init__(self, bin_code: str, kind: str, operation: str, wanted: tuple[str, ...]) -> None:
        super().__init__(
            f"{bin_code} is a {kind} bin; {operation} goes to a {' or '.join(wanted)} bin.",
            bin=bin_code, kind=kind, operation=operation, wanted=wanted,
        )


class SameBin(DomainError):
    code = "same_bin"

    def __init__(self, item: str, bin_code: str) -> None:
        super().__init__(f"{item} is already in {bin_code}.", item=item, bin=bin_code)


class AlreadyPicked(DomainError):
    code = "already_picked"

    def __init__(self, serial: str, order: str, by: str, at: datetime | None) -> None:
        super().__init__(
            f"{serial} was already picked for order {order} by {by or 'someone'} at {hhmm(at)}.",
            serial=serial, order=order, by=by, at=at,
        )


class AlreadyShipped(DomainError):
    code = "already_shipped"

    def __init__(self, serial: str, order: str | None, at: datetime | None) -> None:
        on = f" on order {order}" if order else ""
        super().__init__(
            f"{serial} has already shipped{on} ({hhmm(at)}); it cannot be picked or moved.",
            serial=serial, order=order, at=at,
        )


class NotInStock(DomainError):
    """A unit whose status does not allow the operation (scrapped, lost, picked...)."""

    code = "not_in_stock"

    def __init__(self, serial: str, status: str, hint: str = "") -> None:
        status_text = status.replace("_", " ")
        msg = f"{serial} is {status_text}, not in stock"
        super().__init__(f"{msg}; {hint}" if hint else f"{msg}.", serial=serial, status=status)


class InsufficientStock(DomainError):
    code = "insufficient_stock"

    def __init__(self, sku: str, bin_code: str, wanted: int, have: int, lot: str = "") -> None:
        lot_text = f" (lot {lot})" if lot else ""
        if have <= 0:
            msg = f"{bin_code} holds no {sku}{lot_text}; {wanted} cannot come out of it."
        else:
            msg = f"{bin_code} holds only {have} of {sku}{lot_text}, not {wanted}."
        super().__init__(msg, sku=sku, bin=bin_code, wanted=wanted, have=have, lot=lot)


class LotNotPickable(DomainError):
    """Stock of an expired lot or a lot on hold: never picked, shipped or moved out by
    anyone but a supervisor (``inventory/lot_rules.py``)."""

    code = "lot_not_pickable"

    def __init__(self, message: str, *, lot: str, why: str, expiry: object = None) -> None:
        super().__init__(message, lot=lot, why=why, expiry=expiry)


class SerialRequired(DomainError):
    code = "serial_required"

    def __init__(self, sku: str) -> None:
        super().__init__(
            f"{sku} is tracked by serial: scan each unit's tag, not a quantity.", sku=sku
        )


class CaptureRequired(DomainError):
    """The SKU records a lot and/or expiry date at receipt and none was given."""

    code = "capture_required"

    def __init__(self, sku: str, missing: str) -> None:
        super().__init__(f"{sku} needs its {missing}: scan or type it from the label.",
                         sku=sku, missing=missing)


class NotSerialTracked(DomainError):
    code = "not_serial_tracked"

    def __init__(self, sku: str) -> None:
        super().__init__(
            f"{sku} is counted by quantity: scan the product and give a quantity.", sku=sku
        )


class DuplicateSerial(DomainError):
    code = "duplicate_serial"

    def __init__(self, serial: str, status: str, bin_code: str | None) -> None:
        where = f" in {bin_code}" if bin_code else ""
        super().__init__(
            f"{serial} already exists here ({status.replace('_', ' ')}{where}); "
            "a unit can be received only once.",
            serial=serial, status=status, bin=bin_code,
        )


class NotOnDocument(DomainError):
    """The scanned item does not belong on this receipt/order (or the line is complete)."""

    code = "not_on_document"


class BadQuantity(DomainError):
    code = "bad_quantity"

    def __init__(self, qty: object, message: str = "") -> None:
        super().__init__(message or f"{shown(str(qty))} is not a quantity that can be used "
                         "here.", qty=qty)


class DocumentClosed(DomainError):
    code = "document_closed"


class NeverShipped(DomainError):
    code = "never_shipped"


class NothingToUndo(DomainError):
    code = "nothing_to_undo"


class CannotUndo(DomainError):
    code = "cannot_undo"


# --- identity and trust (issue 9) -------------------------------------------------------------


class InvalidCode(DomainError):
    """A code or number refused by the one validator (``scanner_tui.codes``)."""

    code = "invalid_code"

    def __init__(self, refusal: Exception) -> None:
        super().__init__(str(refusal), what=getattr(refusal, "what", ""),
                         reason=getattr(refusal, "reason", ""))


class AuthenticityError(DomainError):
    """A refusal that smells of counterfeit or mislabelling: kept as an authenticity event
    (``inventory/authenticity.py``). ``mismatch`` says in a few words what did not match."""

    code = "authenticity"
    mismatch = ""


class AmbiguousSerial(DomainError):
    """A bare serial that names units of two or more products."""

    code = "ambiguous_serial"

    def __init__(self, serial: str, skus: list[str]) -> None:
        names = " and ".join(skus) if len(skus) == 2 else ", ".join(skus)
        super().__init__(f"{shown(serial)} is a serial of {names}; scan the unit's product "
                         "or GS1 label to say which.", serial=serial, skus=tuple(skus))


class GtinMismatch(AuthenticityError):
    """A GS1 scan whose GTIN is not a barcode of the unit's product."""

    code = "gtin_mismatch"
    mismatch = "gtin"

    def __init__(self, serial: str, gtin: str, gtin_sku: str | None, unit_skus: list[str]) -> None:
        if gtin_sku is None:
            label = f"GTIN {gtin}, not a product here"
        else:
            label = gtin_sku if gtin == gtin_sku else f"{gtin_sku} (GTIN {gtin})"
        units = " and ".join(unit_skus)
        super().__init__(f"Label says {label} but unit {shown(serial)} is {units}; set it aside "
                         "for a supervisor.", serial=serial, gtin=gtin, gtin_sku=gtin_sku,
                         unit_skus=tuple(unit_skus))


class UnissuedTag(AuthenticityError):
    """An own asset tag this store never issued (printed, imported, noticed or registered)."""

    code = "unissued_tag"
    mismatch = "unissued_tag"

    def __init__(self, serial: str, *, warn: bool = False) -> None:
        if warn:  # the site only warns: the unit is taken, the event kept
            text = (f"{shown(serial)} is not a tag this store issued; a supervisor will see it "
                    "in the authenticity report.")
        else:
            text = (f"{shown(serial)} is not a tag this store issued; set it aside. A roll of "
                    "pre-printed tags is registered with: scanner-tui tags register FIRST LAST "
                    "--badge BADGE.")
        super().__init__(text, serial=serial)


class ReceivedAgain(AuthenticityError, DuplicateSerial):
    """A unit received while the store has it in stock, or shipped and never returned."""

    code = "duplicate_serial"
    mismatch = "received_again"

    def __init__(self, serial: str, status: str, bin_code: str | None,
                 sku: str | None = None) -> None:
        DuplicateSerial.__init__(self, serial, status, bin_code)
        self.mismatch = "shipped_not_returned" if status == "shipped" else "received_again"
        self.fields["sku"] = self.sku = sku
