"""The pick workflow's answer time per scan on a medium store, following the screen.

Builds (once, cached) the medium demo store — 2k bins, 5k SKUs, 100k units — copies it, adds
orders of ``--lines`` lines (serial SKUs with units in pick bins, quantity SKUs with stock),
then picks every order the way a picker does: scan the bin shown, the unit or the product,
Enter for the quantity, answer the zero check, scan a staging bin, CMD:DONE. Payloads are
classified before the clock starts: the figures are the workflow plus its operations (the
re-planning after each change included). Usage::

    .venv/bin/python bench/bench_pick.py [--orders 20] [--lines 5] [--big-lines 50] [--claims]

``--claims``: the workflow claims each order as the app's does (``Services.claims``).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import time
from collections import defaultdict
from pathlib import Path

from benchlib import medium_template, pct
from sqlalchemy import insert, select

from scanner_tui.inventory.claims import ClaimDesk
from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.lookup import StoreKnownCodes
from scanner_tui.inventory.models import Asset, Barcode, Bin, Order, OrderLine, Sku, Stock
from scanner_tui.scanning.classify import classify
from scanner_tui.scanning.result import Scan, Source
from scanner_tui.workflows.base import Services
from scanner_tui.workflows.pick import PickWorkflow, Step


def add_orders(engine, n: int, lines: int, rng: random.Random, prefix: str) -> list[str]:
    A, B, S, K = Asset.__table__, Bin.__table__, Stock.__table__, Sku.__table__
    with engine.connect() as conn:
        serial = list(conn.execute(
            select(A.c.sku_id).join(B, B.c.id == A.c.bin_id)
            .where(A.c.status == "in_stock", B.c.kind == "pick").distinct().limit(2000)).scalars())
        qty = list(conn.execute(
            select(S.c.sku_id).join(B, B.c.id == S.c.bin_id).join(K, K.c.id == S.c.sku_id)
            .where(S.c.qty >= 10, B.c.kind == "pick", K.c.tracking == "quantity")
            .distinct().limit(2000)).scalars())
    codes = []
    with engine.begin() as conn:
        for i in range(n):
            code = f"{prefix}-{i:05d}"
            oid = conn.execute(insert(Order.__table__).values(
                code=code, customer="Bench", status="open").returning(Order.__table__.c.id)
                ).scalar_one()
            skus = rng.sample(serial, lines // 2) + rng.sample(qty, lines - lines // 2)
            for n_line, sku_id in enumerate(skus, start=1):
                conn.execute(insert(OrderLine.__table__).values(
                    order_id=oid, line_no=n_line, sku_id=sku_id,
                    qty=1 if sku_id in serial else rng.randint(1, 5)))
            codes.append(code)
    return codes


def unit_in(engine, sku_id: int, bin_code: str) -> str:
    A, B = Asset.__table__, Bin.__table__
    with engine.connect() as conn:
        return conn.execute(select(A.c.serial).join(B, B.c.id == A.c.bin_id).where(
            A.c.sku_id == sku_id, B.c.code == bin_code, A.c.status == "in_stock")
            .limit(1)).scalar_one()


def gtin_of(engine, sku_id: int) -> str:
    with engine.connect() as conn:
        return conn.execute(select(Barcode.__table__.c.code).where(
            Barcode.__table__.c.sku_id == sku_id).limit(1)).scalar_one()


def pick_all(engine, wf: PickWorkflow, known, times: dict[str, list[float]]) -> None:
    def timed(label: str, payload: str | None = None, text: str | None = None):
        if payload is not None:
            s, r = Scan(payload, Source.WEDGE), classify(payload, known=known)
            t0 = time.perf_counter()
            out = wf.handle(s, r)
        else:
            t0 = time.perf_counter()
            out = wf.answer(text or "")
        times[label].append(time.perf_counter() - t0)
        if not out.accepted:
            raise SystemExit(f"refused: {out.message}")
        return out

    while wf.step is Step.PICK:
        if wf.question is not None:
            timed("zero check (y)", text="y")
            continue
        task = wf.current_task()
        if wf.at_bin != task.bin:
            timed("bin", task.bin)
        elif task.tracking == "serial":
            timed("unit pick", unit_in(engine, task.sku_id, task.bin))
        else:
            timed("product (asks qty)", gtin_of(engine, task.sku_id))
            timed("quantity pick (Enter)", text="")
    if wf.question is not None:
        timed("zero check (Enter)", text="")
    timed("stage", "ST01-A-01")
    timed("ship (CMD:DONE)", "CMD:DONE")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=20)
    ap.add_argument("--lines", type=int, default=6)
    ap.add_argument("--big-lines", type=int, default=50)
    ap.add_argument("--claims", action="store_true", help="claim each order, as the app does")
    args = ap.parse_args()
    work = Path(f"/tmp/scanner_tui_bench/pick_work{'_claims' if args.claims else ''}.db")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copy(medium_template(), work)
    engine = open_store(f"sqlite:///{work}")
    rng = random.Random(5)
    codes = add_orders(engine, args.orders, args.lines, rng, "BP")
    big = add_orders(engine, 1, args.big_lines, rng, "BIG")[0]
    services = Services(engine=engine, badge="OP-0001", terminal="BENCH", role="picker",
                        claims=ClaimDesk(engine, "BENCH", "OP-0001") if args.claims else None)
    known = StoreKnownCodes(engine)
    times: dict[str, list[float]] = defaultdict(list)
    for code in codes:
        wf = PickWorkflow(services)
        t0 = time.perf_counter()
        wf.answer(code)
        times["open order (plan)"].append(time.perf_counter() - t0)
        pick_all(engine, wf, known, times)
    wf = PickWorkflow(services)
    t0 = time.perf_counter()
    wf.answer(big)
    times[f"open {args.big_lines}-line order"].append(time.perf_counter() - t0)
    pick_all(engine, wf, known, big_times := defaultdict(list))
    for label, values in big_times.items():
        times[f"{label} [{args.big_lines} lines]"] = values
    known.close()
    print(f"{args.orders} orders x {args.lines} lines + 1 x {args.big_lines} lines, medium store")
    print(f"{'step':38} {'n':>5} {'p50 ms':>8} {'p99 ms':>8}")
    for label, values in times.items():
        ms = [v * 1000 for v in values]
        print(f"{label:38} {len(ms):5d} {statistics.median(ms):8.2f} {pct(ms, 99):8.2f}")
    engine.dispose()


if __name__ == "__main__":
    main()
