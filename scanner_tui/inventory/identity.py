"""A unit's identity in the store, and the site's policy for it (issue 9).

* ``Policy``: the site's rules the inventory layer needs (the own-tag rule, refuse or warn on an
  own tag never issued, the largest quantity per operation). The commands and the app hand the
  configured one over with ``configure(engine, policy)``; a store nobody configured gets the
  defaults.
* ``valid``: runs one of ``scanner_tui.codes``' validators and turns its refusal into the
  domain's ``InvalidCode`` (every door of the inventory layer refuses the same way).
* ``tag_issued``: was this own asset tag issued (a unit or a ship notice has it, the tag sequence
  passed it, or a registered roll of pre-printed tags holds it)?
* ``pick_unit`` / ``quantity`` / ``check_room``: the operations' helpers for a unit (SKU +
  serial), a quantity and a stock line's ceiling. ``ops/door.py`` checks their arguments.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Engine

from scanner_tui import codes
from scanner_tui.inventory.errors import AmbiguousSerial, BadQuantity, GtinMismatch, InvalidCode

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Policy:
    asset_rule: str = r"^AT[0-9]{8}$"
    tag_prefix: str = "AT"
    tag_digits: int = 8
    unissued_tags: Literal["refuse", "warn"] = "refuse"
    max_quantity: int = codes.MAX_QUANTITY

    def is_own_tag(self, serial: str) -> bool:
        return _compiled(self.asset_rule).search(serial) is not None

    def tag_number(self, serial: str) -> int | None:
        """The number of an own tag of the printed form (``AT00000042`` -> 42), else None."""
        p, d = self.tag_prefix, self.tag_digits
        if len(serial) == len(p) + d and serial.startswith(p) and serial[len(p):].isascii() \
                and serial[len(p):].isdigit():
            return int(serial[len(p):])
        return None


_CACHE: dict[str, re.Pattern[str]] = {}


def _compiled(rule: str) -> re.Pattern[str]:
    found = _CACHE.get(rule)
    if found is None:
        found = _CACHE[rule] = re.compile(rule, re.ASCII)
    return found


DEFAULT = Policy()
_POLICIES: WeakKeyDictionary[Engine, Policy] = WeakKeyDictionary()


def configure(engine: Engine, policy: Policy) -> Engine:
    """Give ``engine``'s operations the site's policy (returns the engine)."""
    _POLICIES[engine] = policy
    return engine


def policy_for(engine: Engine | None) -> Policy:
    return _POLICIES.get(engine, DEFAULT) if engine is not None else DEFAULT


def policy_from_config(config: Any) -> Policy:
    """The policy a loaded ``Config`` describes."""
    ident = config.identity
    return Policy(asset_rule=config.tags.asset, tag_prefix=config.labels.asset_prefix,
                  tag_digits=config.labels.asset_digits, unissued_tags=ident.unissued_tags,
                  max_quantity=ident.max_quantity)


def valid(check: Callable[..., T], value: object, *args: Any, **kwargs: Any) -> T:
    """``check(value, ...)`` from ``scanner_tui.codes``; its refusal raised as InvalidCode."""
    try:
        return check(value, *args, **kwargs)
    except codes.CodeRefused as exc:
        raise InvalidCode(exc) from None


_ISSUED_SQL = (
    "SELECT 1 FROM asset WHERE serial = ?"
    " UNION ALL SELECT 1 FROM expectedserial WHERE serial = ?"
    " UNION ALL SELECT 1 FROM tagsequence WHERE name IN (?, 'asset') AND next_value > ?"
    " UNION ALL SELECT 1 FROM tagroll WHERE prefix = ? AND first <= ? AND last >= ?"
)


def tag_issued(sql: Any, policy: Policy, serial: str) -> bool:
    """Was the own tag ``serial`` issued? ``sql`` is an operation's ``_Sql`` (``.first``).
    The tag sequence is ``asset:PREFIX`` (labels/sequence.py); the demo's row is ``asset``."""
    number = policy.tag_number(serial)
    n = -1 if number is None else number
    prefix = policy.tag_prefix
    return sql.first(_ISSUED_SQL, (serial, serial, f"asset:{prefix}", n, prefix, n, n)) \
        is not None


def pick_unit(tx: Any, serial: str, units: list, sku: str | None) -> Any:
    """Which of the ``units`` with ``serial`` an operation means. Without ``sku``: the only
    one, or AmbiguousSerial naming the products. With ``sku`` (code, GTIN or alias): that
    product's unit, GtinMismatch when only other products have the serial, or None."""
    if not units:
        return None
    if sku is None or not sku.strip():
        if len(units) == 1:
            return units[0]
        raise AmbiguousSerial(serial, sorted(u.sku_code for u in units))
    product = tx.sku(sku)
    for unit in units:
        if unit.sku_id == product.id:
            return unit
    raise GtinMismatch(serial, sku.strip(), product.code, sorted(u.sku_code for u in units))


def quantity(tx: Any, qty: object) -> int:
    """A quantity for one operation: the one parser (``codes.parse_quantity``) with the site's
    limit per operation. Refused as BadQuantity with the parser's sentence."""
    try:
        return codes.parse_quantity(qty, limit=policy_for(tx.session.engine).max_quantity)
    except codes.CodeRefused as exc:
        raise BadQuantity(qty, str(exc)) from None


def check_room(tx: Any, sku_row, bin_row, n: int, lot: str) -> None:
    """No stock line may pass 2^53 - 1 (it would stop being exact in JSON and clients)."""
    valid(codes.check_stock_total, tx.stock_qty(sku_row.id, bin_row.id, lot) + n)
