"""Cycle counts on a medium store: the counter's answer time per scan, compare and approve.

Uses the medium demo store (2k bins, 5k SKUs, 100k units; built once and cached like
bench_pick.py), copied fresh. A supervisor plans a count of ``--bins`` bins holding stock; a
counter counts each by following the books through ``CountWorkflow`` (scan the bin, every
unit, each product + typed quantity, ``CMD:DONE``), leaving out one unit in every 10th bin and
counting one piece too many in every 7th; every 5th bin gets a unit moved in by other work
while it is being counted. Then ``compare`` and ``approve`` of the whole count, and
``verify``. Scans are built as classified results before the clock starts. Usage::

    .venv/bin/python bench/bench_counts.py [--bins 200] [--postgres URL]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from collections import defaultdict
from pathlib import Path

from benchlib import medium_template, pct
from sqlalchemy import func, select

from scanner_tui.inventory import counting as c
from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.models import Asset, Bin, Sku, Stock
from scanner_tui.inventory.operations import move
from scanner_tui.inventory.verify import verify
from scanner_tui.scanning.result import Kind, Scan, ScanResult, Source
from scanner_tui.workflows.base import Services
from scanner_tui.workflows.count import CountWorkflow

WORK = Path("/tmp/scanner_tui_bench/counts_work.db")
BOSS = Actor("OP-0003", "BENCH", "supervisor")
ADMIN = Actor("OP-0009", "BENCH", "admin")


def contents(engine, n_bins: int) -> dict[str, dict]:
    """The fullest pick bins: their units and (SKU code, qty) lines by the books."""
    A, B, S, K = Asset.__table__, Bin.__table__, Stock.__table__, Sku.__table__
    with engine.connect() as conn:
        units = conn.execute(select(B.c.code, A.c.serial).join(B, B.c.id == A.c.bin_id)
                             .where(A.c.status == "in_stock", B.c.kind == "pick")).all()
        stock = conn.execute(select(B.c.code, K.c.code, func.sum(S.c.qty))
                             .join(B, B.c.id == S.c.bin_id).join(K, K.c.id == S.c.sku_id)
                             .where(S.c.qty > 0, B.c.kind == "pick")
                             .group_by(B.c.code, K.c.code)).all()
    found: dict[str, dict] = defaultdict(lambda: {"units": [], "qty": []})
    for b, serial in units:
        found[b]["units"].append(serial)
    for b, sku, q in stock:
        found[b]["qty"].append((sku, int(q)))
    chosen = sorted(found, key=lambda b: -(len(found[b]["units"]) + len(found[b]["qty"])))
    return {b: found[b] for b in sorted(chosen[:n_bins])}


def spare_unit(engine, avoid: set[str]) -> list[str]:
    A, B = Asset.__table__, Bin.__table__
    with engine.connect() as conn:
        return [s for s, b in conn.execute(
            select(A.c.serial, B.c.code).join(B, B.c.id == A.c.bin_id)
            .where(A.c.status == "in_stock", B.c.kind == "pick").limit(5000)) if b not in avoid]


def run(url: str, n_bins: int) -> None:
    engine = open_store(url)
    bins = contents(engine, n_bins)
    spares = spare_unit(engine, set(bins))
    t0 = time.perf_counter()
    code = c.plan_count(engine, actor=BOSS, bins=list(bins)).code
    plan_ms = (time.perf_counter() - t0) * 1000
    wf = CountWorkflow(Services(engine=engine, badge="OP-0001", terminal="BENCH",
                                role="picker"))
    times: dict[str, list[float]] = defaultdict(list)

    def step(name: str, kind: Kind, code_: str, **fields) -> None:
        scan = Scan(payload=code_, source=Source.WEDGE)
        result = ScanResult(kind, code=code_, **fields)
        t = time.perf_counter()
        out = wf.handle(scan, result)
        times[name].append((time.perf_counter() - t) * 1000)
        assert out.accepted, out.message

    for n, (b, what) in enumerate(bins.items()):
        step("bin (snapshot)", Kind.BIN, b, bin=b)
        units = what["units"][:-1] if n % 10 == 0 and what["units"] else what["units"]
        if n % 5 == 0 and spares:
            moved = spares.pop()
            move(engine, actor=BOSS, scan_id=f"bench-move-{n}", serial=moved, to_bin=b)
            units = [*units, moved]
        for serial in units:
            step("unit", Kind.ASSET, serial, serial=serial)
        for sku, q in what["qty"]:
            step("product", Kind.PRODUCT, sku, sku=sku)
            t = time.perf_counter()
            out = wf.answer(str(q + (1 if n % 7 == 0 else 0)))
            times["quantity typed"].append((time.perf_counter() - t) * 1000)
            assert out.accepted, out.message
        step("CMD:DONE (close)", Kind.COMMAND, "CMD:DONE", command="DONE")
    t = time.perf_counter()
    cmp = c.compare(engine, code)
    compare_ms = (time.perf_counter() - t) * 1000
    lines = sum(len(b.lines) for b in cmp.bins)
    t = time.perf_counter()
    done = c.approve(engine, actor=ADMIN, count_code=code, scan_id="bench-approve")
    approve_ms = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    problems = verify(engine)
    verify_ms = (time.perf_counter() - t) * 1000
    engine.dispose()
    print(f"store {url.split('@')[-1]}: {len(bins)} bins, {lines} lines, "
          f"{sum(len(v) for v in times.values())} scans/keys")
    print("| step | n | p50 ms | p99 ms | mean ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, values in times.items():
        print(f"| {name} | {len(values)} | {pct(values, 50):.2f} | {pct(values, 99):.2f} | "
              f"{statistics.fmean(values):.2f} |")
    print(f"plan {plan_ms:.0f} ms; compare {compare_ms:.0f} ms; approve {approve_ms:.0f} ms "
          f"({len(done.ledger_ids)} ledger rows); verify {verify_ms:.0f} ms, "
          f"{len(problems)} mismatches")
    print(done.message)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bins", type=int, default=200)
    ap.add_argument("--postgres", help="an EMPTY PostgreSQL database URL (the medium demo is "
                    "built into it)")
    args = ap.parse_args()
    if args.postgres:
        from scanner_tui.inventory.demo import build_demo

        build_demo(open_store(args.postgres), "medium")
        run(args.postgres, args.bins)
        return
    shutil.copy(medium_template(), WORK)
    for suffix in ("-wal", "-shm"):
        Path(f"{WORK}{suffix}").unlink(missing_ok=True)
    run(f"sqlite:///{WORK}", args.bins)


if __name__ == "__main__":
    main()
