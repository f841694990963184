"""Where a floor scan's host CPU goes: a headless floor app in Look-up, scans alternating bins
and units (``bench_serve.py``'s pattern), profiled with cProfile on the UI thread and on the
scan pipeline's thread, with the screen layouts a scan costs, and the pipeline's pool
checkouts and SQL statements a scan.

    .venv/bin/python bench/profile_lookup.py [--scans 60] [--pg] [--kept] [--plain] [--out F]

Writes OUT.ui.prof and OUT.pipeline.prof (read with ``python -m pstats``; the pipeline's
profile counts CPU time, ``time.thread_time``, so waits on the database are left out);
``--pg`` runs against the PostgreSQL test server instead of a SQLite file; ``--kept`` runs the
app ``serve`` runs (``KeptApp``: the terminal's row written with every scan); ``--plain``
measures CPU without the profilers (the figure to compare).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import sys
import tempfile
import time
from datetime import UTC
from pathlib import Path

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from sqlalchemy import Engine, event  # noqa: E402
from sqlalchemy.pool import Pool  # noqa: E402
from textual.screen import Screen  # noqa: E402

from scanner_tui.inventory.db import open_store  # noqa: E402
from scanner_tui.inventory.demo import build_demo  # noqa: E402
from scanner_tui.serve.kept_app import KeptApp  # noqa: E402
from scanner_tui.ui.pipeline import ScanPipeline  # noqa: E402
from tests.test_ui_support import FIXED, floor_app, press, scan  # noqa: E402

CODES = ("A01-A-01", "AT00000001", "A01-B-02", "AT00000002", "A01-A-02", "AT00000003")


async def session(url: str, scans: int, out: str, kept: bool, plain: bool) -> None:
    engine = open_store(url)
    build_demo(engine)
    ui, pipe = cProfile.Profile(), cProfile.Profile(time.thread_time)
    layouts, pipe_cpu, on = [0], [0.0], [False]
    checkouts, statements = [0], [0]

    @event.listens_for(Pool, "checkout")  # every engine's: the look-up reads through its own
    def _checkout(*_args) -> None:  # noqa: ANN002
        checkouts[0] += on[0]

    @event.listens_for(Engine, "before_cursor_execute")
    def _statement(*_args) -> None:  # noqa: ANN002
        statements[0] += on[0]
    refresh_layout, process = Screen._refresh_layout, ScanPipeline.process

    def counted(self, *args, **kwargs):  # noqa: ANN001, ANN202
        layouts[0] += 1
        return refresh_layout(self, *args, **kwargs)

    def profiled(self, *args, **kwargs):  # noqa: ANN001, ANN202
        if not on[0]:
            return process(self, *args, **kwargs)
        start = time.thread_time()
        if not plain:
            pipe.enable()
        try:
            return process(self, *args, **kwargs)
        finally:
            if not plain:
                pipe.disable()
            pipe_cpu[0] += time.thread_time() - start

    Screen._refresh_layout, ScanPipeline.process = counted, profiled
    app = floor_app(engine, url) if not kept else KeptApp(
        floor_app(engine, url).config, engine, clock=lambda: FIXED, tz=UTC)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001")
        await press(app, pilot, "5")
        await scan(app, pilot, *CODES)
        layouts[0], on[0] = 0, True
        start = time.thread_time()
        if not plain:
            ui.enable()
        for i in range(scans):
            await scan(app, pilot, CODES[i % len(CODES)])
        if not plain:
            ui.disable()
        ui_cpu, on[0] = time.thread_time() - start, False
    ui.dump_stats(f"{out}.ui.prof")
    pipe.dump_stats(f"{out}.pipeline.prof")
    print(f"{scans} scans: {layouts[0] / scans:.2f} layouts a scan; profiled CPU a scan: "
          f"UI thread {ui_cpu / scans * 1000:.1f} ms (with the test pilot), "
          f"pipeline {pipe_cpu[0] / scans * 1000:.2f} ms; "
          f"{checkouts[0] / scans:.2f} checkouts, {statements[0] / scans:.1f} statements a scan"
          + (" (plain)" if plain else " (profiled)"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=60)
    parser.add_argument("--pg", action="store_true", help="PostgreSQL test server")
    parser.add_argument("--kept", action="store_true", help="serve's app (KeptApp)")
    parser.add_argument("--plain", action="store_true", help="no profilers: CPU only")
    parser.add_argument("--out", default=str(Path(tempfile.gettempdir()) / "lookup"))
    args = parser.parse_args()
    if not args.pg:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='profile-lookup-')}/store.db"
        asyncio.run(session(url, args.scans, args.out, args.kept, args.plain))
        return
    from tests.postgres_server import PostgresServer

    server = PostgresServer()
    server.start()
    try:
        asyncio.run(session(server.create_database("lookup"), args.scans, args.out,
                            args.kept, args.plain))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
