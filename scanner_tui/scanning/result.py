"""What a scan is: the raw read (``Scan``) and what it was classified as (``ScanResult``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
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
    "bin", "serial", "gtin", "sku", "lot", "expiry", "sscc", "badge", "command",
    "symbology", "reason",
)


@dataclass(frozen=True, slots=True)
class ScanResult:
    """The classification of one payload. ``code`` is the payload with the suffix trimmed."""

    kind: Kind
    code: str = ""
    bin: str | None = None
    serial: str | None = None
    gtin: str | None = None  # always 14 digits
    sku: str | None = None  # a SKU code or alias known to the store
    lot: str | None = None
    expiry: date | None = None
    sscc: str | None = None
    badge: str | None = None
    command: str | None = None  # e.g. "DONE" for CMD:DONE
    symbology: str | None = None  # AIM identifier as received, e.g. "]d2"
    reason: str | None = None  # why it is unknown (or empty)

    @property
    def accepted(self) -> bool:
        return self.kind not in (Kind.UNKNOWN, Kind.EMPTY)

    def to_dict(self) -> dict:
        """JSON-ready: ``kind`` plus every field that applies (dates as ISO strings)."""
        out: dict = {"kind": self.kind.value}
        for name in RESULT_FIELDS:
            value = getattr(self, name)
            if value is not None:
                out[name] = value.isoformat() if isinstance(value, date) else value
        return out


def new_scan_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class Scan:
    """One read from a scanner, given a unique id the moment it is read."""

    payload: str  # as received, suffix included
    source: Source
    id: str = field(default_factory=new_scan_id)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
