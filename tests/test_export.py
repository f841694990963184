"""export: stock, units, ledger and shipped serials as CSV or one JSON array, streamed."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner_tui.cli import app
from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.export import EXPORT_KINDS, export_rows, write_export


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    url = f"sqlite:///{folder / 'store.db'}"
    engine = open_store(url)
    build_demo(engine)
    yield engine, folder, url
    engine.dispose()


def _json(engine, kind: str) -> list[dict]:
    out = io.StringIO()
    n = write_export(engine, kind, "json", out)
    data = json.loads(out.getvalue())
    assert isinstance(data, list) and len(data) == n
    return data


def _csv(engine, kind: str) -> list[dict]:
    out = io.StringIO()
    n = write_export(engine, kind, "csv", out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == n
    return rows


def test_assets_carry_the_invoice_fields(demo_store):
    engine, _, _ = demo_store
    rows = _json(engine, "assets")
    assert len(rows) == 28
    assert {"serial", "sku", "status", "bin", "lot", "expiry"} <= rows[0].keys()
    shipped = [r for r in rows if r["status"] == "shipped"]
    assert shipped and all(r["bin"] is None for r in shipped)
    scanner = next(r for r in rows if r["sku"] == "SCANNER-HH")
    assert scanner["expiry"] == "2029-07-31"
    assert _csv(engine, "assets")[0]["serial"] == rows[0]["serial"]


def test_stock_export_matches_books(demo_store):
    engine, _, _ = demo_store
    rows = _csv(engine, "stock")
    mugs = {r["bin"]: int(r["qty"]) for r in rows if r["sku"] == "MUG-01"}
    assert mugs == {"A01-A-02": 22, "R01-A-02": 96}
    battery = [r for r in rows if r["sku"] == "BATTERY-AA-4"]
    assert {r["lot"] for r in battery} == {"B2611", "B2604"}


def test_ledger_rows_are_readable_codes(demo_store):
    engine, _, _ = demo_store
    rows = _json(engine, "ledger")
    first = rows[0]
    assert first["action"] == "receive" and first["serial"] == "AT00000001"
    assert first["to_bin"] == "DK01-A-01" and first["sku"] == "LAPTOP-14"
    assert first["doc_code"] == "R-1000" and first["operator"] == "OP-0002"
    assert "to_bin_id" not in first and "sku_id" not in first
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)


def test_shipments_give_serials_per_order_line(demo_store):
    engine, _, _ = demo_store
    rows = _json(engine, "shipments")
    laptop = next(r for r in rows if r["order"] == "SO-0999" and r["line"] == 1)
    assert laptop["serial"] == "AT00000008" and laptop["customer"] == "Maria Lopez"
    assert laptop["shipped_at"].startswith("20")
    mugs = next(r for r in rows if r["order"] == "SO-0999" and r["sku"] == "MUG-01")
    assert mugs["serial"] is None and mugs["qty"] == 2
    only = list(export_rows(engine, "shipments", order="SO-1000"))
    assert [(r["order"], r["sku"]) for r in only] == [("SO-1000", "PHONE-X5")]


def test_export_streams(demo_store):
    engine, _, _ = demo_store
    rows = export_rows(engine, "ledger")
    assert next(rows)["id"] == 1  # a generator: rows arrive one by one
    rows.close()


def test_empty_export_is_an_empty_array(engine):
    for kind in EXPORT_KINDS:
        assert _json(engine, kind) == []


def test_cli_export(demo_store, tmp_path):
    _, _, url = demo_store
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(app, ["--config", str(cfg), "export", "stock", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)[0]["sku"] == "BATTERY-AA-4"
    target = tmp_path / "ship.csv"
    res = runner.invoke(app, ["--config", str(cfg), "export", "shipments", "-o", str(target)])
    assert res.exit_code == 0, res.output
    assert "wrote 4 shipments rows" in res.output
    assert target.read_text(encoding="utf-8").startswith("order,line,sku,serial,qty")
    assert runner.invoke(app, ["--config", str(cfg), "export", "orders"]).exit_code == 2
    assert runner.invoke(app, ["--config", str(cfg), "export", "stock", "-f", "xml"]
                         ).exit_code == 2
    bad = Path(tmp_path / "no" / "such" / "dir" / "x.csv")
    res = runner.invoke(app, ["--config", str(cfg), "export", "stock", "-o", str(bad)])
    assert res.exit_code == 1 and "cannot write" in res.output


@pytest.mark.postgres
def test_export_streams_on_postgres(pg_url):
    engine = open_store(pg_url)
    build_demo(engine, "small", bins=10, skus=10, assets=12_000)
    rows = _csv(engine, "assets")
    assert len(rows) == 12_028 and rows[0]["serial"] == "AT00000001"
    assert _json(engine, "shipments")[0]["order"] == "SO-0999"
    engine.dispose()


def test_csv_on_a_terminal_never_sends_raw_escapes():
    from scanner_tui.commands.store_cmds import _TerminalSafe, clean

    out = io.StringIO()
    _TerminalSafe(out).write("AT1,\x1b[2J\x07,x\r\n")
    assert out.getvalue() == "AT1,\\x1b[2J\\x07,x\\x0d\n"
    assert clean("bin\x1b]0;title\x07") == "bin\\x1b]0;title\\x07"


def test_a_long_export_does_not_lock_the_terminals_out(tmp_path):
    """While an export streams, another process can still write (WAL snapshot, no write lock)."""
    import sqlite3

    from sqlalchemy import text

    path = tmp_path / "busy.db"
    engine = open_store(f"sqlite:///{path}")
    build_demo(engine, "small", bins=5, skus=5, assets=2_000)

    def terminal_writes() -> bool:
        con = sqlite3.connect(path, timeout=0.2, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")
            con.execute("UPDATE bin SET needs_count = 1 WHERE code = 'A01-A-01'")
            con.execute("COMMIT")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            con.close()

    with engine.connect() as conn:  # the store's own engine begins IMMEDIATE: writers wait
        conn.execute(text("SELECT 1"))
        assert not terminal_writes()
    rows = export_rows(engine, "ledger")
    first = next(rows)
    assert terminal_writes()  # mid-export
    assert first["id"] == 1 and sum(1 for _ in rows) > 2_000
    engine.dispose()
