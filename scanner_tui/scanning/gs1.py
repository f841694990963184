"""GS1 through ``biip``: symbology identifiers, GTINs, element strings, printed form, Digital Link.

Every biip call is guarded: biip raises on some malformed input (a lone ``]``, an unknown AIM
letter) and these functions never do. They answer a ``ScanResult`` (product, asset, container,
or unknown with a reason) or ``None`` when the data does not look like GS1 at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from biip import ParseConfig, ParseError
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementString, GS1ElementStrings
from biip.gs1_messages import GS1Message
from biip.gtin import Gtin
from biip.symbology import SymbologyIdentifier

from scanner_tui.scanning.result import Kind, ScanResult

GS = "\x1d"

# GS1 symbologies by what they carry (ISO/IEC 15424 code letter + modifier).
GTIN_SYMBOLOGIES = frozenset({"E0", "E3", "E4", "I1"})
ADD_ON_SYMBOLOGIES = frozenset({"E1", "E2"})
MESSAGE_SYMBOLOGIES = frozenset({"C1", "e0", "e1", "e2", "d2", "Q3", "J1"})

BAD_GTIN = "not a valid GTIN check digit"
BAD_SSCC = "not a valid SSCC check digit"
BAD_GS1 = "not valid GS1 data"
NO_KEY = "GS1 data without a GTIN or SSCC"
NOT_DIGITAL_LINK = "a web address, not a GS1 Digital Link"

# GS1 "CSET 82" (the characters element strings may hold) plus the separators.
_CSET82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z\x1d]+")
_HRI_START = re.compile(r"\(\d{2,4}\)")
# The whole printed form: biip's parse_hri silently skips pieces it cannot read ("(21)" empty).
_HRI_WHOLE = re.compile(r"(?:\(\d{2,4}\)[^()]+)+")


@dataclass(frozen=True, slots=True)
class Identifier:
    """An AIM symbology identifier found at the start of a payload."""

    value: str  # as received, e.g. "]d2"
    gs1: str | None  # the GS1 symbology ("d2") when it is one, else None


def split_symbology(code: str) -> tuple[Identifier | None, str, str | None]:
    """Split ``]Xm`` off the front: (identifier, data, reason the identifier is unusable)."""
    if not code.startswith("]"):
        return None, code, None
    # ]Xm is three characters; only ]Y (system expansion) carries up to 10 modifiers
    identifier = _identifier(code[:12] if code[1:2] == "Y" else code[:3])
    if identifier is None:
        return None, code, "starts with ']' but not with a known symbology identifier"
    return identifier, code[len(identifier.value):], None


@lru_cache(maxsize=256)
def _identifier(head: str) -> Identifier | None:
    try:
        found = SymbologyIdentifier.extract(head)
    except (ParseError, IndexError, ValueError):
        return None
    gs1 = found.gs1_symbology.value if found.gs1_symbology is not None else None
    return Identifier(found.value, gs1)


@lru_cache(maxsize=8)
def parse_config(separators: tuple[str, ...]) -> ParseConfig:
    return ParseConfig(separator_chars=separators)


def interpret(
    data: str,
    identifier: Identifier | None,
    code: str,
    separators: tuple[str, ...] = (GS,),
) -> ScanResult | None:
    """What GS1 makes of ``data`` (the payload after any symbology identifier)."""
    symbology = identifier.value if identifier is not None else None
    gs1 = identifier.gs1 if identifier is not None else None

    def unknown(reason: str) -> ScanResult:
        return ScanResult(Kind.UNKNOWN, code=code, symbology=symbology, reason=reason)

    if not data.isascii():
        return unknown(BAD_GS1) if gs1 is not None else None
    if gs1 in GTIN_SYMBOLOGIES:
        digits = data[:13] if gs1 == "E3" else data
        return _gtin_result(digits, code, symbology) or unknown(BAD_GTIN)
    if gs1 in ADD_ON_SYMBOLOGIES:
        return unknown("an EAN add-on without its main barcode")
    if data[:8].lower().startswith(("http://", "https://")):
        return _digital_link(data, code, symbology, separators)
    if data.startswith("("):
        if not _HRI_START.match(data):
            return unknown(BAD_GS1) if gs1 is not None else None
        if not _HRI_WHOLE.fullmatch(data.replace(" ", "")):
            return unknown(BAD_GS1)
        try:
            message = GS1Message.parse_hri(data, config=parse_config(separators))
        except (ParseError, ValueError, IndexError):
            return unknown(BAD_GS1)
        return _from_elements(message.element_strings, code, symbology)
    if gs1 not in MESSAGE_SYMBOLOGIES and data.isdigit() and len(data) in (8, 12, 13, 14):
        # Plain GTIN first: a bare EAN-13 also parses as AI 400, a GTIN-8 as AI 96.
        return _gtin_result(data, code, symbology) or unknown(BAD_GTIN)
    stripped = data.strip(GS)
    if not (stripped[:2].isdigit() and _CSET82.fullmatch(data)):
        return unknown(BAD_GS1) if gs1 in MESSAGE_SYMBOLOGIES else None
    try:
        message = GS1Message.parse(data, config=parse_config(separators))
    except (ParseError, ValueError, IndexError):
        # Without a GS1 identifier only data that opens with (00) or (01) was meant as GS1.
        if gs1 in MESSAGE_SYMBOLOGIES or stripped.startswith(("00", "01")):
            return unknown(BAD_GS1)
        return None
    return _from_elements(message.element_strings, code, symbology)


# The same label is often scanned again and again (a case of one product at receiving) and
# biip is the slow part of classification (~50 us for a 4-field DataMatrix): remember answers.
# Results are immutable; the key is everything the answer depends on.
interpret_cached = lru_cache(maxsize=4096)(interpret)


GTIN_LENGTHS = (8, 12, 13, 14)


def gtin14(digits: str) -> str | None:
    """The GTIN as 14 digits, or None when it is not a valid GTIN-8/12/13/14: ASCII digits
    (a full-width or Arabic-Indic digit is no scanner's output), a good check digit, and not all
    zeros (biip accepts that as an RCN; a product cannot be all zeros)."""
    if not (digits.isascii() and digits.isdigit() and len(digits) in GTIN_LENGTHS):
        return None
    if not digits.strip("0"):
        return None
    try:
        return Gtin.parse(digits).as_gtin_14()
    except (ParseError, ValueError, IndexError):
        return None


def _gtin_result(digits: str, code: str, symbology: str | None) -> ScanResult | None:
    gtin = gtin14(digits)
    if gtin is None:
        return None
    return ScanResult(Kind.PRODUCT, code=code, gtin=gtin, symbology=symbology)


def _digital_link(
    url: str, code: str, symbology: str | None, separators: tuple[str, ...]
) -> ScanResult:
    try:
        link = GS1DigitalLinkURI.parse(url, config=parse_config(separators))
    except (ParseError, ValueError, IndexError):
        return ScanResult(Kind.UNKNOWN, code=code, symbology=symbology, reason=NOT_DIGITAL_LINK)
    return _from_elements(link.element_strings, code, symbology)


def _from_elements(elements: GS1ElementStrings, code: str, symbology: str | None) -> ScanResult:
    """Container for (00); asset for (01)+(21); product for (01) alone; else unknown."""
    by_ai: dict[str, GS1ElementString] = {}
    for element in elements:
        seen = by_ai.setdefault(element.ai.ai, element)
        if seen.value != element.value:
            return ScanResult(Kind.UNKNOWN, code=code, symbology=symbology,
                              reason="GS1 data gives one field two different values")
    sscc = by_ai.get("00")
    if sscc is not None:
        if sscc.sscc is None:
            return ScanResult(Kind.UNKNOWN, code=code, symbology=symbology, reason=BAD_SSCC)
        return ScanResult(Kind.CONTAINER, code=code, sscc=sscc.sscc.value, symbology=symbology)
    item = by_ai.get("01")
    if item is None:
        reason = "GS1 serial without a GTIN" if "21" in by_ai else NO_KEY
        return ScanResult(Kind.UNKNOWN, code=code, symbology=symbology, reason=reason)
    gtin = item.gtin
    if gtin is None or not gtin.value.strip("0"):
        return ScanResult(Kind.UNKNOWN, code=code, symbology=symbology, reason=BAD_GTIN)
    serial = _value(by_ai.get("21"))
    expiry_element = by_ai.get("17")
    expiry: date | None = expiry_element.date if expiry_element is not None else None
    return ScanResult(
        Kind.ASSET if serial else Kind.PRODUCT,
        code=code,
        gtin=gtin.as_gtin_14(),
        serial=serial,
        lot=_value(by_ai.get("10")),
        expiry=expiry,
        symbology=symbology,
    )


def _value(element: GS1ElementString | None) -> str | None:
    return element.value or None if element is not None else None
