"""Store commands on the large demo store: history of a long-lived unit, verify, recall, export.

    .venv/bin/python bench/bench_store.py                 # large: 20k bins, 50k SKUs, 1M units
    .venv/bin/python bench/bench_store.py --size medium   # quicker
    .venv/bin/python bench/bench_store.py --url postgresql+psycopg://...   # an empty PG database
    .venv/bin/python bench/bench_store.py --postgres      # a throwaway local PostgreSQL server

The store is built once and cached under /tmp/scanner-tui-bench/ (delete it to rebuild). One
unit gets a long life (hundreds of moves, each with its ledger row) so ``history`` has work.
Prints p50/p99 per measurement (figures go in docs/BENCHMARKS.md, "Store commands").
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, func, select, update

from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.demo import build_demo, store_is_empty
from scanner_tui.inventory.export import write_export
from scanner_tui.inventory.history import history
from scanner_tui.inventory.models import Asset, Bin, LedgerEntry, utcnow
from scanner_tui.inventory.recall import recall
from scanner_tui.inventory.verify import verify_report

CACHE = Path("/tmp/scanner-tui-bench")
LONG_LIFE = 400  # ledger rows of the long-lived unit


def _store(size: str, url: str | None) -> tuple[Engine, str]:
    if url is None:
        CACHE.mkdir(parents=True, exist_ok=True)
        done = CACHE / f"{size}.done"
        db = CACHE / f"{size}.db"
        if not done.exists():
            for f in CACHE.glob(f"{size}.db*"):
                f.unlink()
        url = f"sqlite:///{db}"
    engine = open_store(url)
    with engine.connect() as conn:
        empty = store_is_empty(conn)
    if empty:
        started = time.perf_counter()
        last = [0.0]

        def progress(task: str, done: int, total: int) -> None:
            now = time.perf_counter()
            if now - last[0] > 5 or done == total:
                last[0] = now
                print(f"  building: {task} {done:,}/{total:,}", file=sys.stderr)

        summary = build_demo(engine, size, progress)
        print(f"built {size} store in {time.perf_counter() - started:.1f} s: "
              f"{summary.assets:,} units, {summary.ledger_rows:,} ledger rows", file=sys.stderr)
        if url.startswith("sqlite"):
            (CACHE / f"{size}.done").write_text(f"{summary.seconds:.1f}\n")
    return engine, url


def _long_life_unit(engine: Engine) -> str:
    """The last unit, moved LONG_LIFE times between two bins (ledger rows and books agree)."""
    with engine.begin() as conn:
        aid, serial = conn.execute(select(Asset.id, Asset.serial).order_by(Asset.id.desc())
                                   .limit(1)).one()
        rows = conn.execute(select(func.count()).select_from(LedgerEntry)
                            .where(LedgerEntry.asset_id == aid)).scalar_one()
        if rows >= LONG_LIFE:
            return serial
        unit = conn.execute(select(Asset).where(Asset.id == aid)).one()
        bins = list(conn.execute(select(Bin.id).where(Bin.kind == "pick").limit(2)).scalars())
        here = unit.bin_id
        moves = []
        for n in range(LONG_LIFE - rows):
            there = bins[0] if here != bins[0] else bins[1]
            moves.append({"at": utcnow(), "action": "move", "sku_id": unit.sku_id,
                          "asset_id": aid, "qty": 1, "from_bin_id": here, "to_bin_id": there,
                          "lot": unit.lot, "expiry": unit.expiry, "status_after": "in_stock",
                          "operator": f"OP-000{1 + n % 3}", "terminal": "BENCH",
                          "entry": "scanned", "doc_type": "", "doc_code": "",
                          "reason": "", "scan_id": None})
            here = there
        conn.execute(LedgerEntry.__table__.insert(), moves)
        conn.execute(update(Asset.__table__).where(Asset.__table__.c.id == aid)
                     .values(bin_id=here))
    return serial


def _timed(fn, repeat: int) -> list[float]:  # noqa: ANN001
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def _row(name: str, ms: list[float]) -> str:
    ms = sorted(ms)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    return f"| {name} | {len(ms)} | {statistics.median(ms):,.1f} | {p99:,.1f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="large", choices=["small", "medium", "large"])
    parser.add_argument("--url", help="an empty database to build into instead of the cache")
    parser.add_argument("--repeat", type=int, default=200, help="runs of the fast measurements")
    parser.add_argument("--verify-repeat", type=int, default=5)
    parser.add_argument("--postgres", action="store_true",
                        help="start a throwaway PostgreSQL server (tests/postgres_server.py, "
                             "fsync off) and build the store there")
    args = parser.parse_args()

    server = None
    if args.postgres:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from tests.postgres_server import PostgresServer

        server = PostgresServer()
        server.start()
        args.url = server.create_database("bench_store")
    try:
        _run(args)
    finally:
        if server is not None:
            server.stop()


def _run(args: argparse.Namespace) -> None:
    engine, url = _store(args.size, args.url)
    serial = _long_life_unit(engine)
    with engine.connect() as conn:
        units = conn.execute(select(func.count()).select_from(Asset)).scalar_one()
        rows = conn.execute(select(func.count()).select_from(LedgerEntry)).scalar_one()
        lot = conn.execute(select(Asset.lot).where(Asset.serial == serial)).scalar_one()
        busy_bin = conn.execute(select(Bin.code).order_by(Bin.id).limit(1)).scalar_one()

    events = len(history(engine, serial)["events"])
    lines = [
        f"store: {url.split('://')[0]}, {units:,} units, {rows:,} ledger rows; "
        f"unit {serial} has {events} ledger rows",
        "",
        "| measurement | runs | p50 ms | p99 ms |",
        "| --- | ---: | ---: | ---: |",
        _row(f"history of a unit with {events} ledger rows", _timed(
            lambda: history(engine, serial), args.repeat)),
        _row("history of a bin (contents + 50 recent moves)", _timed(
            lambda: history(engine, busy_bin), args.repeat)),
        _row(f"recall of lot {lot} (~5,000 units)", _timed(
            lambda: recall(engine, lot), max(5, args.repeat // 20))),
    ]
    report = None

    def run_verify() -> None:
        nonlocal report
        report = verify_report(engine)

    lines.append(_row("verify (whole ledger replay)", _timed(run_verify, args.verify_repeat)))
    assert report is not None and report.ok, report.mismatches[:5]

    def run_export() -> None:
        write_export(engine, "assets", "csv", io.StringIO())

    lines.append(_row("export assets as CSV (all units)", _timed(run_export, 1)))
    print("\n".join(lines))
    engine.dispose()


if __name__ == "__main__":
    main()
