"""Unit data you can trust (issue 9): a unit is SKU + serial, one validator at every door,
GTIN and serial agree, own tags must have been issued, authenticity events, numbers."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlmodel import Session
from typer.testing import CliRunner

from scanner_tui import codes
from scanner_tui.inventory import errors as E
from scanner_tui.inventory import identity
from scanner_tui.inventory import operations as ops
from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.authenticity import events
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.history import history, render
from scanner_tui.inventory.importer import ImportFailed, import_csv
from scanner_tui.inventory.lookup import find, resolve_scan
from scanner_tui.inventory.models import Asset, AuthenticityEvent, LedgerEntry, Order, OrderLine
from scanner_tui.inventory.quality import quality_report, reason_key
from scanner_tui.inventory.tags import RollRefused, register_roll
from scanner_tui.inventory.verify import verify
from scanner_tui.scanning.result import Source
from tests.workflow_helpers import classified, gtin, scan, services

RECEIVER = Actor("OP-0002", "HH-02", "receiver")
PICKER = Actor("OP-0001", "HH-01", "picker")
SUPERVISOR = Actor("OP-0003", "HH-03", "supervisor")
_n = iter(range(1, 10**6))


def sid() -> str:
    return f"id-{next(_n)}"


@pytest.fixture
def demo(engine):
    build_demo(engine)
    yield engine
    assert verify(engine) == []


def units(engine, serial: str) -> list[tuple[str, str, str | None]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT s.code, a.status, b.code FROM asset a JOIN sku s ON s.id = a.sku_id "
            "LEFT JOIN bin b ON b.id = a.bin_id WHERE a.serial = :s ORDER BY s.code"),
            {"s": serial})]


def count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


# -- the validator ------------------------------------------------------------------------------

BAD_SERIALS = [
    ("AT0000000\u200b2", "U+200B ZERO WIDTH SPACE"),
    ("\U0001f4e6\U0001f525X1", "U+1F4E6 PACKAGE"),
    ("AT\u0660\u0660\u0660\u0660\u0660\u0660\u0662\u0660", "U+0660 ARABIC-INDIC DIGIT ZERO"),
    ("\\xff\\xfeA", "U+005C REVERSE SOLIDUS"),
    ("\xff\xfeA", "U+00FF LATIN SMALL LETTER Y WITH DIAERESIS"),
    ("AT\uff10\uff10\uff11", "U+FF10 FULLWIDTH DIGIT ZERO"),
    ("A\x00B", "U+0000 NULL"),
    ("A\ud800B", "U+D800 LONE SURROGATE"),
    ("A B", "U+0020 SPACE"),
]


@pytest.mark.parametrize(("serial", "named"), BAD_SERIALS)
def test_a_bad_serial_is_refused_naming_the_character(serial, named):
    with pytest.raises(codes.CodeRefused) as info:
        codes.check_serial(serial)
    assert named in str(info.value)
    assert all(c.isascii() and c.isprintable() or c == "…" for c in str(info.value))


def test_gs1_data_and_patterns_and_codes():
    assert codes.check_serial(" SN-1/2 ") == "SN-1/2"
    assert codes.check_serial("!\"%&'()*+,-./:;<=>?_az09")
    with pytest.raises(codes.CodeRefused, match="at most 20"):
        codes.check_serial("A" * 21, gs1=True)
    with pytest.raises(codes.CodeRefused, match="does not look like"):
        codes.check_serial("X123", pattern=r"R58N[0-9]{7}")
    assert codes.check_serial("R58N0000001", pattern=r"R58N[0-9]{7}")
    # serial patterns run on the linear-time engine: (A+)+ cannot stall on a crafted serial,
    # and what that engine cannot run (a backreference) is refused
    assert codes.check_pattern("^(A+)+$") == "^(A+)+$"
    with pytest.raises(codes.CodeRefused, match="does not look like"):
        codes.check_serial("A" * 40 + "!", pattern="^(A+)+$")
    with pytest.raises(codes.CodeRefused, match="backreference"):
        codes.check_pattern(r"^(A)\1$")
    with pytest.raises(codes.CodeRefused, match="not a valid regular expression"):
        codes.check_pattern("(")
    assert codes.check_code("USB-C-1M") == "USB-C-1M"
    with pytest.raises(codes.CodeRefused, match=r"U\+00E9"):
        codes.check_code("CAF\u00e9")


@pytest.mark.parametrize("typed", ["\u0665\u0660", "1e3", "+7", "1_000", "7.0", "-5", "", "x",
                                   "99999999999999999999999", "1000001", "0"])
def test_quantities_are_ascii_digits_in_range(typed):
    with pytest.raises(codes.CodeRefused):
        codes.parse_quantity(typed)


def test_quantity_and_value_limits():
    assert codes.parse_quantity("1000000") == 1_000_000
    assert codes.parse_quantity(" 42 ") == 42
    for bad in (9223372036854775807, True, 2.0, None):
        with pytest.raises(codes.CodeRefused):
            codes.parse_quantity(bad)
    for bad in ("inf", "nan", "1e308", float("nan"), float("inf"), "-1", "1.23456", "1e3"):
        with pytest.raises(codes.CodeRefused):
            codes.parse_unit_value(bad)
    assert str(codes.parse_unit_value("12.50")) == "12.50"
    with pytest.raises(codes.CodeRefused):
        codes.check_stock_total(2**53)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=40))
def test_the_validator_never_fails_otherwise(value):
    """Arbitrary text: accepted only in the 82-character set / printable ASCII, else one
    sentence (CodeRefused); never another exception."""
    for check, allowed in ((codes.check_serial, codes.GS1_CHARSET),
                           (codes.check_lot, codes.GS1_CHARSET),
                           (codes.check_code, codes.ASCII_CODE)):
        try:
            out = check(value)
        except codes.CodeRefused as exc:
            assert str(exc) and "\n" not in str(exc)
        else:
            assert set(out) <= allowed
    try:
        n = codes.parse_quantity(value)
    except codes.CodeRefused:
        pass
    else:
        assert 1 <= n <= codes.MAX_QUANTITY and value.strip().isascii()
    try:
        codes.parse_unit_value(value)
    except codes.CodeRefused:
        pass


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=30).filter(
    lambda s: not set(s.strip()) <= codes.GS1_CHARSET))
def test_a_refused_serial_is_never_stored(engine, value):
    from tests.test_ops_store import seed

    if count(engine, Asset) == 0 and not _seeded(engine):
        seed(engine)
    before = count(engine, Asset), count(engine, LedgerEntry)
    with pytest.raises(E.DomainError):
        ops.receive(engine, actor=RECEIVER, scan_id=sid(), bin="D01-A-01", sku="LAPTOP-15",
                    serial=value)
    assert (count(engine, Asset), count(engine, LedgerEntry)) == before


def _seeded(engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM bin")).scalar_one() > 0


def test_config_codes_pass_the_validator():
    from scanner_tui.config import ConfigError, parse_config

    with pytest.raises(ConfigError, match=r"U\+200B ZERO WIDTH SPACE"):
        parse_config({"terminal": {"id": "HH\u200b07"}})
    with pytest.raises(ConfigError, match="identity.unissued_tags"):
        parse_config({"identity": {"unissued_tags": "maybe"}})
    with pytest.raises(ConfigError, match=r"tags.asset: uses a backreference"):
        parse_config({"tags": {"asset": r"^(A)\1$"}})  # only what RE2 runs in linear time
    cfg = parse_config({"identity": {"unissued_tags": "warn", "max_quantity": 50}})
    policy = identity.policy_from_config(cfg)
    assert (policy.unissued_tags, policy.max_quantity) == ("warn", 50)


# -- the operations API -------------------------------------------------------------------------

API_CASES = [
    (dict(bin="DK01-A-01", sku="MUG-01", qty=99999999999999999999999), "too large"),
    (dict(bin="DK01-A-01", sku="MUG-01", qty=9223372036854775807), "too large"),
    (dict(bin="DK01-A-01", sku="MUG-01", qty=1.5), "whole number"),
    (dict(bin="DK01-A-01", sku="LAPTOP-14", serial="AT\ud800"), "LONE SURROGATE"),
    (dict(bin=None, sku="MUG-01", qty=1), "No bin code was given"),
    (dict(bin="DK01-A-01", sku="MUG-01", qty=1, lot="L" * 100), "at most 64"),
    (dict(bin="DK01-A-01", sku="LAPTOP-14", serial="S" * 300), "at most 64"),
    (dict(bin="DK01-A-01", sku="LAPTOP-14", serial="SN\x001"), "U+0000 NULL"),
    (dict(bin="DK01-A-01", sku="MUG-01", qty=1, lot="=1+1\x00"), "U+0000 NULL"),
    (dict(bin="DK01-A-01", sku="MUG\x00", qty=1), "U+0000 NULL"),
]


def _api_refusals(engine) -> None:
    before = count(engine, LedgerEntry), count(engine, Asset)
    for kwargs, sentence in API_CASES:
        with pytest.raises(E.DomainError, match=re.escape(sentence)):
            ops.receive(engine, actor=RECEIVER, scan_id=sid(), **kwargs)
    with pytest.raises(E.DomainError, match="No serial was given"):
        ops.mark_lost(engine, actor=SUPERVISOR, scan_id=sid(), serial=None)
    with pytest.raises(E.DomainError, match="No order code was given"):
        ops.pick(engine, actor=PICKER, scan_id=sid(), order=None, serial="AT00000002")
    with pytest.raises(E.InvalidCode, match="scan id"):
        ops.move(engine, actor=PICKER, scan_id=None, to_bin="A01-A-01", serial="AT00000002")
    assert (count(engine, LedgerEntry), count(engine, Asset)) == before


def test_the_api_refuses_with_a_sentence(demo):
    _api_refusals(demo)


def test_the_api_refuses_with_a_sentence_on_postgres(pg_url):
    from scanner_tui.inventory.db import open_store

    engine = open_store(pg_url)
    try:
        build_demo(engine)
        _api_refusals(engine)
        assert verify(engine) == []
    finally:
        engine.dispose()


def test_a_site_limit_on_quantities(demo):
    identity.configure(demo, identity.Policy(max_quantity=10))
    with pytest.raises(E.BadQuantity, match="at most 10 at a time"):
        ops.receive(demo, actor=RECEIVER, scan_id=sid(), bin="DK01-A-01", sku="MUG-01", qty=11)
    ops.receive(demo, actor=RECEIVER, scan_id=sid(), bin="DK01-A-01", sku="MUG-01", qty=10)


# -- identity: SKU + serial ---------------------------------------------------------------------

def _order(engine, code: str, skus: list[str]) -> None:
    with Session(engine) as s:
        ids = dict(s.execute(text("SELECT code, id FROM sku")).all())
        order = Order(code=code, customer="Dana", channel="ship-from-store")
        s.add(order)
        s.flush()
        for n, sku in enumerate(skus, start=1):
            s.add(OrderLine(order_id=order.id, line_no=n, sku_id=ids[sku], qty=1))
        s.commit()


def test_two_products_with_the_same_serial_live_independent_lives(demo):
    for sku in ("LAPTOP-14", "PHONE-X5"):
        ops.receive(demo, actor=RECEIVER, scan_id=sid(), bin="DK01-A-01", sku=sku,
                    serial="1001", lot="L1")
    assert units(demo, "1001") == [("LAPTOP-14", "in_stock", "DK01-A-01"),
                                   ("PHONE-X5", "in_stock", "DK01-A-01")]
    with pytest.raises(E.DuplicateSerial):  # the same product twice: still refused
        ops.receive(demo, actor=RECEIVER, scan_id=sid(), bin="DK01-A-01", sku="PHONE-X5",
                    serial="1001", lot="L1")
    with pytest.raises(E.AmbiguousSerial, match="LAPTOP-14 and PHONE-X5; scan the unit's"):
        ops.move(demo, actor=PICKER, scan_id=sid(), to_bin="A01-A-02", serial="1001")
    ops.putaway(demo, actor=PICKER, scan_id=sid(), to_bin="A01-A-02", serial="1001",
                sku="LAPTOP-14")
    ops.putaway(demo, actor=PICKER, scan_id=sid(), to_bin="A01-A-03", serial="1001",
                sku=gtin(demo, "PHONE-X5"))
    assert units(demo, "1001") == [("LAPTOP-14", "in_stock", "A01-A-02"),
                                   ("PHONE-X5", "in_stock", "A01-A-03")]
    _order(demo, "SO-7001", ["LAPTOP-14", "PHONE-X5"])
    ops.pick(demo, actor=PICKER, scan_id=sid(), order="SO-7001", serial="1001",
             sku="PHONE-X5", bin="A01-A-03")
    assert units(demo, "1001")[0][1] == "in_stock"
    ops.pick(demo, actor=PICKER, scan_id=sid(), order="SO-7001", serial="1001",
             sku="LAPTOP-14", bin="A01-A-02")
    done = ops.ship(demo, actor=PICKER, scan_id=sid(), order="SO-7001")
    assert done.data["serials"] == {"1": ["1001"], "2": ["1001"]}
    assert [u[1] for u in units(demo, "1001")] == ["shipped", "shipped"]
    assert verify(demo) == []
    h = history(demo, "1001")
    assert h["type"] == "units" and [u["sku"] for u in h["units"]] == ["LAPTOP-14", "PHONE-X5"]
    lines = render(h)
    assert any("LAPTOP-14" in ln for ln in lines) and any("PHONE-X5" in ln for ln in lines)
    assert any("ship 1001 (PHONE-X5)" in ln for ln in lines)
    one = history(demo, f"(01){gtin(demo, 'PHONE-X5').zfill(14)}(21)1001")
    assert one["type"] == "asset" and one["sku"] == "PHONE-X5"


def test_own_tags_stay_unique_across_the_store(demo):
    with pytest.raises(E.DuplicateSerial):
        ops.receive(demo, actor=RECEIVER, scan_id=sid(), bin="DK01-A-01", sku="PHONE-X5",
                    serial="AT00000002", lot="L1")  # a laptop's own tag
    assert units(demo, "AT00000002")[0][0] == "LAPTOP-14"


def test_a_bare_serial_of_two_products_names_both(demo):
    for sku in ("LAPTOP-14", "PHONE-X5"):
        ops.receive(demo, actor=RECEIVER, scan_id=sid(), bin="DK01-A-01", sku=sku,
                    serial="1001", lot="L1")
    with demo.connect() as conn, pytest.raises(E.AmbiguousSerial) as info:
        find(conn, "1001")
    assert "LAPTOP-14 and PHONE-X5" in str(info.value) and "product" in str(info.value)
    from scanner_tui.inventory.lookup import unit_of
    from scanner_tui.workflows.move import MoveWorkflow

    with demo.connect() as conn:
        assert unit_of(conn, "1001", "0" + gtin(demo, "PHONE-X5")).sku_code == "PHONE-X5"
        with pytest.raises(E.GtinMismatch):
            unit_of(conn, "AT00000002", "0" + gtin(demo, "PHONE-X5"))
    out = scan(MoveWorkflow(services(demo, "OP-0001")), "1001")
    assert not out.accepted and "LAPTOP-14 and PHONE-X5" in out.message, out.message
    wf = _lookup(demo)  # Look-up shows both units, each with its product
    out = scan(wf, "1001")
    shown = " ".join(wf.view().context)
    assert out.accepted and "LAPTOP-14" in shown and "PHONE-X5" in shown, shown


def _lookup(engine):
    from scanner_tui.workflows.lookup import LookupWorkflow

    return LookupWorkflow(services(engine, "OP-0001"))


# -- GTIN and serial agree ----------------------------------------------------------------------

def test_a_gs1_scan_of_another_products_gtin_is_refused_and_kept(demo):
    payload = f"(01)0{gtin(demo, 'PHONE-X5')}(21)AT00000002"
    s, result = classified(demo, payload)
    with demo.connect() as conn, pytest.raises(E.GtinMismatch) as info:
        resolve_scan(conn, result)
    assert "PHONE-X5" in str(info.value) and "LAPTOP-14" in str(info.value)
    right = f"(01)0{gtin(demo, 'LAPTOP-14')}(21)AT00000002"
    with demo.connect() as conn:
        assert resolve_scan(conn, classified(demo, right)[1]).sku_code == "LAPTOP-14"
    out = _lookup(demo).handle(s, result)
    assert not out.accepted and "PHONE-X5" in out.message and "LAPTOP-14" in out.message
    kept = events(demo)
    assert [(e["mismatch"], e["serial"], e["scan_id"], e["operator"]) for e in kept] == [
        ("gtin", "AT00000002", s.id, "OP-0001")]
    with pytest.raises(E.GtinMismatch):  # the API: a claimed product that is not the unit's
        ops.move(demo, actor=PICKER, scan_id="api-1", to_bin="A01-A-03", serial="AT00000002",
                 sku="PHONE-X5")
    assert events(demo)[-1]["scan_id"] == "api-1"


# -- own tags must have been issued -------------------------------------------------------------

def test_an_unissued_own_tag_is_refused_then_a_registered_roll_is_taken(demo):
    kw = dict(actor=RECEIVER, bin="DK01-A-01", sku="LAPTOP-14", lot="L1")
    with pytest.raises(E.UnissuedTag, match="scanner-tui tags register"):
        ops.receive(demo, scan_id="r-1", serial="AT99999999", **kw)
    assert units(demo, "AT99999999") == []
    assert events(demo)[-1]["mismatch"] == "unissued_tag"
    with pytest.raises(RollRefused, match="supervisor or an admin"):
        register_roll(demo, "AT99999000", "AT99999999", operator="OP-0002")
    roll = register_roll(demo, "AT99999000", "AT99999999", operator="OP-0003")
    assert roll.size == 1000
    with pytest.raises(RollRefused, match="registered already"):
        register_roll(demo, "AT99999500", "AT99999600", operator="OP-0003")
    ops.receive(demo, scan_id="r-2", serial="AT99999999", **kw)
    assert units(demo, "AT99999999") == [("LAPTOP-14", "in_stock", "DK01-A-01")]


def test_a_site_may_only_warn_about_unissued_tags(demo):
    identity.configure(demo, identity.Policy(unissued_tags="warn"))
    done = ops.receive(demo, actor=RECEIVER, scan_id=sid(), bin="DK01-A-01", sku="LAPTOP-14",
                       serial="AT88888888", lot="L1")
    assert "not a tag this store issued" in done.message
    assert [(e["mismatch"], e["refused"]) for e in events(demo)] == [("unissued_tag", False)]


def test_tags_from_the_sequence_or_a_notice_are_issued(demo):
    from scanner_tui.labels.sequence import allocate_asset_tags

    tag = allocate_asset_tags(demo, 3, "OP-0003", "T1")[-1]  # printed, not received yet
    assert units(demo, tag) == []
    with demo.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM expectedserial WHERE serial = :s"),
                            {"s": tag}).scalar_one() == 0
    ops.receive(demo, actor=RECEIVER, scan_id=sid(), bin="DK01-A-01", sku="LAPTOP-14",
                serial=tag, lot="L1")


def test_received_again_and_shipped_without_return_are_events(demo):
    with pytest.raises(E.DuplicateSerial):
        ops.receive(demo, actor=RECEIVER, scan_id=sid(), bin="DK01-A-01", sku="LAPTOP-14",
                    serial="AT00000002", lot="L1")
    with pytest.raises(E.DuplicateSerial):
        ops.receive(demo, actor=RECEIVER, scan_id=sid(), bin="DK01-A-01", sku="LAPTOP-14",
                    serial="AT00000008", lot="L1")  # shipped on SO-0999
    assert [e["mismatch"] for e in events(demo)] == ["received_again", "shipped_not_returned"]


# -- imports ------------------------------------------------------------------------------------

def test_import_assets_one_serial_two_products(demo, tmp_path):
    good = tmp_path / "assets.csv"
    good.write_text("serial,sku,bin,lot,expiry\n1001,LAPTOP-14,A01-A-02,,\n"
                    "1001,PHONE-X5,A01-A-03,,\n", encoding="utf-8")
    import_csv(demo, "assets", good)
    assert [u[0] for u in units(demo, "1001")] == ["LAPTOP-14", "PHONE-X5"]


@pytest.mark.parametrize(("serial", "named"), [
    ("AT0000000\u200b9", "U+200B ZERO WIDTH SPACE"), ("\U0001f4e6X1", "U+1F4E6 PACKAGE"),
    ("SN\u0663", "U+0663 ARABIC-INDIC DIGIT THREE")])
def test_import_assets_refuses_a_bad_serial_whole(demo, tmp_path, serial, named):
    bad = tmp_path / "assets.csv"
    bad.write_text(f"serial,sku,bin,lot,expiry\nSN-OK-1,LAPTOP-14,A01-A-02,,\n"
                   f"{serial},LAPTOP-14,A01-A-02,,\n", encoding="utf-8")
    before = count(demo, Asset)
    with pytest.raises(ImportFailed) as info:
        import_csv(demo, "assets", bad)
    assert named in str(info.value.problems[0]) and count(demo, Asset) == before


def test_import_serial_pattern_and_numbers(demo, tmp_path):
    skus = tmp_path / "skus.csv"
    skus.write_text("code,description,tracking,gtin,unit_value,serial_pattern\n"
                    "DRILL-9,Drill,serial,,49.90,DR[0-9]{6}\n", encoding="utf-8")
    import_csv(demo, "skus", skus)
    assets = tmp_path / "assets.csv"
    assets.write_text("serial,sku,bin,lot,expiry\nXX1,DRILL-9,A01-A-02,,\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="does not look like this product's serials"):
        import_csv(demo, "assets", assets)
    assets.write_text("serial,sku,bin,lot,expiry\nDR000001,DRILL-9,A01-A-02,,\n",
                      encoding="utf-8")
    import_csv(demo, "assets", assets)
    with pytest.raises(E.InvalidCode, match="does not look like"):
        ops.receive(demo, actor=RECEIVER, scan_id=sid(), bin="DK01-A-01", sku="DRILL-9",
                    serial="DR12")
    for qty in ("1_000", "+7", "\u0663", "1e3"):
        stock = tmp_path / "stock.csv"
        stock.write_text(f"sku,bin,qty,lot\nMUG-01,R01-A-01,{qty},\n", encoding="utf-8")
        with pytest.raises(ImportFailed, match="is not a qty"):
            import_csv(demo, "stock", stock)
    for value in ("inf", "1e308", "nan", "-1"):
        skus.write_text(f"code,description,tracking,gtin,unit_value\nX-2,x,quantity,,{value}\n",
                        encoding="utf-8")
        with pytest.raises(ImportFailed, match="not a unit value"):
            import_csv(demo, "skus", skus)


# -- exports ------------------------------------------------------------------------------------

def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(demo):
    import csv
    import io

    from scanner_tui.inventory.export import write_export

    ops.receive(demo, actor=RECEIVER, scan_id=sid(), bin="DK01-A-01", sku="MUG-01", qty=3,
                lot="=1+1")
    with demo.begin() as conn:
        conn.execute(text("UPDATE orders SET customer = :c WHERE code = 'SO-0999'"),
                     {"c": '=HYPERLINK("http://x","y")'})
    out = io.StringIO()
    write_export(demo, "stock", "csv", out)
    cells = [c for row in csv.reader(io.StringIO(out.getvalue())) for c in row]
    assert "'=1+1" in cells and "=1+1" not in cells
    out = io.StringIO()
    write_export(demo, "shipments", "csv", out)
    assert "'=HYPERLINK" in out.getvalue()
    out = io.StringIO()
    write_export(demo, "shipments", "json", out)
    assert any(r["customer"] == '=HYPERLINK("http://x","y")' for r in json.loads(out.getvalue()))
    for cell in ("+1", "-1", "@x", "\tx", "\rx"):
        assert write_neutral(cell) == "'" + cell
    assert write_neutral(-5) == -5 and write_neutral("A-1") == "A-1"


def write_neutral(value):
    from scanner_tui.inventory.export import neutral_cell

    return neutral_cell(value)


# -- the workflows' quantity prompts --------------------------------------------------------------

@pytest.mark.parametrize("typed", ["\u0665\u0660", "1e3", "+7"])
def test_a_quantity_prompt_takes_ascii_digits_only(demo, typed):
    from scanner_tui.workflows.move import MoveWorkflow

    wf = MoveWorkflow(services(demo, "OP-0001"))
    scan(wf, "R01-A-02")
    asked = scan(wf, "0" + gtin(demo, "MUG-01"))
    assert asked.accepted, asked.message
    out = wf.answer(typed)
    assert not out.accepted and "not a quantity" in out.message and "U+" in out.message


# -- reports --------------------------------------------------------------------------------------

def test_reports_authenticity_and_quality(demo, tmp_path):
    from scanner_tui.cli import app as cli
    from scanner_tui.inventory.journal import record_outcome, record_scan

    s, result = classified(demo, "AT00000099")
    record_scan(demo, s, result, terminal="HH-07", operator="OP-0001")
    record_outcome(demo, s.id, False, "AT00000099 is in A01-B-04, not in A01-B-03")
    t, result = classified(demo, "5", Source.KEYBOARD)
    record_scan(demo, t, result, terminal="HH-07", operator="OP-0001")
    record_outcome(demo, t.id, True, "")
    with pytest.raises(E.DuplicateSerial):
        ops.receive(demo, actor=RECEIVER, scan_id=sid(), bin="DK01-A-01", sku="LAPTOP-14",
                    serial="AT00000002", lot="L1")
    report = quality_report(demo)
    me = next(r for r in report["operators"] if r["operator"] == "OP-0001")
    assert (me["scans"], me["typed"], me["refused"]) == (2, 1, 1)
    assert me["refusals"] == {"… is in …, not in …": 1} and me["typed_share"] == 0.5
    ben = next(r for r in report["operators"] if r["operator"] == "OP-0002")
    assert ben["authenticity_events"] == 1 and ben["serials"] > 0
    assert reason_key("SN1 is not a known unit; check the tag.") == "… is not a known unit"
    db = str(demo.url).replace("sqlite:///", "")
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{db}"\n', encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(cli, ["--config", str(cfg), "report", "authenticity", "--json"])
    assert res.exit_code == 0, res.output
    assert [e["mismatch"] for e in json.loads(res.output)["events"]] == ["received_again"]
    res = runner.invoke(cli, ["--config", str(cfg), "report", "quality", "--since",
                              str(date.today())])
    assert res.exit_code == 0 and "OP-0001" in res.output, res.output
    res = runner.invoke(cli, ["--config", str(cfg), "report", "quality", "--since", "soon"])
    assert res.exit_code == 2
    res = runner.invoke(cli, ["--config", str(cfg), "tags", "register", "AT00001000",
                              "AT00001999", "--badge", "OP-0009"])
    assert res.exit_code == 0 and "Registered 1,000 tags" in res.output, res.output
    res = runner.invoke(cli, ["--config", str(cfg), "tags", "register", "AT00001000",
                              "AT00001999", "--badge", "OP-0009"])
    assert res.exit_code == 1 and "registered already" in res.output
    assert count(demo, AuthenticityEvent) == 1


# -- the receive workflow: scans and typed answers ----------------------------------------------

def _blind(engine):
    from scanner_tui.workflows.receive import ReceiveWorkflow

    wf = ReceiveWorkflow(services(engine, "OP-0002"), blind=True)
    out = scan(wf, f"(01)0{gtin(engine, 'PHONE-X5')}(10)PX2701")
    assert out.accepted, out.message
    return wf


@pytest.mark.parametrize(("payload", "named"), [
    ("\U0001f4e6\U0001f525X1", "U+1F4E6 PACKAGE"),
    ("AT\u0660\u0660\u0660\u0660\u0660\u0660\u0662\u0660", "U+0660 ARABIC-INDIC DIGIT ZERO"),
    ("R58N\u200b0000009", "U+200B ZERO WIDTH SPACE")])
@pytest.mark.parametrize("source", [Source.WEDGE, Source.KEYBOARD])
def test_blind_receiving_refuses_a_serial_that_could_never_be_scanned(demo, payload, named,
                                                                     source):
    wf = _blind(demo)
    before = count(demo, Asset), count(demo, LedgerEntry)
    out = scan(wf, payload, source) if source is Source.WEDGE else wf.answer(payload)
    assert not out.accepted and named in out.message, out.message
    assert (count(demo, Asset), count(demo, LedgerEntry)) == before


def test_a_typed_lot_is_checked_too(demo):
    from scanner_tui.workflows.receive import ReceiveWorkflow

    wf = ReceiveWorkflow(services(demo, "OP-0002"), blind=True)
    assert scan(wf, "0" + gtin(demo, "PHONE-X5")).accepted
    scan(wf, "R58N0000031")  # asks the lot first
    out = wf.answer("PX\u200b1")
    before = count(demo, Asset)
    assert not out.accepted and "U+200B ZERO WIDTH SPACE" in out.message, out.message
    assert count(demo, Asset) == before


def test_receiving_by_gs1_takes_one_serial_for_two_products(demo):
    wf = _blind(demo)
    assert scan(wf, f"(01)0{gtin(demo, 'PHONE-X5')}(21)1001(10)PX1").changed
    out = scan(wf, f"(01)0{gtin(demo, 'LAPTOP-14')}(21)1001(10)LT1")
    assert out.accepted and out.changed, out.message
    assert [u[0] for u in units(demo, "1001")] == ["LAPTOP-14", "PHONE-X5"]
    out = scan(wf, "AT00000002")  # a unit in stock, received again: refused and kept
    assert not out.accepted and "already exists" in out.message
    assert [e["mismatch"] for e in events(demo)] == ["received_again"]


def test_a_notice_serial_shared_with_another_product_keeps_verify_green(demo, tmp_path):
    notice = tmp_path / "receipts.csv"
    notice.write_text("receipt,supplier,sku,qty,serial\nR-9001,Acme,LAPTOP-14,1,1001\n",
                      encoding="utf-8")
    import_csv(demo, "receipts", notice)
    ops.receive(demo, actor=RECEIVER, scan_id=sid(), bin="DK01-A-01", sku="PHONE-X5",
                serial="1001", lot="L1")  # blind: a phone with the same maker serial
    assert verify(demo) == []
    ops.receive(demo, actor=RECEIVER, scan_id=sid(), bin="DK01-A-01", receipt="R-9001",
                serial="1001", lot="L1")  # the laptop of the notice (its SKU from the notice)
    assert units(demo, "1001") == [("LAPTOP-14", "in_stock", "DK01-A-01"),
                                   ("PHONE-X5", "in_stock", "DK01-A-01")]
    assert verify(demo) == []


def test_receiving_an_unissued_tag_on_the_floor_is_refused_and_kept(demo):
    from scanner_tui.workflows.receive import ReceiveWorkflow

    wf = ReceiveWorkflow(services(demo, "OP-0002"), blind=True)
    assert scan(wf, f"(01)0{gtin(demo, 'LAPTOP-14')}(10)LT9").accepted
    out = scan(wf, "AT99999999")
    assert not out.accepted and "not a tag this store issued" in out.message, out.message
    assert units(demo, "AT99999999") == []
    assert [(e["mismatch"], e["operator"]) for e in events(demo)] == [("unissued_tag", "OP-0002")]


def test_the_tag_sequence_skips_registered_rolls(demo):
    from scanner_tui.labels.sequence import allocate_asset_tags

    first = allocate_asset_tags(demo, 1, "OP-0003", "T1")[0]
    nxt = int(first[2:]) + 1
    with pytest.raises(RollRefused, match="printed here from the tag sequence"):
        register_roll(demo, f"AT{nxt - 1:08d}", f"AT{nxt + 5:08d}", operator="OP-0003")
    register_roll(demo, f"AT{nxt:08d}", f"AT{nxt + 9:08d}", operator="OP-0003")
    assert allocate_asset_tags(demo, 2, "OP-0003", "T1") == [f"AT{nxt + 10:08d}",
                                                              f"AT{nxt + 11:08d}"]


def test_returns_check_the_gtin_and_take_back_the_right_product(demo):
    from scanner_tui.workflows.returns import ReturnsWorkflow

    wf = ReturnsWorkflow(services(demo, "OP-0002"))
    out = scan(wf, f"(01)0{gtin(demo, 'PHONE-X5')}(21)AT00000008")  # a shipped laptop's tag
    assert not out.accepted and "PHONE-X5" in out.message and "LAPTOP-14" in out.message
    assert events(demo)[-1]["mismatch"] == "gtin"
    out = scan(wf, f"(01)0{gtin(demo, 'LAPTOP-14')}(21)AT00000008")
    assert out.accepted, out.message


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.fixed_dictionaries({}, optional={
    "bin": st.one_of(st.none(), st.text(max_size=80)),
    "sku": st.one_of(st.none(), st.text(max_size=80), st.just("MUG-01")),
    "serial": st.one_of(st.none(), st.text(max_size=300)),
    "lot": st.one_of(st.text(max_size=120)),
    "qty": st.one_of(st.integers(), st.text(max_size=30), st.floats(), st.none())}))
def test_the_api_answers_arbitrary_input_with_a_sentence(engine, kwargs):
    """Any text or number at the operations' door: a result or a DomainError, never another
    exception; a refusal stores nothing."""
    from tests.test_ops_store import seed

    if not _seeded(engine):
        seed(engine)
    kwargs.setdefault("bin", "D01-A-01")
    before = count(engine, LedgerEntry), count(engine, Asset)
    for op in (ops.receive, ops.move):
        args = dict(kwargs)
        if op is ops.move:
            args["to_bin"] = args.pop("bin")
        try:
            op(engine, actor=SUPERVISOR, scan_id=sid(), **args)
        except E.DomainError as err:
            assert str(err) and "\x00" not in str(err)
            assert (count(engine, LedgerEntry), count(engine, Asset)) == before
        before = count(engine, LedgerEntry), count(engine, Asset)


def test_an_own_tag_raced_as_two_products_is_received_once_on_postgres(pg_url):
    import threading

    from scanner_tui.inventory.db import open_store

    engine = open_store(pg_url)
    try:
        build_demo(engine)
        register_roll(engine, "AT00090000", "AT00090019", operator="OP-0003")
        for n in range(20):
            tag, barrier, results = f"AT000900{n:02d}", threading.Barrier(2), []

            def receive(sku: str, tag: str = tag, barrier=barrier, results=results) -> None:
                barrier.wait()
                try:
                    ops.receive(engine, actor=RECEIVER, scan_id=f"race-{tag}-{sku}",
                                bin="DK01-A-01", sku=sku, serial=tag, lot="L1")
                    results.append("ok")
                except E.DuplicateSerial:
                    results.append("refused")

            threads = [threading.Thread(target=receive, args=(s,))
                       for s in ("LAPTOP-14", "PHONE-X5")]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert sorted(results) == ["ok", "refused"] and len(units(engine, tag)) == 1
        assert verify(engine) == []
    finally:
        engine.dispose()


def test_a_stock_line_holds_up_to_2_53_on_postgres(pg_url):
    """PostgreSQL's INTEGER stops at 2^31 - 1; a stock line and its ledger rows go to 2^53 - 1
    (migration 0004 makes them BIGINT), and past that the operation refuses with a sentence."""
    from scanner_tui.inventory.db import open_store

    engine = open_store(pg_url)
    try:
        build_demo(engine)
        identity.configure(engine, identity.Policy(max_quantity=codes.STOCK_LIMIT))
        big = 3_000_000_000
        ops.receive(engine, actor=RECEIVER, scan_id=sid(), bin="DK01-A-01", sku="MUG-01",
                    qty=big)
        ops.receive(engine, actor=RECEIVER, scan_id=sid(), bin="DK01-A-01", sku="MUG-01",
                    qty=codes.STOCK_LIMIT - big)
        with pytest.raises(E.InvalidCode, match="at most 9,007,199,254,740,991"):
            ops.receive(engine, actor=RECEIVER, scan_id=sid(), bin="DK01-A-01", sku="MUG-01",
                        qty=1)
        assert verify(engine) == []
    finally:
        engine.dispose()
