"""Undo and opposite moves racing as real processes on SQLite and PostgreSQL (issue 12, items
1 and 2): a row is reversed at most once, and no driver error (deadlock) reaches a terminal.
The long form is ``bench/proof_race.py`` (100 rounds; docs/PROOF.md)."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from scanner_tui.inventory import operations as ops
from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.ops import base
from tests.ledger_helpers import ENGINES, mugs_store
from tests.race_rounds import run_rounds

ROUNDS = 4
PROCS = 6
BOSS = Actor("OP-0003", "T3")
_ids = itertools.count()


def sid() -> str:
    return f"race-{next(_ids)}"


@pytest.mark.slow
def test_undo_and_opposite_moves_race_on_sqlite(tmp_path):
    counts = run_rounds(f"sqlite:///{tmp_path / 'race.db'}", ROUNDS, PROCS)
    assert counts.failures == [], counts.line()
    assert counts.outcomes["undo won"] == ROUNDS


@pytest.mark.slow
@pytest.mark.postgres
def test_undo_and_opposite_moves_race_on_postgres(pg_url):
    counts = run_rounds(pg_url, ROUNDS, PROCS)
    assert counts.failures == [], counts.line()
    assert counts.outcomes["undo won"] == ROUNDS


@pytest.fixture(params=ENGINES)
def store(request, tmp_path):
    engine = mugs_store(request, tmp_path, 20, sid())
    yield engine
    engine.dispose()


def test_the_store_refuses_a_second_reversal_of_a_row(store):
    """The rule is a unique key, whatever the code above it reads first."""
    moved = ops.move(store, actor=BOSS, scan_id=sid(), sku="MUG-01", qty=5,
                     from_bin="A01-A-01", to_bin="A01-A-02").ledger_ids[0]
    ops.undo_last(store, actor=BOSS, scan_id=sid())
    refused = (IntegrityError, store.dialect.loaded_dbapi.IntegrityError)
    with pytest.raises(refused, match="reverses"), store.begin() as conn:
        tx = base.Tx(conn, BOSS, sid(), "scanned", "undo")
        tx.ledger("undo", sku_id=2, qty=5, from_bin_id=3, to_bin_id=2, reverses_id=moved)


def _driver_error(sqlstate: str) -> OperationalError:
    class Orig(Exception):
        pass

    Orig.sqlstate = sqlstate
    return OperationalError("UPDATE stock ...", {}, Orig("deadlock detected"))


def test_a_deadlock_is_retried_with_the_same_scan_id_then_told_as_a_sentence(store):
    tries: list[int] = []

    def body(fails: int):
        def run(tx):
            tries.append(1)
            if len(tries) <= fails:
                raise _driver_error("40P01" if len(tries) % 2 else "40001")
            tx.take(tx.quantity_sku("MUG-01"), tx.bin("A01-A-01"), 1, "")
            tx.ledger("scrap", sku_id=2, qty=1, from_bin_id=2)
            return "Scrapped 1."
        return run

    res = base.run_operation(store, "scrap", BOSS, "dl-1", "scanned", body(2))
    assert (res.message, len(tries), res.replayed) == ("Scrapped 1.", 3, False)
    again = base.run_operation(store, "scrap", BOSS, "dl-1", "scanned", body(0))
    assert again.replayed  # the same scan id: applied once
    tries.clear()
    with pytest.raises(base.StoreBusy, match="busy with other terminals"):
        base.run_operation(store, "scrap", BOSS, "dl-2", "scanned", body(99))
    assert len(tries) == base.ATTEMPTS
    with pytest.raises(OperationalError):  # anything else is not retried
        base.run_operation(store, "scrap", BOSS, "dl-3", "scanned",
                           lambda tx: (_ for _ in ()).throw(_driver_error("42P01")))
    with store.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM ledgerentry WHERE action = 'scrap'")
                            ).scalar_one() == 1
