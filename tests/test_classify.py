"""Classification: the shared corpus, each kind, each GS1 form, unsafe text, custom rules."""

from __future__ import annotations

from datetime import date

import pytest

from scanner_tui.config import ScannerConfig, TagsConfig
from scanner_tui.scanning.classify import LOOKUP_FAILED, classify
from scanner_tui.scanning.normalise import normalise
from scanner_tui.scanning.result import Kind
from scanner_tui.scanning.rules import DEFAULT_RULES, TagRules

GS = "\x1d"


def test_corpus_every_case(corpus: list[dict]) -> None:
    failures = []
    for case in corpus:
        got = classify(case["payload"]).to_dict()
        wrong = {k: (v, got.get(k)) for k, v in case["expect"].items() if got.get(k) != v}
        if wrong:
            failures.append((case["name"], wrong))
        if got["kind"] == "unknown":
            assert got.get("reason"), case["name"]
    assert not failures


def test_corpus_also_as_bytes(corpus: list[dict]) -> None:
    for case in corpus:
        as_bytes = classify(case["payload"].encode("utf-8"))
        assert as_bytes == classify(case["payload"]), case["name"]


# --- each kind -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("payload", "expect"),
    [
        ("A04-B-12", {"kind": "bin", "bin": "A04-B-12"}),
        ("  Z99-Z-99 \r\n", {"kind": "bin", "bin": "Z99-Z-99"}),
        ("AT12345678\t", {"kind": "asset", "serial": "AT12345678"}),
        ("OP-1234\n", {"kind": "badge", "badge": "OP-1234"}),
        ("CMD:CANCEL", {"kind": "command", "command": "CANCEL"}),
        ("CMD:SHORT\r", {"kind": "command", "command": "SHORT"}),
        ("", {"kind": "empty"}),
        ("   \t", {"kind": "empty"}),
        ("\r", {"kind": "empty"}),
        # caps lock on the wedge: taken upper-cased, and the answer says so
        ("a04-b-12", {"kind": "bin", "bin": "A04-B-12", "caps_lock": True}),
        ("A04-B-12x", {"kind": "unknown", "reason": "matches no tag rule"}),
        ("A04-B-123", {"kind": "unknown"}),
        ("XYZ04-B-12", {"kind": "unknown"}),
        ("AT0000004", {"kind": "unknown"}),
        ("CMD:done", {"kind": "command", "command": "DONE", "caps_lock": True}),
    ],
)
def test_each_kind(payload: str, expect: dict) -> None:
    got = classify(payload).to_dict()
    assert {k: got.get(k) for k in expect} == expect


def test_result_carries_trimmed_code_and_accepted_flag() -> None:
    result = classify(" A04-B-12\r\n")
    assert result.code == "A04-B-12"
    assert result.accepted
    assert not classify("nonsense").accepted
    assert not classify("").accepted


# --- GS1 -------------------------------------------------------------------------------------

GTIN = "09501101020917"


@pytest.mark.parametrize(
    ("payload", "expect"),
    [
        # plain GTINs, product first
        ("4006381333931", {"kind": "product", "gtin": "04006381333931"}),
        ("036000291452", {"kind": "product", "gtin": "00036000291452"}),
        ("96385074", {"kind": "product", "gtin": "00000096385074"}),
        ("10012345000017", {"kind": "product", "gtin": "10012345000017"}),
        ("96385075", {"kind": "unknown", "reason": "not a valid GTIN check digit"}),
        ("0000000000000", {"kind": "unknown"}),
        # EAN/UPC and ITF symbology identifiers
        ("]E04006381333931", {"kind": "product", "gtin": "04006381333931", "symbology": "]E0"}),
        ("]E496385074", {"kind": "product", "gtin": "00000096385074", "symbology": "]E4"}),
        ("]I110012345000017", {"kind": "product", "gtin": "10012345000017", "symbology": "]I1"}),
        ("]E34006381333931" "12", {"kind": "product", "gtin": "04006381333931"}),
        ("]E04006381333932", {"kind": "unknown", "symbology": "]E0",
                              "reason": "not a valid GTIN check digit"}),
        ("]E1" "12", {"kind": "unknown"}),
        # GS1-128 / DataMatrix / QR / DataBar element strings
        (f"]C101{GTIN}", {"kind": "product", "gtin": GTIN, "symbology": "]C1"}),
        (f"]d201{GTIN}21SN9", {"kind": "asset", "gtin": GTIN, "serial": "SN9"}),
        (f"]Q301{GTIN}10L{GS}21S", {"kind": "asset", "lot": "L", "serial": "S"}),
        (f"]e001{GTIN}17290200", {"kind": "product", "expiry": "2029-02-28"}),
        (f"]e001{GTIN}17290229", {"kind": "unknown", "reason": "not valid GS1 data"}),
        (f"]C101{GTIN}17280200", {"kind": "product", "expiry": "2028-02-29"}),
        (f"]C101{GTIN}17271300", {"kind": "unknown", "reason": "not valid GS1 data"}),
        ("]C101095011010209181727013110X", {"kind": "unknown",
                                            "reason": "not a valid GTIN check digit"}),
        ("]C100009501101530000039", {"kind": "unknown", "reason": "not a valid SSCC check digit"}),
        ("]C100009501101530000038", {"kind": "container", "sscc": "009501101530000038"}),
        ("00009501101530000038", {"kind": "container", "sscc": "009501101530000038"}),
        ("]C1ABC", {"kind": "unknown", "reason": "not valid GS1 data"}),
        ("]C140012345", {"kind": "unknown", "reason": "GS1 data without a GTIN or SSCC"}),
        ("]d221SN1", {"kind": "unknown", "reason": "GS1 serial without a GTIN"}),
        (f"]d201{GTIN}21A{GS}21B", {"kind": "unknown",
                                     "reason": "GS1 data gives one field two different values"}),
        (f"]d201{GTIN}21A{GS}01{GTIN}", {"kind": "asset", "serial": "A"}),
        # no identifier, with leading FNC1 as GS, and trailing GS
        (f"{GS}01{GTIN}21SN0002{GS}", {"kind": "asset", "serial": "SN0002"}),
        (f"01{GTIN}", {"kind": "product", "gtin": GTIN}),
        ("010950110102091", {"kind": "unknown", "reason": "not valid GS1 data"}),
        # printed (HRI) form
        (f"(01){GTIN}(17)270131(10)A1", {"kind": "product", "lot": "A1",
                                          "expiry": "2027-01-31"}),
        ("(00)009501101530000038", {"kind": "container"}),
        (f"(01){GTIN}(21)", {"kind": "unknown"}),
        ("(01)0950110102091", {"kind": "unknown", "reason": "not valid GS1 data"}),
        ("(hello)", {"kind": "unknown", "reason": "matches no tag rule"}),
        (f"(01){GTIN}(21)(10)X", {"kind": "unknown", "reason": "not valid GS1 data"}),
        (f"(01) {GTIN} (21) S 1", {"kind": "asset", "serial": "S1"}),
        # Digital Link, bare and behind ]Q1 / ]d1
        (f"https://id.gs1.org/01/{GTIN}", {"kind": "product", "gtin": GTIN}),
        (f"https://example.com/shop/01/{GTIN}/10/L5?17=270131",
         {"kind": "product", "lot": "L5", "expiry": "2027-01-31"}),
        (f"]Q1https://id.gs1.org/01/{GTIN}/21/X1", {"kind": "asset", "serial": "X1",
                                                    "symbology": "]Q1"}),
        (f"]d1https://id.gs1.org/01/{GTIN}/21/X2", {"kind": "asset", "serial": "X2"}),
        ("https://id.gs1.org/00/009501101530000038", {"kind": "container"}),
        ("https://id.gs1.org/01/09501101020918", {"kind": "unknown",
                                                  "reason": "not a valid GTIN check digit"}),
        ("https://example.com/", {"kind": "unknown",
                                  "reason": "a web address, not a GS1 Digital Link"}),
    ],
)
def test_gs1_forms(payload: str, expect: dict) -> None:
    got = classify(payload).to_dict()
    assert {k: got.get(k) for k in expect} == expect


def test_expiry_is_a_date_and_gtin_14_digits() -> None:
    result = classify(f"]C101{GTIN}17270200")
    assert result.expiry == date(2027, 2, 28)
    assert result.gtin is not None and len(result.gtin) == 14


def test_lost_separator_is_told_not_silent() -> None:
    """GS1 itself reads a lot that swallowed the serial (no (21) -> product); the answer now
    carries the other reading so the person can be asked (issue 10)."""
    result = classify(f"]d201{GTIN}10LOT721SN1")
    assert result.kind is Kind.PRODUCT
    assert result.lot == "LOT721SN1"
    assert result.alternative is not None
    assert (result.alternative.kind, result.alternative.lot, result.alternative.serial) == (
        Kind.ASSET, "LOT7", "SN1")


def test_plain_code128_with_identifier_is_still_a_tag() -> None:
    assert classify("]C0A04-B-12").to_dict() == {"kind": "bin", "bin": "A04-B-12",
                                                 "symbology": "]C0"}
    assert classify("]A0AT00000042").serial == "AT00000042"
    assert classify("]Q1OP-0001").badge == "OP-0001"


@pytest.mark.parametrize("payload", ["]", "]]", "]x123", "]Y", "]Yx12", "]\u00e9A04-B-12"])
def test_bad_symbology_identifier_is_unknown_not_an_exception(payload: str) -> None:
    result = classify(payload)
    assert result.kind is Kind.UNKNOWN
    assert "symbology identifier" in (result.reason or "")


def test_identifier_without_data() -> None:
    result = classify("]C1\r")
    assert result.kind is Kind.UNKNOWN
    assert result.symbology == "]C1"


# --- GS substitute ---------------------------------------------------------------------------

def test_gs_substitute_becomes_gs() -> None:
    rules = TagRules.from_patterns(gs_substitute="|")
    payload = f"]d201{GTIN}10LOT7|21SN1"
    result = classify(payload, rules)
    assert (result.kind, result.lot, result.serial) == (Kind.ASSET, "LOT7", "SN1")
    assert result.code == f"]d201{GTIN}10LOT7{GS}21SN1"
    # without the substitute configured the '|' is data and the lot swallows the serial
    assert classify(payload).kind is Kind.UNKNOWN or classify(payload).serial is None


def test_control_char_gs_substitute_is_allowed() -> None:
    rules = TagRules.from_sections(TagsConfig(), ScannerConfig(gs_substitute="\x1c"))
    result = classify(f"]d201{GTIN}10LOT7\x1c21SN1", rules)
    assert result.serial == "SN1"
    assert classify(f"]d201{GTIN}10LOT7\x1c21SN1").reason == "contains control characters"


def test_gs_is_allowed_but_other_controls_are_not() -> None:
    assert classify(f"01{GTIN}10L{GS}21S").kind is Kind.ASSET
    for ch in ["\x00", "\x07", "\x08", "\x1c", "\x1e", "\x7f", "\x85", "\t"]:
        result = classify(f"A04{ch}-B-12")
        assert result.kind is Kind.UNKNOWN
        assert result.reason == "contains control characters", repr(ch)


# --- unsafe text -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ("\x1b[31mA04-B-12", "contains a terminal escape sequence"),
        ("A04-B-12\x9b2J", "contains a terminal escape sequence"),
        ("[@click=app.quit]AT00000042", "looks like markup, not a barcode"),
        ("A04[/", "looks like markup, not a barcode"),
        ("<script>alert(1)</script>", "looks like markup, not a barcode"),
        ("A04-B-12\u202e",
         "contains invisible formatting characters (U+202E RIGHT-TO-LEFT OVERRIDE)"),
        ("\ufeffA04-B-12",
         "contains invisible formatting characters (U+FEFF ZERO WIDTH NO-BREAK SPACE)"),
        ("A04\u200b-B-12", "contains invisible formatting characters (U+200B ZERO WIDTH SPACE)"),
        ("A04\ud800", "contains characters that are not valid text"),
        ("\rA04-B-12", "contains control characters"),
        ("A04-B-12\n\nA04-B-13", "contains control characters"),
    ],
)
def test_unsafe_text_is_unknown(payload: str, reason: str) -> None:
    result = classify(payload)
    assert (result.kind, result.reason) == (Kind.UNKNOWN, reason)


def test_full_width_digits_are_not_digits() -> None:
    assert classify("A０４-B-12").kind is Kind.UNKNOWN
    assert classify("AT０００００００42").kind is Kind.UNKNOWN
    assert classify("４００６３８１３３３９３１").kind is Kind.UNKNOWN
    # a custom rule using \d still means ASCII digits only
    rules = TagRules.from_patterns(bin=r"B\d{3}")
    assert classify("B123", rules).kind is Kind.BIN
    assert classify("B１２３", rules).kind is Kind.UNKNOWN


def test_length_cap_applies_before_parsing() -> None:
    assert classify("9" * 256).reason != "longer than 256 characters"
    long = classify("9" * 257)
    assert long.reason == "longer than 256 characters"
    assert len(long.code) == 256
    assert classify("A" * 10_000_000).reason == "longer than 256 characters"
    assert classify(b"\xff" * 10_000_000).reason == "longer than 256 characters"
    # the suffix does not count
    assert classify("9" * 256 + "\r\n").reason != "longer than 256 characters"
    short = TagRules.from_patterns(max_length=8)
    assert classify("A04-B-12", short).kind is Kind.BIN
    assert classify("AT00000042", short).reason == "longer than 8 characters"


# --- bytes -----------------------------------------------------------------------------------

def test_bytes_input() -> None:
    assert classify(b"A04-B-12\r\n").bin == "A04-B-12"
    assert classify(bytearray(b"OP-0001")).badge == "OP-0001"
    bad = classify(b"A04\xff\xfe-B-12")
    assert (bad.kind, bad.reason) == (Kind.UNKNOWN, "contains bytes that are not text")
    assert "\\xff" in bad.code
    assert classify(b"\xc3").kind is Kind.UNKNOWN  # truncated UTF-8 sequence
    assert classify(b"").kind is Kind.EMPTY


def test_not_text_at_all_is_unknown() -> None:
    assert classify(12345).reason == "is not text"  # type: ignore[arg-type]


def test_normalise_directly() -> None:
    assert normalise("  A04-B-12 \r\n").code == "A04-B-12"
    assert normalise("A04-B-12\t\r").code == "A04-B-12"
    assert normalise("A|B", gs_substitute="|").code == f"A{GS}B"
    assert normalise("A\x07").rejected
    assert not normalise("A04").rejected


# --- custom rules ----------------------------------------------------------------------------

def test_custom_rules() -> None:
    rules = TagRules.from_patterns(
        bin=r"LOC-[0-9]{4}",
        asset=r"^[0-9]{10}$",
        badge=r"EMP[0-9]{3}",
        command=r"#(?P<command>[a-z]+)",
    )
    assert classify("LOC-0001", rules).bin == "LOC-0001"
    assert classify("A04-B-12", rules).kind is Kind.UNKNOWN
    # a site's own all-digit asset rule wins over GS1 interpretation
    assert classify("4006381333", rules).serial == "4006381333"
    assert classify("EMP007", rules).badge == "EMP007"
    assert classify("#done", rules).command == "done"
    # rules must match the whole code, anchored or not
    assert classify("xLOC-0001", rules).kind is Kind.UNKNOWN
    assert classify("LOC-00012", rules).kind is Kind.UNKNOWN


def test_command_word_from_unnamed_group_or_whole_code() -> None:
    assert classify("!STOP", TagRules.from_patterns(command=r"!([A-Z]+)")).command == "STOP"
    assert classify("STOPNOW", TagRules.from_patterns(command=r"STOPNOW")).command == "STOPNOW"


def test_rules_from_config_and_defaults() -> None:
    from scanner_tui.config import parse_config

    config = parse_config({"tags": {"bin": "^[A-Z]{3}$", "max_length": 40},
                           "scanner": {"gs_substitute": "~"}})
    rules = TagRules.from_config(config)
    assert rules.max_length == 40
    assert rules.separators == (GS, "~")
    assert classify("ABC", rules).kind is Kind.BIN
    assert DEFAULT_RULES.max_length == 256
    assert DEFAULT_RULES.separators == (GS,)


# --- known codes -----------------------------------------------------------------------------

class Store:
    def __init__(self, codes: dict[str, Kind]) -> None:
        self.codes = codes
        self.asked: list[str] = []

    def known_kind(self, code: str) -> Kind | None:
        self.asked.append(code)
        return self.codes.get(code)


def test_known_codes_fill_fields() -> None:
    store = Store({"MFR-SN-77": Kind.ASSET, "SKU-MUG": Kind.PRODUCT, "DOCK1": Kind.BIN,
                   "4006381333932": Kind.PRODUCT, "WEIRD": Kind.BADGE})
    assert classify("MFR-SN-77\r", known=store).to_dict() == {"kind": "asset",
                                                              "serial": "MFR-SN-77"}
    assert classify("SKU-MUG", known=store).sku == "SKU-MUG"
    assert classify("DOCK1", known=store).bin == "DOCK1"
    # a bad-check-digit number can still be an internal code
    assert classify("4006381333932", known=store).sku == "4006381333932"
    # only bin / asset / product count
    assert classify("WEIRD", known=store).kind is Kind.UNKNOWN
    # behind a symbology identifier the data is looked up
    assert classify("]C0MFR-SN-77", known=store).to_dict() == {
        "kind": "asset", "serial": "MFR-SN-77", "symbology": "]C0"}


def test_known_codes_not_consulted_for_rejects_or_rule_matches() -> None:
    store = Store({})
    for payload in ["A04-B-12", "4006381333931", "\x1b[2J", "[b]x[/b]", "9" * 300, "", "\r\n"]:
        classify(payload, known=store)
    assert store.asked == []


def test_failing_store_gives_an_answer() -> None:
    class Broken:
        def known_kind(self, code: str) -> Kind | None:
            raise RuntimeError("database is locked")

    result = classify("MFR-SN-77", known=Broken())
    assert (result.kind, result.reason) == (Kind.UNKNOWN, LOOKUP_FAILED)


def test_gs1_answer_cache_gives_the_same_answers(corpus: list[dict]) -> None:
    from scanner_tui.scanning import gs1

    gs1.interpret_cached.cache_clear()
    first = [classify(case["payload"]) for case in corpus]
    again = [classify(case["payload"]) for case in corpus]
    assert first == again
    assert gs1.interpret_cached.cache_info().hits > 0
    # the separators are part of the key: a substitute changes the answer for the same data
    payload = f"]d201{GTIN}10LOT7|21SN1"
    assert classify(payload).serial is None
    assert classify(payload, TagRules.from_patterns(gs_substitute="|")).serial == "SN1"


def test_field_texts_for_people() -> None:
    from scanner_tui.scanning.result import field_texts

    got = dict(field_texts(classify(f"]d201{GTIN}310300123410ABC12321SN0001").to_dict()))
    assert got["measures"] == "3103 net weight 1.234 kg"
    assert got["weight"] == "1.234"
    assert got["alternative"] == (f"[asset serial=SN0001 gtin={GTIN} lot=ABC123 weight=1.234 "
                                  "measures=3103 net weight 1.234 kg symbology=]d2]")
    assert dict(field_texts(classify("a04-b-12").to_dict()))["caps_lock"] == "true"
