"""Terminals racing on a count (threads, one pooled connection each), SQLite and PostgreSQL:
four counters scan the same bin at once and exactly one counts it; two supervisors approve
at once and the adjustments are posted exactly once."""

from __future__ import annotations

import threading

import pytest

from scanner_tui.inventory import counting as c
from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.errors import DomainError
from scanner_tui.inventory.verify import verify
from tests.workflow_helpers import ledger_rows

COUNTERS = [Actor("OP-0001", "T1", "picker"), Actor("OP-0002", "T2", "receiver"),
            Actor("OP-0003", "T3", "supervisor"), Actor("OP-0009", "T4", "admin")]


def race(fns) -> list[tuple[str, object]]:
    """Run the callables at once; each answer is ('ok', value) or ('refused', sentence)."""
    barrier = threading.Barrier(len(fns))
    out: list = [None] * len(fns)

    def run(i: int) -> None:
        barrier.wait(timeout=30)
        try:
            out[i] = ("ok", fns[i]())
        except DomainError as exc:
            out[i] = ("refused", str(exc))
        except Exception as exc:  # noqa: BLE001  (the test fails on it)
            out[i] = ("crashed", repr(exc))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(fns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def _races(engine) -> None:
    build_demo(engine, "small")
    code = c.plan_count(engine, actor=COUNTERS[2], bins=["A01-A-02"]).code
    answers = race([lambda a=a: c.start_bin(engine, actor=a, bin_code="A01-A-02")
                    for a in COUNTERS])
    won = [a for a in answers if a[0] == "ok"]
    assert len(won) == 1, answers
    assert all(a[0] == "refused" and ("is counting A01-A-02 now" in a[1]
                                      or "just now" in a[1]) for a in answers if a[0] != "ok"), \
        answers
    started = won[0][1]
    who = COUNTERS[answers.index(won[0])]
    c.count_qty(engine, actor=who, count_bin_id=started.count_bin_id, sku="MUG-01", qty=20,
                scan_id="mugs")
    c.close_bin(engine, actor=who, count_bin_id=started.count_bin_id)
    approvers = [a for a in COUNTERS[2:] if a is not who] + [
        a for a in COUNTERS[2:] if a is not who]  # the same approver from two terminals
    before = ledger_rows(engine)
    answers = race([lambda a=a, n=n: c.approve(engine, actor=a, count_code=code,
                                               scan_id=f"ap-{n}")
                    for n, a in enumerate(approvers)])
    assert [a[0] for a in answers].count("ok") == 1, answers
    assert all("approved" in a[1] or "changed just now" in a[1]
               for a in answers if a[0] != "ok"), answers
    assert ledger_rows(engine) == before + 1  # 22 -> 20: one adjust row, once
    assert verify(engine) == []


def test_races_on_sqlite(db_url):
    engine = open_store(db_url)
    try:
        _races(engine)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_races_on_postgres(pg_url):
    engine = open_store(pg_url)
    try:
        _races(engine)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_snapshot_waits_for_a_ledger_row_still_being_written(pg_url):
    """PostgreSQL hands out ledger ids before commit: a move holding id X uncommitted while
    X+1 commits must still land on one side of the count's snapshot, never fall between."""
    from scanner_tui.inventory.operations import move
    from scanner_tui.inventory.ops.base import Tx

    engine = open_store(pg_url)
    try:
        build_demo(engine, "small")
        boss = COUNTERS[2]
        code = c.plan_count(engine, actor=boss, bins=["A01-A-02"]).code
        with engine.connect() as slow:
            with slow.begin():  # a terminal in the middle of moving 5 mugs into the bin
                tx = Tx(slow, boss, "slow-move", "scanned", "move")
                sku = tx.sku("MUG-01")
                src, dst = tx.bin("R01-A-02"), tx.bin("A01-A-02")
                tx.take(sku, src, 5, "")
                tx.put(sku.id, dst.id, 5, "")
                tx.ledger("move", sku_id=sku.id, qty=5, from_bin_id=src.id, to_bin_id=dst.id)
                # meanwhile another terminal moves too: the ledger's hash chain makes it wait
                # for the slow move, so a later id never commits before an earlier one
                fast = threading.Thread(target=lambda: move(
                    engine, actor=boss, scan_id="fast", sku="CABLE-TIE-100", qty=1,
                    from_bin="R01-A-01", to_bin="A01-A-03"))
                fast.start()
                fast.join(0.5)
                assert fast.is_alive()
                started: list = []
                t = threading.Thread(target=lambda: started.append(
                    c.start_bin(engine, actor=COUNTERS[0], bin_code="A01-A-02")))
                t.start()
                t.join(0.5)  # it waits for the slow move (or has snapshotted without it)
            t.join(30)
            fast.join(30)
        cb = started[0]
        c.count_qty(engine, actor=COUNTERS[0], count_bin_id=cb.count_bin_id, sku="MUG-01",
                    qty=27, scan_id="all-mugs")  # 22 + the 5 moved in
        c.close_bin(engine, actor=COUNTERS[0], count_bin_id=cb.count_bin_id)
        (line,) = c.compare(engine, code).bins[0].lines
        assert (line.expected, line.counted) == (27, 27)
        assert verify(engine) == []
    finally:
        engine.dispose()
