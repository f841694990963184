"""Migration 0008 (lots on hold): up and down on SQLite and PostgreSQL, and a store built by
release 0.1 upgraded with nothing lost and a hold working on it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from scanner_tui.inventory import operations as ops
from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.db import make_engine, migrate, open_store
from scanner_tui.inventory.recall import recall
from scanner_tui.inventory.verify import verify
from tests.test_bin_gln import downgrade

FIXTURE = Path(__file__).parent / "fixtures" / "store_release_0_1.db"
COUNTS = ("SELECT (SELECT count(*) FROM asset), (SELECT sum(qty) FROM stock),"
          " (SELECT count(*) FROM ledgerentry), (SELECT count(*) FROM bin)")


def tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names())


@pytest.mark.skipif(not FIXTURE.exists(), reason="the release 0.1 store is absent")
def test_a_release_store_upgrades_to_0008_holds_a_lot_and_goes_back(tmp_path):
    copy = tmp_path / "store.db"
    shutil.copyfile(FIXTURE, copy)  # never the fixture itself
    url = f"sqlite:///{copy}"
    old = create_engine(url)
    with old.connect() as conn:
        before = tuple(conn.execute(text(COUNTS)).one())
        lot, units = conn.execute(text(
            "SELECT lot, count(*) FROM asset WHERE lot <> '' AND status NOT IN "
            "('shipped', 'scrapped', 'lost', 'void') "
            "GROUP BY lot ORDER BY lot LIMIT 1")).one()
        boss = conn.execute(text("SELECT badge FROM operator WHERE role = 'supervisor' "
                                 "AND active LIMIT 1")).scalar_one()
    old.dispose()
    engine = open_store(url)
    try:
        with engine.connect() as conn:
            assert tuple(conn.execute(text(COUNTS)).one()) == before
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() \
                == "0008"
            assert conn.execute(text("SELECT count(*) FROM lothold")).scalar() == 0
        assert verify(engine) == []
        done = ops.hold_lot(engine, actor=Actor(boss, "desk"), scan_id="hold-old", lot=lot)
        assert f"{units} unit(s)" in done.message
        assert recall(engine, lot)["hold"]["by"] == boss
        assert verify(engine) == []
        ops.release_lot(engine, actor=Actor(boss, "desk"), scan_id="rel-old", lot=lot)
        downgrade(engine, "0007")
        assert "lothold" not in tables(engine)
        migrate(engine)
        assert "lothold" in tables(engine)
        assert verify(engine) == []
    finally:
        engine.dispose()


@pytest.mark.parametrize("engine_name", ["sqlite", pytest.param("postgres",
                                                                  marks=pytest.mark.postgres)])
def test_0008_up_and_down(engine_name, tmp_path, request):
    url = request.getfixturevalue("pg_url") if engine_name == "postgres" \
        else f"sqlite:///{tmp_path / 'new.db'}"
    engine = make_engine(url)
    try:
        migrate(engine, "0007")
        assert "lothold" not in tables(engine)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO sku (code, description, tracking, unit_value, "
                              "capture_lot, capture_expiry, serial_pattern) VALUES "
                              "('MUG-01', '', 'quantity', 0, false, false, '')"))
        migrate(engine)
        assert {"ix_lothold_lot"} <= {i["name"] for i in inspect(engine).get_indexes("lothold")}
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO lothold (lot, sku_id, held_by, held_at, reason) "
                              "SELECT 'B1', id, 'OP-0003', CURRENT_TIMESTAMP, 'recall' FROM sku"))
            assert tuple(conn.execute(text("SELECT lot, held_by FROM lothold")).one()) == \
                ("B1", "OP-0003")
        downgrade(engine, "0007")
        assert "lothold" not in tables(engine)
        migrate(engine)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_hold_and_pick_rule_on_postgres(pg_url):
    from scanner_tui.inventory.demo import build_demo
    from scanner_tui.inventory.errors import LotNotPickable

    engine = open_store(pg_url)
    try:
        build_demo(engine)
        ops.hold_lot(engine, actor=Actor("OP-0003", "T3"), scan_id="h-pg", lot="B2604")
        with pytest.raises(LotNotPickable, match="on hold"):
            ops.pick(engine, actor=Actor("OP-0001", "T1"), scan_id="p-pg", order="QC-1003",
                     sku="BATTERY-AA-4", bin="A02-A-01", qty=1, lot="B2604")
        done = ops.pick(engine, actor=Actor("OP-0001", "T1"), scan_id="p-pg2",
                        order="QC-1003", sku="BATTERY-AA-4", bin="A02-A-01", qty=1)
        assert done.data["lot"] == "B2611"
        assert verify(engine) == []
    finally:
        engine.dispose()
