"""The ledger is a hash chain: rewriting history shows (issue 12, item 4).

Each tampering below keeps the books agreeing with the ledger (the old ``verify`` passed all of
them); the chain names the first row that breaks. On SQLite and on a real PostgreSQL.
"""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session
from typer.testing import CliRunner

from scanner_tui.cli import app
from scanner_tui.inventory import chain
from scanner_tui.inventory import operations as ops
from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.verify import verify, verify_report
from tests.ledger_helpers import ENGINES, store_url
from tests.test_ops_store import seed

FIXTURE = Path(__file__).parent / "fixtures" / "store_release_0_1.db"
BOSS = Actor("OP-0003", "T3")
EDIT_ME = Actor("OP-0003", "T-EDIT-ME")
_ids = itertools.count()


def sid() -> str:
    return f"chain-{next(_ids)}"


def _store(url: str):
    engine = open_store(url)
    seed(engine)
    ops.receive(engine, actor=BOSS, scan_id=sid(), bin="A01-A-01", sku="MUG-01", qty=20)
    ops.receive(engine, actor=BOSS, scan_id=sid(), bin="D01-A-01", sku="LAPTOP-15",
                serial="SN0001")
    ops.move(engine, actor=EDIT_ME, scan_id=sid(), to_bin="A01-A-02", sku="MUG-01", qty=5,
             from_bin="A01-A-01")
    ops.move(engine, actor=BOSS, scan_id=sid(), to_bin="A01-A-01", serial="SN0001")
    ops.move(engine, actor=BOSS, scan_id=sid(), to_bin="R01-A-01", sku="MUG-01", qty=2,
             from_bin="A01-A-02")
    return engine


@pytest.fixture(params=ENGINES)
def store(request, tmp_path):
    engine = _store(store_url(request, tmp_path))
    yield engine
    engine.dispose()


def _tamper(engine, *statements: str, **params) -> None:
    """What someone with the database password does: lift the guard, change rows."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE ledgerentry DISABLE TRIGGER ledger_no_update"))
        else:
            conn.execute(text("DROP TRIGGER ledger_no_update"))
            conn.execute(text("DROP TRIGGER ledger_no_delete"))
        for sql in statements:
            conn.execute(text(sql), params)


def _row_id(engine, where: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT MIN(id) FROM ledgerentry WHERE {where}")).scalar_one()


def _only_chain_break(engine, row_id: int) -> str:
    found = verify(engine)
    assert len(found) == 1, found  # the books still agree: only the chain shows it
    (m,) = found
    assert m.kind == "chain" and m.details["ledger_id"] == row_id, m
    assert f"#{row_id}" in m.message
    return m.message


def test_a_pristine_chain_holds(store):
    report = verify_report(store)
    assert report.ok, report.mismatches
    assert report.chain.rows == report.ledger_rows == 5
    with Session(store) as s:
        head = s.execute(text("SELECT last_id, head_hash FROM ledgerchain")).one()
    assert (head[0], head[1]) == (report.chain.last_id, report.chain.head)


def test_a_changed_quantity_with_its_stock_row_is_caught(store):
    moved = _row_id(store, "action = 'move' AND qty = 5")
    _tamper(store, "UPDATE ledgerentry SET qty = 3 WHERE id = :i",
            "UPDATE stock SET qty = qty + 2 WHERE bin_id = (SELECT id FROM bin WHERE code ="
            " 'A01-A-01')",
            "UPDATE stock SET qty = qty - 2 WHERE bin_id = (SELECT id FROM bin WHERE code ="
            " 'A01-A-02')", i=moved)
    assert "does not match its seal" in _only_chain_break(store, moved)


@pytest.mark.parametrize("column, value", [("operator", "'OP-0001'"), ("terminal", "'T9'"),
                                           ("at", "at - INTERVAL '1 hour'")])
def test_rewritten_who_where_when_is_caught(store, column, value):
    if column == "at" and store.dialect.name == "sqlite":
        value = "datetime(at, '-1 hour')"
    moved = _row_id(store, "action = 'move' AND qty = 5")
    _tamper(store, f"UPDATE ledgerentry SET {column} = {value} WHERE id = :i", i=moved)
    _only_chain_break(store, moved)


def test_a_forged_row_with_matching_stock_is_caught(store):
    _tamper(store, "INSERT INTO ledgerentry (id, at, action, sku_id, qty, from_bin_id, "
                   "to_bin_id, lot, doc_type, doc_code, operator, terminal, entry, reason) "
                   "SELECT 1000, at, 'move', sku_id, 3, to_bin_id, from_bin_id, lot, '', '', "
                   "operator, terminal, 'scanned', '' FROM ledgerentry WHERE action = 'move' "
                   "AND qty = 5",
            "UPDATE stock SET qty = qty - 3 WHERE bin_id = (SELECT id FROM bin WHERE code ="
            " 'A01-A-02')",
            "UPDATE stock SET qty = qty + 3 WHERE bin_id = (SELECT id FROM bin WHERE code ="
            " 'A01-A-01')")
    assert "carries no seal" in _only_chain_break(store, 1000)


def test_a_removed_row_breaks_the_next_link(store):
    first = _row_id(store, "action = 'receive' AND asset_id IS NOT NULL")  # its move stays
    _tamper(store, "DELETE FROM ledgerentry WHERE id = :i", i=first)
    assert "does not match its seal" in _only_chain_break(store, first + 1)


def test_a_removed_last_row_breaks_the_head(store):
    last = _row_id(store, "action = 'move' AND qty = 2")
    _tamper(store, "DELETE FROM ledgerentry WHERE id = :i",
            "UPDATE stock SET qty = qty + 2 WHERE bin_id = (SELECT id FROM bin WHERE code ="
            " 'A01-A-02')",
            "DELETE FROM stock WHERE bin_id = (SELECT id FROM bin WHERE code = 'R01-A-01')",
            i=last)
    assert "head seal" in _only_chain_break(store, last - 1)


def _reseal_everything(engine) -> None:
    """A careful forger: rewrite a row, recompute every hash and the head (the algorithm is
    public). Only an anchor kept elsewhere shows this."""
    with engine.begin() as conn:
        cols = ", ".join(chain.CONTENT)
        rows = conn.execute(text(f"SELECT {cols} FROM ledgerentry ORDER BY id")).mappings()
        prev, last = chain.GENESIS, None
        for row in [dict(r) for r in rows]:
            prev, last = chain.link(prev, row), row["id"]
            conn.execute(text("UPDATE ledgerentry SET chain_hash = :h WHERE id = :i"),
                         {"h": prev, "i": last})
        conn.execute(text("UPDATE ledgerchain SET last_id = :i, head_hash = :h"),
                     {"i": last, "h": prev})


def test_a_rewrite_of_the_whole_chain_shows_against_a_kept_anchor(store):
    kept = verify_report(store).chain.anchor
    ops.move(store, actor=BOSS, scan_id=sid(), to_bin="A01-A-02", sku="MUG-01", qty=1,
             from_bin="A01-A-01")
    assert verify_report(store, anchor=kept).ok  # new rows after the anchor are fine
    moved = _row_id(store, "action = 'move' AND qty = 5")
    _tamper(store, "UPDATE ledgerentry SET operator = 'OP-0001' WHERE id = :i", i=moved)
    _reseal_everything(store)
    assert verify(store) == []  # without the anchor the rewrite cannot be seen
    report = verify_report(store, anchor=kept)
    (m,) = report.mismatches
    assert m.kind == "chain" and "no longer matches the anchor" in m.message
    assert m.details["ledger_id"] == int(kept.split(":")[0])


def test_an_anchor_past_the_end_shows_removed_rows(store):
    last_id, head = verify_report(store).chain.last_id, verify_report(store).chain.head
    (m,) = verify_report(store, anchor=f"{last_id + 7}:{head}").mismatches
    assert "before the anchor" in m.message
    with pytest.raises(ValueError, match="An anchor looks like"):
        verify_report(store, anchor="yesterday")


def test_a_raw_byte_edit_of_the_sqlite_file_is_caught(tmp_path):
    path = tmp_path / "store.db"
    engine = _store(f"sqlite:///{path}")
    moved = _row_id(engine, "terminal = 'T-EDIT-ME'")
    engine.dispose()  # the last connection closed folds the WAL into the file
    data = path.read_bytes()
    assert data.count(b"T-EDIT-ME") == 1
    path.write_bytes(data.replace(b"T-EDIT-ME", b"T-EDIT-MX"))
    engine = open_store(f"sqlite:///{path}", upgrade=False)
    try:
        _only_chain_break(engine, moved)
    finally:
        engine.dispose()


def _cli(url: str, tmp_path: Path, *args: str):
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    return CliRunner().invoke(app, ["--config", str(cfg), "verify", *args])


def test_verify_anchor_prints_the_head_and_checks_against_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    _store(url).dispose()
    res = _cli(url, tmp_path, "--anchor")
    assert res.exit_code == 0, res.output
    assert "hash chain intact" in res.output
    anchor = res.output.strip().splitlines()[-1].removeprefix("ledger anchor: ")
    assert chain.parse_anchor(anchor)[0] == 5
    res = _cli(url, tmp_path, "--against", anchor)
    assert res.exit_code == 0 and "anchor matches" in res.output, res.output
    res = _cli(url, tmp_path, "--against", "5:" + "0" * 64)
    assert res.exit_code == 1 and "no longer matches the anchor kept for row #5" in res.output
    res = _cli(url, tmp_path, "--against", "nonsense")
    assert res.exit_code == 2 and "An anchor looks like" in res.output


# -- migration 0005 ------------------------------------------------------------------------

def _units_and_stock(engine) -> tuple:
    with engine.connect() as conn:
        units = conn.execute(text("SELECT serial, status, bin_id FROM asset ORDER BY serial"))
        stock = conn.execute(text("SELECT sku_id, bin_id, lot, qty FROM stock ORDER BY id"))
        return units.all(), stock.all()


@pytest.mark.skipif(not FIXTURE.exists(), reason="release 0.1 store fixture absent")
def test_the_first_release_store_is_sealed_by_the_upgrade(tmp_path):
    copy = tmp_path / "old.db"
    shutil.copy(FIXTURE, copy)
    old = open_store(f"sqlite:///{copy}", upgrade=False)
    before = _units_and_stock(old)
    with old.connect() as conn:
        rows = conn.execute(text("SELECT COUNT(*) FROM ledgerentry")).scalar_one()
    old.dispose()
    engine = open_store(f"sqlite:///{copy}")
    try:
        report = verify_report(engine)
        assert report.ok, report.mismatches
        assert report.chain.rows == rows > 0
        assert _units_and_stock(engine) == before
        ops.move(engine, actor=Actor("OP-0003", "T1"), scan_id=sid(), to_bin="A01-A-01",
                 sku="MUG-01", qty=1, from_bin="A01-A-02")
        assert verify(engine) == []
        with pytest.raises(Exception, match="append-only"):
            with engine.begin() as conn:  # the guard is back after the seal
                conn.execute(text("UPDATE ledgerentry SET qty = 2"))
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_rows_written_before_the_chain_are_sealed_by_the_upgrade(pg_url):
    from scanner_tui.inventory.db import make_engine, migrate

    engine = make_engine(pg_url)
    migrate(engine, "0003")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO sku (code, description, tracking, unit_value, "
                          "capture_lot, capture_expiry) VALUES ('S1', '', 'quantity', 0, "
                          "false, false)"))
        conn.execute(text("INSERT INTO bin (code, zone, kind, active, needs_count) VALUES "
                          "('A01-A-01', 'A', 'pick', true, false)"))
        conn.execute(text("INSERT INTO stock (sku_id, bin_id, lot, qty) VALUES (1, 1, '', 7)"))
        for n, expiry in ((3, "NULL"), (4, "DATE '2030-01-31'")):
            conn.execute(text(
                "INSERT INTO ledgerentry (at, action, sku_id, qty, to_bin_id, lot, expiry, "
                "doc_type, doc_code, operator, terminal, entry, reason) VALUES "
                f"(TIMESTAMPTZ '2026-11-30 10:00:00.123456+01', 'receive', 1, {n}, 1, '', "
                f"{expiry}, '', '', 'OP-0003', 'T1', 'scanned', '')"))
    migrate(engine)
    try:
        report = verify_report(engine)
        assert report.ok and report.chain.rows == 2, report.mismatches
    finally:
        engine.dispose()


@pytest.mark.skipif(not FIXTURE.exists(), reason="release 0.1 store fixture absent")
def test_a_store_with_a_row_already_undone_twice_still_upgrades(tmp_path):
    """The race of the first release may have left a row reversed twice: the upgrade keeps
    those rows (history is not rewritten) and the unique key holds for every row after them."""
    copy = tmp_path / "raced.db"
    shutil.copy(FIXTURE, copy)
    old = open_store(f"sqlite:///{copy}", upgrade=False)
    with old.begin() as conn:
        opening = conn.execute(text(
            "SELECT l.id FROM ledgerentry l JOIN bin b ON b.id = l.to_bin_id WHERE"
            " l.action = 'opening' AND b.code = 'A01-A-02'")).scalar_one()
        for _ in range(2):  # reversed twice (a mug each), with the stock to match
            conn.execute(text(
                "INSERT INTO ledgerentry (at, action, sku_id, qty, from_bin_id, lot, doc_type,"
                " doc_code, operator, terminal, entry, reason, reverses_id) SELECT at, 'undo',"
                " sku_id, 1, to_bin_id, lot, '', '', operator, terminal, 'scanned', '', id"
                " FROM ledgerentry WHERE id = :o"), {"o": opening})
        conn.execute(text("UPDATE stock SET qty = qty - 2 WHERE bin_id = (SELECT id FROM bin"
                          " WHERE code = 'A01-A-02')"))
    old.dispose()
    engine = open_store(f"sqlite:///{copy}")
    try:
        assert verify(engine) == []
        later = ops.move(engine, actor=Actor("OP-0003", "T1"), scan_id=sid(), sku="MUG-01",
                         qty=1, from_bin="A01-A-02", to_bin="A01-A-01").ledger_ids[0]
        ops.undo_last(engine, actor=Actor("OP-0003", "T1"), scan_id=sid())
        with pytest.raises(Exception, match="UNIQUE"), engine.begin() as conn:
            conn.execute(text("INSERT INTO ledgerentry (at, action, qty, lot, doc_type, "
                              "doc_code, operator, terminal, entry, reason, reverses_id) VALUES"
                              " (CURRENT_TIMESTAMP, 'undo', 1, '', '', '', '', '', 'scanned',"
                              " '', :r)"), {"r": later})
    finally:
        engine.dispose()
