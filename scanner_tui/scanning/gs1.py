"""GS1 through ``biip``: symbology identifiers, GTINs (UPC-E expanded, variable-measure numbers
read with the site's scheme), element strings, printed form, Digital Link, and the other
reading of element strings that lost their separators.

Every biip call is guarded: biip raises on some malformed input (a lone ``]``, an unknown AIM
letter) and these functions never do. They answer a ``ScanResult`` (see ``gs1_fields`` for
which key gives which kind) or ``None`` when the data does not look like GS1 at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from biip import ParseConfig, ParseError
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementStrings
from biip.gs1_messages import GS1Message
from biip.gtin import Gtin
from biip.symbology import SymbologyIdentifier
from biip.upc import Upc

from scanner_tui.scanning import variable_measure
from scanner_tui.scanning.gs1_fields import BAD_GTIN, BAD_SSCC, NO_KEY, read_elements  # noqa: F401  (BAD_SSCC, NO_KEY: re-exported)
from scanner_tui.scanning.result import Kind, ScanResult

GS = "\x1d"

# GS1 symbologies by what they carry (ISO/IEC 15424 code letter + modifier).
GTIN_SYMBOLOGIES = frozenset({"E0", "E3", "E4", "I1"})
ADD_ON_SYMBOLOGIES = frozenset({"E1", "E2"})
MESSAGE_SYMBOLOGIES = frozenset({"C1", "e0", "e1", "e2", "d2", "Q3", "J1"})

BAD_GS1 = "not valid GS1 data"
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


@dataclass(frozen=True, slots=True, eq=False)
class Options:
    """The site's settings GS1 reading depends on: part of the answer cache key, compared by
    identity (built once per ``TagRules``; hashing the scheme's fields on every scan cost
    ~0.7 us, a third of a repeated label's classification)."""

    separators: tuple[str, ...] = (GS,)
    scheme: variable_measure.Scheme = variable_measure.DEFAULT_SCHEME
    extension_is_bin: bool = False  # (414)+(254): the extension is the bin code


DEFAULT_OPTIONS = Options()


def interpret(
    data: str,
    identifier: Identifier | None,
    code: str,
    options: Options = DEFAULT_OPTIONS,
) -> ScanResult | None:
    """What GS1 makes of ``data`` (the payload after any symbology identifier)."""
    symbology = identifier.value if identifier is not None else None
    gs1 = identifier.gs1 if identifier is not None else None
    separators = options.separators

    def unknown(reason: str) -> ScanResult:
        return ScanResult(Kind.UNKNOWN, code=code, symbology=symbology, reason=reason)

    if not data.isascii():
        return unknown(BAD_GS1) if gs1 is not None else None
    if gs1 in GTIN_SYMBOLOGIES:
        digits = data[:13] if gs1 == "E3" else data
        return _gtin_result(digits, code, symbology, options, upc_e_first=gs1 == "E0") or (
            unknown(BAD_GTIN))
    if gs1 in ADD_ON_SYMBOLOGIES:
        return unknown("an EAN add-on without its main barcode")
    if data[:8].lower().startswith(("http://", "https://")):
        return _digital_link(data, code, symbology, options)
    if data.startswith("("):
        if not _HRI_START.match(data):
            return unknown(BAD_GS1) if gs1 is not None else None
        if not _HRI_WHOLE.fullmatch(data.replace(" ", "")):
            return unknown(BAD_GS1)
        try:
            message = GS1Message.parse_hri(data, config=parse_config(separators))
        except (ParseError, ValueError, IndexError):
            return unknown(BAD_GS1)
        return read_elements(message.element_strings, code, symbology, options.extension_is_bin)
    if gs1 not in MESSAGE_SYMBOLOGIES and data.isdigit() and len(data) in (8, 12, 13, 14):
        # Plain GTIN first: a bare EAN-13 also parses as AI 400, a GTIN-8 as AI 96.
        return _gtin_result(data, code, symbology, options) or unknown(BAD_GTIN)
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
    result = read_elements(message.element_strings, code, symbology, options.extension_is_bin)
    if not any(sep in stripped for sep in separators):
        other = other_reading(data, message.element_strings, result, options)
        if other is not None:
            return replace(result, alternative=other)
    return result


# A field a lost separator can hide inside a lot (10) or serial (21), with the data it needs:
# only fields that change the answer (serial, lot, dates, a GTIN, weight, price), a hidden lot
# or serial of 3 characters at least, and at least 3 characters left before the cut. Without
# these limits 2-3 % of ordinary labels (a lot "L52136", a serial "SN000106") would raise a
# question. Checked before biip is asked, so most cuts cost a regular-expression probe.
_HIDDEN = re.compile(r"(?:21|10)[!-~]{3}|(?:17|11)\d{6}|0[12]\d{14}|310\d{7}|392\d{2}")
_MIN_HEAD = 3
_SWALLOWING = ("10", "21")


def other_reading(
    data: str, elements: GS1ElementStrings, first: ScanResult, options: Options
) -> ScanResult | None:
    """Another valid reading of element strings sent without any separator.

    Without separators the first variable-length field runs to the end of the data, so a
    scanner that dropped the GS turns ``10ABC123 GS 21SN0001`` into the lot ``ABC12321SN0001``.
    When that last field (a lot or serial), cut somewhere, leaves a tail that is itself valid
    GS1 data that changes the answer, that is the other reading (the earliest such cut).
    """
    last = elements[-1] if elements else None
    if last is None or last.ai.ai not in _SWALLOWING or not data.endswith(last.value):
        return None
    value = last.value
    start = len(data) - len(value)
    config = parse_config(options.separators)
    for cut in range(_MIN_HEAD, len(value) - 2):
        if _HIDDEN.match(value, cut) is None:
            continue
        try:
            message = GS1Message.parse(data[: start + cut] + GS + value[cut:], config=config)
        except (ParseError, ValueError, IndexError):
            continue
        other = read_elements(message.element_strings, first.code, first.symbology,
                              options.extension_is_bin)
        if other.kind is not Kind.UNKNOWN and other != first:
            return other
    return None


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


def upc_e_gtin14(digits: str) -> str | None:
    """An 8-digit UPC-E (number system 0 or 1, good check digit) expanded to its GTIN-14."""
    if not (len(digits) == 8 and digits.isascii() and digits.isdigit() and digits[0] in "01"):
        return None
    try:
        upc = Upc.parse(digits)
    except (ParseError, ValueError, IndexError):
        return None
    return gtin14(upc.as_upc_a())


def _gtin_result(
    digits: str, code: str, symbology: str | None, options: Options, *, upc_e_first: bool = False
) -> ScanResult | None:
    """A plain EAN/UPC/ITF number. Eight digits: EAN-8 first unless the scanner said UPC
    (``]E0``), then UPC-E. A variable-measure number gives its item's GTIN and the value."""
    if len(digits) == 8 and upc_e_first:
        gtin = upc_e_gtin14(digits) or gtin14(digits)
    else:
        gtin = gtin14(digits) or (upc_e_gtin14(digits) if len(digits) == 8 else None)
    if gtin is None:
        return None
    measure = variable_measure.read(gtin, options.scheme) if len(digits) in (12, 13) else None
    if measure is not None:
        return ScanResult(Kind.PRODUCT, code=code, gtin=measure.gtin, price=measure.price,
                          weight=measure.weight, symbology=symbology)
    return ScanResult(Kind.PRODUCT, code=code, gtin=gtin, symbology=symbology)


def _digital_link(url: str, code: str, symbology: str | None, options: Options) -> ScanResult:
    try:
        link = GS1DigitalLinkURI.parse(url, config=parse_config(options.separators))
    except (ParseError, ValueError, IndexError):
        return ScanResult(Kind.UNKNOWN, code=code, symbology=symbology, reason=NOT_DIGITAL_LINK)
    return read_elements(link.element_strings, code, symbology, options.extension_is_bin)
