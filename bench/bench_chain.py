"""What the ledger's hash chain costs ``verify``: the chain walk alone and the whole verify on a
demo store (``medium``: ~105,000 ledger rows), on SQLite or a throwaway PostgreSQL. Usage::

    .venv/bin/python bench/bench_chain.py [--size medium] [--repeat 3] [--postgres]

The cost on one operation is measured by bench/bench_operations.py (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scanner_tui.inventory.db import open_store  # noqa: E402
from scanner_tui.inventory.demo import build_demo  # noqa: E402
from scanner_tui.inventory.verify import check_chain, reader, verify_report  # noqa: E402


def measure(url: str, size: str, repeat: int) -> None:
    engine = open_store(url)
    try:
        started = time.perf_counter()
        build_demo(engine, size)
        print(f"{engine.dialect.name}: {size} demo built in {time.perf_counter() - started:.1f} s")
        walks, verifies = [], []
        for _ in range(repeat):
            with reader(engine).connect() as conn:
                started = time.perf_counter()
                result = check_chain(conn)
                walks.append(time.perf_counter() - started)
            started = time.perf_counter()
            report = verify_report(engine)
            verifies.append(time.perf_counter() - started)
            assert report.ok and result.broken is None, report.mismatches[:3]
        rows = result.rows
        walk = statistics.median(walks)
        print(f"  {rows:,} ledger rows: chain walk {walk:.2f} s median "
              f"({walk / rows * 1e6:.1f} us a row), whole verify "
              f"{statistics.median(verifies):.2f} s median of {repeat}")
    finally:
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="medium", choices=("small", "medium", "large"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    if args.postgres:
        from tests.postgres_server import PostgresServer

        server = PostgresServer()
        server.start()
        try:
            measure(server.create_database("chain"), args.size, args.repeat)
        finally:
            server.stop()
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        measure(f"sqlite:///{Path(tmp) / 'chain.db'}", args.size, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
