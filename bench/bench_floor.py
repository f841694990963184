"""Scan to workflow screen: a headless floor app (sign-in -> menu -> Move) on a demo store.

For each scan the keys of a scanner burst are posted to the app; the clock starts when the
terminator key is posted and stops when the WorkflowScreen has rendered the snapshot the
pipeline took after that scan (instruction, answer, context, lines table updated). In
between: the wedge assembler, the pipeline thread (classify, journal, the Move workflow and
its inventory operation: one ledger row per unit moved, outcome write), the message back and
the widgets. Units are moved back and forth between two bins: every other scan is a change.

    .venv/bin/python bench/bench_floor.py [--moves 100] [--size 40x16]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from benchlib import pct  # noqa: E402
from textual._time import get_time  # noqa: E402

from scanner_tui.config import Config, DatabaseConfig, TerminalConfig  # noqa: E402
from scanner_tui.inventory.db import open_store  # noqa: E402
from scanner_tui.inventory.demo import build_demo  # noqa: E402
from scanner_tui.ui.app import ScannerApp  # noqa: E402
from scanner_tui.ui.floor_screens import WorkflowScreen  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.test_ui_support import key_event  # noqa: E402

STEP = 0.002


def line(name: str, ms: list[float]) -> str:
    return (f"{name}: n={len(ms)} p50={pct(ms, 50):.1f} ms p90={pct(ms, 90):.1f} ms "
            f"p99={pct(ms, 99):.1f} ms max={max(ms):.1f} ms mean={statistics.fmean(ms):.1f} ms")


async def run(moves: int, size: tuple[int, int]) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/floor.db"
        engine = open_store(url)
        build_demo(engine)
        cfg = Config(database=DatabaseConfig(url=url), terminal=TerminalConfig(id="BENCH"))
        app = ScannerApp(cfg, engine)
        out: dict[str, list[float]] = {"unit scan (to basket)": [], "bin scan (move)": []}
        async with app.run_test(size=size) as pilot:
            async def scan(payload: str) -> float:
                t = get_time()
                for ch in payload:
                    app.post_message(key_event(ch, t))
                    t += STEP
                screen = app.screen
                before = screen.shown if isinstance(screen, WorkflowScreen) else -1
                app.post_message(key_event("\r", t))
                start = get_time()
                while True:
                    await asyncio.sleep(0.0005)
                    now = app.screen
                    if isinstance(now, WorkflowScreen) and now is screen and now.shown > before:
                        return (get_time() - start) * 1000
                    if now is not screen:
                        await app.settle()
                        return (get_time() - start) * 1000

            await scan("OP-0001")
            await scan("CMD:MOVE")
            await app.settle()
            await pilot.pause()
            bins = ("A03-A-01", "A01-B-03")
            for n in range(moves):
                out["unit scan (to basket)"].append(await scan("AT00000002"))
                out["bin scan (move)"].append(await scan(bins[n % 2]))
            await app.settle()
        with engine.connect() as conn:
            moved = conn.exec_driver_sql(
                "SELECT count(*) FROM ledgerentry WHERE action = 'move'").scalar()
        engine.dispose()
        print(f"(ledger move rows written: {moved})")
        return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--moves", type=int, default=100)
    ap.add_argument("--size", default="40x16")
    args = ap.parse_args()
    w, h = (int(x) for x in args.size.split("x"))
    results = asyncio.run(run(args.moves, (w, h)))
    print(f"Scan to workflow screen, Move on the small demo store, {args.size}, SQLite")
    for name, ms in results.items():
        print("  " + line(name, ms))


if __name__ == "__main__":
    main()
