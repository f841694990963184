"""history and recall: a unit's whole life, a bin's contents and moves, a SKU, a lot."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from scanner_tui.cli import app
from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.history import UnknownCode, history, render
from scanner_tui.inventory.recall import UnknownSku, recall
from scanner_tui.inventory.recall import render as render_recall


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("history")
    url = f"sqlite:///{folder / 'store.db'}"
    engine = open_store(url)
    build_demo(engine)
    cfg = folder / "c.toml"
    cfg.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    yield engine, str(cfg)
    engine.dispose()


def _returned_phone(engine) -> str:
    with engine.connect() as conn:
        return conn.execute(text("SELECT serial FROM asset WHERE status = 'returned'")).scalar()


def test_asset_life_names_supplier_order_customer_and_people(demo_store):
    engine, _ = demo_store
    serial = _returned_phone(engine)
    h = history(engine, serial)
    assert h["type"] == "asset" and h["status"] == "returned" and h["bin"] == "RT01-A-01"
    actions = [e["action"] for e in h["events"]]
    assert actions == ["receive", "putaway", "pick", "stage", "ship", "return"]
    receive, pick, ship, back = h["events"][0], h["events"][2], h["events"][4], h["events"][5]
    assert receive["supplier"] == "Northwind Tech Distribution"
    assert receive["doc_code"] == "R-1000" and receive["operator"] == "OP-0002"
    assert pick["customer"] == "Jonas Berg" and pick["channel"] == "click-and-collect"
    assert pick["operator_name"] == "Ana Picker"
    assert ship["status_after"] == "shipped" and ship["at"] > pick["at"]
    assert back["reason"] == "customer changed their mind"
    text_ = "\n".join(render(h))
    assert "receipt R-1000 from Northwind Tech Distribution" in text_
    assert "order SO-1000 for Jonas Berg (click-and-collect)" in text_
    assert "by OP-0001 Ana Picker" in text_


def test_bin_shows_contents_and_moves(demo_store):
    engine, _ = demo_store
    h = history(engine, "ST01-A-01")
    assert h["type"] == "bin" and h["kind"] == "staging"
    assert h["unit_count"] == 0  # picked units stay in their pick bin until staged
    tape = history(engine, "ST01-A-02")
    assert [(s["sku"], s["qty"]) for s in tape["stock"]] == [("TAPE-48", 18)]
    assert len(h["events"]) >= 2 and all(e["at"] for e in h["events"])
    ids = [e["id"] for e in h["events"]]
    assert ids == sorted(ids)
    assert len(history(engine, "ST01-A-01", recent=1)["events"]) == 1
    pick = history(engine, "A01-A-02")
    assert [(s["sku"], s["qty"]) for s in pick["stock"]] == [("MUG-01", 22)]


def test_sku_by_code_gtin_and_alias(demo_store):
    engine, _ = demo_store
    by_code = history(engine, "PHONE-X5")
    assert by_code["type"] == "sku" and by_code["tracking"] == "serial"
    assert by_code["units_by_status"]["returned"] == 1
    gtin14 = next(b["code"] for b in by_code["barcodes"] if b["kind"] == "gtin")
    assert history(engine, gtin14[1:])["code"] == "PHONE-X5"  # GTIN-13 as printed
    assert history(engine, gtin14)["code"] == "PHONE-X5"
    assert history(engine, "PHONEX5")["code"] == "PHONE-X5"  # alias
    mug = history(engine, "MUG-01")
    assert sum(s["qty"] for s in mug["stock"]) == 118


def test_gs1_data_finds_the_unit(demo_store):
    engine, _ = demo_store
    serial = _returned_phone(engine)
    gtin = next(b["code"] for b in history(engine, "PHONE-X5")["barcodes"]
                if b["kind"] == "gtin")
    assert history(engine, f"(01){gtin}(21){serial}")["serial"] == serial
    assert history(engine, f"]d201{gtin}21{serial}")["serial"] == serial


def test_order_and_receipt_history(demo_store):
    engine, _ = demo_store
    order = history(engine, "SO-0999")
    assert order["type"] == "order" and order["customer"] == "Maria Lopez"
    assert [ln["qty_shipped"] for ln in order["lines"]] == [1, 2, 3]
    shipped = {e["serial"] for e in order["events"] if e["action"] == "ship"}
    assert "AT00000008" in shipped  # "which unit did this customer get?"
    assert any("order SO-0999 for Maria Lopez" in line for line in render(order))
    receipt = history(engine, "R-1000")
    assert receipt["type"] == "receipt" and receipt["supplier"] == "Northwind Tech Distribution"
    assert len([e for e in receipt["events"] if e["action"] == "receive"]) == 28


def test_unknown_code(demo_store):
    engine, _ = demo_store
    for code in ("NOPE", "", "4006381333932", "]", "(01)"):
        with pytest.raises(UnknownCode):
            history(engine, code)


def test_recall_finds_units_stock_and_orders(demo_store):
    engine, _ = demo_store
    r = recall(engine, "LT2609A")
    shipped = [u for u in r["units"] if u["status"] == "shipped"]
    assert len(r["units"]) == 8 and len(shipped) == 1
    assert shipped[0]["order"] == "SO-0999" and shipped[0]["customer"] == "Maria Lopez"
    assert all(u["bin"] for u in r["units"] if u["status"] != "shipped")
    returned = [u for u in recall(engine, "PX2610")["units"] if u["status"] == "returned"]
    assert returned[0]["bin"] == "RT01-A-01" and returned[0]["order"] is None
    batteries = recall(engine, "B2611", "BATTERY-AA-4")
    assert [(s["bin"], s["qty"]) for s in batteries["stock"]] == [("A02-A-01", 57)]
    assert [(o["order"], o["qty"], o["order_status"]) for o in batteries["orders"]] == \
        [("SO-0999", 3, "shipped")]
    lines = render_recall(batteries)
    assert any("shipped on order SO-0999 line 3 to Maria Lopez" in line for line in lines)
    assert recall(engine, "LT2609A", "PHONE-X5")["units"] == []
    with pytest.raises(UnknownSku):
        recall(engine, "LT2609A", "NOPE")


def test_cli_history_and_recall(demo_store):
    engine, cfg = demo_store
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, ["--config", cfg, *args])

    res = run("history", "AT00000001")
    assert res.exit_code == 0, res.output
    assert res.output.startswith("Unit AT00000001: LAPTOP-14")
    res = run("history", "AT00000001", "--json")
    assert json.loads(res.stdout)["events"][0]["action"] == "receive"
    res = run("history", "\x1b[2JNOPE")
    assert res.exit_code == 1 and "\x1b" not in res.output
    assert "is not a bin, unit, SKU, barcode, order or receipt" in res.output
    res = run("recall", "--lot", "LT2609A")
    assert res.exit_code == 0 and "to Maria Lopez" in res.output
    res = run("recall", "--lot", "LT2609A", "--json")
    assert len(json.loads(res.stdout)["units"]) == 8
    res = run("recall", "--lot", "X", "--sku", "NOPE")
    assert res.exit_code == 1 and "not in this store" in res.output
    res = run("recall", "NO-SUCH-LOT")  # an unknown lot exits like an unknown code
    assert res.exit_code == 1 and "'NO-SUCH-LOT' is not in this store" in res.output


@pytest.mark.postgres
def test_history_and_recall_on_postgres(pg_url):
    engine = open_store(pg_url)
    build_demo(engine)
    h = history(engine, "ST01-A-01")
    assert h["events"]
    assert history(engine, "MUG-01")["stock"]
    assert len(recall(engine, "LT2609A")["units"]) == 8
    engine.dispose()


def test_a_bin_lists_its_first_units_and_counts_them_all(tmp_path):
    """A bin shows at most LIST_UNITS units but counts every one ("... N more units")."""
    from sqlalchemy import insert, select

    from scanner_tui.inventory.history import LIST_UNITS
    from scanner_tui.inventory.models import Asset, Bin

    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    build_demo(engine)
    table = Asset.__table__
    with engine.begin() as conn:
        bin_id = conn.execute(select(Bin.id).where(Bin.code == "A01-B-01")).scalar_one()
        model = dict(conn.execute(select(table).limit(1)).mappings().one())
        model.pop("id")
        before = len(history(engine, "A01-B-01")["units"])
        conn.execute(insert(table), [model | {"serial": f"BULK{n:05d}", "bin_id": bin_id}
                                     for n in range(LIST_UNITS + 5 - before)])
    h = history(engine, "A01-B-01")
    assert len(h["units"]) == LIST_UNITS and h["unit_count"] == LIST_UNITS + 5
    assert "... 5 more units" in "\n".join(render(h))
    few = history(engine, "A01-A-01")
    assert few["unit_count"] == len(few["units"])
    engine.dispose()
