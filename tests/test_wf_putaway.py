"""Putaway workflow on the demo warehouse: suggestions, confirmation, refusals, undo.

Stock is first received into the dock with the receive operation; every scenario ends with
``verify`` green (the fixture asserts it).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.models import Asset, Bin, Sku, Stock
from scanner_tui.inventory.operations import move, receive
from scanner_tui.inventory.verify import verify
from scanner_tui.scanning.result import Source
from scanner_tui.workflows.putaway import PutawayWorkflow, suggest_bin
from tests.workflow_helpers import classified, gtin, last_row, ledger_rows, qty, scan, services

A, B, K = Asset.__table__, Bin.__table__, Sku.__table__
RECEIVER = Actor("OP-0002", "DOCK", "receiver")
BOSS = Actor("OP-0003", "DOCK", "supervisor")


@pytest.fixture
def demo(engine):
    build_demo(engine)
    yield engine
    assert verify(engine) == []


def putter(engine, badge: str = "OP-0001", **options) -> PutawayWorkflow:
    return PutawayWorkflow(services(engine, badge), **options)


def dock(engine, sku: str, qty: int = 1, bin: str = "DK01-A-01", lot: str = "",
         serial: str | None = None, expiry: date | None = None) -> None:
    """Receive stock (or one unit) into a dock bin, as the receiving workflow would."""
    receive(engine, actor=RECEIVER, scan_id=f"rcv-{sku}-{serial or qty}-{bin}-{lot}",
            bin=bin, sku=sku, qty=qty, lot=lot, serial=serial, expiry=expiry)


def sku_id(engine, sku: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(K.c.id).where(K.c.code == sku)).scalar_one()


def bin_of(engine, serial: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(B.c.code).join(A, A.c.bin_id == B.c.id)
                            .where(A.c.serial == serial)).scalar()


def first_empty_pick_bin(engine) -> str:
    """Computed the long way: every pick bin, minus those holding stock or units."""
    with engine.connect() as conn:
        picks = conn.execute(select(B.c.code, B.c.id).where(B.c.kind == "pick", B.c.active)
                             ).all()
        busy = set(conn.execute(select(Stock.bin_id).where(Stock.qty > 0)).scalars())
        busy |= set(conn.execute(select(A.c.bin_id).where(A.c.bin_id.is_not(None))).scalars())
    return min(code for code, bin_id in picks if bin_id not in busy)


def test_quantity_product_goes_where_the_sku_already_lives(demo):
    dock(demo, "MUG-01", 12)
    wf = putter(demo)
    assert wf.view().instruction == "Scan a unit or product"
    assert wf.view().context[0] == "From DK01-A-01"
    out = scan(wf, gtin(demo, "MUG-01"))
    assert out.accepted and not out.changed and out.question.kind == "quantity"
    assert out.message == "12 of MUG-01 in DK01-A-01: put in A01-A-02; type fewer if not all."
    assert wf.view().instruction == "Qty of MUG-01? Enter: 12"
    out = scan(wf, "A01-A-02")  # a scan does not answer the quantity: refused, asked again
    assert not out.accepted and out.question.text == "How many MUG-01? (12)"
    assert out.message == ("A01-A-02 does not answer the question. How many MUG-01? (12) "
                           "Type a number, Enter for 12.")
    assert wf.answer("").accepted  # Enter takes the default: all of it
    out = scan(wf, "A01-A-02")
    assert out.accepted and out.changed and out.message == "Put 12 of MUG-01 in A01-A-02."
    assert qty(demo, "MUG-01", "DK01-A-01") == 0 and qty(demo, "MUG-01", "A01-A-02") == 22 + 12
    row = last_row(demo)
    assert (row.action, row.qty, row.entry, row.operator) == ("putaway", 12, "scanned",
                                                              "OP-0001")
    assert wf.item is None and wf.services.shift.lines_done == 1


def test_typed_quantity_puts_part_away_and_a_different_bin_is_recorded(demo):
    dock(demo, "CABLE-TIE-100", 10)
    wf = putter(demo)
    scan(wf, "CABLETIE100")  # the SKU's alias
    assert not wf.answer("11").accepted
    out = wf.answer("4")
    assert out.accepted and out.message == "4 of CABLE-TIE-100: scan bin A01-A-01."
    out = scan(wf, "R01-A-01")  # a valid reserve bin, not the suggested pick bin
    assert out.accepted and out.changed
    assert out.message == "Put 4 of CABLE-TIE-100 in R01-A-01, not the suggested A01-A-01; " \
        "recorded."
    row = last_row(demo)
    with demo.connect() as conn:
        to_bin = conn.execute(select(B.c.code).where(B.c.id == row.to_bin_id)).scalar_one()
    assert to_bin == "R01-A-01"
    assert qty(demo, "CABLE-TIE-100", "DK01-A-01") == 6
    assert qty(demo, "CABLE-TIE-100", "R01-A-01") == 604


def test_unit_is_suggested_the_first_pick_bin_holding_its_sku(demo):
    dock(demo, "LAPTOP-14", serial="AT00000013", lot="LT1")
    with demo.connect() as conn:
        homes = conn.execute(select(B.c.code).join(A, A.c.bin_id == B.c.id)
                             .where(A.c.sku_id == sku_id(demo, "LAPTOP-14"),
                                    B.c.kind == "pick")).scalars().all()
    wf = putter(demo)
    out = scan(wf, "AT00000013")
    assert out.accepted and not out.changed and out.question is None
    assert out.message == f"AT00000013 (LAPTOP-14) from DK01-A-01: put it in {min(homes)}."
    assert wf.view().instruction == f"Scan bin {min(homes)}"
    out = scan(wf, min(homes))
    assert out.changed and out.message == f"Put AT00000013 in {min(homes)}."
    assert bin_of(demo, "AT00000013") == min(homes)


def test_two_lots_in_the_dock_first_to_expire_goes_first(demo):
    dock(demo, "BATTERY-AA-4", 4, lot="B1", expiry=date(2031, 5, 31))
    dock(demo, "BATTERY-AA-4", 3, lot="B2", expiry=date(2030, 5, 31))
    wf = putter(demo)
    out = scan(wf, gtin(demo, "BATTERY-AA-4"))
    assert out.message == "3 of BATTERY-AA-4 (lot B2) in DK01-A-01: put in A02-A-01; type " \
        "fewer if not all."
    assert wf.answer("").accepted
    assert scan(wf, "A02-A-01").changed
    batteries = gtin(demo, "BATTERY-AA-4")
    out = scan(wf, f"(01)0{batteries}(10)B1")  # GS1 data names the lot
    assert "4 of BATTERY-AA-4 (lot B1)" in out.message
    assert wf.answer("1").accepted and scan(wf, "A02-A-01").changed
    with demo.connect() as conn:
        left = dict(conn.execute(select(Stock.lot, Stock.qty).join(Bin, Bin.id == Stock.bin_id)
                                 .where(Bin.code == "DK01-A-01")).all())
    assert left == {"B1": 3, "B2": 0}


def test_a_sku_living_nowhere_goes_to_the_first_empty_pick_bin(demo):
    dock(demo, "TAPE-48", 6)  # tape lives only in a staging bin
    empty = first_empty_pick_bin(demo)
    assert suggest_bin(demo, sku_id(demo, "TAPE-48")) == empty
    wf = putter(demo)
    assert f"put in {empty}" in scan(wf, gtin(demo, "TAPE-48")).message
    assert scan(wf, "CMD:YES").accepted
    assert scan(wf, empty).changed
    assert suggest_bin(demo, sku_id(demo, "TAPE-48")) == empty  # now it lives there
    assert first_empty_pick_bin(demo) != empty


def test_a_sku_only_in_reserve_is_suggested_its_reserve_bin(demo):
    move(demo, actor=BOSS, scan_id="mv-mugs", to_bin="R01-A-02", sku="MUG-01", qty=22,
         from_bin="A01-A-02")
    assert suggest_bin(demo, sku_id(demo, "MUG-01")) == "R01-A-02"


def test_wrong_kind_bins_are_refused_and_change_nothing(demo):
    dock(demo, "MUG-01", 3)
    wf = putter(demo)
    scan(wf, gtin(demo, "MUG-01"))
    wf.answer("")
    before = ledger_rows(demo)
    for code, kind in (("DK01-A-02", "dock"), ("ST01-A-01", "staging"),
                       ("RT01-A-01", "returns"), ("QA01-A-01", "quarantine")):
        out = scan(wf, code)
        assert not out.accepted
        assert out.message == f"{code} is a {kind} bin; putaway goes to a pick or reserve bin. " \
            "Scan bin A01-A-02."
    out = scan(wf, "OP-0002")
    assert not out.accepted and "is a badge, not a bin or asset or product" in out.message
    out = scan(wf, "Z99-Z-99")
    assert not out.accepted and "Z99-Z-99 is not a known bin" in out.message
    assert ledger_rows(demo) == before and wf.item is not None


def test_refusals_before_anything_is_in_hand(demo):
    wf = putter(demo)
    before = ledger_rows(demo)
    out = scan(wf, "A01-A-01")
    assert not out.accepted and out.message == \
        "Scan a unit or product first, then A01-A-01 to put it there."
    out = scan(wf, gtin(demo, "LAPTOP-14"))
    assert not out.accepted and "tracked by serial" in out.message
    out = scan(wf, gtin(demo, "MUG-01"))
    assert not out.accepted and out.message.startswith("DK01-A-01 holds no MUG-01.")
    out = scan(wf, "AT00000001")  # picked for an order
    assert not out.accepted and "picked" in out.message
    out = scan(wf, "AT00000002")  # in stock in a pick bin
    assert not out.accepted and "is put away already, in " in out.message
    out = scan(wf, "AT00000077")
    assert not out.accepted and "not a known unit" in out.message
    out = wf.answer("5")
    assert not out.accepted and "Scan the product first" in out.message
    assert ledger_rows(demo) == before


def test_returns_bin_becomes_the_working_bin(demo):
    wf = putter(demo)
    out = scan(wf, "RT01-A-01")
    assert out.accepted and wf.source == "RT01-A-01"
    with demo.connect() as conn:
        back = conn.execute(select(A.c.serial).where(A.c.status == "returned")).scalar_one()
    out = scan(wf, back)
    assert out.accepted and "from RT01-A-01" in out.message
    target = wf.item.suggestion
    assert scan(wf, target).changed
    with demo.connect() as conn:
        status = conn.execute(select(A.c.status).where(A.c.serial == back)).scalar_one()
    assert status == "in_stock" and bin_of(demo, back) == target


def test_typed_bin_is_recorded_as_typed(demo):
    dock(demo, "USB-C-1M", 5)
    wf = putter(demo)
    scan(wf, gtin(demo, "USB-C-1M"))
    wf.answer("")
    out = scan(wf, "A02-B-02", Source.KEYBOARD)
    assert out.changed and last_row(demo).entry == "typed"
    dock(demo, "USB-C-1M", 2)
    scan(wf, gtin(demo, "USB-C-1M"))
    wf.answer("")
    out = wf.answer("A02-B-02")  # typed into the answer box: classified like a scan
    assert out.changed and last_row(demo).entry == "typed"
    assert qty(demo, "USB-C-1M", "A02-B-02") == 42


def test_undo_puts_it_back_in_the_dock(demo):
    dock(demo, "MUG-01", 5)
    wf = putter(demo)
    scan(wf, gtin(demo, "MUG-01"))
    wf.answer("")
    scan(wf, "A01-A-02")
    out = scan(wf, "CMD:UNDO")
    assert out.accepted and out.changed and out.message.startswith("Undone: putaway")
    assert qty(demo, "MUG-01", "DK01-A-01") == 5 and qty(demo, "MUG-01", "A01-A-02") == 22
    assert last_row(demo).action == "undo"


def test_the_same_bin_scan_handled_twice_changes_once(demo):
    dock(demo, "MUG-01", 5)
    wf = putter(demo)
    scan(wf, gtin(demo, "MUG-01"))
    wf.answer("")
    s, result = classified(demo, "A01-A-02")
    first = wf.handle(s, result)
    before = ledger_rows(demo)
    again = wf.handle(s, result)
    assert first.changed and again.accepted and not again.changed
    assert again.message == first.message and ledger_rows(demo) == before
    assert qty(demo, "MUG-01", "A01-A-02") == 22 + 5


def test_cancel_and_done(demo):
    dock(demo, "MUG-01", 2)
    wf = putter(demo)
    scan(wf, gtin(demo, "MUG-01"))
    out = scan(wf, "CMD:DONE")
    assert not out.accepted and "How many MUG-01?" in out.message
    wf.answer("")
    out = scan(wf, "CMD:DONE")
    assert not out.accepted and "in hand" in out.message
    out = scan(wf, "CMD:CANCEL")
    assert out.accepted and "put down; nothing moved" in out.message and wf.item is None
    assert scan(wf, "CMD:DONE").done
    assert qty(demo, "MUG-01", "DK01-A-01") == 2


@pytest.mark.postgres
def test_putaway_on_postgres(pg_url):
    engine = open_store(pg_url)
    try:
        build_demo(engine)
        dock(engine, "MUG-01", 7)
        wf = putter(engine)
        scan(wf, gtin(engine, "MUG-01"))
        assert wf.answer("3").accepted
        assert scan(wf, "A01-A-02").changed
        assert qty(engine, "MUG-01", "A01-A-02") == 22 + 3
        assert qty(engine, "MUG-01", "DK01-A-01") == 4
        assert verify(engine) == []
    finally:
        engine.dispose()


# -- any sequence of scans: answers are sentences, ledger rows change iff "changed" ----------

VOCABULARY = [
    "gtin:MUG-01", "gtin:CABLE-TIE-100", "gtin:LAPTOP-14", "gtin:BATTERY-AA-4", "AT00000013",
    "AT00000001", "A01-A-02", "A01-A-01", "R01-A-01", "A03-B-04", "DK01-A-01", "DK01-A-02",
    "ST01-A-01", "RT01-A-01", "QA01-A-01", "OP-0001", "CMD:DONE", "CMD:CANCEL", "CMD:UNDO",
    "CMD:YES", "type:2", "type:999", "type:", "type:A01-A-02", "type:0",
]


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A demo store with stock and a unit in the docks, built once; examples use copies."""
    path = tmp_path_factory.mktemp("put") / "template.db"
    engine = open_store(f"sqlite:///{path}")
    build_demo(engine)
    dock(engine, "MUG-01", 6)
    dock(engine, "CABLE-TIE-100", 9, bin="DK01-A-02")
    dock(engine, "BATTERY-AA-4", 4, lot="B1", expiry=date(2031, 5, 31))
    dock(engine, "BATTERY-AA-4", 3, lot="B2", expiry=date(2030, 5, 31))
    dock(engine, "LAPTOP-14", serial="AT00000013", lot="LT1")
    codes = {sku: gtin(engine, sku) for sku in
             ("MUG-01", "CABLE-TIE-100", "LAPTOP-14", "BATTERY-AA-4")}
    engine.dispose()
    return path, codes


@pytest.mark.parametrize("seed", range(int(__import__("os").environ.get("PUT_SEEDS", "12"))))
def test_random_putaway_sessions_keep_the_books(template, tmp_path_factory, seed):
    import random
    import shutil

    rng = random.Random(seed)
    path, codes = template
    target = tmp_path_factory.mktemp("ex") / "store.db"
    shutil.copy(path, target)
    engine = open_store(f"sqlite:///{target}")
    try:
        wf = putter(engine)
        for _ in range(40):
            step = rng.choice(VOCABULARY)
            before = ledger_rows(engine)
            if step.startswith("type:"):
                out = wf.answer(step[5:])
            else:
                out = scan(wf, codes[step[5:]] if step.startswith("gtin:") else step)
            after = ledger_rows(engine)
            assert out.message and out.message[-1] in ".!?", (step, out)
            assert (after > before) == out.changed, (step, out)
            assert 0 < len(wf.view().instruction) <= 38
            if out.done:
                wf = putter(engine)
        assert verify(engine) == []
    finally:
        engine.dispose()
