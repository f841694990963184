"""One stock operation (check + change + ledger row, committed) vs a bare sqlite3 insert+commit.

Both run in the same process, interleaved one by one, on SQLite files in the same folder with
the same durability settings (WAL, synchronous=NORMAL, busy_timeout). Prints p50/p99 of each
and the ratio. Usage::

    .venv/bin/python bench/bench_operations.py [--n 2000] [--dir /tmp/bench_ops] [--sync NORMAL]
    .venv/bin/python bench/bench_operations.py --big-store /tmp/scanner_tui_bench/large.db

The second form times unit moves on a copy of the large demo store (bench_lookup builds it).
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchlib import pct
from sqlmodel import Session

from scanner_tui.inventory import operations as ops
from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.db import Checkpointer, open_store
from scanner_tui.inventory.models import Asset, Bin, Operator, Sku, Stock

ACTOR = Actor("OP-0003", "BENCH", "supervisor")


def bare_sqlite(path: Path, sync: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={sync}")
    conn.execute("PRAGMA busy_timeout=10000")
    conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, at TEXT, action TEXT,"
                 " qty INTEGER, operator TEXT, scan_id TEXT)")
    return conn


def hand_written_move(conn: sqlite3.Connection, i: int) -> None:
    """The statements of a quantity move, written by hand on sqlite3 (the floor for our code)."""
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("SELECT operation, summary FROM appliedscan WHERE scan_id = ?", (f"h{i}",))
    conn.execute("SELECT id, kind, active FROM bin WHERE code = ?", ("A01-A-02",)).fetchone()
    conn.execute("SELECT id, tracking FROM sku WHERE code = ?", ("MUG-01",)).fetchone()
    conn.execute("SELECT id, kind, active FROM bin WHERE code = ?", ("A01-A-01",)).fetchone()
    conn.execute("SELECT lot FROM stock WHERE sku_id = 1 AND bin_id = 1 AND qty >= 1").fetchall()
    conn.execute("UPDATE stock SET qty = qty - 1 WHERE sku_id = 1 AND bin_id = 1 AND lot = ''"
                 " AND qty >= 1")
    if conn.execute("UPDATE stock SET qty = qty + 1 WHERE sku_id = 1 AND bin_id = 2"
                    " AND lot = ''").rowcount == 0:
        conn.execute("INSERT INTO stock (sku_id, bin_id, lot, qty) VALUES (1, 2, '', 1)")
    conn.execute("INSERT INTO ledgerentry (action, at, operator, terminal, entry, scan_id,"
                 " sku_id, qty, from_bin_id, to_bin_id, lot, doc_type, doc_code, reason)"
                 " VALUES ('move', '2026-11-23 10:00:00.000000', 'OP-0003', 'BENCH', 'scanned',"
                 " ?, 1, 1, 1, 2, '', '', '', '')", (f"h{i}",))
    conn.execute("INSERT INTO appliedscan (scan_id, operation, summary, at) VALUES"
                 " (?, 'move', 'Moved', '2026-11-23 10:00:00.000000')", (f"h{i}",))
    conn.execute("COMMIT")


def store(path: Path, sync: str, autocheckpoint: bool = True):
    engine = open_store(f"sqlite:///{path}", synchronous=sync, autocheckpoint=autocheckpoint)
    with Session(engine) as s:
        s.add(Operator(badge=ACTOR.badge, role=ACTOR.role))
        s.add(Sku(code="MUG-01", tracking="quantity"))
        s.add(Sku(code="LAPTOP-15", tracking="serial"))
        for code in ("A01-A-01", "A01-A-02"):
            s.add(Bin(code=code, kind="pick"))
        s.flush()
        s.add(Stock(sku_id=1, bin_id=1, qty=10**9))
        s.add(Asset(serial="AT00000001", sku_id=2, bin_id=1))
        s.commit()
    return engine


def on_big_store(source: Path, n: int, folder: Path, sync: str,
                 autocheckpoint: bool = True) -> int:
    """Move ``n`` random in-stock units to random pick bins on a copy of a big store."""
    import random
    import shutil

    from sqlalchemy import text

    from scanner_tui.inventory.actor import actor_for

    copy = folder / "big_copy.db"
    shutil.copyfile(source, copy)
    engine = open_store(f"sqlite:///{copy}", synchronous=sync, autocheckpoint=autocheckpoint)
    checkpointer = None if autocheckpoint else Checkpointer(engine).start()
    with engine.connect() as conn:
        counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                  for t in ("asset", "ledgerentry")}
        units = [r[0] for r in conn.execute(text(
            "SELECT a.serial FROM asset a JOIN bin b ON b.id = a.bin_id WHERE a.status ="
            " 'in_stock' AND b.kind IN ('pick', 'reserve') LIMIT :n"), {"n": n * 20})]
        bins = [r[0] for r in conn.execute(text(
            "SELECT code FROM bin WHERE kind = 'pick' AND active LIMIT 2000"))]
        badge = conn.execute(text(
            "SELECT badge FROM operator WHERE role = 'supervisor' AND active")).scalar()
    actor = actor_for(engine, badge, "BENCH")
    rng = random.Random(1)
    picked = rng.sample(units, min(n, len(units)))
    timings = []
    for i, serial in enumerate(picked):
        t0 = time.perf_counter()
        ops.move(engine, actor=actor, scan_id=f"big{i}", serial=serial, to_bin=rng.choice(bins))
        timings.append(time.perf_counter() - t0)
    print(f"{len(timings)} unit moves on a copy of {source} ({counts['asset']:,} assets, "
          f"{counts['ledgerentry']:,} ledger rows), synchronous={sync}: "
          f"p50 {statistics.median(timings) * 1e3:.3f} ms, p99 {pct(timings, 99) * 1e3:.3f} ms"
          f"{'' if autocheckpoint else ', WAL checkpoints on a background thread'}")
    if checkpointer:
        checkpointer.stop()
    engine.dispose()
    for f in folder.glob("big_copy.db*"):
        f.unlink()
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--dir", default=None)
    ap.add_argument("--sync", default="NORMAL", choices=["OFF", "NORMAL", "FULL"])
    ap.add_argument("--big-store", default=None,
                    help="also time unit moves on a copy of this (large demo) store")
    ap.add_argument("--background-checkpoint", action="store_true",
                    help="as the app runs: no checkpoint inside commits, a thread does them")
    args = ap.parse_args(argv)
    auto = not args.background_checkpoint
    folder = Path(args.dir or tempfile.mkdtemp(prefix="bench_ops_"))
    folder.mkdir(parents=True, exist_ok=True)
    if args.big_store:
        return on_big_store(Path(args.big_store), args.n, folder, args.sync, auto)
    for f in folder.glob("*.db*"):
        f.unlink()
    bare = bare_sqlite(folder / "bare.db", args.sync)
    engine = store(folder / "store.db", args.sync, auto)
    checkpointer = None if auto else Checkpointer(engine).start()
    store(folder / "hand.db", args.sync).dispose()
    hand = bare_sqlite(folder / "hand.db", args.sync)
    bins = ("A01-A-01", "A01-A-02")
    kinds = {
        "move qty": lambda i: ops.move(engine, actor=ACTOR, scan_id=f"q{i}", sku="MUG-01",
                                       qty=1, from_bin="A01-A-01", to_bin="A01-A-02"),
        "move unit": lambda i: ops.move(engine, actor=ACTOR, scan_id=f"u{i}",
                                        serial="AT00000001", to_bin=bins[(i + 1) % 2]),
        "replayed scan": lambda i: ops.move(engine, actor=ACTOR, scan_id="q0", sku="MUG-01",
                                            qty=1, from_bin="A01-A-01", to_bin="A01-A-02"),
    }
    kinds["move qty, hand-written sqlite3"] = lambda i: hand_written_move(hand, i)
    timings: dict[str, list[float]] = {"bare sqlite3 insert+commit": []}
    timings.update({k: [] for k in kinds})
    for i in range(-50, args.n):  # 50 warm-up rounds, not recorded
        t0 = time.perf_counter()
        bare.execute("BEGIN")
        bare.execute("INSERT INTO t (at, action, qty, operator, scan_id) VALUES (?,?,?,?,?)",
                     ("2026-11-23T10:00:00+00:00", "move", 1, "OP-0003", f"s{i}"))
        bare.execute("COMMIT")
        t1 = time.perf_counter()
        if i >= 0:
            timings["bare sqlite3 insert+commit"].append(t1 - t0)
        for name, fn in kinds.items():
            t0 = time.perf_counter()
            fn(i + 50)
            t1 = time.perf_counter()
            if i >= 0:
                timings[name].append(t1 - t0)
    base50 = statistics.median(timings["bare sqlite3 insert+commit"])
    base99 = pct(timings["bare sqlite3 insert+commit"], 99)
    print(f"n={args.n} per kind, synchronous={args.sync}, SQLite {sqlite3.sqlite_version}, "
          f"files in {folder}"
          f"{'' if auto else '; store: WAL checkpoints on a background thread'}")
    print(f"{'':32s} {'p50 ms':>8s} {'p99 ms':>8s} {'x bare p50':>10s} {'x bare p99':>10s}")
    for name, values in timings.items():
        p50, p99 = statistics.median(values), pct(values, 99)
        print(f"{name:32s} {p50 * 1e3:8.3f} {p99 * 1e3:8.3f} {p50 / base50:10.1f} "
              f"{p99 / base99:10.1f}")
    if checkpointer:
        checkpointer.stop()
    engine.dispose()
    bare.close()
    hand.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
