"""PostgreSQL: a statement run again and again on a pooled connection is prepared once and
stays prepared across the read transactions that end in a rollback (``db.make_engine``).

psycopg prepares a statement after five runs on a connection, but its own ``rollback()``
forgets them all: every scan's look-up ends in one, so before the fix no statement of the
scan path was ever prepared (each was parsed and planned again on every scan)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from scanner_tui.inventory.db import open_store

pytestmark = pytest.mark.postgres

READ = "SELECT count(*) FROM bin WHERE code = %(code)s"


def _prepared(conn: sa.Connection) -> list[str]:
    return list(conn.exec_driver_sql(
        "SELECT statement FROM pg_prepared_statements").scalars())


def test_a_read_repeated_in_rolled_back_transactions_is_prepared(pg_url):
    engine = open_store(pg_url)
    try:
        for _ in range(8):  # each its own transaction, ended by a rollback (a read)
            with engine.connect() as conn:
                conn.exec_driver_sql(READ, {"code": "A01-A-01"}).scalar()
        with engine.connect() as conn:  # the pool is LIFO: the same connection
            assert any("FROM bin WHERE code" in s for s in _prepared(conn))
    finally:
        engine.dispose()


def test_a_rollback_still_undoes_the_transaction(pg_url):
    engine = open_store(pg_url)
    try:
        with pytest.raises(RuntimeError), engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO tagsequence (name, next_value) VALUES ('x', 1)")
            raise RuntimeError("the operation failed")
        with engine.connect() as conn:  # a failed statement, then the rollback ends it
            with pytest.raises(DBAPIError):
                conn.exec_driver_sql("SELECT * FROM no_such_table")
            conn.rollback()
            assert conn.exec_driver_sql("SELECT count(*) FROM tagsequence WHERE name = 'x'"
                                        ).scalar() == 0
    finally:
        engine.dispose()


def test_a_scan_is_journaled_in_one_round_trip_and_at_once_for_everyone(pg_url):
    """The journal's insert runs in autocommit (no BEGIN and COMMIT round trips): it is
    committed when ``record_scan`` returns, seen by any other connection."""
    from scanner_tui.inventory.journal import read_journal, record_scan
    from scanner_tui.scanning.classify import classify
    from scanner_tui.scanning.result import Scan, Source
    from scanner_tui.scanning.rules import DEFAULT_RULES

    engine = open_store(pg_url)
    statements: list[tuple[str, bool]] = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _seen(conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        statements.append((statement.split()[0], conn.connection.dbapi_connection.autocommit))

    try:
        scan = Scan("A01-A-01\r", Source.WEDGE)
        record_scan(engine, scan, classify(scan.payload, DEFAULT_RULES), terminal="T1")
        assert statements == [("INSERT", True)]
        other = open_store(pg_url)
        try:
            assert [r["scan_id"] for r in read_journal(other)] == [scan.id]
        finally:
            other.dispose()
    finally:
        engine.dispose()
