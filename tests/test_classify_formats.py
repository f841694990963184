"""The small readers behind classification: HIBC, ISO/IEC 15434, variable measure, UPC-E."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from scanner_tui.scanning import hibc, iso15434, variable_measure
from scanner_tui.scanning.gs1 import upc_e_gtin14


def h(body: str) -> str:
    return body + hibc.check_character(body)


def test_hibc_check_character_examples() -> None:
    assert hibc.check_character("+B123ABC0") == "5"  # 91 mod 43 = 5
    assert hibc.check_character("+A1234BJC5D6E71") == "K"  # 149 mod 43 = 20


@pytest.mark.parametrize(
    ("secondary", "expiry"),
    [
        ("$$0727LOT", date(2027, 7, 31)),        # MMYY
        ("$$2123127LOT", date(2027, 12, 31)),    # flag 2: MMDDYY
        ("$$3271231LOT", date(2027, 12, 31)),    # flag 3: YYMMDD
        ("$$427123114LOT", date(2027, 12, 31)),  # flag 4: YYMMDDHH
        ("$$527365LOT", date(2027, 12, 31)),     # flag 5: YYJJJ
        ("$$62736514LOT", date(2027, 12, 31)),   # flag 6: YYJJJHH
        ("$$7LOT", None),                        # flag 7: no date
        ("28060LOT", date(2028, 2, 29)),         # legacy YYJJJ in a leap year
    ],
)
def test_hibc_date_flags(secondary: str, expiry: date | None) -> None:
    found = hibc.parse(h("+A123PART0/" + secondary))
    assert (found.expiry, found.lot) == (expiry, "LOT")


@pytest.mark.parametrize(
    "body",
    ["+A123PART0/$$8", "+A123PART0/$$9123", "+A123PART0/$$1327LOT", "+A123PART0/$$527400",
     "+A123PART0/$$3271340LOT", "+1234PART0", "+A1", "+A123PART0/X", "+A123PARTX"],
)
def test_hibc_malformed(body: str) -> None:
    with pytest.raises(hibc.HibcError):
        hibc.parse(h(body))


def test_hibc_lower_case_is_not_hibc() -> None:
    with pytest.raises(hibc.HibcError):
        hibc.parse("+b123abc05")


def test_envelope_split_and_errors() -> None:
    RS, GS, EOT = "\x1e", "\x1d", "\x04"
    got = iso15434.split(f"[)>{RS}06{GS}1PA{GS}Q2{RS}05{GS}10L{RS}{EOT}")
    assert got.segments == (("06", ("1PA", "Q2")), ("05", ("10L",)))
    for bad in [f"[)>{RS}{EOT}", f"[)>{RS}6{GS}1PA{RS}{EOT}", f"[)>{RS}06{GS}1PA{EOT}{RS}x",
                "[)>06"]:
        with pytest.raises(iso15434.EnvelopeError):
            iso15434.split(bad)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (("1PX", "Qten"), "the quantity (Q) 'ten' is not a whole number"),
        (("1PX", "14D20271301"), "the date (14D) '20271301' is not a date"),
        (("1PX", "D2712"), "the date (D) '2712' is not YYMMDD"),
        (("1PX", "lower"), "not a valid ISO/IEC 15434 envelope"),
    ],
)
def test_format_06_errors_are_sentences(fields: tuple[str, ...], message: str) -> None:
    with pytest.raises(iso15434.EnvelopeError, match=message.replace("(", r"\(")
                       .replace(")", r"\)")):
        iso15434.read_format_06(fields)


def test_ppn_check() -> None:
    assert iso15434.ppn_ok("111234567842")
    assert not iso15434.ppn_ok("111234567824")
    assert not iso15434.ppn_ok("11")


def test_variable_measure_reading() -> None:
    read = variable_measure.read("02012345003453")
    assert read == variable_measure.Reading("02012345000001", price=Decimal("3.45"))
    assert variable_measure.read("04006381333931") is None  # prefix 40: a plain GTIN
    assert variable_measure.read("12012345003450") is None  # a GTIN-14 case, not RCN


def test_upc_e_expansion_rules() -> None:
    # the zero-suppression rules by last digit (GS1 General Specifications 5.2.2.4.2)
    assert upc_e_gtin14("04252614") == "00042100005264"
    assert upc_e_gtin14("06543236") == "00065400000326"  # last digit 3
    assert upc_e_gtin14("24252614") is None  # number system 2 has no UPC-E
    assert upc_e_gtin14("0425261") is None
