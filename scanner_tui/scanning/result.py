"""What a scan is: the raw read (``Scan``) and what it was classified as (``ScanResult``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum


class Kind(StrEnum):
    BIN = "bin"
    ASSET = "asset"
    PRODUCT = "product"
    CONTAINER = "container"
    BADGE = "badge"
    COMMAND = "command"
    EMPTY = "empty"
    UNKNOWN = "unknown"


class Source(StrEnum):
    WEDGE = "wedge"  # a keystroke burst: a keyboard-wedge scanner
    KEYBOARD = "keyboard"  # typed by a person
    SERIAL = "serial"  # read from a serial / USB-CDC / socket scanner
    PASTE = "paste"  # a bracketed paste into the terminal


# Fields of ScanResult that go into JSON / the journal when they are set, in this order.
RESULT_FIELDS = (
    "bin", "serial", "gtin", "sku", "part", "lic", "ppn", "lot", "expiry", "produced", "count",
    "price", "weight", "measures", "sscc", "gln", "gln_extension", "badge", "command",
    "symbology", "caps_lock", "alternative", "reason",
)


@dataclass(frozen=True, slots=True)
class Measure:
    """One GS1 measure, (310n)-(369n): e.g. ai "3102", what "net weight", 1.50 "kg"."""

    ai: str
    what: str
    value: Decimal
    unit: str

    def to_dict(self) -> dict:
        return {"ai": self.ai, "what": self.what, "value": str(self.value), "unit": self.unit}


@dataclass(frozen=True, slots=True)
class ScanResult:
    """The classification of one payload. ``code`` is the payload with the suffix trimmed
    (upper-cased when ``caps_lock`` is set; the journal keeps the payload as received).

    Quantities: ``count`` is how many units the label stands for (GS1 (30)/(37), HIBC or
    ISO 15434 ``Q``); ``price`` (currency units) and ``weight`` (kg) come from a variable-measure
    EAN/UPC or GS1 (310n); ``measures`` lists every GS1 (310n)-(369n) measure with its unit.
    ``alternative`` is the other valid reading of GS1 data that lost a separator.
    """

    kind: Kind
    code: str = ""
    bin: str | None = None
    serial: str | None = None
    gtin: str | None = None  # always 14 digits (a variable-measure item: value digits zeroed)
    sku: str | None = None  # a SKU code or alias known to the store
    part: str | None = None  # a maker's part / catalogue number (HIBC, ISO 15434 P / 1P)
    lic: str | None = None  # HIBC labeler identification code
    ppn: str | None = None  # pharmacy product number (ISO 15434 9N)
    lot: str | None = None
    expiry: date | None = None
    produced: date | None = None  # production date (ISO 15434 16D, GS1 (11))
    count: int | None = None  # units the label stands for
    price: Decimal | None = None  # variable-measure price
    weight: Decimal | None = None  # net weight in kg
    measures: tuple[Measure, ...] = ()
    sscc: str | None = None
    gln: str | None = None  # GS1 (414) location number (13 digits)
    gln_extension: str | None = None  # GS1 (254): the place within the location
    badge: str | None = None
    command: str | None = None  # e.g. "DONE" for CMD:DONE
    symbology: str | None = None  # AIM identifier as received, e.g. "]d2"
    caps_lock: bool = False  # matched a tag rule only upper-cased: the scanner's caps lock
    alternative: ScanResult | None = None  # the other reading of GS1 data without separators
    reason: str | None = None  # why it is unknown (or empty)

    @property
    def accepted(self) -> bool:
        return self.kind not in (Kind.UNKNOWN, Kind.EMPTY)

    def to_dict(self) -> dict:
        """JSON-ready: ``kind`` plus every field that applies (dates as ISO strings)."""
        out: dict = {"kind": self.kind.value}
        for name in RESULT_FIELDS:
            value = getattr(self, name)
            if value is None or value is False or value == ():
                continue
            out[name] = _json_value(value)
        return out


def field_texts(data: dict) -> list[tuple[str, str]]:
    """(name, text) for each field of ``ScanResult.to_dict()`` but ``kind``, for people to read:
    measures as "3103 net weight 1.234 kg", the alternative as its kind and fields in brackets,
    a set flag as "true". Texts are not escaped: the caller makes them safe for its screen."""
    out = []
    for name, value in data.items():
        if name == "kind":
            continue
        if name == "measures":
            text = ", ".join(f"{m['ai']} {m['what']} {m['value']} {m['unit']}" for m in value)
        elif name == "alternative":
            inner = " ".join(f"{n}={t}" for n, t in field_texts(value) if n != "reason")
            text = f"[{value['kind']} {inner}]"
        elif value is True:
            text = "true"
        else:
            text = str(value)
        out.append((name, text))
    return out


def _json_value(value: object) -> object:
    """Dates as ISO strings, decimals as exact strings ("3.45"), nested results as dicts."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, ScanResult):
        return value.to_dict()
    if isinstance(value, tuple):
        return [item.to_dict() for item in value]
    return value


def new_scan_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class Scan:
    """One read from a scanner, given a unique id the moment it is read."""

    payload: str  # as received, suffix included
    source: Source
    id: str = field(default_factory=new_scan_id)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
