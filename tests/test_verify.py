"""verify: a replay of the ledger must equal the books; corrupted copies are caught."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from scanner_tui.cli import app
from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.verify import verify, verify_report


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """A demo store built once; each test corrupts its own copy."""
    path = tmp_path_factory.mktemp("pristine") / "store.db"
    engine = open_store(f"sqlite:///{path}")
    build_demo(engine, "small", bins=50, skus=40, assets=300)
    engine.dispose()
    return path


def _copy(src: Path, dst: Path) -> str:
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    return f"sqlite:///{dst}"


@pytest.fixture
def store(pristine, tmp_path):
    engine = open_store(_copy(pristine, tmp_path / "copy.db"))
    yield engine
    engine.dispose()


def _one(engine, sql: str, **params):
    with engine.begin() as conn:
        result = conn.execute(text(sql), params)
        return result.first() if result.returns_rows else None


def test_pristine_demo_store_agrees(store):
    report = verify_report(store)
    assert report.ok, report.mismatches
    assert report.assets >= 300 and report.ledger_rows > report.assets
    assert report.summary().startswith("books agree")


def test_changed_stock_quantity_is_caught(store):
    row = _one(store, "SELECT s.id, s.qty, k.code, b.code FROM stock s"
                      " JOIN sku k ON k.id = s.sku_id JOIN bin b ON b.id = s.bin_id"
                      " WHERE k.code = 'MUG-01' ORDER BY s.id")
    _one(store, "UPDATE stock SET qty = qty + 3 WHERE id = :id", id=row[0])
    found = verify(store)
    assert len(found) == 1
    m = found[0]
    assert m.kind == "stock" and m.code == "MUG-01"
    assert m.message == (f"Stock of MUG-01 lot '' in {row[3]}: books say {row[1] + 3}, "
                         f"ledger replay says {row[1]}")


def test_moved_asset_is_caught(store):
    _one(store, "UPDATE asset SET bin_id = (SELECT id FROM bin WHERE code = 'QA01-A-01')"
                " WHERE serial = 'AT00000002'")
    (m,) = verify(store)
    assert m.kind == "asset" and m.code == "AT00000002"
    assert "books say in_stock in QA01-A-01" in m.message
    assert "ledger replay says in_stock in A01-B-03" in m.message


def test_changed_asset_status_is_caught(store):
    _one(store, "UPDATE asset SET status = 'shipped', bin_id = NULL WHERE serial = 'AT00000003'")
    (m,) = verify(store)
    assert "books say shipped in no bin" in m.message


def test_deleted_stock_row_is_caught(store):
    row = _one(store, "SELECT s.id, s.qty FROM stock s JOIN sku k ON k.id = s.sku_id"
                      " WHERE k.code = 'BATTERY-AA-4' AND s.lot = 'B2611'")
    _one(store, "DELETE FROM stock WHERE id = :id", id=row[0])
    (m,) = verify(store)
    assert "BATTERY-AA-4 lot 'B2611'" in m.message
    assert f"books say 0, ledger replay says {row[1]}" in m.message


def test_unit_without_ledger_is_caught(store):
    _one(store, "INSERT INTO asset (serial, sku_id, status, bin_id, lot, attributes, entry)"
                " SELECT 'AT99999999', id, 'in_stock', NULL, '', '{}', 'typed' FROM sku"
                " WHERE code = 'LAPTOP-14'")
    (m,) = verify(store)
    assert m.code == "AT99999999" and "has no ledger history" in m.message


def test_ledger_row_without_stock_is_caught(store):
    _one(store, "INSERT INTO ledgerentry (at, action, sku_id, qty, to_bin_id, lot, doc_type,"
                " doc_code, operator, terminal, entry, reason) SELECT CURRENT_TIMESTAMP,"
                " 'receive', k.id, 5, b.id, '', '', '', 'OP-0002', 't', 'scanned', ''"
                " FROM sku k, bin b WHERE k.code = 'USB-C-1M' AND b.code = 'B03-B-04'")
    chain_break, m = verify(store)  # a row written outside the app
    assert chain_break.kind == "chain" and "carries no seal" in chain_break.message
    assert m.message == "Stock of USB-C-1M lot '' in B03-B-04: books say 0, ledger replay says 5"


def test_every_corruption_reported_together(store):
    _one(store, "UPDATE stock SET qty = 0")
    _one(store, "UPDATE asset SET status = 'lost'")
    report = verify_report(store)
    assert not report.ok
    assert {m.kind for m in report.mismatches} == {"stock", "asset"}
    assert len([m for m in report.mismatches if m.kind == "asset"]) == report.assets


def _cli(url: str, tmp_path: Path, *args: str):
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    return CliRunner().invoke(app, ["--config", str(cfg), *args])


def test_cli_exit_codes(pristine, tmp_path):
    url = _copy(pristine, tmp_path / "cli.db")
    ok = _cli(url, tmp_path, "verify")
    assert ok.exit_code == 0, ok.output
    assert ok.output.strip().startswith("books agree:")
    engine = open_store(url)
    _one(engine, "UPDATE stock SET qty = 999 WHERE id = (SELECT min(id) FROM stock)")
    _one(engine, "UPDATE asset SET bin_id = NULL WHERE serial = 'AT00000004'")
    engine.dispose()
    bad = _cli(url, tmp_path, "verify")
    assert bad.exit_code == 1
    lines = bad.output.strip().splitlines()
    assert len(lines) == 3
    assert "books say 999" in lines[0] and "AT00000004" in lines[1]
    assert lines[2] == "2 mismatch(es) between the books and the ledger"
    as_json = _cli(url, tmp_path, "verify", "--json")
    assert as_json.exit_code == 1 and '"kind": "asset"' in as_json.output


@pytest.mark.postgres
def test_postgres_replay_and_corruption(pg_url):
    engine = open_store(pg_url)
    build_demo(engine, "small", bins=20, skus=20, assets=200)
    assert verify(engine) == []
    _one(engine, "UPDATE stock SET qty = qty - 1 WHERE id = (SELECT min(id) FROM stock)")
    _one(engine, "UPDATE asset SET bin_id = NULL WHERE serial = 'AT00000001'")
    _one(engine, "INSERT INTO asset (serial, sku_id, status, lot, attributes, entry)"
                 " SELECT 'AT99999999', id, 'in_stock', '', '{}', 'typed' FROM sku"
                 " WHERE code = 'LAPTOP-14'")
    found = verify(engine)
    assert [m.kind for m in found] == ["stock", "asset", "asset"]
    assert "has no ledger history" in found[2].message
    engine.dispose()


def test_operations_on_the_demo_keep_the_books_and_history_agreeing(store):
    """The operations' ledger rows (another module) replay to the books, and history reads them."""
    from scanner_tui.inventory import operations as ops
    from scanner_tui.inventory.actor import Actor
    from scanner_tui.inventory.export import export_rows
    from scanner_tui.inventory.history import history

    receiver = Actor("OP-0002", "T1", "receiver")
    picker = Actor("OP-0001", "T2", "picker")
    boss = Actor("OP-0003", "T3", "supervisor")
    asn = _one(store, "SELECT serial FROM expectedserial ORDER BY id")[0]
    n = iter(range(1000))

    def sid() -> str:
        return f"scan-{next(n)}"

    ops.receive(store, actor=receiver, scan_id=sid(), bin="DK01-A-01", serial=asn,
                receipt="R-1001", lot="LT2611C")
    ops.putaway(store, actor=receiver, scan_id=sid(), to_bin="B03-B-04", serial=asn)
    ops.receive(store, actor=receiver, scan_id=sid(), bin="DK01-A-02", sku="CABLE-TIE-100",
                qty=50, receipt="R-1001")
    ops.pick(store, actor=picker, scan_id=sid(), order="SO-1001", serial=asn)
    ops.pick(store, actor=picker, scan_id=sid(), order="SO-1001", sku="CABLE-TIE-100",
             bin="A01-A-01", qty=1)
    ops.stage(store, actor=picker, scan_id=sid(), order="SO-1001", bin="ST01-A-03")
    ops.ship(store, actor=boss, scan_id=sid(), order="SO-1001")
    ops.adjust(store, actor=boss, scan_id=sid(), bin="A01-A-02", sku="MUG-01", delta=-1,
               reason="broken")
    ops.move(store, actor=picker, scan_id=sid(), to_bin="B03-B-03", sku="MUG-01",
             from_bin="R01-A-02", qty=5)
    ops.undo_last(store, actor=picker, scan_id=sid())
    assert verify(store) == []

    life = history(store, asn)
    assert life["status"] == "shipped"
    actions = [e["action"] for e in life["events"]]
    assert actions[:2] == ["receive", "putaway"] and "ship" in actions
    assert life["events"][0]["supplier"] == "Lenovo Distribution GmbH"
    shipped = [r for r in export_rows(store, "shipments", order="SO-1001")]
    assert {r["serial"] for r in shipped if r["serial"]} >= {asn, "AT00000001"}


def test_in_memory_store_is_verified_through_its_own_engine():
    from scanner_tui.inventory.db import make_engine, migrate

    engine = make_engine("sqlite://")
    migrate(engine)
    build_demo(engine)
    assert verify_report(engine).assets == 28


def test_negative_stock_is_reported_even_when_the_ledger_agrees(store):
    _one(store, "INSERT INTO ledgerentry (at, action, sku_id, qty, from_bin_id, lot, doc_type,"
                " doc_code, operator, terminal, entry, reason) SELECT CURRENT_TIMESTAMP,"
                " 'pick', k.id, 30, b.id, '', '', '', 'OP-0001', 't', 'scanned', ''"
                " FROM sku k, bin b WHERE k.code = 'MUG-01' AND b.code = 'A01-A-02'")
    _one(store, "UPDATE stock SET qty = qty - 30 WHERE sku_id = (SELECT id FROM sku"
                " WHERE code = 'MUG-01') AND bin_id = (SELECT id FROM bin WHERE code = 'A01-A-02')")
    chain_break, m = verify(store)  # a row written outside the app
    assert chain_break.kind == "chain" and "carries no seal" in chain_break.message
    assert m.message == "Stock of MUG-01 lot '' in A01-A-02 is negative: -8"
