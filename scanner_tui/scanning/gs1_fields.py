"""From GS1 element strings (as biip reads them) to a ``ScanResult``.

Which key decides the kind:
- (00) SSCC: a container; (02) is the GTIN of its contents and (37) their count.
- (01) GTIN, or (02) without an SSCC: a product, an asset when (21) gives its serial.
- (8004) GIAI, (8003) GRAI: an asset whose serial is the whole GIAI / GRAI.
- (414) GLN with (254) extension: a bin. (414) alone names a site, not a bin.
Also carried: lot (10), expiry (17), production date (11), count (30)/(37), price (392n),
net weight in kg (310n) and every measure (310n)-(369n) with its unit.
"""

from __future__ import annotations

import re
from datetime import date

from biip.checksums import gs1_standard_check_digit
from biip.gs1_element_strings import GS1ElementString, GS1ElementStrings

from scanner_tui.scanning.result import Kind, Measure, ScanResult

BAD_GTIN = "not a valid GTIN check digit"
BAD_SSCC = "not a valid SSCC check digit"
BAD_GLN = "not a valid GLN check digit"
BAD_GRAI = "not a valid GRAI check digit"
NO_KEY = "GS1 data without a GTIN or SSCC"
SITE_NOT_BIN = (
    "a GS1 location number (414) without an extension (254) names a site, not a bin"
)
TWO_VALUES = "GS1 data gives one field two different values"

# "NET WEIGHT (kg)", "LENGTH (m), log", "KG PER m²"
_TITLE = re.compile(r"(?P<what>.+?)(?: \((?P<unit>[^)]+)\))?(?P<log>, log)?")


def read_elements(
    elements: GS1ElementStrings, code: str, symbology: str | None, extension_is_bin: bool = False
) -> ScanResult:
    """The result for a parsed GS1 message (see the module docstring for the rules)."""

    def unknown(reason: str, **fields: object) -> ScanResult:
        return ScanResult(Kind.UNKNOWN, code=code, symbology=symbology, reason=reason, **fields)

    by_ai: dict[str, GS1ElementString] = {}
    for element in elements:
        seen = by_ai.setdefault(element.ai.ai, element)
        if seen.value != element.value:
            return unknown(TWO_VALUES)
    sscc = by_ai.get("00")
    item = by_ai.get("01") or by_ai.get("02")
    gtin = None
    if item is not None:
        if item.gtin is None or not item.gtin.value.strip("0"):
            return unknown(BAD_GTIN)
        gtin = item.gtin.as_gtin_14()
    details = _details(by_ai, elements)
    if sscc is not None:
        if sscc.sscc is None:
            return unknown("not a valid SSCC check digit")
        return ScanResult(Kind.CONTAINER, code=code, sscc=sscc.sscc.value, gtin=gtin,
                          symbology=symbology, **details)
    if gtin is not None:
        serial = _value(by_ai.get("21"))
        return ScanResult(Kind.ASSET if serial else Kind.PRODUCT, code=code, gtin=gtin,
                          serial=serial, symbology=symbology, **details)
    if "8004" in by_ai:
        return ScanResult(Kind.ASSET, code=code, serial=by_ai["8004"].value,
                          symbology=symbology, **details)
    if "8003" in by_ai:
        grai = by_ai["8003"].value
        if not _grai_ok(grai):
            return unknown(BAD_GRAI)
        return ScanResult(Kind.ASSET, code=code, serial=grai, symbology=symbology, **details)
    if "414" in by_ai:
        place = by_ai["414"]
        if place.gln is None:
            return unknown(BAD_GLN)
        extension = _value(by_ai.get("254"))
        if extension is None:
            return unknown(SITE_NOT_BIN, gln=place.gln.value)
        return ScanResult(Kind.BIN, code=code, gln=place.gln.value, gln_extension=extension,
                          bin=extension if extension_is_bin else None, symbology=symbology)
    return unknown("GS1 serial without a GTIN" if "21" in by_ai else NO_KEY)


def _details(by_ai: dict[str, GS1ElementString], elements: GS1ElementStrings) -> dict:
    """Lot, dates, count, price, weight and measures, for the fields that are present."""
    out: dict = {}
    lot = _value(by_ai.get("10"))
    if lot is not None:
        out["lot"] = lot
    for ai, name in (("17", "expiry"), ("11", "produced")):
        when: date | None = by_ai[ai].date if ai in by_ai else None
        if when is not None:
            out[name] = when
    counted = by_ai.get("37") or by_ai.get("30")
    if counted is not None and counted.value.isdigit():
        out["count"] = int(counted.value)
    measures = []
    for element in elements:
        ai = element.ai.ai
        if ai.startswith("392") and element.decimal is not None:
            out["price"] = element.decimal
        elif len(ai) == 4 and 310 <= int(ai[:3]) <= 369 and element.decimal is not None:
            measures.append(_measure(element))
            if ai.startswith("310"):
                out["weight"] = element.decimal
    if measures:
        out["measures"] = tuple(measures)
    return out


def _measure(element: GS1ElementString) -> Measure:
    found = _TITLE.fullmatch(element.ai.data_title)
    what, unit = (found["what"], found["unit"]) if found else (element.ai.data_title, None)
    if unit is None and " PER " in what:  # "KG PER m²"
        top, _, per = what.partition(" PER ")
        what, unit = "area density", f"{top.lower()}/{per}"
    what = what.lower() + (" (logistic)" if found and found["log"] else "")
    assert element.decimal is not None
    return Measure(element.ai.ai, what, element.decimal, unit or "")


def _grai_ok(grai: str) -> bool:
    """(8003): a 0, then 13 digits whose last is a GS1 check digit, then an optional serial."""
    body = grai[1:14]
    return (len(body) == 13 and body.isdigit()
            and gs1_standard_check_digit(body[:12]) == int(body[12]))


def _value(element: GS1ElementString | None) -> str | None:
    return element.value or None if element is not None else None
