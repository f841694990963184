"""demo: a realistic small warehouse (and bulk ones) whose books agree with the ledger."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from biip.gtin import Gtin
from sqlalchemy import func, select
from sqlmodel import Session
from typer.testing import CliRunner

from scanner_tui.cli import app
from scanner_tui.config import TagsConfig
from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.demo import StoreNotEmpty, build_demo, gtin13
from scanner_tui.inventory.models import (
    Asset,
    Barcode,
    Bin,
    ExpectedSerial,
    Operator,
    Order,
    Receipt,
    Sku,
    Stock,
    TagSequence,
)
from scanner_tui.inventory.verify import verify

TAGS = TagsConfig()


def test_gtins_have_valid_check_digits():
    for n in (0, 1, 42, 99_999):
        assert Gtin.parse(gtin13(n)).as_gtin_14().endswith(gtin13(n))
    assert gtin13(1, "4006381") == "4006381000017"


def test_small_demo_is_a_realistic_warehouse(engine):
    summary = build_demo(engine)
    assert verify(engine) == []
    with Session(engine) as s:
        roles = {o.badge: o.role for o in s.exec(select(Operator)).scalars()}
        assert {"OP-0001": "picker", "OP-0002": "receiver", "OP-0003": "supervisor"}.items() \
            <= roles.items()
        assert "admin" in roles.values()
        bins = s.exec(select(Bin)).scalars().all()
        assert {b.kind for b in bins} == {"pick", "reserve", "dock", "staging", "returns",
                                          "quarantine"}
        assert all(re.match(TAGS.bin, b.code) for b in bins)
        skus = s.exec(select(Sku)).scalars().all()
        assert {k.tracking for k in skus} == {"serial", "quantity"}
        gtins = s.exec(select(Barcode.code).where(Barcode.kind == "gtin")).scalars().all()
        assert len(gtins) == len(skus)
        assert all(Gtin.parse(g).as_gtin_14() == g for g in gtins)
        assets = s.exec(select(Asset)).scalars().all()
        assert any(re.match(TAGS.asset, a.serial) for a in assets)
        assert any(not re.match(TAGS.asset, a.serial) for a in assets)  # manufacturer serials
        assert all(a.lot for a in assets) and any(a.expiry for a in assets)
        assert {a.status for a in assets} >= {"in_stock", "picked", "shipped", "returned",
                                              "quarantined"}
        assert s.exec(select(func.count()).select_from(Stock)).scalar_one() > 0
        open_receipts = s.exec(select(Receipt).where(Receipt.status == "open")).scalars().all()
        assert open_receipts
        assert s.exec(select(func.count()).select_from(ExpectedSerial)).scalar_one() > 0
        orders = s.exec(select(Order).where(Order.status != "shipped")).scalars().all()
        assert {o.channel for o in orders} == {"ship-from-store", "click-and-collect",
                                               "quick-commerce"}
        assert all(o.customer for o in orders)
        seq = s.get(TagSequence, "asset")
        highest = max(int(a.serial[2:]) for a in assets if re.match(TAGS.asset, a.serial))
        assert seq.next_value > highest
    assert summary.assets == len(assets) and summary.bins == len(bins)
    assert summary.examples["asset"] and "OP-0001 picker" in summary.operators


def test_demo_refuses_a_store_with_data(engine):
    build_demo(engine)
    with pytest.raises(StoreNotEmpty):
        build_demo(engine)


def test_bulk_demo_counts_and_progress(engine):
    calls: list[tuple[str, int, int]] = []
    summary = build_demo(engine, "small", lambda *a: calls.append(a), bins=300, skus=200,
                         assets=25_000)
    assert summary.assets == 25_000 + 28
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Asset)).scalar_one() == \
            summary.assets
        serials = conn.execute(select(func.count(func.distinct(Asset.serial)))).scalar_one()
        assert serials == summary.assets
    assert ("units", 25_000, 25_000) in calls
    assert any(task == "units" and done == 20_000 for task, done, _ in calls)
    assert verify(engine) == []


def _cli(tmp_path: Path, *args: str):
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "w.db"}"\n', encoding="utf-8")
    return CliRunner().invoke(app, ["--config", str(cfg), *args])


def test_cli_demo_then_refusal(tmp_path):
    first = _cli(tmp_path, "demo")
    assert first.exit_code == 0, first.output
    assert "Demo warehouse (small)" in first.output and "OP-0002 receiver" in first.output
    again = _cli(tmp_path, "demo")
    assert again.exit_code == 1
    assert "already holds data" in again.output
    assert _cli(tmp_path, "demo", "--size", "huge").exit_code == 2


@pytest.mark.postgres
def test_bulk_demo_on_postgres_keeps_sequences_usable(pg_url):
    engine = open_store(pg_url)
    build_demo(engine, "small", bins=30, skus=30, assets=500)
    assert verify(engine) == []
    with Session(engine) as s:  # explicit ids were used: the next automatic id must not clash
        s.add(Bin(code="ZZ99-Z-99", zone="x", kind="pick"))
        s.commit()
    engine.dispose()
