"""Proof: kill -9 a real scanning process at random moments; nothing is lost, doubled or left
pending once the terminal has started again.

    python bench/proof_crash.py [--kills 200] [--seed N] [--dir FOLDER] [--url EMPTY_STORE]

Each try starts a terminal process (``--child``): it settles what the previous run left
pending (``inventory.journal.settle_pending``, the app's start-up step), then scans bins as
fast as it can through the real scan pipeline (classify -> journal -> a stock move ->
outcome). Every fifth scan applies two moves (keys ``<scan id>.0`` and ``.1``), as the move
workflow does for a multi-unit move. The parent kills it with SIGKILL at a random moment.

After the last kill and one more settle it checks: the books equal the ledger (``verify``),
no journal row is pending, every scan answered "accepted" has an operation committed under
its id and every "not applied" scan has none, every committed operation has its journaled
scan, and the mugs are all still there (moves only carry them between two bins).
Prints the counts; exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TERMINAL = "CRASH-T1"
BINS = ("A01-A-01", "A01-A-02")
SKU = "MUG-01"
MUGS = 100  # received into each bin
BADGE = "OP-0003"


def _actor():  # noqa: ANN202
    from scanner_tui.inventory.actor import Actor

    return Actor(BADGE, TERMINAL, "supervisor")


def prepare(url: str) -> None:
    """A store with two pick bins of mugs (received through the operations, so the ledger
    holds them) and a supervisor."""
    from sqlmodel import Session

    from scanner_tui.inventory import operations as ops
    from scanner_tui.inventory.db import open_store
    from scanner_tui.inventory.models import Bin, Operator, Sku

    engine = open_store(url)
    with Session(engine) as s:
        for code in BINS:
            s.add(Bin(code=code, zone="A", kind="pick", active=True))
        s.add(Sku(code=SKU, description="Mug", tracking="quantity", unit_value=5))
        s.add(Operator(badge=BADGE, name="Crash tester", role="supervisor", active=True))
        s.commit()
    for n, code in enumerate(BINS):
        ops.receive(engine, actor=_actor(), scan_id=f"seed-{n}", bin=code, sku=SKU, qty=MUGS)
    engine.dispose()


class MoveHandler:
    """Scanning a bin moves one mug into it from the other bin (two, one at a time, on
    every fifth scan). ``pause``: "journal" stops before the move, "commit" after it."""

    def __init__(self, engine, pause: str = "") -> None:  # noqa: ANN001
        self.engine = engine
        self.pause = pause
        self.n = 0

    def _stop_here(self, scan_id: str) -> None:
        print(f"PAUSED {scan_id}", flush=True)
        time.sleep(600)

    def handle(self, scan, result):  # noqa: ANN001, ANN201
        from scanner_tui.inventory import operations as ops
        from scanner_tui.inventory.errors import DomainError
        from scanner_tui.workflows.base import Outcome

        if self.pause == "journal":
            self._stop_here(scan.id)
        to_bin = result.code
        from_bin = BINS[1] if to_bin == BINS[0] else BINS[0]
        self.n += 1
        keys = [f"{scan.id}.0", f"{scan.id}.1"] if self.n % 5 == 0 else [scan.id]
        done = []
        try:
            for key in keys:
                done.append(ops.move(self.engine, actor=_actor(), scan_id=key, to_bin=to_bin,
                                     sku=SKU, qty=1, from_bin=from_bin).message)
        except DomainError as err:
            if not done:
                return Outcome.refuse(str(err))
        if self.pause == "commit":
            self._stop_here(scan.id)
        return Outcome.ok("; ".join(done))


def child(url: str, pause: str, seed: int) -> None:
    """One terminal run: settle, say READY, scan until killed. With ``pause`` (tests): no
    settling (the app's start does it there), one scan, stopped at that point."""
    from scanner_tui.inventory.db import open_store
    from scanner_tui.inventory.journal import settle_pending
    from scanner_tui.scanning.result import Scan, Source
    from scanner_tui.scanning.rules import DEFAULT_RULES
    from scanner_tui.ui.pipeline import ScanPipeline

    engine = open_store(url)
    settled = {"applied": 0, "stopped": 0} if pause else settle_pending(engine, TERMINAL)
    pipeline = ScanPipeline(engine, DEFAULT_RULES, reply=lambda _h: None, terminal=TERMINAL,
                            operator=BADGE)
    handler = MoveHandler(engine, pause)
    rng = random.Random(seed)
    print(f"READY {settled['applied']} {settled['stopped']}", flush=True)
    while True:
        pipeline.process(Scan(rng.choice(BINS) + "\r", Source.WEDGE), handler)


def spawn(url: str, pause: str = "", seed: int = 0) -> subprocess.Popen:
    """Start a terminal process and wait until it is scanning (or paused, with ``pause``)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(Path(__file__).resolve().parent.parent), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--child", url, "--pause", pause,
         "--seed", str(seed)], stdout=subprocess.PIPE, text=True, env=env)
    want = "PAUSED" if pause else "READY"
    while True:
        line = proc.stdout.readline()
        if not line:
            proc.wait()
            raise RuntimeError(f"the terminal process ended (exit {proc.returncode})")
        if line.startswith(want):
            proc.said = line.split()[1:]  # [scan id] when paused; [applied, stopped] settled
            return proc


def kill9(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()


def check(url: str) -> dict[str, int]:
    """Settle once more (a restart), then count what the store says; ``failures`` must be 0."""
    from sqlalchemy import func, select

    from scanner_tui.inventory.db import open_store
    from scanner_tui.inventory.journal import STOPPED, read_journal, settle_pending
    from scanner_tui.inventory.models import AppliedScan, Stock
    from scanner_tui.inventory.verify import verify_report

    engine = open_store(url)
    try:
        settle_pending(engine, TERMINAL)
        rows = read_journal(engine)
        with engine.connect() as conn:
            applied = set(conn.execute(select(AppliedScan.scan_id)).scalars())
            mugs = conn.execute(select(func.sum(Stock.qty))).scalar_one()
        report = verify_report(engine)
    finally:
        engine.dispose()
    applied_scans = {key.split(".")[0] for key in applied if not key.startswith("seed-")}
    problems = []
    pending = [r for r in rows if r["accepted"] is None]
    accepted = {r["scan_id"] for r in rows if r["accepted"]}
    stopped = [r for r in rows if r["reason"] == STOPPED]
    lost = applied_scans - accepted  # an operation the journal does not show as done
    phantom = {r["scan_id"] for r in stopped} & applied_scans  # "not applied" but it was
    unjournaled = applied_scans - {r["scan_id"] for r in rows}
    if not report.ok:
        problems.append(f"verify: {report.summary()}")
    if pending:
        problems.append(f"{len(pending)} journal rows still pending")
    if lost or phantom or unjournaled:
        problems.append(f"lost {len(lost)}, wrongly 'not applied' {len(phantom)}, "
                        f"unjournaled {len(unjournaled)}")
    if mugs != MUGS * len(BINS):
        problems.append(f"{mugs} mugs in the bins, expected {MUGS * len(BINS)}")
    for p in problems:
        print("FAIL:", p, file=sys.stderr)
    return {"scans": len(rows), "accepted": len(accepted), "stopped": len(stopped),
            "settled_applied": sum(1 for r in rows if "terminal stopped:" in r["reason"]),
            "operations": len(applied) - len(BINS), "pending": len(pending),
            "failures": len(problems)}


def prove(kills: int, folder: Path, seed: int = 1, max_wait: float = 0.25,
          url: str | None = None) -> dict[str, int]:
    """``kills`` runs of a terminal killed with SIGKILL after a random time in
    [0, ``max_wait``] s of scanning; then :func:`check`. ``url``: an empty store to use
    (PostgreSQL) instead of a SQLite file in ``folder``."""
    url = url or f"sqlite:///{folder / 'crash.db'}"
    prepare(url)
    rng = random.Random(seed)
    left = {"left_applied": 0, "left_not_applied": 0}  # pending rows a restart had to settle
    for n in range(kills):
        proc = spawn(url, seed=seed * 100_000 + n)
        applied, stopped = map(int, proc.said)
        left["left_applied"] += applied
        left["left_not_applied"] += stopped
        time.sleep(rng.uniform(0, max_wait))
        kill9(proc)
    return {"kills": kills, **left, **check(url)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=None, help="where the store is made")
    parser.add_argument("--url", default=None, help="an empty store to use (PostgreSQL)")
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--pause", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.pause, args.seed)
        return
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        counts = prove(args.kills, Path(tmp), args.seed, url=args.url)
    counts["seconds"] = round(time.perf_counter() - started)
    print(" ".join(f"{k}={v}" for k, v in counts.items()))
    sys.exit(1 if counts["failures"] else 0)


if __name__ == "__main__":
    main()
