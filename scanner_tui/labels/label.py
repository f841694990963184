"""What one label carries: the data to encode, the symbology, and the text printed on it.

Builders choose the symbology the way a scanner will read it back:

- own tags (bins, ``AT`` asset tags, SKU codes, other serials): Code 128;
- GS1 data (GTIN + serial, GTIN + lot...): GS1-128, FNC1 (``\\xf1``) after every
  variable-length field that is not the last, AIs checked with biip's table;
- a SKU's GTIN: EAN-13 (GTIN-12/13), EAN-8 (GTIN-8), else GS1-128 ``(01)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from biip.gs1_application_identifiers import GS1ApplicationIdentifier

from scanner_tui.scanning.gs1 import gtin14
from scanner_tui.text import CONTROL

FNC1 = "\xf1"
MAX_CODE = 80


class LabelError(Exception):
    """A label that cannot be made or delivered, worded as one line for the person printing."""


class LabelKind(StrEnum):
    BIN = "bin"
    ASSET = "asset"
    SKU = "sku"


class Symbology(StrEnum):
    CODE128 = "code128"
    GS1_128 = "gs1_128"
    EAN13 = "ean13"
    EAN8 = "ean8"


@dataclass(frozen=True, slots=True)
class Label:
    """One label. ``data`` is what the bars encode; ``text`` is printed under them.

    ``code`` is the identity a scan of this label must come back as (bin code, serial, GTIN-14
    or SKU code); ``title`` is the big line on top (the bin name, a SKU description);
    ``caption`` a small line under the text (the SKU code on an asset tag).
    """

    kind: LabelKind
    code: str
    symbology: Symbology
    data: str
    text: str
    title: str = ""
    caption: str = ""
    gtin: str | None = None  # 14 digits, when the label carries a GTIN


def check_printable(value: str, what: str = "code") -> str:
    """Refuse empty, overlong or control-character text before it reaches a label."""
    if not value:
        raise LabelError(f"cannot print an empty {what}")
    if CONTROL.search(value):  # they would reach the printer
        raise LabelError(f"cannot print {what} {value!r}: it contains control characters")
    if len(value) > MAX_CODE:
        raise LabelError(
            f"cannot print {what} {value[:20]!r}...: longer than {MAX_CODE} characters"
        )
    return value


def _code128_safe(value: str, what: str) -> str:
    check_printable(value, what)
    if not value.isascii():
        raise LabelError(f"cannot print {what} {value!r} as Code 128: only ASCII characters fit")
    return value


def bin_label(code: str, zone: str = "") -> Label:
    """A bin tag: the bin name large on top, Code 128 of the code, the code under the bars."""
    _code128_safe(code, "bin code")
    return Label(LabelKind.BIN, code, Symbology.CODE128, code, code, title=code,
                 caption=f"zone {zone}" if zone else "")


def code128_label(kind: LabelKind, code: str, *, title: str = "", caption: str = "") -> Label:
    """Code 128 of ``code`` (own asset tags, serials without a GTIN, SKU codes)."""
    _code128_safe(code, f"{kind.value} code")
    return Label(kind, code, Symbology.CODE128, code, code, title=title, caption=caption)


def gs1_element_string(fields: list[tuple[str, str]]) -> tuple[str, str]:
    """(data with FNC1 separators, human-readable ``(01)...(21)...``) for GS1-128.

    Each value is checked against biip's pattern for its AI, so a label never carries GS1
    data a scanner would read back differently.
    """
    data: list[str] = []
    text: list[str] = []
    for i, (ai, value) in enumerate(fields):
        try:
            info = GS1ApplicationIdentifier.extract(ai)
        except Exception:  # noqa: BLE001  (biip raises its own ParseError)
            raise LabelError(f"({ai}) is not a GS1 application identifier") from None
        if info.ai != ai or not re.fullmatch(info.pattern, ai + value):
            raise LabelError(f"{value!r} is not valid GS1 data for ({ai}) {info.data_title}")
        data.append(ai + value)
        if info.separator_required and i < len(fields) - 1:
            data.append(FNC1)
        text.append(f"({ai}){value}")
    return "".join(data), "".join(text)


def valid_gtin(value: str) -> str | None:
    """The GTIN as 14 digits when ``value`` is a GTIN-8/12/13/14 with a good check digit."""
    return gtin14(value)


def gs1_asset_label(gtin: str, serial: str, *, lot: str = "", title: str = "",
                    caption: str = "") -> Label:
    """GS1-128 ``(01) GTIN [(10) lot] (21) serial``: a unit with a manufacturer serial."""
    g14 = valid_gtin(gtin)
    if g14 is None:
        raise LabelError(f"{gtin} is not a valid GTIN")
    fields = [("01", g14)] + ([("10", lot)] if lot else []) + [("21", serial)]
    data, text = gs1_element_string(fields)
    return Label(LabelKind.ASSET, serial, Symbology.GS1_128, data, text, title=title,
                 caption=caption, gtin=g14)


def gtin_label(gtin: str, *, sku_code: str = "", title: str = "") -> Label:
    """A SKU's GTIN: EAN-13 for GTIN-12/13, EAN-8 for GTIN-8, GS1-128 (01) otherwise."""
    g14 = valid_gtin(gtin)
    if g14 is None:
        raise LabelError(f"{gtin} is not a valid GTIN (check digit or length)")
    caption = sku_code
    if g14.startswith("000000"):
        ean8 = g14[6:]
        return Label(LabelKind.SKU, g14, Symbology.EAN8, ean8, ean8, title=title,
                     caption=caption, gtin=g14)
    if g14.startswith("0"):
        ean13 = g14[1:]
        return Label(LabelKind.SKU, g14, Symbology.EAN13, ean13, ean13, title=title,
                     caption=caption, gtin=g14)
    data, text = gs1_element_string([("01", g14)])
    return Label(LabelKind.SKU, g14, Symbology.GS1_128, data, text, title=title,
                 caption=caption, gtin=g14)


def serial_fits_gs1(serial: str) -> bool:
    """True when ``serial`` can travel as GS1 AI (21) (GS1 character set 82, 1..20 chars)."""
    info = GS1ApplicationIdentifier.extract("21")
    return bool(re.fullmatch(info.pattern, "21" + serial))


def modules(label: Label) -> str:
    """The bar pattern as a string of '1' (bar) and '0' (space) modules, no quiet zone."""
    from barcode import EAN8, EAN13, Code128
    from barcode.codex import Gs1_128

    try:
        if label.symbology is Symbology.CODE128:
            return Code128(label.data).build()[0]
        if label.symbology is Symbology.GS1_128:
            return Gs1_128(label.data).build()[0]
        if label.symbology is Symbology.EAN13:
            return EAN13(label.data[:12]).build()[0]
        return EAN8(label.data[:7]).build()[0]
    except Exception:  # noqa: BLE001  (python-barcode raises several kinds)
        raise LabelError(f"cannot print {label.code!r}: {FITS[label.symbology]}; correct "
                         "the code where it is kept and print again") from None


# what a symbology can carry, for the person whose code does not fit (not the library's words)
FITS = {
    Symbology.CODE128: "a Code 128 barcode holds printable ASCII characters only",
    Symbology.GS1_128: "a GS1-128 barcode holds GS1 data (digits and the GS1 characters) only",
    Symbology.EAN13: "an EAN-13 barcode holds 12 digits and a check digit",
    Symbology.EAN8: "an EAN-8 barcode holds 7 digits and a check digit",
}
