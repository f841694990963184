"""The operations' door: what every stock operation checks before its transaction opens.

``guarded`` wraps an operation: every code it is given (bins, SKU, order, receipt, badge) passes
``scanner_tui.codes`` as printable ASCII, serials and lots as GS1's 82 characters, reasons as
text without control characters, quantities and line numbers as whole numbers; a required code
given as None is refused with a sentence. So the API refuses huge quantities, lone surrogates,
NUL and over-long codes with one sentence on SQLite and PostgreSQL alike, before any driver
sees them. An authenticity refusal raised inside is kept as an event.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Engine

from scanner_tui import codes
from scanner_tui.inventory import authenticity
from scanner_tui.inventory.errors import AuthenticityError, BadQuantity, InvalidCode
from scanner_tui.inventory.identity import valid

T = TypeVar("T")

_CODE_ARGS = {"bin": "bin code", "to_bin": "bin code", "from_bin": "bin code",
              "sku": "product code", "order": "order code", "receipt": "receipt code",
}
# ``approved_by`` is an ``actor.Approval`` (the approver's own badge scan), checked by the
# operation itself: a name given instead is refused there with its own sentence.


def _check_arguments(op: Callable[..., Any], kwargs: dict[str, Any]) -> None:
    """Every code an operation is given passes ``scanner_tui.codes`` (trimmed in place); a
    required code given as None is refused with a sentence, not an AttributeError."""
    required = _required(op)
    for name, value in kwargs.items():
        if value is None:
            if name in required:
                raise InvalidCode(codes.CodeRefused(
                    f"No {_CODE_ARGS.get(name, name)} was given.", what=name, reason="missing"))
            continue
        if name in _CODE_ARGS:
            kwargs[name] = valid(codes.check_code, value, _CODE_ARGS[name])
        elif name == "serial":
            kwargs[name] = valid(codes.check_serial, value)
        elif name == "lot":
            kwargs[name] = valid(codes.check_lot, value)
        elif name == "reason":
            kwargs[name] = valid(codes.check_text, value, "reason", limit=1000)
        elif name in ("qty", "line"):
            try:
                codes.parse_quantity(value, what="line number" if name == "line" else "quantity",
                                     limit=codes.STOCK_LIMIT)
            except codes.CodeRefused as exc:
                raise BadQuantity(value, str(exc)) from None


_REQUIRED: dict[Callable[..., Any], frozenset[str]] = {}


def _required(op: Callable[..., Any]) -> frozenset[str]:
    found = _REQUIRED.get(op)
    if found is None:
        found = _REQUIRED[op] = frozenset(
            name for name, p in inspect.signature(op).parameters.items()
            if p.default is inspect.Parameter.empty)
    return found


def guarded(op: Callable[..., T]) -> Callable[..., T]:
    """An operation's door: its codes pass the one validator before the transaction opens, and
    an authenticity refusal (GTIN mismatch, unit received again, unissued tag) is kept as an
    event after the refused transaction rolled back."""

    @functools.wraps(op)
    def door(engine: Engine, *, actor: Any, scan_id: str, **kwargs: Any) -> T:
        scan_id = valid(codes.check_code, scan_id, "scan id")
        _check_arguments(op, kwargs)
        try:
            return op(engine, actor=actor, scan_id=scan_id, **kwargs)
        except AuthenticityError as err:
            authenticity.record(engine, err, scan_id=scan_id, terminal=actor.terminal,
                                operator=actor.badge,
                                payload=str(kwargs.get("serial") or "")[:200])
            raise

    return door
