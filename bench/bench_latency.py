"""Scan-to-screen latency of the scan app, and the cost of a journal write.

Scan to screen: a headless ScannerApp on a real SQLite file; for each scan the keys of a
scanner burst are posted to the app, and the clock starts when the terminator key is posted
(the scan is complete: "key event in"). It stops when the app hands the driver a screen
update in which the result band has been re-rendered for that scan ("screen updated"). In
between: the wedge assembler, the pipeline thread (classify, journal write, outcome write),
the message back, the widgets, Textual's refresh timer and the compositor.

    .venv/bin/python bench/bench_latency.py [--scans 500] [--size 40x16] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from benchlib import pct  # noqa: E402
from textual import events  # noqa: E402
from textual._time import get_time  # noqa: E402
from textual.keys import _character_to_key  # noqa: E402

from scanner_tui.config import Config, DatabaseConfig, TerminalConfig  # noqa: E402
from scanner_tui.inventory.db import open_store  # noqa: E402
from scanner_tui.inventory.journal import record_outcome, record_scan  # noqa: E402
from scanner_tui.scanning.classify import classify  # noqa: E402
from scanner_tui.scanning.result import Scan, Source  # noqa: E402
from scanner_tui.ui.app import ScannerApp  # noqa: E402
from scanner_tui.ui.widgets import KindBand  # noqa: E402

PAYLOADS = ["A04-B-12", "AT00000042", "]d2010950110102091710LOT7\x1d21SN0001", "4006381333931",
            "OP-0001", "4006381333932", "CMD:DONE", "]C100009501101530000038"]


def summary(name: str, ms: list[float]) -> str:
    return (f"{name}: n={len(ms)} p50={pct(ms, 50):.2f} ms p90={pct(ms, 90):.2f} ms "
            f"p99={pct(ms, 99):.2f} ms max={max(ms):.2f} ms mean={statistics.fmean(ms):.2f} ms")


async def scan_to_screen(
    url: str, scans: int, size: tuple[int, int], interval: float = 0.03
) -> dict[str, list[float]]:
    engine = open_store(url)
    cfg = Config(database=DatabaseConfig(url=url), terminal=TerminalConfig(id="BENCH"))
    app = ScannerApp(cfg, engine)
    pipeline_ms: list[float] = []
    screen_ms: list[float] = []
    waiting: dict = {}
    original_display = app._display
    original_process = app.pipeline.process

    def timed_process(scan, handler, target=None):  # noqa: ANN001, ANN202
        t = time.perf_counter()
        try:
            return original_process(scan, handler, target)
        finally:
            pipeline_ms.append((time.perf_counter() - t) * 1000)

    def display(screen, renderable) -> None:  # noqa: ANN001
        original_display(screen, renderable)
        if renderable is None or not waiting:
            return
        band = app.screen.query_one(KindBand)
        if band.painted_scan_id and band.painted_scan_id != waiting.get("last"):
            waiting["last"] = band.painted_scan_id
            screen_ms.append((time.perf_counter() - waiting["t0"]) * 1000)
            waiting["done"].set()

    app._display = display
    app.pipeline.process = timed_process
    async with app.run_test(headless=True, size=size) as pilot:
        await pilot.pause()
        cpu0 = time.process_time()
        for i in range(scans):
            text = PAYLOADS[i % len(PAYLOADS)] + "\r"
            t = get_time()
            done = asyncio.Event()
            waiting["done"] = done
            for ch in text[:-1]:
                key = events.Key("ctrl+right_square_bracket" if ch == "\x1d"
                                 else _character_to_key(ch), ch)
                key.time = t
                app.post_message(key)
                t += 0.002
            enter = events.Key("enter", "\r")
            enter.time = t
            waiting["t0"] = time.perf_counter()
            app.post_message(enter)
            await asyncio.wait_for(done.wait(), 10)
            await asyncio.sleep(interval)  # time between two scans
        await app.settle()
        cpu = (time.process_time() - cpu0) * 1000 / scans
    engine.dispose()
    return {"screen": screen_ms, "pipeline": pipeline_ms, "cpu": [cpu]}


def journal_cost(url: str, n: int) -> dict[str, list[float]]:
    engine = open_store(url)
    write, outcome = [], []
    for i in range(n):
        scan = Scan(PAYLOADS[i % len(PAYLOADS)] + "\r", Source.WEDGE)
        result = classify(scan.payload)
        t = time.perf_counter()
        record_scan(engine, scan, result, terminal="BENCH", operator="OP-0001")
        t2 = time.perf_counter()
        record_outcome(engine, scan.id, result.accepted, result.reason or "")
        t3 = time.perf_counter()
        write.append((t2 - t) * 1000)
        outcome.append((t3 - t2) * 1000)
    engine.dispose()
    return {"record_scan": write, "record_outcome": outcome}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scans", type=int, default=500)
    ap.add_argument("--size", default="40x16")
    ap.add_argument("--interval", type=float, default=0.03,
                    help="seconds between scans (a person needs ~0.3 s; Textual paints at most "
                         "every 1/60 s, so below ~0.017 s scans also wait for the next frame)")
    ap.add_argument("--pg-url", default="", help="also time journal writes on PostgreSQL")
    args = ap.parse_args(argv)
    width, height = (int(x) for x in args.size.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        t = time.perf_counter()
        results = asyncio.run(scan_to_screen(url, args.scans, (width, height), args.interval))
        print(f"# {args.scans} scans at {args.size}, {args.interval * 1000:.0f} ms apart, "
              f"in {time.perf_counter() - t:.1f} s; "
              f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        print(summary("scan-to-screen", results["screen"]))
        print(summary("  of which pipeline (classify+journal+outcome)", results["pipeline"]))
        print(f"  CPU time per scan (all threads): {results['cpu'][0]:.2f} ms")
        url2 = f"sqlite:///{Path(tmp) / 'journal.db'}"
        for name, ms in journal_cost(url2, 2000).items():
            print(summary(f"sqlite {name}", ms))
    if args.pg_url:
        for name, ms in journal_cost(args.pg_url, 2000).items():
            print(summary(f"postgresql {name}", ms))
    return 0


if __name__ == "__main__":
    sys.exit(main())
