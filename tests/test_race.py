"""Terminals racing on one store, as real processes ('spawn'): exactly one wins each race.

Each round, every process waits on a barrier and then tries the same thing at once: pick the
same unit (for different orders), take the last unit out of a bin, or apply the same scan id.
The winner's change is kept; every loser gets a DomainError sentence (or, for the same scan id,
the first result back); stock never goes negative and the books equal the ledger replay.
"""

from __future__ import annotations

import multiprocessing as mp
import traceback

import pytest
from sqlalchemy import select
from sqlmodel import Session

from scanner_tui.inventory.models import Asset, Bin, Order, OrderLine, Sku, Stock
from tests.test_ops_store import assert_books_agree, seed

ROUNDS = 8
PROCS = 3


def _racer(url: str, index: int, rounds: int, barrier, queue) -> None:
    """One terminal: each round, race for unit R-<r>, for the last mug in L<r>, for scan X<r>."""
    from scanner_tui.inventory import operations as ops
    from scanner_tui.inventory.actor import Actor
    from scanner_tui.inventory.db import make_engine
    from scanner_tui.inventory.errors import DomainError

    engine = make_engine(url)
    actor = Actor(f"OP-000{1 if index % 2 == 0 else 3}", f"T{index}",
                  "picker" if index % 2 == 0 else "supervisor")

    def attempt(tag: str, fn, **kwargs) -> None:
        try:
            res = fn(engine, actor=actor, **kwargs)
            queue.put((tag, index, "replayed" if res.replayed else "won", res.message))
        except DomainError as exc:
            queue.put((tag, index, "refused", f"{type(exc).__name__}: {exc}"))
        except Exception:  # noqa: BLE001  (reported to the test, which fails on it)
            queue.put((tag, index, "crashed", traceback.format_exc()))

    try:
        for r in range(rounds):
            barrier.wait(timeout=60)
            attempt(f"unit{r}", ops.pick, scan_id=f"p{r}-{index}", order=f"O{r}-{index}",
                    serial=f"R-{r:04d}")
            barrier.wait(timeout=60)
            attempt(f"last{r}", ops.move, scan_id=f"m{r}-{index}", to_bin="A01-A-02",
                    sku="MUG-01", qty=1, from_bin=f"L{r:02d}-A-01")
            barrier.wait(timeout=60)
            attempt(f"scan{r}", ops.move, scan_id=f"X{r}", to_bin="A01-A-02", sku="MUG-01",
                    qty=1, from_bin="R01-A-01")
    finally:
        engine.dispose()


def prepare(engine, rounds: int, procs: int) -> None:
    """Per round: one unit on several orders, one bin holding the last mug."""
    seed(engine)
    with Session(engine) as s:
        laptop = s.execute(select(Sku).where(Sku.code == "LAPTOP-15")).scalar_one()
        mug = s.execute(select(Sku).where(Sku.code == "MUG-01")).scalar_one()
        pick_bin = s.execute(select(Bin).where(Bin.code == "A01-A-01")).scalar_one()
        reserve = s.execute(select(Bin).where(Bin.code == "R01-A-01")).scalar_one()
        s.add(Stock(sku_id=mug.id, bin_id=reserve.id, lot="", qty=rounds * 2))
        for r in range(rounds):
            s.add(Asset(serial=f"R-{r:04d}", sku_id=laptop.id, bin_id=pick_bin.id))
            last = Bin(code=f"L{r:02d}-A-01", kind="pick")
            s.add(last)
            s.flush()
            s.add(Stock(sku_id=mug.id, bin_id=last.id, lot="", qty=1))
            for i in range(procs):
                order = Order(code=f"O{r}-{i}")
                s.add(order)
                s.flush()
                s.add(OrderLine(order_id=order.id, line_no=1, sku_id=laptop.id, qty=1))
        s.commit()


def _opening_ledger(engine) -> None:
    """Write 'opening' ledger rows for the stock and units that prepare() inserted directly."""
    from scanner_tui.inventory.models import LedgerEntry, utcnow

    with Session(engine) as s:
        for st in s.execute(select(Stock)).scalars().all():
            s.add(LedgerEntry(action="opening", sku_id=st.sku_id, qty=st.qty,
                              to_bin_id=st.bin_id, lot=st.lot, at=utcnow()))
        for a in s.execute(select(Asset)).scalars().all():
            s.add(LedgerEntry(action="opening", sku_id=a.sku_id, asset_id=a.id, qty=1,
                              to_bin_id=a.bin_id, status_after=a.status, at=utcnow()))
        s.commit()


def run_race(engine, url: str, rounds: int = ROUNDS, procs: int = PROCS) -> list[tuple]:
    prepare(engine, rounds, procs)
    _opening_ledger(engine)
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(procs)
    queue = ctx.Queue()
    workers = [ctx.Process(target=_racer, args=(url, i, rounds, barrier, queue))
               for i in range(procs)]
    for w in workers:
        w.start()
    results = [queue.get(timeout=240) for _ in range(rounds * 3 * procs)]
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0
    return results


def check_race(engine, results: list[tuple], rounds: int = ROUNDS,
               procs: int = PROCS) -> None:
    crashed = [r for r in results if r[2] == "crashed"]
    assert not crashed, crashed[0][3]
    by_tag: dict[str, list[tuple]] = {}
    for r in results:
        by_tag.setdefault(r[0], []).append(r)
    for r in range(rounds):
        unit = by_tag[f"unit{r}"]
        assert [x[2] for x in unit].count("won") == 1, unit
        losers = [x[3] for x in unit if x[2] == "refused"]
        assert len(losers) == procs - 1
        assert all(f"R-{r:04d} was already picked for order O{r}-" in m for m in losers), losers
        last = by_tag[f"last{r}"]
        assert [x[2] for x in last].count("won") == 1, last
        assert all(x[3].startswith("InsufficientStock: ") or x[3].startswith("WrongBin: ")
                   for x in last if x[2] == "refused"), last
        same = by_tag[f"scan{r}"]
        assert sorted(x[2] for x in same) == ["replayed"] * (procs - 1) + ["won"], same
        assert len({x[3] for x in same}) == 1  # everyone got the first result
    with Session(engine) as s:
        stock = {(st.bin_id, st.sku_id): st.qty for st in s.execute(select(Stock)).scalars()}
        assert min(stock.values()) >= 0
        a02 = s.execute(select(Bin.id).where(Bin.code == "A01-A-02")).scalar_one()
        assert stock[(a02, 2)] == rounds * 2  # one last mug + one shared scan per round
        picked = s.execute(select(Asset).where(Asset.status == "picked")).scalars().all()
        assert len(picked) == rounds
        lines = s.execute(select(OrderLine).where(OrderLine.qty_picked > 0)).scalars().all()
        assert len(lines) == rounds and all(ln.qty_picked == 1 for ln in lines)
    assert_books_agree(engine)


@pytest.mark.slow
def test_processes_race_on_one_sqlite_file(engine, db_url):
    results = run_race(engine, db_url)
    check_race(engine, results)


@pytest.mark.slow
@pytest.mark.postgres
def test_processes_race_on_postgres(pg_url):
    from scanner_tui.inventory.db import open_store

    engine = open_store(pg_url)
    try:
        results = run_race(engine, pg_url, rounds=4)
        check_race(engine, results, rounds=4)
    finally:
        engine.dispose()

