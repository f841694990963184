"""Variable-measure EAN-13 / UPC-A numbers (GS1 restricted circulation numbers).

A scale or a price-labelling machine prints the item reference and a price or weight in one
EAN-13 with prefix 20-29 (or a UPC-A starting with 2, which reads as prefix 02 in 13 digits).
Every label of the same item then carries a different number; the item itself is the number
with the value digits zeroed (and its check digit recomputed), which is what its SKU is
registered under. The layout is national, so it is the site's to set (``[tags]``); the default
reads the item reference from digits 3-7 and the value from digits 8-12.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from biip.checksums import gs1_standard_check_digit

from scanner_tui.config import TagsConfig


@dataclass(frozen=True, slots=True)
class Scheme:
    """Digit positions are 1-based in the 13-digit form of the number."""

    enabled: bool = True
    item: tuple[int, int] = (3, 7)
    value: tuple[int, int] = (8, 12)
    price_prefixes: frozenset[str] = frozenset({"02", "20", "21", "22", "23", "24"})
    weight_prefixes: frozenset[str] = frozenset({"25", "26", "27", "28", "29"})
    price_decimals: int = 2
    weight_decimals: int = 3

    @classmethod
    def from_tags(cls, tags: TagsConfig) -> Scheme:
        return cls(
            enabled=tags.variable_measure,
            item=(tags.variable_item_digits[0], tags.variable_item_digits[1]),
            value=(tags.variable_value_digits[0], tags.variable_value_digits[1]),
            price_prefixes=frozenset(tags.price_prefixes),
            weight_prefixes=frozenset(tags.weight_prefixes),
            price_decimals=tags.price_decimals,
            weight_decimals=tags.weight_decimals,
        )


DEFAULT_SCHEME = Scheme()


@dataclass(frozen=True, slots=True)
class Reading:
    gtin: str  # the item's GTIN-14, value digits zeroed
    price: Decimal | None = None
    weight: Decimal | None = None  # kg


def read(gtin: str, scheme: Scheme = DEFAULT_SCHEME) -> Reading | None:
    """The item and its price or weight, when the valid GTIN-14 ``gtin`` is variable-measure."""
    if not scheme.enabled or gtin[0] != "0":
        return None
    digits = gtin[1:]  # the 13-digit form
    prefix = digits[:2]
    if prefix in scheme.price_prefixes:
        decimals, is_price = scheme.price_decimals, True
    elif prefix in scheme.weight_prefixes:
        decimals, is_price = scheme.weight_decimals, False
    else:
        return None
    first, last = scheme.value
    value = Decimal(int(digits[first - 1:last])).scaleb(-decimals)
    item_first, item_last = scheme.item
    # keep the prefix and the item reference, zero every other digit before the check digit
    body = "".join(
        ch if i < 2 or item_first - 1 <= i < item_last else "0"
        for i, ch in enumerate(digits[:12])
    )
    item = "0" + body + str(gs1_standard_check_digit(body))
    return Reading(item, price=value if is_price else None, weight=None if is_price else value)
