"""HIBC LIC (Health Industry Bar Code, ANSI/HIBC 2.x): primary and secondary data.

No maintained Python library reads HIBC (checked PyPI, 2026-12), so this is a small
table-driven reader of the supplier labeling structures:

    primary      + LIC(4, first a letter) PCN(1-18) U/M(1 digit) C
    secondary    + Q/D/lot-or-serial link C           (its own barcode, linked to a primary)
    concatenated + LIC PCN U/M / Q/D/lot-or-serial C  (both in one barcode)

C is the modulo 43 check character over everything before it (Code 39 values). The
secondary part opens with ``$$`` (quantity and/or date, then lot), ``$$+`` (the same, then
serial), ``$`` (lot only), ``$+`` (serial only) or five digits (a YYJJJ expiry, then lot);
after ``$$`` an ``8`` or ``9`` brings a 2- or 5-digit quantity, then a date format flag
(table below). Supplementary fields follow a ``/``: ``14D`` expiry and ``16D`` production date
as YYYYMMDD, ``S`` serial.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from functools import lru_cache

from scanner_tui.scanning.result import Kind, ScanResult

CODE39 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%"
_VALUE = {ch: i for i, ch in enumerate(CODE39)}

BAD_CHECK = "not a valid HIBC check character"
BAD_HIBC = "not valid HIBC data"
SECONDARY_ONLY = "HIBC lot/expiry/serial data without its product code: scan the product's barcode"

_PRIMARY = re.compile(r"(?P<lic>[A-Z][A-Z0-9]{3})(?P<pcn>[A-Z0-9]{1,18})(?P<uom>[0-9])")
# After "$$" (and an optional quantity): date format flag -> (digits that follow, the layout
# of the date in their head; an hour after it is read past). 7: no date.
_DATE_FLAGS = {"2": (6, "MMDDYY"), "3": (6, "YYMMDD"), "4": (8, "YYMMDD"), "5": (5, "YYJJJ"),
               "6": (7, "YYJJJ"), "7": (0, "")}
_LOT = re.compile(r"[A-Z0-9\-. $%]{0,18}")


@dataclass(frozen=True, slots=True)
class Hibc:
    """What an HIBC barcode says. ``part`` is LIC + PCN + U/M (the product identifier)."""

    lic: str | None = None
    part: str | None = None
    lot: str | None = None
    serial: str | None = None
    expiry: date | None = None
    produced: date | None = None
    count: int | None = None


class HibcError(ValueError):
    """Why the data is not HIBC (a sentence)."""


def check_character(text: str) -> str:
    """The modulo 43 check character of ``text`` (every character must be in Code 39)."""
    return CODE39[sum(_VALUE[ch] for ch in text) % 43]


def looks_like_hibc(data: str) -> bool:
    return len(data) >= 4 and data[0] == "+" and (data[1].isalpha() or data[1] in "$0123456789")


def interpret(data: str, code: str, symbology: str | None) -> ScanResult:
    """The result for HIBC data: a product (an asset when it carries a serial), or unknown."""
    try:
        found = parse(data)
    except HibcError as exc:
        return ScanResult(Kind.UNKNOWN, code=code, symbology=symbology, reason=str(exc))
    fields = {k: v for k, v in asdict(found).items() if v is not None}
    if found.part is None:
        return ScanResult(Kind.UNKNOWN, code=code, symbology=symbology, reason=SECONDARY_ONLY,
                          **fields)
    kind = Kind.ASSET if found.serial else Kind.PRODUCT
    return ScanResult(kind, code=code, symbology=symbology, **fields)


# A case of one product is scanned label after label: remember answers (they are immutable).
interpret_cached = lru_cache(maxsize=1024)(interpret)


def parse(data: str) -> Hibc:
    """Read HIBC ``data`` (with its leading '+'); raise HibcError with a sentence."""
    if not looks_like_hibc(data) or any(ch not in _VALUE for ch in data):
        raise HibcError(BAD_HIBC)
    body, check = data[:-1], data[-1]
    if check_character(body) != check:
        raise HibcError(BAD_CHECK)
    text = body[1:]
    if text[0].isalpha():
        primary, slash, secondary = text.partition("/")
        found = _PRIMARY.fullmatch(primary)
        if found is None:
            raise HibcError(BAD_HIBC)
        fields = _secondary(secondary) if slash else {}
        return Hibc(lic=found["lic"], part=primary, **fields)
    # a secondary barcode of its own: the last character links it to its primary
    return Hibc(**_secondary(text[:-1]))


def _secondary(text: str) -> dict:
    """Quantity, date and lot or serial, then supplementary '/' fields."""
    main, *supplements = text.split("/")
    out: dict = {}
    if main.startswith("$$"):
        rest = main[3:] if main.startswith("$$+") else main[2:]
        serial = main.startswith("$$+")
        if rest[:1] in ("8", "9"):
            size = 2 if rest[0] == "8" else 5
            quantity = rest[1:1 + size]
            if len(quantity) != size or not quantity.isdigit():
                raise HibcError(BAD_HIBC)
            out["count"] = int(quantity)
            rest = rest[1 + size:]
        expiry, rest = _flagged_date(rest)
        if expiry is not None:
            out["expiry"] = expiry
    elif main.startswith("$"):
        serial = main.startswith("$+")
        rest = main[2:] if serial else main[1:]
    elif main[:5].isdigit() and len(main) >= 5:
        out["expiry"] = _julian(main[:5])
        rest, serial = main[5:], False
    else:
        raise HibcError(BAD_HIBC)
    if not _LOT.fullmatch(rest):
        raise HibcError(BAD_HIBC)
    if rest:
        out["serial" if serial else "lot"] = rest
    for supplement in supplements:
        out.update(_supplement(supplement))
    return out


def _flagged_date(rest: str) -> tuple[date | None, str]:
    """The date after ``$$`` (and quantity): MMYY when it opens with 0/1, else flag + date."""
    if rest[:1] in ("0", "1"):
        return _date(rest[:4], "MMYY"), rest[4:]
    flag = rest[:1]
    if flag not in _DATE_FLAGS:
        raise HibcError(BAD_HIBC)
    size, layout = _DATE_FLAGS[flag]
    digits = rest[1:1 + size]
    if len(digits) != size or not (digits.isdigit() or size == 0):
        raise HibcError(BAD_HIBC)
    if not layout:
        return None, rest[1:]
    head = digits[:len(layout)]
    when = _julian(head) if layout == "YYJJJ" else _date(head, layout)
    return when, rest[1 + size:]


def _date(digits: str, layout: str) -> date:
    """MMYY (last day of the month), MMDDYY, YYMMDD or YYYYMMDD digits as a date."""
    if not digits.isdigit() or len(digits) != len(layout):
        raise HibcError(BAD_HIBC)
    parts = {key: int(digits[layout.index(key):layout.index(key) + len(key)])
             for key in ("YYYY", "MM", "DD") if key in layout}
    year = parts.get("YYYY") or 2000 + int(digits[layout.index("YY"):layout.index("YY") + 2])
    month = parts["MM"]
    try:
        day = parts.get("DD") or calendar.monthrange(year, month)[1]
        return date(year, month, day)
    except (ValueError, calendar.IllegalMonthError):
        raise HibcError(BAD_HIBC) from None


def _julian(digits: str) -> date:
    """YYJJJ: the year and the day of that year."""
    day = int(digits[2:5])
    year = 2000 + int(digits[:2])
    if not 1 <= day <= (366 if calendar.isleap(year) else 365):
        raise HibcError(BAD_HIBC)
    return date(year, 1, 1) + timedelta(days=day - 1)


def _supplement(field: str) -> dict:
    if field.startswith("14D"):
        return {"expiry": _date(field[3:], "YYYYMMDD")}
    if field.startswith("16D"):
        return {"produced": _date(field[3:], "YYYYMMDD")}
    if field.startswith("S") and _LOT.fullmatch(field[1:]) and len(field) > 1:
        return {"serial": field[1:]}
    return {}  # other supplementary data identifiers are not used here
