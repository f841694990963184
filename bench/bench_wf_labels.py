"""Labels from the app: the receive workflow's print command and the scan-back of its tags.

    .venv/bin/python bench/bench_wf_labels.py [--rounds N] [--json]

On a demo store (SQLite file), blind receiving of PHONE-X5, with the fake Zebra printer of the
tests on 127.0.0.1 (status query ~HS answered, job read): the time of one ``CMD:PRINT`` handled
by the workflow (allocate from TagSequence, render ZPL, send, record the ledger rows) for 1 and
for 10 tags, then of each printed tag scanned back (classify + receive one unit).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scanner_tui.config import Config, LabelsConfig  # noqa: E402
from scanner_tui.inventory.db import open_store  # noqa: E402
from scanner_tui.inventory.demo import build_demo  # noqa: E402
from scanner_tui.inventory.models import Barcode, Sku  # noqa: E402
from scanner_tui.inventory.verify import verify  # noqa: E402
from scanner_tui.workflows.receive import ReceiveWorkflow  # noqa: E402
from tests.labels_fakes import FakePrinter  # noqa: E402
from tests.workflow_helpers import scan, services  # noqa: E402


def ms(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2),
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 2),
            "n": len(ordered)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp, FakePrinter() as printer:
        engine = open_store(f"sqlite:///{tmp}/store.db")
        build_demo(engine)
        with engine.connect() as conn:
            gtin = conn.execute(Barcode.__table__.select().join(Sku.__table__)
                                .where(Sku.code == "PHONE-X5")).first().code[1:]
        svc = services(engine, "OP-0002")
        svc.config = Config(labels=LabelsConfig(printer=printer.url))
        wf = ReceiveWorkflow(svc, blind=True)
        scan(wf, gtin)
        wf.answer("PX1")
        for n in (1, 10):
            samples = []
            for _ in range(args.rounds):
                if n > 1:
                    wf.answer(str(n))
                start = time.perf_counter()
                done = scan(wf, "CMD:PRINT")
                samples.append(time.perf_counter() - start)
                assert done.changed, done
            out[f"print {n} tag(s)"] = ms(samples)
        samples = []
        for tag in list(wf.awaiting):
            start = time.perf_counter()
            done = scan(wf, tag)
            samples.append(time.perf_counter() - start)
            assert done.changed, done
        out["scan a printed tag back"] = ms(samples)
        assert verify(engine) == []
        engine.dispose()
    if args.json:
        print(json.dumps(out, indent=2))
        return
    for name, r in out.items():
        print(f"{name:<26} p50 {r['p50_ms']:>7.2f} ms  p95 {r['p95_ms']:>7.2f} ms  (n={r['n']})")


if __name__ == "__main__":
    main()
