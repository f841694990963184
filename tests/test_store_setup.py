"""The store: migrations create the schema on SQLite and PostgreSQL; the ledger is append-only."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from scanner_tui.inventory.db import open_store


def _check_schema_and_guard(engine) -> None:
    tables = set(inspect(engine).get_table_names())
    expected = {"bin", "sku", "asset", "stock", "ledgerentry", "scanjournal", "alembic_version"}
    assert expected <= tables
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO sku (code, description, tracking, unit_value, capture_lot,"
                          " capture_expiry) VALUES ('S1', '', 'quantity', 0, false, false)"))
        conn.execute(text("INSERT INTO ledgerentry (at, action, sku_id, qty, lot, doc_type,"
                          " doc_code, operator, terminal, entry, reason) VALUES"
                          " (CURRENT_TIMESTAMP, 'adjust', 1, 1, '', '', '', '', '',"
                          " 'scanned', '')"))
    for statement in ("UPDATE ledgerentry SET qty = 2", "DELETE FROM ledgerentry"):
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text(statement))


def test_sqlite_store_is_migrated_in_wal_mode(db_url):
    engine = open_store(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    _check_schema_and_guard(engine)
    open_store(db_url)  # a second open finds it up to date and changes nothing


@pytest.mark.postgres
def test_postgres_store_is_migrated(pg_url):
    engine = open_store(pg_url)
    _check_schema_and_guard(engine)
    engine.dispose()


def test_a_read_does_not_hold_the_write_lock(db_url):
    """While one terminal reads, another can still write at once (reads begin deferred)."""
    from sqlmodel import select

    from scanner_tui.inventory.db import make_engine, reading, session_scope
    from scanner_tui.inventory.models import Bin

    engine = open_store(db_url)
    other = make_engine(db_url)
    with reading(engine) as session:
        assert session.exec(select(Bin)).all() == []
        with session_scope(other) as writer:  # would wait for the lock if the read held it
            writer.add(Bin(code="A01-A-01"))
    with reading(engine) as session:
        assert [b.code for b in session.exec(select(Bin)).all()] == ["A01-A-01"]


def test_checkpointer_does_the_checkpoints_commits_no_longer_do(tmp_path):
    """With automatic checkpoints off the WAL outgrows SQLite's 1,000-page mark (no commit paid
    for a checkpoint); the background checkpointer then copies the pages into the database."""
    from scanner_tui.inventory.db import Checkpointer, session_scope
    from scanner_tui.inventory.models import Bin

    path = tmp_path / "ck.db"
    engine = open_store(f"sqlite:///{path}", autocheckpoint=False)
    for i in range(1500):
        with session_scope(engine) as s:
            s.add(Bin(code=f"Z{i:05d}", zone="x" * 60))
    wal = path.with_name("ck.db-wal")
    assert wal.stat().st_size > 2000 * 4096  # with automatic checkpoints it stays near 1,000
    before = path.stat().st_size
    checkpointer = Checkpointer(engine, interval=0.05).start()
    deadline = time.monotonic() + 10
    while checkpointer.runs == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    checkpointer.stop()  # stops at once and checkpoints a last time
    assert checkpointer.runs >= 2
    assert path.stat().st_size > before
    engine.dispose()
