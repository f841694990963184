"""ISO/IEC 15434 envelopes: ``[)>`` RS, then format segments ``NN`` GS fields... RS, then EOT.

Read here: format 06 (ASC MH10.8.2 data identifiers, electronics and pharma labels) and
format 05 (GS1 element strings, handed to the GS1 reader). The envelope's RS (0x1E), GS (0x1D)
and EOT (0x04) are the only control characters a payload may carry, and only inside an
envelope (see ``normalise``). No maintained Python library reads these envelopes (checked
PyPI, 2026-12); the data identifiers used are a table below.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

from scanner_tui.scanning import gs1
from scanner_tui.scanning.result import Kind, ScanResult

RS, GS, EOT = "\x1e", "\x1d", "\x04"
HEADER = "[)>" + RS

BAD_ENVELOPE = "not a valid ISO/IEC 15434 envelope"
NO_FORMAT = "an ISO/IEC 15434 envelope without format 05 or 06 data"
NO_ITEM = "an ISO/IEC 15434 label without a part number (P, 1P) or PPN (9N)"
BAD_PPN = "not a valid PPN check (9N)"

_FIELD = re.compile(r"(?P<di>[0-9]{0,3}[A-Z])(?P<data>[\x20-\x7e]*)")

# Data identifier -> (result field, reader). Others (10D date codes, 4L country, 1K order...)
# are read past: labels carry many, and none of them changes what was scanned.
_DATE_LAYOUTS = {"14D": "YYYYMMDD", "16D": "YYYYMMDD", "D": "YYMMDD"}
_DIS = {
    "1P": "part", "P": "part", "S": "serial", "1T": "lot", "T": "lot", "Q": "count",
    "14D": "expiry", "D": "expiry", "16D": "produced", "9N": "ppn",
}


@dataclass(frozen=True, slots=True)
class Envelope:
    """The segments of an envelope: format number -> its fields (without separators)."""

    segments: tuple[tuple[str, tuple[str, ...]], ...]


class EnvelopeError(ValueError):
    """Why the data is not a readable envelope (a sentence)."""


def is_envelope(data: str) -> bool:
    return data.startswith(HEADER)


def interpret(
    data: str, code: str, symbology: str | None, options: gs1.Options = gs1.DEFAULT_OPTIONS
) -> ScanResult:
    """The result for an envelope: its first format 06 or 05 segment (05 is read as GS1)."""

    def unknown(reason: str) -> ScanResult:
        return ScanResult(Kind.UNKNOWN, code=code, symbology=symbology, reason=reason)

    try:
        envelope = split(data)
        for number, fields in envelope.segments:
            if number == "06":
                found = read_format_06(fields)
                if "part" not in found and "ppn" not in found:
                    return unknown(NO_ITEM)
                kind = Kind.ASSET if "serial" in found else Kind.PRODUCT
                return ScanResult(kind, code=code, symbology=symbology, **found)
            if number == "05":
                result = gs1.interpret(GS.join(fields), None, code, options)
                if result is None:
                    return unknown(gs1.BAD_GS1)
                return replace(result, symbology=symbology)
    except EnvelopeError as exc:
        return unknown(str(exc))
    return unknown(NO_FORMAT)


# The same label scanned again (a case of reels, a tray of packs): remember answers.
interpret_cached = lru_cache(maxsize=1024)(interpret)


def split(data: str) -> Envelope:
    """The envelope's segments; EOT (and a last RS) may be missing, nothing may follow EOT."""
    if not is_envelope(data):
        raise EnvelopeError(BAD_ENVELOPE)
    body = data[len(HEADER):]
    if EOT in body:
        body, _, after = body.partition(EOT)
        if after:
            raise EnvelopeError(BAD_ENVELOPE)
    segments = []
    for segment in body.split(RS):
        if not segment:
            continue
        number, *fields = segment.split(GS)
        if not (len(number) == 2 and number.isdigit()) or EOT in segment:
            raise EnvelopeError(BAD_ENVELOPE)
        segments.append((number, tuple(f for f in fields if f)))
    if not segments:
        raise EnvelopeError(BAD_ENVELOPE)
    return Envelope(tuple(segments))


def read_format_06(fields: tuple[str, ...]) -> dict:
    """Result fields from data identifiers; raise EnvelopeError on a malformed one."""
    out: dict = {}
    for text in fields:
        found = _FIELD.fullmatch(text)
        if found is None:
            raise EnvelopeError(BAD_ENVELOPE)
        di, value = found["di"], found["data"]
        name = _DIS.get(di)
        if name is None or not value or (name == "part" and di == "P" and "part" in out):
            continue  # 1P (the maker's part) wins over P when both are there
        if name == "count":
            if not value.isdigit():
                raise EnvelopeError(f"the quantity (Q) {value!r} is not a whole number")
            out[name] = int(value)
        elif di in _DATE_LAYOUTS:
            out[name] = _date(value, _DATE_LAYOUTS[di], di)
        elif name == "ppn":
            if not ppn_ok(value):
                raise EnvelopeError(BAD_PPN)
            out[name] = value
        else:
            out[name] = value
    return out


def ppn_ok(ppn: str) -> bool:
    """IFA PPN: 2-digit product registration agency code, product number, then two check
    digits: the sum of each character's ASCII code times its position + 1, modulo 97."""
    if not (4 <= len(ppn) <= 22 and ppn[-2:].isdigit() and ppn[:-2].isalnum() and ppn.isascii()):
        return False
    total = sum(ord(ch) * weight for weight, ch in enumerate(ppn[:-2], start=2))
    return total % 97 == int(ppn[-2:])


def _date(value: str, layout: str, di: str) -> date:
    """YYYYMMDD or YYMMDD; day 00 means the last day of the month (as in GS1 and IFA)."""
    if len(value) != len(layout) or not value.isdigit():
        raise EnvelopeError(f"the date ({di}) {value!r} is not {layout}")
    year = int(value[:4]) if layout == "YYYYMMDD" else 2000 + int(value[:2])
    month, day = int(value[-4:-2]), int(value[-2:])
    try:
        if day == 0:
            day = calendar.monthrange(year, month)[1]
        return date(year, month, day)
    except (ValueError, calendar.IllegalMonthError):
        raise EnvelopeError(f"the date ({di}) {value!r} is not a date") from None
