"""Code look-up: every path finds its record through an index, and the classifier uses it."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import Session

from scanner_tui.inventory import operations as ops
from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.errors import NotFound
from scanner_tui.inventory.lookup import (
    STATEMENTS,
    StoreKnownCodes,
    find,
    resolve,
    resolve_scan,
)
from scanner_tui.scanning.classify import classify
from scanner_tui.scanning.result import Kind
from tests.test_ops_store import RECEIVER, seed, sid


@pytest.fixture
def store(engine):
    seed(engine)
    ops.receive(engine, actor=RECEIVER, scan_id=sid(), bin="A01-A-01", sku="LAPTOP-15",
                serial="AT00000042", lot="L9", expiry=date(2030, 1, 31))
    ops.receive(engine, actor=RECEIVER, scan_id=sid(), bin="A01-A-01", sku="LAPTOP-15",
                serial="MFR-SN-77")
    return engine


def check_paths(engine) -> None:
    with Session(engine) as s:
        b = resolve(s, "A01-A-01")
        assert (b.kind, b.code, b.bin_kind, b.active) == (Kind.BIN, "A01-A-01", "pick", True)
        a = resolve(s, " AT00000042 ")
        assert (a.kind, a.code, a.sku_code, a.bin_code, a.status, a.lot) == (
            Kind.ASSET, "AT00000042", "LAPTOP-15", "A01-A-01", "in_stock", "L9")
        assert a.expiry.isoformat() == "2030-01-31"
        assert resolve(s, "MFR-SN-77").kind is Kind.ASSET  # a manufacturer serial
        p = resolve(s, "MUG-01")
        assert (p.kind, p.code, p.tracking, p.matched) == (Kind.PRODUCT, "MUG-01", "quantity",
                                                           "MUG-01")
        for code in ("4006381333931", "04006381333931"):  # EAN-13 and its GTIN-14
            p = resolve(s, code)
            assert (p.code, p.matched) == ("MUG-01", "04006381333931")
        assert resolve(s, "MUGALIAS").code == "MUG-01"
        assert find(s, "NOPE-1") is None and find(s, "") is None
        with pytest.raises(NotFound, match="NOPE-1 is not a known code"):
            resolve(s, "NOPE-1")


def test_resolve_every_kind_of_code(store):
    check_paths(store)


def test_resolve_on_a_connection_and_from_classified_scans(store):
    known = StoreKnownCodes(store)
    try:
        with store.connect() as conn:
            for payload, kind, code in [
                ("A01-A-01\r", Kind.BIN, "A01-A-01"),
                ("AT00000042\r\n", Kind.ASSET, "AT00000042"),
                ("4006381333931", Kind.PRODUCT, "MUG-01"),
                ("]E04006381333931", Kind.PRODUCT, "MUG-01"),
                ("MUGALIAS\t", Kind.PRODUCT, "MUG-01"),
                ("MFR-SN-77", Kind.ASSET, "MFR-SN-77"),
                ("LAPTOP-15", Kind.PRODUCT, "LAPTOP-15"),
            ]:
                result = classify(payload, known=known)
                assert result.kind is kind, (payload, result)
                found = resolve_scan(conn, result)
                assert found is not None and found.code == code, (payload, found)
            assert resolve_scan(conn, classify("B99-Z-99", known=known)) is None
            assert classify("NOPE-1", known=known).kind is Kind.UNKNOWN
    finally:
        known.close()


def test_known_codes_from_several_threads_see_new_codes(store):
    known = StoreKnownCodes(store)
    try:
        assert known.known_kind("AT00000043") is None
        ops.receive(store, actor=RECEIVER, scan_id=sid(), bin="A01-A-01", sku="LAPTOP-15",
                    serial="AT00000043")
        out = []
        threads = [threading.Thread(target=lambda: out.append(known.known_kind("AT00000043")))
                   for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert out == [Kind.ASSET] * 3
        assert known.known_kind("AT00000043") is Kind.ASSET
        assert known.known_kind("A01-A-02") is Kind.BIN
        known._cursor.conn.close()  # the connection breaks under it
        with pytest.raises(Exception):  # noqa: B017  (the classifier turns it into a reason)
            known.known_kind("A01-A-02")
        assert known.known_kind("A01-A-02") is Kind.BIN  # a fresh connection next time
    finally:
        known.close()


def test_every_lookup_path_uses_an_index(store):
    """EXPLAIN QUERY PLAN: no full table scan on any look-up path (ERPNext #41148)."""
    with store.connect() as conn:
        raw = conn.connection.driver_connection
        for name, sql in STATEMENTS.items():
            n = sql.count("?")
            plan = raw.execute("EXPLAIN QUERY PLAN " + sql, ("X",) * n).fetchall()
            details = [row[-1] for row in plan]
            scans = [d for d in details if d.startswith("SCAN")]
            assert not scans, (name, details)
            assert any("USING" in d and "INDEX" in d for d in details), (name, details)


@pytest.mark.postgres
def test_resolve_on_postgres(pg_url):
    engine = open_store(pg_url)
    try:
        seed(engine)
        ops.receive(engine, actor=RECEIVER, scan_id=sid(), bin="A01-A-01", sku="LAPTOP-15",
                    serial="AT00000042", lot="L9",
                    expiry=date(2030, 1, 31))
        ops.receive(engine, actor=RECEIVER, scan_id=sid(), bin="A01-A-01", sku="LAPTOP-15",
                    serial="MFR-SN-77")
        check_paths(engine)
        known = StoreKnownCodes(engine)
        assert known.known_kind("MUGALIAS") is Kind.PRODUCT
        assert known.known_kind("4006381333931") is Kind.PRODUCT
        assert known.known_kind("nothing") is None
        known.close()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM asset")).scalar() == 2
    finally:
        engine.dispose()
