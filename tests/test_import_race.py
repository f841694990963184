"""An import racing live terminals on PostgreSQL (issue 11 left-over): the importer took its
ledger ids as max+1 before the chain head's lock, so a move committed meanwhile claimed the
same ids and the import failed. It now takes the head first, as every operation does."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.importer import import_csv
from scanner_tui.inventory.verify import verify

pytestmark = pytest.mark.postgres

MOVER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from scanner_tui.inventory.actor import Actor
    from scanner_tui.inventory.db import open_store
    from scanner_tui.inventory.operations import move
    url, stop = sys.argv[1], Path(sys.argv[2])
    engine = open_store(url, upgrade=False)
    actor = Actor("OP-0001", "T2")
    moves = errors = 0
    bins = ("R01-A-02", "A01-A-02")
    print("moving", flush=True)
    while not stop.exists():
        src, dst = bins[moves % 2], bins[(moves + 1) % 2]
        try:
            move(engine, actor=actor, scan_id=f"mover-{moves}", sku="MUG-01", qty=1,
                 from_bin=src, to_bin=dst)
        except Exception as exc:
            errors += 1
            print(type(exc).__name__, str(exc).splitlines()[0], file=sys.stderr, flush=True)
        moves += 1
    print(moves, errors, flush=True)
""")


def _units_file(folder: Path, n: int, first: int) -> Path:
    path = folder / f"units-{first}.csv"
    rows = [f"SN-RACE-{first + i:06d},LAPTOP-14,A03-A-01,," for i in range(n)]
    path.write_text("serial,sku,bin,lot,expiry\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_an_import_while_another_process_moves_stock(pg_url, tmp_path):
    engine = open_store(pg_url)
    try:
        build_demo(engine, "small")
        stop = tmp_path / "stop"
        mover = subprocess.Popen([sys.executable, "-c", MOVER, pg_url, str(stop)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert mover.stdout.readline().strip() == "moving"
            time.sleep(0.3)
            imported = 0
            for k in range(8):
                done = import_csv(engine, "assets", _units_file(tmp_path, 300, k * 300),
                                  operator="OP-0001")
                imported += done.created["units"]
        finally:
            stop.touch()
            out, err = mover.communicate(timeout=60)
        moves, errors = map(int, out.split())
        assert imported == 2400
        assert moves > 0 and errors == 0, err
        assert verify(engine) == []
    finally:
        engine.dispose()
