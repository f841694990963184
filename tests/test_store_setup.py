"""The store: migrations create the schema on SQLite and PostgreSQL; the ledger is append-only."""

from __future__ import annotations

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
