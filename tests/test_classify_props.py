"""Property tests: any str or bytes gets a ScanResult, never an exception; results are sane."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner_tui.scanning.classify import INTERNAL, classify
from scanner_tui.scanning.result import Kind, ScanResult
from scanner_tui.scanning.rules import DEFAULT_RULES, TagRules

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
GS = "\x1d"

# Fragments that steer generated payloads into the interesting parsers.
FRAGMENTS = st.sampled_from([
    "]C1", "]d2", "]Q3", "]e0", "]E0", "]E3", "]I1", "]Q1", "]d1", "]C0", "]", "]Y", "]Z",
    "01", "00", "10", "17", "21", "400", "96", "09501101020917", "009501101530000038",
    "4006381333931", GS, "|", "(", ")", "(01)", "(21)", "https://", "id.gs1.org/", "/01/",
    "?17=", "[", "]", "[/", "<b>", "\x1b", "\r", "\n", "\t", " ", "A04-B-12", "AT", "OP-",
    "CMD:", "０", "\u202e", "\ud800", "é", "9" * 40,
    # the dock labels: UPC-E, variable measure, GS1 keys, HIBC, ISO/IEC 15434, caps lock
    "04252614", "2012345003453", "02", "30", "37", "3103", "3922", "8004", "8003", "414",
    "0950110153007", "254", "11", "+", "/", "$$", "$$+", "$+", "$$8", "$$9", "+A999",
    "+B123ABC05", "[)>\x1e", "\x1e", "\x04", "06", "05", "1P", "9N111234567842", "14D",
    "16D", "1T", "Q", "a04-b-12", "at", "op-",
])
GS1ISH = st.lists(st.one_of(FRAGMENTS, st.text(max_size=6)), max_size=12).map("".join)


def check(result: object, rules: TagRules = DEFAULT_RULES) -> None:
    assert isinstance(result, ScanResult)
    assert isinstance(result.kind, Kind)
    assert result.reason != INTERNAL
    data = result.to_dict()
    json.dumps(data)  # JSON-serialisable
    json.loads(json.dumps(data, ensure_ascii=False))
    assert len(result.code) <= rules.max_length
    if result.kind is Kind.UNKNOWN:
        assert result.reason
    if result.gtin is not None:
        assert len(result.gtin) == 14 and result.gtin.isascii() and result.gtin.isdigit()
    if result.accepted:
        # an accepted code never carries control characters (GS aside; RS and EOT only in an
        # ISO/IEC 15434 envelope) or markup
        allowed = {GS, "\x1e", "\x04"} if "[)>\x1e" in result.code[:7] else {GS}
        assert all(ch in allowed or ch.isprintable() for ch in result.code)
        for value in data.values():
            assert "\x1b" not in str(value)
    for name in ("count",):
        value = getattr(result, name)
        assert value is None or (isinstance(value, int) and value >= 0)
    if result.alternative is not None:
        assert result.alternative.alternative is None
        check(result.alternative, rules)


@SETTINGS
@given(st.lists(st.sampled_from(["06", "05", "1PX", "SSN", "Q5", "14D20270101", "9N1", "\x1d",
                                 "\x1e", "\x04", "12", "[)>", "01" + "09501101020917"]),
                max_size=10).map("".join), st.sampled_from(["", "]d1", "]Q1"]))
def test_envelope_shaped_text(body: str, identifier: str) -> None:
    check(classify(identifier + "[)>\x1e" + body))


@SETTINGS
@given(st.text(alphabet="+$/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. %", max_size=40))
def test_hibc_shaped_text(body: str) -> None:
    check(classify("+" + body))


@SETTINGS
@given(st.text())
def test_any_text(payload: str) -> None:
    check(classify(payload))


@SETTINGS
@given(st.binary())
def test_any_bytes(payload: bytes) -> None:
    check(classify(payload))


@SETTINGS
@given(GS1ISH)
def test_gs1_shaped_text(payload: str) -> None:
    check(classify(payload))
    check(classify(payload.encode("utf-8", "surrogatepass")))


@SETTINGS
@given(GS1ISH, st.sampled_from(["", "|", "~", "\x1c", "#"]), st.integers(1, 300))
def test_custom_substitute_and_cap(payload: str, substitute: str, cap: int) -> None:
    rules = TagRules.from_patterns(gs_substitute=substitute, max_length=cap)
    check(classify(payload, rules), rules)


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=50), st.integers(300, 20_000))
def test_long_inputs_are_capped(unit: str, repeat: int) -> None:
    payload = (unit * repeat)[: max(repeat, 300)] + "X" * 300
    result = classify(payload)
    check(result)
    assert result.kind is Kind.UNKNOWN
    assert len(result.code) <= DEFAULT_RULES.max_length


@settings(max_examples=60, deadline=None)
@given(st.binary(min_size=1, max_size=50), st.integers(1100, 50_000))
def test_long_bytes_are_capped(unit: bytes, size: int) -> None:
    payload = (unit * (size // len(unit) + 1))[:size]
    result = classify(payload)
    check(result)
    assert result.kind is Kind.UNKNOWN


@SETTINGS
@given(st.text(alphabet=st.characters(codec="ascii"), max_size=40),
       st.sampled_from(["", "\r", "\n", "\r\n", "\t", " ", "  \r\n"]))
def test_suffix_never_changes_the_answer(payload: str, suffix: str) -> None:
    assert classify(payload + suffix) == classify(payload.rstrip("\r\n\t ") + "\r\n")
