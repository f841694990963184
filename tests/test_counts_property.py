"""Random counting sessions: two counters scanning at will while other work moves stock in
and out of the bins being counted. Whatever happens, counting writes nothing to the ledger,
every instruction fits a 40-column screen, and after approval the books of every counted bin
equal what was counted there, with ``verify`` green."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections import defaultdict
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from scanner_tui.inventory import counting as c
from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.errors import DomainError
from scanner_tui.inventory.models import (
    Asset,
    Bin,
    CountBin,
    CountLine,
    Sku,
    Stock,
)
from scanner_tui.inventory.operations import move
from scanner_tui.inventory.verify import verify
from scanner_tui.workflows.count import CountWorkflow
from tests.workflow_helpers import ledger_rows, scan, services

BINS = ["A02-A-03", "A02-A-04", "A01-A-02", "A02-A-01"]
SERIALS = ["AT00000002", "AT00000004", "AT00000006", "AT00000007", "AT00000009",
           "AT00000010", "AT00000005", "AT99999999"]
PRODUCTS = ["MUG-01", "MUG01", "CABLE-TIE-100", "BATTERY-AA-4", "LAPTOP-14"]
OTHER = ["A01-A-01", "Z99-Z-99", "[red]A01-A-01[/]", "", "OP-0001"]
COMMANDS = ["CMD:DONE", "CMD:CANCEL", "CMD:UNDO", "CMD:YES", "CMD:NO"]
TEXTS = ["1", "3", "12", "0", "y", "abc", ""]
BOSS = Actor("OP-0003", "T9", "supervisor")
ADMIN = Actor("OP-0009", "T9", "admin")


@cache
def pristine() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="counts-property-"))
    atexit.register(shutil.rmtree, folder, True)
    path = folder / "pristine.db"
    engine = open_store(f"sqlite:///{path}")
    build_demo(engine, "small")
    engine.dispose()
    return path


def bins_open(engine) -> list[str]:
    """Count bins not closed yet: other work may still touch them."""
    with engine.connect() as conn:
        return list(conn.execute(select(Bin.code).join(CountBin, CountBin.bin_id == Bin.id)
                                 .where(CountBin.status.in_(("pending", "counting"))))
                    .scalars())


def other_work(engine, n: int, k: int) -> bool:
    """Move a unit or some mugs into or out of a bin that is still being counted."""
    open_bins = bins_open(engine)
    if not open_bins:
        return False
    target = open_bins[k % len(open_bins)]
    sid = f"other-{n}"
    try:
        if k % 4 == 0:
            move(engine, actor=BOSS, scan_id=sid, serial="AT00000005", to_bin=target)
        elif k % 4 == 1:
            move(engine, actor=BOSS, scan_id=sid, serial="AT00000005", to_bin="A02-A-02")
        elif k % 4 == 2:
            move(engine, actor=BOSS, scan_id=sid, sku="MUG-01", qty=1 + k % 5,
                 from_bin="R01-A-02", to_bin=target)
        else:
            move(engine, actor=BOSS, scan_id=sid, sku="MUG-01", qty=1 + k % 3,
                 from_bin=target, to_bin="R01-A-02")
    except DomainError:
        return False
    return True


def counted_truth(engine) -> tuple[dict, dict]:
    """What was counted per bin: quantities per SKU code, and unit serials."""
    qty: dict[tuple[str, str], int] = defaultdict(int)
    units: dict[str, set[str]] = defaultdict(set)
    with engine.connect() as conn:
        for bin_code, sku, serial, n in conn.execute(
                select(Bin.code, Sku.code, Asset.serial, CountLine.qty)
                .join(CountBin, CountBin.id == CountLine.count_bin_id)
                .join(Bin, Bin.id == CountBin.bin_id).join(Sku, Sku.id == CountLine.sku_id)
                .outerjoin(Asset, Asset.id == CountLine.asset_id)
                .where(CountLine.round == CountBin.round)):
            if serial is None:
                qty[(bin_code, sku)] += n
            else:
                units[bin_code].add(serial)
    return qty, units


def books(engine, bin_code: str) -> tuple[dict, set]:
    with engine.connect() as conn:
        qty = dict(conn.execute(select(Sku.code, func.sum(Stock.qty))
                                .join(Sku, Sku.id == Stock.sku_id)
                                .join(Bin, Bin.id == Stock.bin_id)
                                .where(Bin.code == bin_code).group_by(Sku.code)).all())
        units = set(conn.execute(select(Asset.serial).join(Bin, Bin.id == Asset.bin_id)
                                 .where(Bin.code == bin_code)).scalars())
    return {k: v for k, v in qty.items() if v}, units


WHO = st.integers(0, 1)
STEP = st.one_of(  # weighted towards starting bins, counting, and work during the count
    st.tuples(st.just("scan"), WHO, st.sampled_from(BINS)),
    st.tuples(st.just("scan"), WHO, st.sampled_from(SERIALS + PRODUCTS)),
    st.tuples(st.just("scan"), WHO, st.sampled_from(SERIALS + PRODUCTS)),
    st.tuples(st.just("scan"), WHO, st.sampled_from(OTHER + COMMANDS)),
    st.tuples(st.just("text"), WHO, st.sampled_from(TEXTS)),
    st.tuples(st.just("other"), WHO, st.integers(0, 40)),
    st.tuples(st.just("other"), WHO, st.integers(0, 40)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(STEP, max_size=40))
def test_random_counting_sessions(tmp_path_factory, steps):
    folder = tmp_path_factory.mktemp("count")
    shutil.copy(pristine(), folder / "store.db")
    engine = open_store(f"sqlite:///{folder / 'store.db'}")
    try:
        code = c.plan_count(engine, actor=BOSS, bins=BINS).code
        workers = [CountWorkflow(services(engine, "OP-0001")),
                   CountWorkflow(services(engine, "OP-0002"))]
        expected_rows = ledger_rows(engine)
        for n, (what, who, arg) in enumerate(steps):
            wf = workers[who]
            if what == "other":
                expected_rows += other_work(engine, n, arg)
            else:
                out = scan(wf, arg) if what == "scan" else wf.answer(arg)
                assert out.message and not out.changed
            assert ledger_rows(engine) == expected_rows  # counting is not stock
            assert 0 < len(wf.view().instruction) <= 38, wf.view().instruction
        for wf in workers:  # finish: answer questions, close the bin (empty or not)
            for command in ("CMD:YES", "CMD:DONE", "CMD:YES"):
                if wf.bin is not None:
                    scan(wf, command)
            assert wf.bin is None
        for bin_code in bins_open(engine):  # bins nobody scanned: counted empty
            started = c.start_bin(engine, actor=BOSS, bin_code=bin_code)
            c.close_bin(engine, actor=BOSS, count_bin_id=started.count_bin_id)
        qty, units = counted_truth(engine)
        c.approve(engine, actor=ADMIN, count_code=code, scan_id="approve")
        assert verify(engine) == []
        twice = {s for s in SERIALS if sum(s in units[b] for b in BINS) > 1}
        for bin_code in BINS:
            held, there = books(engine, bin_code)
            assert held == {sku: n for (b, sku), n in qty.items() if b == bin_code and n}, \
                bin_code
            assert there - twice == units[bin_code] - twice, bin_code
    finally:
        engine.dispose()
