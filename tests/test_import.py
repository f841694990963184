"""import: every example file loads; a bad file imports nothing and names each line."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from scanner_tui.cli import app
from scanner_tui.inventory.importer import KINDS, ImportFailed, import_csv
from scanner_tui.inventory.models import (
    Asset,
    Barcode,
    Bin,
    ExpectedSerial,
    LedgerEntry,
    Operator,
    Order,
    OrderLine,
    Receipt,
    ReceiptLine,
    Sku,
    Stock,
)
from scanner_tui.inventory.verify import verify

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"
ORDER = ("bins", "skus", "operators", "assets", "stock", "receipts", "orders")
TABLES = (Bin, Sku, Barcode, Operator, Asset, Stock, LedgerEntry, Receipt, ReceiptLine,
          ExpectedSerial, Order, OrderLine)


def _counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {m.__name__: conn.execute(select(func.count()).select_from(m)).scalar_one()
                for m in TABLES}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def loaded(engine):
    """A store with the example bins, SKUs and operators."""
    for kind in ("bins", "skus", "operators"):
        import_csv(engine, kind, EXAMPLES / f"{kind}.csv")
    return engine


def test_every_example_file_imports_and_books_agree(engine):
    assert set(ORDER) == set(KINDS)
    for kind in ORDER:
        result = import_csv(engine, kind, EXAMPLES / f"{kind}.csv", operator="OP-0003")
        assert result.rows > 0
    counts = _counts(engine)
    assert counts["Bin"] == 8 and counts["Sku"] == 4 and counts["Operator"] == 4
    assert counts["Asset"] == 4 and counts["Stock"] == 3
    assert counts["LedgerEntry"] == 4 + 3  # one opening row per unit and per stock line
    assert counts["Receipt"] == 2 and counts["ExpectedSerial"] == 3
    assert counts["Order"] == 3 and counts["OrderLine"] == 4
    assert verify(engine) == []
    with engine.connect() as conn:
        codes = set(conn.execute(select(Barcode.code)).scalars())
        assert {"04006381000024", "04006381000031", "MUG01", "MUG"} <= codes
        row = conn.execute(select(LedgerEntry).where(LedgerEntry.asset_id.is_not(None))).first()
        assert (row.action, row.entry, row.operator, row.status_after) == \
            ("opening", "typed", "OP-0003", "in_stock")
        lines = conn.execute(select(ReceiptLine.qty_expected).order_by(ReceiptLine.id)).scalars()
        assert list(lines) == [3, 48, 120]


def test_master_data_reimport_updates_in_place(loaded, tmp_path):
    text = "code,zone,kind\nA01-A-01,fast,pick\nB09-C-01,new,reserve\n"
    path = _write(tmp_path, "bins.csv", text)
    result = import_csv(loaded, "bins", path)
    assert result.updated == 1 and result.created["bins"] == 1
    with loaded.connect() as conn:
        assert conn.execute(select(Bin.zone).where(Bin.code == "A01-A-01")).scalar() == "fast"


BAD = [
    ("bins", "code,zone\nA01-A-09,pick\n", 1, "missing column(s) kind"),
    ("bins", "code,zone,kind,colour\nA01-A-09,pick,pick,red\n", 1, "unknown column(s) 'colour'"),
    ("bins", "code,zone,kind\nA01-A-09,pick,shelf\n", 2, "kind 'shelf' is not one of"),
    ("bins", "code,zone,kind\nshelf 7,pick,pick\n", 2, "(U+0020 SPACE)"),
    ("bins", "code,zone,kind\nA01-A-09,pick,pick\nA01-A-09,pick,pick\n", 3,
     "bin A01-A-09 is already on line 2"),
    ("skus", "code,description,tracking,gtin,unit_value\nX-1,x,batch,,1\n", 2,
     "tracking 'batch' must be serial or quantity"),
    ("skus", "code,description,tracking,gtin,unit_value\nX-1,x,quantity,4006381333932,1\n", 2,
     "GTIN '4006381333932' has a wrong check digit"),
    ("skus", "code,description,tracking,gtin,unit_value\nX-1,x,quantity,12345,1\n", 2,
     "must be 8, 12, 13 or 14 digits"),
    ("skus", "code,description,tracking,gtin,unit_value\n"
     "X-1,x,quantity,\u0664\u0660\u0660\u0666\u0663\u0668\u0661\u0663\u0663\u0663"
     "\u0669\u0663\u0661,1\n", 2, "must be 8, 12, 13 or 14 digits (0-9)"),
    ("skus", "code,description,tracking,gtin,unit_value\nX-1,x,quantity,00000000,1\n", 2,
     "GTIN '00000000' is all zeros"),
    ("assets", "serial,sku,bin,lot,expiry\nSN\x85X,LAPTOP-14,A01-B-03,,\n", 2,
     "(U+0085 CONTROL CHARACTER)"),
    ("skus", "code,description,tracking,gtin,unit_value\nX-1,x,quantity,4006381000048,1\n", 2,
     "barcode 04006381000048 already belongs to SKU MUG-01"),
    ("skus", "code,description,tracking,gtin,unit_value\nX-1,x,quantity,,-2\n", 2,
     "-2 is not a unit value"),
    ("skus", "code,description,tracking,gtin,unit_value\nMUG-01,x,serial,,1\n", 2,
     "MUG-01 is quantity tracked in the store"),
    ("operators", "badge,name,role\nOP-0100,Zed,boss\n", 2, "role 'boss' is not one of"),
    ("operators", "badge,name,role\nzed,Zed,picker\n", 2, "does not follow the badge rule"),
    ("assets", "serial,sku,bin,lot,expiry\nAT00000500,NOPE,A01-A-01,,\n", 2,
     "unknown SKU 'NOPE'"),
    ("assets", "serial,sku,bin,lot,expiry\nAT00000500,LAPTOP-14,Z99-Z-99,,\n", 2,
     "unknown bin 'Z99-Z-99'"),
    ("assets", "serial,sku,bin,lot,expiry\nAT00000500,LAPTOP-14,A01-A-01,,\n"
               "AT00000500,LAPTOP-14,A01-A-01,,\n", 3,
     "serial AT00000500 of LAPTOP-14 is already on line 2"),
    ("assets", "serial,sku,bin,lot,expiry\nAT00000500,LAPTOP-14,A01-A-01,,31/12/2027\n", 2,
     "expiry '31/12/2027' is not a date"),
    ("assets", "serial,sku,bin,lot,expiry\nAT00000500,MUG-01,A01-A-01,,\n", 2,
     "MUG-01 is tracked by quantity"),
    ("stock", "sku,bin,qty,lot\nMUG-01,A01-A-01,-5,\n", 2, "-5 is not a qty (U+002D HYPHEN-MINUS)"),
    ("stock", "sku,bin,qty,lot\nMUG-01,A01-A-01,lots,\n", 2, "lots is not a qty (U+006C"),
    ("stock", "sku,bin,qty,lot\nLAPTOP-14,A01-A-01,3,\n", 2, "LAPTOP-14 is serial tracked"),
    ("stock", "sku,bin,qty,lot\nMUG-01,A01-A-01,3,\nMUG-01,A01-A-01,4,\n", 3,
     "is already on line 2"),
    ("receipts", "receipt,supplier,sku,qty,serial\nR-9,Acme,MUG-01,2,SN1\n", 2,
     "MUG-01 is tracked by quantity: it takes no serials"),
    ("receipts", "receipt,supplier,sku,qty,serial\nR-9,Acme,LAPTOP-14,1,SN1\n"
                 "R-9,Acme,LAPTOP-14,1,SN1\n", 3, "serial SN1 is already on line 2"),
    ("receipts", "receipt,supplier,sku,qty\nR-9,Acme,MUG-01,2\nR-9,Other,MUG-01,2\n", 3,
     "receipt R-9 has supplier 'Acme' on line 2"),
    ("orders", "order,customer,channel,sku,qty\nSO-9,Ann,drone,MUG-01,1\n", 2,
     "channel 'drone' is not one of"),
    ("orders", "order,customer,channel,sku,qty\nSO-9,Ann,quick-commerce,MUG-01,0\n", 2,
     "0 is not a qty that can be used here; at least 1"),
    ("orders", "order,customer,channel,sku,qty\nSO-9,Ann,quick-commerce,MUG-01\n", 2,
     "fields, the header has a different number"),
]


@pytest.mark.parametrize(("kind", "text", "line", "message"), BAD,
                         ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_file_imports_nothing_and_names_the_line(loaded, tmp_path, kind, text, line, message):
    good_first = {
        "bins": "B09-A-01,pick,pick\n", "skus": "NEW-1,new,quantity,,1\n",
        "operators": "OP-0200,New,picker\n", "assets": "AT00000777,LAPTOP-14,A01-A-01,,\n",
        "stock": "MUG-01,A01-B-01,7,\n", "receipts": None, "orders": None,
    }[kind]
    header, _, body = text.partition("\n")
    if good_first and line > 1:  # a good row before the bad one must not be imported either
        body = good_first + body
        line += 1
        message = message.replace("on line 2", "on line 3")
    path = _write(tmp_path, f"{kind}.csv", f"{header}\n{body}")
    before = _counts(loaded)
    with pytest.raises(ImportFailed) as err:
        import_csv(loaded, kind, path, operator="OP-0009")
    assert _counts(loaded) == before
    problems = [str(p) for p in err.value.problems]
    assert any(p.startswith(f"line {line}: ") and message in p for p in problems), problems


def test_all_problems_are_reported(loaded, tmp_path):
    rows = "".join(f"AT{n:08d},NOPE,A01-A-01,,\n" for n in range(500, 520))
    path = _write(tmp_path, "assets.csv", "serial,sku,bin,lot,expiry\n" + rows)
    with pytest.raises(ImportFailed) as err:
        import_csv(loaded, "assets", path)
    assert [p.line for p in err.value.problems] == list(range(2, 22))


def test_serial_already_in_store_is_refused(loaded, tmp_path):
    import_csv(loaded, "assets", EXAMPLES / "assets.csv")
    with pytest.raises(ImportFailed,
                       match="serial AT00000001 of LAPTOP-14 is already in the store"):
        import_csv(loaded, "assets", EXAMPLES / "assets.csv")


def test_check_only_and_unknown_operator(loaded):
    before = _counts(loaded)
    result = import_csv(loaded, "assets", EXAMPLES / "assets.csv", check_only=True)
    assert result.rows == 4 and _counts(loaded) == before
    with pytest.raises(ImportFailed, match="operator 'OP-7777' is not in the store"):
        import_csv(loaded, "assets", EXAMPLES / "assets.csv", operator="OP-7777")
    assert _counts(loaded) == before


def test_empty_or_non_utf8_file(loaded, tmp_path):
    with pytest.raises(ImportFailed, match="is empty"):
        import_csv(loaded, "bins", _write(tmp_path, "e.csv", ""))
    path = tmp_path / "latin.csv"
    path.write_bytes("code,zone,kind\nA01-A-09,K\xfchl,pick\n".encode("latin-1"))
    with pytest.raises(ImportFailed, match="not UTF-8"):
        import_csv(loaded, "bins", path)


def test_large_file_shows_progress(loaded, tmp_path):
    rows = "".join(f"AT{n:08d},LAPTOP-14,A01-A-01,L1,2030-01-31\n" for n in range(1000, 13000))
    path = _write(tmp_path, "assets.csv", "serial,sku,bin,lot,expiry\n" + rows)
    calls: list[tuple[str, int, int]] = []
    result = import_csv(loaded, "assets", path, progress=lambda *a: calls.append(a))
    assert result.created["units"] == 12_000
    assert ("checking", 12_000, 12_000) in calls and ("writing", 12_000, 12_000) in calls
    assert verify(loaded) == []


def _cli(tmp_path: Path, *args: str):
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "w.db"}"\n', encoding="utf-8")
    return CliRunner().invoke(app, ["--config", str(cfg), *args])


def test_cli_import(tmp_path):
    ok = _cli(tmp_path, "import", "bins", str(EXAMPLES / "bins.csv"))
    assert ok.exit_code == 0, ok.output
    assert "created 8 bins" in ok.output
    checked = _cli(tmp_path, "import", "bins", str(EXAMPLES / "bins.csv"), "--check")
    assert checked.exit_code == 0 and "8 bins rows checked, no problems" in checked.output
    bad = _write(tmp_path, "stock.csv", "sku,bin,qty,lot\nNOPE,A01-A-01,-1,\n")
    res = _cli(tmp_path, "import", "stock", str(bad))
    assert res.exit_code == 1
    assert "was not imported (nothing changed)" in res.output
    assert "line 2: unknown SKU 'NOPE'" in res.output
    assert _cli(tmp_path, "import", "widgets", str(bad)).exit_code == 2
    esc = _write(tmp_path, "b.csv", "code,zone,kind\n\x1b[31mA01,pick,pick\nB01-A-01,x,\x1b[2J\n")
    res = _cli(tmp_path, "import", "bins", str(esc))
    assert res.exit_code == 1 and "\x1b" not in res.output
    assert "line 2: The bin code ?[31mA01 has a character that is not allowed (U+001B ESCAPE)" \
        in res.output
    assert "line 3: kind '\\x1b[2J' is not one of" in res.output


@pytest.mark.postgres
def test_examples_import_on_postgres(pg_url, tmp_path):
    from sqlmodel import Session

    from scanner_tui.inventory.db import open_store

    engine = open_store(pg_url)
    for kind in ORDER:
        import_csv(engine, kind, EXAMPLES / f"{kind}.csv")
    assert verify(engine) == []
    with pytest.raises(ImportFailed):
        import_csv(engine, "assets", EXAMPLES / "assets.csv")
    with Session(engine) as s:  # ids were given explicitly: the sequences must have moved on
        s.add(Bin(code="B09-Z-99", zone="", kind="pick"))
        s.commit()
    engine.dispose()
