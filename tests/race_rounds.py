"""Rounds of terminals racing on one store as real processes: undo and opposite moves.

Each round, every process waits on a barrier and then, at once:

* **undo**: the round's operator has made one 5-mug move; every process (a terminal of that
  operator) scans UNDO. Exactly one undo wins; the others are told there is nothing to undo.
  The move is reversed once (issue 12, item 1: it was undone up to 5 times on PostgreSQL).
* **opposite**: half the processes move a mug A01-A-01 → A01-A-02, the other half the other
  way. Every move is applied, none fails with a driver error (item 2: ``DeadlockDetected``).

After the rounds: no row reversed twice, stock as the moves say, and ``verify`` green, hash
chain included. ``tests/test_ledger_race.py`` runs a few rounds; ``bench/proof_race.py`` 100.
"""

from __future__ import annotations

import multiprocessing as mp
import time
import traceback
from dataclasses import dataclass, field

from sqlalchemy import select, text
from sqlmodel import Session

from scanner_tui.inventory.models import Bin, Operator, Sku, Stock

MUGS = 10_000  # in each of A01-A-01 and A01-A-02 at the start
UNDO_QTY = 5


def round_badge(r: int) -> str:
    return f"OP-{5000 + r:04d}"


def _racer(url: str, index: int, rounds: int, barrier, queue) -> None:  # noqa: ANN001
    """One terminal: each round, scan UNDO for the round's operator, then a move."""
    from scanner_tui.inventory import operations as ops
    from scanner_tui.inventory.actor import Actor
    from scanner_tui.inventory.db import make_engine
    from scanner_tui.inventory.errors import DomainError

    engine = make_engine(url)

    def attempt(phase: str, r: int, fn, **kwargs) -> None:  # noqa: ANN001
        try:
            res = fn(engine, **kwargs)
            queue.put((phase, r, index, "replayed" if res.replayed else "won", res.message))
        except DomainError as exc:
            queue.put((phase, r, index, "refused", f"{type(exc).__name__}: {exc}"))
        except Exception:  # noqa: BLE001  (a crash: counted as a failure by the caller)
            queue.put((phase, r, index, "crashed", traceback.format_exc()))

    try:
        for r in range(rounds):
            barrier.wait(timeout=120)
            attempt("undo", r, ops.undo_last, actor=Actor(round_badge(r), f"T{index}"),
                    scan_id=f"u{r}-{index}")
            barrier.wait(timeout=120)
            there, back = ("A01-A-01", "A01-A-02")[::1 if index % 2 == 0 else -1]
            attempt("opposite", r, ops.move, actor=Actor("OP-0003", f"T{index}"),
                    scan_id=f"o{r}-{index}", sku="MUG-01", qty=1, from_bin=there,
                    to_bin=back)
    finally:
        engine.dispose()


def prepare(engine, rounds: int) -> None:  # noqa: ANN001
    """Bins, mugs (through the ledger), and per round an operator with one 5-mug move."""
    from scanner_tui.inventory import operations as ops
    from scanner_tui.inventory.actor import Actor

    with Session(engine) as s:
        for code in ("A01-A-01", "A01-A-02", "R01-A-01"):
            s.add(Bin(code=code, zone="A", kind="reserve" if code[0] == "R" else "pick"))
        s.add(Sku(code="MUG-01", description="Mug", tracking="quantity"))
        s.add(Operator(badge="OP-0003", name="boss", role="supervisor"))
        for r in range(rounds):
            s.add(Operator(badge=round_badge(r), name=f"round {r}", role="picker"))
        s.commit()
    boss = Actor("OP-0003", "PREP")
    for code in ("A01-A-01", "A01-A-02", "R01-A-01"):
        ops.receive(engine, actor=boss, scan_id=f"in-{code}", bin=code, sku="MUG-01", qty=MUGS)
    for r in range(rounds):
        ops.move(engine, actor=Actor(round_badge(r), "PREP"), scan_id=f"prep-{r}",
                 sku="MUG-01", qty=UNDO_QTY, from_bin="R01-A-01", to_bin="A01-A-02")


@dataclass
class RaceCounts:
    """What the rounds did, and every way they went wrong (``failures`` must be empty)."""

    rounds: int
    procs: int
    engine: str
    tries: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        seen = ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items()))
        return (f"{self.engine}: {self.rounds} rounds x {self.procs} processes, {self.tries} "
                f"operations ({seen}), failures {len(self.failures)}, {self.seconds:.1f} s")


def _check(engine, results: list[tuple], counts: RaceCounts) -> None:  # noqa: ANN001
    from scanner_tui.inventory.verify import verify

    fail = counts.failures
    for phase, r, i, outcome, message in results:
        counts.outcomes[f"{phase} {outcome}"] = counts.outcomes.get(f"{phase} {outcome}", 0) + 1
        if outcome == "crashed":
            fail.append(f"round {r} {phase} terminal {i} crashed: {message.splitlines()[-1]}")
    for r in range(counts.rounds):
        undos = [x for x in results if x[0] == "undo" and x[1] == r]
        won = [x for x in undos if x[3] == "won"]
        if len(won) != 1:
            fail.append(f"round {r}: the move was undone {len(won)} times")
        odd = [x for x in undos if x[3] == "refused" and not x[4].startswith("NothingToUndo")]
        fail.extend(f"round {r}: undo refused with {x[4]}" for x in odd)
        moves = [x for x in results if x[0] == "opposite" and x[1] == r]
        fail.extend(f"round {r}: move {x[3]}: {x[4][-200:]}" for x in moves if x[3] != "won")
    with engine.connect() as conn:
        twice = conn.execute(text("SELECT reverses_id FROM ledgerentry WHERE reverses_id IS NOT"
                                  " NULL GROUP BY reverses_id HAVING COUNT(*) > 1")).all()
        fail.extend(f"ledger row #{row[0]} reversed more than once" for row in twice)
        held = dict(conn.execute(select(Bin.code, Stock.qty).join(Stock, Stock.bin_id == Bin.id))
                    .all())
    there = sum(1 for x in results if x[0] == "opposite" and x[3] == "won" and x[2] % 2 == 0)
    back = sum(1 for x in results if x[0] == "opposite" and x[3] == "won" and x[2] % 2 == 1)
    undone = sum(1 for x in results if x[0] == "undo" and x[3] == "won")
    want = {"A01-A-01": MUGS - there + back,
            "A01-A-02": MUGS + there - back + UNDO_QTY * (counts.rounds - undone),
            "R01-A-01": MUGS - UNDO_QTY * (counts.rounds - undone)}
    if held != want:
        fail.append(f"stock is {held}, the moves say {want}")
    fail.extend(f"verify: {m.message}" for m in verify(engine))


def run_rounds(url: str, rounds: int, procs: int) -> RaceCounts:
    """Prepare an empty, migrated store at ``url``, race, check; the counts of what happened."""
    from scanner_tui.inventory.db import open_store

    engine = open_store(url)
    counts = RaceCounts(rounds, procs, engine.dialect.name)
    try:
        prepare(engine, rounds)
        ctx = mp.get_context("spawn")
        barrier = ctx.Barrier(procs)
        queue = ctx.Queue()
        workers = [ctx.Process(target=_racer, args=(url, i, rounds, barrier, queue))
                   for i in range(procs)]
        started = time.perf_counter()
        for w in workers:
            w.start()
        results = [queue.get(timeout=300) for _ in range(rounds * 2 * procs)]
        for w in workers:
            w.join(timeout=60)
            if w.exitcode != 0:
                counts.failures.append(f"terminal process exited with {w.exitcode}")
        counts.seconds = time.perf_counter() - started
        counts.tries = len(results)
        _check(engine, results, counts)
    finally:
        engine.dispose()
    return counts
