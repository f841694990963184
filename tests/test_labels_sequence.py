"""Asset tag numbers: several processes allocating at once never get the same tag; printed
tags are recorded as ledger notes that leave the books provable."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session

from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.models import (
    AppliedScan,
    Asset,
    Bin,
    LedgerEntry,
    Operator,
    Sku,
    TagSequence,
)
from scanner_tui.inventory.verify import verify
from scanner_tui.labels import LabelError, allocate_asset_tags, already_issued, record_printed
from scanner_tui.labels.record import compress, expand

WORKER = r"""
import json, random, sys, time
from pathlib import Path
from scanner_tui.inventory.db import make_engine
from scanner_tui.labels import allocate_asset_tags

url, go, rounds, seed = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
engine = make_engine(url)
rng = random.Random(seed)
while not go.exists():
    time.sleep(0.005)
got = []
for _ in range(rounds):
    got += allocate_asset_tags(engine, rng.randint(1, 4), "OP-0001", f"T{seed}")
print(json.dumps(got))
"""


def _operator(engine) -> None:  # noqa: ANN001
    with Session(engine) as s:
        s.add(Operator(badge="OP-0001", role="receiver"))
        s.commit()


def _race(url: str, tmp_path: Path, processes: int = 3, rounds: int = 25) -> list[list[str]]:
    go = tmp_path / "go"
    procs = [
        subprocess.Popen([sys.executable, "-c", WORKER, url, str(go), str(rounds), str(i)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(processes)
    ]
    time.sleep(1.0)  # let every worker import and connect, then start them together
    go.touch()
    out = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr
        out.append(json.loads(stdout))
    return out


def _check_disjoint_and_contiguous(batches: list[list[str]]) -> None:
    tags = [t for batch in batches for t in batch]
    assert len(tags) == len(set(tags)), "a tag was issued twice"
    numbers = sorted(int(t[2:]) for t in tags)
    assert numbers == list(range(1, len(numbers) + 1))  # no gaps either: nothing failed
    assert all(len(t) == 10 and t.startswith("AT") for t in tags)


@pytest.mark.slow
def test_processes_allocating_at_once_on_sqlite(db_url: str, tmp_path: Path) -> None:
    engine = open_store(db_url)
    _operator(engine)
    _check_disjoint_and_contiguous(_race(db_url, tmp_path))


@pytest.mark.postgres
@pytest.mark.slow
def test_processes_allocating_at_once_on_postgres(pg_url: str, tmp_path: Path) -> None:
    engine = open_store(pg_url)
    _operator(engine)  # no TagSequence row yet: the first allocations race to insert it
    _check_disjoint_and_contiguous(_race(pg_url, tmp_path))
    engine.dispose()


def test_sequence_starts_after_existing_tags_and_keeps_counting(engine) -> None:
    _operator(engine)
    with Session(engine) as s:
        sku = Sku(code="DRILL", tracking="serial")
        s.add(sku)
        s.flush()
        s.add_all([Asset(serial="AT00000041", sku_id=sku.id), Asset(serial="ATX0000099",
                                                                     sku_id=sku.id)])
        s.commit()
    assert allocate_asset_tags(engine, 2, "OP-0001", "T1") == ["AT00000042", "AT00000043"]
    assert allocate_asset_tags(engine, 1, "OP-0001", "T1") == ["AT00000044"]
    assert allocate_asset_tags(engine, 1, "OP-0001", "T1", prefix="BX", digits=4) == ["BX0001"]
    with Session(engine) as s:
        assert s.get(TagSequence, "asset:AT").next_value == 45


def test_allocation_refusals(engine) -> None:
    _operator(engine)
    with pytest.raises(LabelError, match="not an operator"):
        allocate_asset_tags(engine, 1, "OP-9999", "T1")
    with pytest.raises(LabelError, match="between 1 and"):
        allocate_asset_tags(engine, 0, "OP-0001", "T1")
    allocate_asset_tags(engine, 9998, "OP-0001", "T1", prefix="Z", digits=4)
    with pytest.raises(LabelError, match="used up"):
        allocate_asset_tags(engine, 5, "OP-0001", "T1", prefix="Z", digits=4)
    # The refused batch was rolled back: the last number is still there.
    assert allocate_asset_tags(engine, 1, "OP-0001", "T1", prefix="Z", digits=4) == ["Z9999"]


def test_record_printed_ranges_reprints_and_verify(engine) -> None:
    _record_printed_scenario(engine)


@pytest.mark.postgres
def test_record_printed_on_postgres(pg_url: str) -> None:
    engine = open_store(pg_url)
    try:
        _record_printed_scenario(engine)
    finally:
        engine.dispose()


def _record_printed_scenario(engine) -> None:  # noqa: ANN001
    _operator(engine)
    with Session(engine, expire_on_commit=False) as s:
        b = Bin(code="A04-B-12")
        sku = Sku(code="DRILL", tracking="serial")
        s.add_all([b, sku])
        s.flush()
        unit = Asset(serial="AT00000001", sku_id=sku.id, bin_id=b.id)
        s.add(unit)
        s.flush()
        s.add(LedgerEntry(action="receive", sku_id=sku.id, asset_id=unit.id, qty=1,
                          to_bin_id=b.id, status_after="in_stock", operator="OP-0001"))
        s.commit()
    tags = allocate_asset_tags(engine, 12, "OP-0001", "DOCK-1")
    assert tags[0] == "AT00000002"
    asked = ["AT00000001", "AT00000005", "AT00000099", "SN1"]
    assert already_issued(engine, asked) == set()  # allocated is not printed
    ids = record_printed(engine, tags, actor_badge="OP-0001", terminal="DOCK-1",
                         doc_type="receipt", doc_code="R-1")
    assert already_issued(engine, asked) == {"AT00000005"}
    ids += record_printed(engine, ["AT00000001", "AT00000003"], actor_badge="OP-0001",
                          terminal="DOCK-2", reprint=True, scan_id="s1")
    assert record_printed(engine, ["AT00000001"], actor_badge="OP-0001", terminal="DOCK-2",
                          reprint=True, scan_id="s1") == []  # the same scan twice: once
    with Session(engine) as s:
        rows = s.execute(select(LedgerEntry).where(LedgerEntry.id.in_(ids))
                         .order_by(LedgerEntry.id)).scalars().all()
        assert [(r.asset_id, r.reason, r.terminal) for r in rows] == [
            (None, "printed AT00000002-AT00000013", "DOCK-1"),
            (unit.id, "reprinted AT00000001", "DOCK-2"),
            (None, "reprinted AT00000003", "DOCK-2"),
        ]
        assert all(r.action == "label" and r.qty == 0 and r.sku_id is None for r in rows)
        assert s.get(AppliedScan, "s1").operation == "label"
    assert verify(engine) == []  # label notes change no stock and no unit


def test_long_tag_lists_split_across_rows(engine) -> None:
    _operator(engine)
    tags = [f"SN-{i:04d}X" for i in range(0, 80, 2)]  # nothing consecutive
    record_printed(engine, tags, actor_badge="OP-0001", terminal="T")
    with Session(engine) as s:
        reasons = s.execute(select(LedgerEntry.reason)).scalars().all()
    assert len(reasons) > 1 and all(len(r) <= 200 for r in reasons)
    listed = ", ".join(r.removeprefix("printed ") for r in reasons).split(", ")
    assert listed == tags


def test_compress_and_expand() -> None:
    tags = ["AT01", "AT02", "AT03", "AT05", "X", "AT06", "SN-7", "SN-8", "sn9", "sn10"]
    parts = compress(tags)
    assert parts == ["AT01-AT03", "AT05", "X", "AT06", "SN-7", "SN-8", "sn9", "sn10"]
    assert expand("printed " + ", ".join(parts)) == set(tags)
    assert expand("reprinted AT00000001-AT00000003") == {"AT00000001", "AT00000002",
                                                         "AT00000003"}


def test_tags_announced_or_imported_are_never_issued(engine) -> None:
    from scanner_tui.inventory.models import ExpectedSerial, Receipt, ReceiptLine

    _operator(engine)
    with Session(engine, expire_on_commit=False) as s:
        sku = Sku(code="DRILL", tracking="serial")
        rec = Receipt(code="R-1")
        s.add_all([sku, rec])
        s.flush()
        line = ReceiptLine(receipt_id=rec.id, line_no=1, sku_id=sku.id)
        s.add(line)
        s.flush()
        s.add_all([ExpectedSerial(receipt_id=rec.id, line_id=line.id, serial="AT00000003"),
                   Asset(serial="AT00000002", sku_id=sku.id)])
        s.commit()
    assert allocate_asset_tags(engine, 2, "OP-0001", "T") == ["AT00000004", "AT00000005"]
    with Session(engine) as s:  # an import after the sequence started
        s.add_all([Asset(serial="AT00000007", sku_id=sku.id),
                   ExpectedSerial(receipt_id=rec.id, line_id=line.id, serial="AT00000009")])
        s.commit()
    assert allocate_asset_tags(engine, 2, "OP-0001", "T") == ["AT00000010", "AT00000011"]
    assert allocate_asset_tags(engine, 1, "OP-0001", "T") == ["AT00000012"]
