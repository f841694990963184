"""Receive and putaway workflows: answer time per scan on a medium store, following the screen.

Builds (once, cached; shared with bench_pick) the medium demo store — 2k bins, 5k SKUs, 100k
units — copies it, adds an open receipt of ``--lines`` lines (half serial SKUs with a ship
notice of ``--units`` serials each, half quantity SKUs), then receives it the way a receiver
does (scan the receipt, each product: the units one by one / the quantity typed, CMD:DONE),
and puts everything away (scan the unit or product, Enter, scan the suggested bin). Payloads
are classified before the clock starts: the figures are the workflow plus its operations.
Usage::

    .venv/bin/python bench/bench_receive_putaway.py [--lines 20] [--units 10]
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

from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.lookup import StoreKnownCodes
from scanner_tui.inventory.models import Barcode, ExpectedSerial, Receipt, ReceiptLine, Sku
from scanner_tui.scanning.classify import classify
from scanner_tui.scanning.result import Scan, Source
from scanner_tui.workflows.base import Services
from scanner_tui.workflows.putaway import PutawayWorkflow
from scanner_tui.workflows.receive import ReceiveWorkflow

WORK = Path("/tmp/scanner_tui_bench/receive_work.db")


def add_receipt(engine, lines: int, units: int, rng: random.Random) -> tuple[str, list]:
    """An open receipt; returns its code and [(gtin, tracking, serials | qty)] per line."""
    K, C = Sku.__table__, Barcode.__table__
    with engine.connect() as conn:
        skus = conn.execute(select(K.c.id, K.c.tracking, C.c.code).join(C, C.c.sku_id == K.c.id)
                            .where(K.c.capture_lot.is_(False), K.c.capture_expiry.is_(False))
                            ).all()
    serial = [s for s in skus if s.tracking == "serial"]
    qty = [s for s in skus if s.tracking == "quantity"]
    chosen = rng.sample(serial, lines // 2) + rng.sample(qty, lines - lines // 2)
    plan = []
    with engine.begin() as conn:
        rid = conn.execute(insert(Receipt.__table__).values(code="RB-0001", supplier="Bench")
                           .returning(Receipt.__table__.c.id)).scalar_one()
        for n, sku in enumerate(chosen, start=1):
            expect = units if sku.tracking == "serial" else rng.randint(5, 200)
            lid = conn.execute(insert(ReceiptLine.__table__).values(
                receipt_id=rid, line_no=n, sku_id=sku.id, qty_expected=expect)
                .returning(ReceiptLine.__table__.c.id)).scalar_one()
            if sku.tracking == "serial":
                serials = [f"BX{n:03d}{u:05d}" for u in range(units)]
                conn.execute(insert(ExpectedSerial.__table__), [
                    {"receipt_id": rid, "line_id": lid, "serial": s} for s in serials])
                plan.append((sku.code, "serial", serials))
            else:
                plan.append((sku.code, "quantity", expect))
    return "RB-0001", plan


class Timer:
    def __init__(self, engine) -> None:
        self.known = StoreKnownCodes(engine)
        self.times: dict[str, list[float]] = defaultdict(list)

    def scan(self, wf, step: str, payload: str, source: Source = Source.WEDGE):
        scan = Scan(payload=payload, source=source)
        result = classify(payload, known=self.known)
        started = time.perf_counter()
        out = wf.handle(scan, result)
        self.times[step].append((time.perf_counter() - started) * 1000)
        assert out.accepted, (step, payload, out.message)
        return out

    def type(self, wf, step: str, text: str):
        started = time.perf_counter()
        out = wf.answer(text)
        self.times[step].append((time.perf_counter() - started) * 1000)
        assert out.accepted, (step, text, out.message)
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=20)
    parser.add_argument("--units", type=int, default=10)
    args = parser.parse_args()
    shutil.copy(medium_template(), WORK)
    engine = open_store(f"sqlite:///{WORK}")
    rng = random.Random(11)
    receipt, plan = add_receipt(engine, args.lines, args.units, rng)
    services = Services(engine=engine, badge="OP-0002", terminal="BENCH", role="receiver")
    timer = Timer(engine)
    wf = ReceiveWorkflow(services)
    timer.scan(wf, "receipt scanned", receipt)
    for gtin, tracking, what in plan:
        timer.scan(wf, "product scanned", gtin)
        if tracking == "serial":
            for serial in what:
                timer.scan(wf, "unit received", serial)
        else:
            timer.type(wf, "quantity typed", str(what))
    timer.scan(wf, "CMD:DONE (summary)", "CMD:DONE")

    put = PutawayWorkflow(Services(engine=engine, badge="OP-0001", terminal="BENCH",
                                   role="picker"))
    for gtin, tracking, what in plan:
        for code in (what if tracking == "serial" else [gtin]):
            step = "putaway: unit scanned" if tracking == "serial" else "putaway: product"
            timer.scan(put, step, code)
            if put.question is not None:  # a quantity is confirmed before the bin (one rule)
                timer.type(put, "putaway: quantity Enter", "")
            timer.scan(put, "putaway: bin confirmed", put.item.suggestion)
    timer.known.close()
    engine.dispose()

    print(f"medium store, receipt of {args.lines} lines ({args.units} units per serial line)")
    print(f"{'step':28} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for step, values in timer.times.items():
        print(f"{step:28} {len(values):5d} {statistics.median(values):8.2f} "
              f"{pct(values, 99):8.2f} {max(values):8.2f}")


if __name__ == "__main__":
    main()
