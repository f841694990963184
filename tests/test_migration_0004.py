"""Migration 0004 (unit identity) carries a store of the first release over, on SQLite and on
PostgreSQL: same units and stock, ``verify`` green, and afterwards two products may share a
serial while an own tag stays unique."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, select, text

from scanner_tui.inventory import operations as ops
from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.db import make_engine, migrate, open_store
from scanner_tui.inventory.demo import fix_sequences
from scanner_tui.inventory.errors import DuplicateSerial
from scanner_tui.inventory.verify import verify

FIXTURE = Path(__file__).parent / "fixtures" / "store_release_0_1.db"
RECEIVER = Actor("OP-0002", "T2", "receiver")
UNITS = ("SELECT a.serial, s.code, a.status, b.code FROM asset a JOIN sku s ON s.id = a.sku_id"
         " LEFT JOIN bin b ON b.id = a.bin_id ORDER BY a.serial")
STOCK = "SELECT sku_id, bin_id, lot, qty FROM stock ORDER BY sku_id, bin_id, lot"

needs_fixture = pytest.mark.skipif(not FIXTURE.exists(), reason="the release 0.1 store is absent")


def _snapshot(engine) -> tuple[list, list, str]:
    with engine.connect() as conn:
        return ([tuple(r) for r in conn.execute(text(UNITS))],
                [tuple(r) for r in conn.execute(text(STOCK))],
                conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one())


def _after_upgrade(engine, before: tuple[list, list, str]) -> None:
    units, stock, version = _snapshot(engine)
    assert before[2] == "0003" and version != "0003"
    assert (units, stock) == before[:2] and units
    assert verify(engine) == []
    for sku in ("LAPTOP-14", "PHONE-X5"):
        ops.receive(engine, actor=RECEIVER, scan_id=f"m-{sku}", bin="DK01-A-01", sku=sku,
                    serial="1001", lot="L1")
    with pytest.raises(DuplicateSerial):  # an own tag of a laptop is no phone's
        ops.receive(engine, actor=RECEIVER, scan_id="m-own", bin="DK01-A-01", sku="PHONE-X5",
                    serial="AT00000002", lot="L1")
    assert verify(engine) == []


@needs_fixture
def test_a_release_store_upgrades_on_sqlite(tmp_path):
    copy = tmp_path / "store.db"
    shutil.copyfile(FIXTURE, copy)  # never the fixture itself
    url = f"sqlite:///{copy}"
    old = make_engine(url)
    before = _snapshot(old)
    old.dispose()
    engine = open_store(url)
    try:
        _after_upgrade(engine, before)
    finally:
        engine.dispose()


@needs_fixture
def test_a_release_store_upgrades_on_postgres(pg_url, tmp_path):
    """The release store's rows copied into a PostgreSQL store at 0003, then upgraded."""
    copy = tmp_path / "store.db"
    shutil.copyfile(FIXTURE, copy)
    source = create_engine(f"sqlite:///{copy}")
    engine = make_engine(pg_url)
    try:
        migrate(engine, "0003")
        src, dst = MetaData(), MetaData()
        src.reflect(source)
        dst.reflect(engine)
        tables = [t for t in dst.sorted_tables if t.name != "alembic_version"]
        with source.connect() as read, engine.begin() as write:
            for table in tables:
                rows = [dict(r._mapping) for r in read.execute(select(src.tables[table.name]))]
                if rows:
                    write.execute(table.insert(), rows)
            fix_sequences(write, [t for t in tables if "id" in t.c])
        before = _snapshot(engine)
        migrate(engine)
        _after_upgrade(engine, before)
    finally:
        engine.dispose()
        source.dispose()
