"""Long form of the race proof (issue 12): rounds of 8 terminal processes racing on one store,
on SQLite and on a throwaway PostgreSQL server: one operator's UNDO scanned on every terminal
at once, then opposite moves A01-A-01 <-> A01-A-02 at once. Prints the counts; exit 1 on any
failure (a move undone twice, a driver error, stock or verify off). The fast form runs in
tests/test_ledger_race.py; the recorded runs are in docs/PROOF.md.

    .venv/bin/python bench/proof_race.py --rounds 100 --procs 8
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.race_rounds import run_rounds  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--procs", type=int, default=8)
    parser.add_argument("--engine", choices=("both", "sqlite", "postgres"), default="both")
    args = parser.parse_args()
    runs = []
    if args.engine in ("both", "sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            runs.append(run_rounds(f"sqlite:///{Path(tmp) / 'race.db'}", args.rounds,
                                   args.procs))
            print(runs[-1].line(), flush=True)
    if args.engine in ("both", "postgres"):
        from tests.postgres_server import PostgresServer

        server = PostgresServer()
        server.start()
        try:
            runs.append(run_rounds(server.create_database("race"), args.rounds, args.procs))
            print(runs[-1].line(), flush=True)
        finally:
            server.stop()
    failures = [f for run in runs for f in run.failures]
    for failure in failures[:20]:
        print("  FAILURE:", failure[:300])
    print(f"total: {sum(r.tries for r in runs)} operations, failures {len(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
