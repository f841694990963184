"""Classification settings a site makes in ``[tags]``: caps lock, GLN extensions as bins,
the variable-measure scheme, and tag rules that must run in linear time (RE2)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from biip.checksums import gs1_standard_check_digit
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner_tui.config import ConfigError, parse_config
from scanner_tui.scanning.classify import NO_RULE, classify
from scanner_tui.scanning.result import Kind
from scanner_tui.scanning.rules import TagRules

GLN = "0950110153007"
GTIN = "09501101020917"
GS = "\x1d"


def ck(body: str) -> str:
    return body + str(gs1_standard_check_digit(body))


def rules(**tags: object) -> TagRules:
    return TagRules.from_config(parse_config({"tags": tags}))


# --- caps lock -------------------------------------------------------------------------------

def test_caps_lock_can_be_turned_off() -> None:
    off = rules(caps_lock=False)
    assert classify("a04-b-12", off).to_dict() == {"kind": "unknown", "reason": NO_RULE}
    assert classify("A04-B-12", off).kind is Kind.BIN


def test_caps_lock_keeps_the_payload_as_typed_for_the_journal() -> None:
    result = classify(" a04-b-12\r")
    assert (result.code, result.bin, result.caps_lock) == ("A04-B-12", "A04-B-12", True)
    assert not classify("A04-B-12").caps_lock


def test_caps_lock_only_for_tag_rules_not_gs1_data() -> None:
    # a GS1 serial may be lower case: it is read as sent, never upper-cased
    result = classify(f"]d201{GTIN}21sn0001")
    assert (result.kind, result.serial, result.caps_lock) == (Kind.ASSET, "sn0001", False)


def test_caps_lock_with_a_site_rule() -> None:
    site = rules(bin="^LOC-[0-9]{3}$")
    assert classify("loc-001", site).to_dict() == {"kind": "bin", "bin": "LOC-001",
                                                   "caps_lock": True}


def test_store_known_lower_case_code_is_not_needed_for_caps_lock() -> None:
    class Store:
        def known_kind(self, code: str) -> Kind | None:
            raise AssertionError("caps lock is decided before the store is asked")

    assert classify("at00000042", known=Store()).serial == "AT00000042"


# --- GLN places ------------------------------------------------------------------------------

def test_gln_extension_is_the_bin_code_when_the_site_says_so() -> None:
    site = rules(gln_extension_is_bin=True)
    got = classify(f"]C1414{GLN}254A04-B-12", site).to_dict()
    assert got == {"kind": "bin", "bin": "A04-B-12", "gln": GLN, "gln_extension": "A04-B-12",
                   "symbology": "]C1"}
    assert classify(f"]C1414{GLN}254A04-B-12").bin is None  # default: the store maps it
    # the answer cache keys on the setting too
    assert classify(f"]C1414{GLN}254A04-B-12", site).bin == "A04-B-12"


# --- variable measure ------------------------------------------------------------------------

def test_variable_measure_off_reads_plain_gtins() -> None:
    got = classify("2012345003453", rules(variable_measure=False))
    assert (got.gtin, got.price) == ("02012345003453", None)


def test_site_scheme_with_price_check_digit_and_four_value_digits() -> None:
    # prefix 21, item in digits 3-7, a price check digit in 8, the price in 9-12
    site = rules(variable_value_digits=[9, 12], price_prefixes=["21"], weight_prefixes=[])
    payload = ck("211234570599")
    got = classify(payload, site)
    assert got.price == Decimal("5.99")
    assert got.gtin == "0" + ck("211234500000")  # the price check digit is zeroed too
    assert classify(ck("201234500599"), site).price is None  # 20 is no longer variable


def test_site_scheme_weights_in_grams() -> None:
    site = rules(weight_prefixes=["23"], price_prefixes=["20"], weight_decimals=0)
    assert classify(ck("230004700750"), site).weight == Decimal("750")


def test_every_label_of_one_item_gives_one_gtin() -> None:
    gtins = {classify(ck(f"20123450{value:04d}")).gtin for value in (1, 99, 1234, 9999)}
    assert gtins == {"0" + ck("201234500000")}


@pytest.mark.parametrize(
    ("tags", "words"),
    [
        ({"variable_item_digits": [2, 7]}, ["tags.variable_item_digits", "between 3 and 12"]),
        ({"variable_value_digits": [12, 8]}, ["tags.variable_value_digits"]),
        ({"variable_value_digits": [8]}, ["tags.variable_value_digits"]),
        ({"price_prefixes": ["30"]}, ["tags.price_prefixes", "'30'"]),
        ({"weight_prefixes": ["2"]}, ["tags.weight_prefixes"]),
        ({"variable_item_digits": [3, 8]}, ["tags", "overlap"]),
        ({"price_prefixes": ["20"], "weight_prefixes": ["20"]}, ["tags", "'20'", "both"]),
        ({"caps_lock": "yes"}, ["tags.caps_lock"]),
    ],
)
def test_bad_scheme_is_refused_naming_the_key(tags: dict, words: list[str]) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config({"tags": tags})
    for word in words:
        assert word in str(error.value)


# --- linear-time tag rules -------------------------------------------------------------------

def test_nested_quantifier_rule_runs_in_linear_time() -> None:
    """``^(A+)+$`` backtracks exponentially in Python's ``re`` (2.8 s on 27 characters, hours on
    60): on RE2 this returns at once. Timing itself is in bench/bench_classify.py."""
    site = rules(bin="^(A+)+$")
    assert classify("A" * 60 + "!", site).kind is Kind.UNKNOWN
    assert classify("A" * 60, site).kind is Kind.BIN


@pytest.mark.parametrize(
    ("key", "pattern", "what"),
    [
        ("bin", r"^(?=A)[A-Z0-9-]+$", "lookahead"),
        ("asset", r"^(AT)[0-9]+\1$", "backreference"),
        ("badge", r"^(?P<p>OP)-(?P=p)$", "backreference"),
        ("command", r"^CMD:(?>[A-Z]+)$", "atomic group"),
        ("bin", r"^(?<!X)A$", "lookbehind"),
    ],
)
def test_rules_needing_backtracking_are_refused_at_load(key: str, pattern: str, what: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config({"tags": {key: pattern}})
    message = str(error.value)
    assert f"tags.{key}" in message and what in message and "seconds" in message


def test_rules_keep_ascii_classes_and_named_command_groups() -> None:
    site = rules(bin=r"^B\d{3}$", command=r"^#(?P<command>[a-z]+)$")
    assert classify("B123", site).kind is Kind.BIN
    assert classify("B１２３", site).kind is Kind.UNKNOWN
    assert classify("#done", site).command == "done"


# --- known part numbers ----------------------------------------------------------------------

def test_part_number_known_to_the_store_is_its_sku() -> None:
    class Store:
        def known_kind(self, code: str) -> Kind | None:
            return Kind.PRODUCT if code == "LM358DR" else None

    envelope = "[)>\x1e06\x1d1PLM358DR\x1dQ10\x1e\x04"
    got = classify(envelope, known=Store())
    assert (got.kind, got.part, got.sku, got.count) == (Kind.PRODUCT, "LM358DR", "LM358DR", 10)
    assert classify(envelope).sku is None
    other = classify("[)>\x1e06\x1d1POTHER\x1e\x04", known=Store())
    assert (other.part, other.sku) == ("OTHER", None)


# --- lost separator --------------------------------------------------------------------------

def test_no_alternative_when_the_scanner_sends_a_substitute() -> None:
    site = TagRules.from_patterns(gs_substitute="|")
    got = classify(f"]d201{GTIN}10ABC123|21SN0001", site)
    assert (got.lot, got.serial, got.alternative) == ("ABC123", "SN0001", None)


def test_alternative_is_a_full_result_and_in_json() -> None:
    got = classify(f"]d201{GTIN}10ABC12321SN0001")
    assert got.alternative is not None
    assert (got.alternative.kind, got.alternative.serial) == (Kind.ASSET, "SN0001")
    assert got.to_dict()["alternative"]["lot"] == "ABC123"


def test_rule_set_and_one_rule_at_a_time_agree() -> None:
    """The four rules run as one RE2 set; without it (an old google-re2, a set too big) they
    run one by one in the same order, with the same answers."""
    from scanner_tui.linear_regex import FirstMatch

    site = rules(bin="^[A-Z0-9-]+$", asset="^AT[0-9]+$")  # overlapping: order decides
    one_by_one = FirstMatch([site.command, site.badge, site.bin, site.asset])
    one_by_one._raw = None
    for payload in ["A04-B-12", "AT00000042", "OP-0001", "CMD:DONE", "x", "", "é", "A\ud800"]:
        assert site.first_rule.index(payload) == one_by_one.index(payload), payload
    assert site.first_rule.index("AT00000042") == 2  # bin comes before asset


@pytest.mark.parametrize(
    "payload",
    [f"]C101{GTIN}1727070910L52136", f"01{GTIN}21SN000106", f"01{GTIN}21SN000306",
     f"]C101{GTIN}1726101710L13751", f"]d201{GTIN}21SN2021", f"]d201{GTIN}10L2110"],
)
def test_ordinary_labels_raise_no_lost_separator_question(payload: str) -> None:
    """A short lot or serial that happens to hold '10', '21' or a digit run is not a lost
    separator: nobody should be asked about these (they were 2-3 % of a realistic mix)."""
    assert classify(payload).alternative is None


def test_caps_lock_scan_is_journaled_as_typed(engine) -> None:  # noqa: ANN001  (fixture)
    """The journal keeps the raw payload; its fields say the code was taken upper-cased."""
    from scanner_tui.inventory.journal import read_journal, record_scan
    from scanner_tui.scanning.result import Scan, Source

    scan = Scan("a04-b-12\r", Source.WEDGE)
    record_scan(engine, scan, classify(scan.payload), terminal="T1")
    (row,) = read_journal(engine)
    assert row["payload"] == "a04-b-12\r"
    assert (row["kind"], row["fields"]) == ("bin", {"bin": "A04-B-12", "caps_lock": True})


def test_new_fields_are_journaled(engine) -> None:  # noqa: ANN001  (fixture)
    from scanner_tui.inventory.journal import read_journal, record_scan
    from scanner_tui.scanning.result import Scan, Source

    payload = f"]d201{GTIN}3103001234" "10ABC12321SN0001"
    record_scan(engine, Scan(payload, Source.SERIAL), classify(payload), terminal="T1")
    (row,) = read_journal(engine)
    assert row["fields"]["weight"] == "1.234"
    assert row["fields"]["measures"][0]["unit"] == "kg"
    assert row["fields"]["alternative"]["serial"] == "SN0001"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("AZaz09()[]{}|*+?.^$\\-:,=!<>PdwsbB1")), max_size=24))
def test_any_rule_text_loads_or_is_refused_with_a_sentence(pattern: str) -> None:
    """Whatever a site writes as a rule: it loads and classifies, or the load says why."""
    try:
        site = rules(bin=pattern)
    except ConfigError as error:
        assert str(error).startswith("configuration: tags.bin: ")
        return
    result = classify("A04-B-12", site)
    assert result.kind in (Kind.BIN, Kind.COMMAND, Kind.BADGE, Kind.ASSET, Kind.UNKNOWN)
