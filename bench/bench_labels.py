"""Label rendering and asset tag allocation throughput.

    .venv/bin/python bench/bench_labels.py [--labels N] [--json]

Render: N labels of a realistic mix (bin tags, own asset tags, GS1 serials, EAN-13 SKUs) to
each format at 203 and 300 dpi, 100 x 50 mm; labels per second of wall time (PDF and ZPL as
one job of N labels, SVG and PNG one file per label). Allocation: batches of 1 and of 10 tags
from one process on a SQLite file (each a BEGIN IMMEDIATE transaction with fsync), and the
same from 4 processes at once (batches of 1, timed from a common start signal).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlmodel import Session

from scanner_tui.config import LabelsConfig
from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.models import Operator
from scanner_tui.labels.label import (
    LabelKind,
    bin_label,
    code128_label,
    gs1_asset_label,
    gtin_label,
)
from scanner_tui.labels.pdf import to_pdf
from scanner_tui.labels.render import render_label
from scanner_tui.labels.sequence import allocate_asset_tags
from scanner_tui.labels.zpl import to_zpl

WORKER = r"""
import sys, time
from pathlib import Path
from scanner_tui.inventory.db import make_engine
from scanner_tui.labels import allocate_asset_tags
engine = make_engine(sys.argv[1]); n = int(sys.argv[2]); go = Path(sys.argv[3])
allocate_asset_tags(engine, 1, "OP-0001", "B")  # connect before the start signal
while not go.exists():
    time.sleep(0.002)
t0 = time.perf_counter()
for _ in range(n):
    allocate_asset_tags(engine, 1, "OP-0001", "B")
print(time.perf_counter() - t0)
"""


def mix(n: int) -> list:
    out = []
    for i in range(n):
        k = i % 4
        if k == 0:
            out.append(bin_label(f"A{i % 100:02d}-B-{i % 97:02d}", zone="A"))
        elif k == 1:
            out.append(code128_label(LabelKind.ASSET, f"AT{i:08d}", title="Cordless drill"))
        elif k == 2:
            out.append(gs1_asset_label("09501101020917", f"SN{i:06d}", lot="L7", title="Drill"))
        else:
            out.append(gtin_label("4006381333931", sku_code="MUG", title="Mug, blue"))
    return out


def bench_render(n: int) -> list[dict]:
    rows = []
    labels = mix(n)
    for dpi in (203, 300):
        cfg = LabelsConfig(dpi=dpi)
        for fmt in ("svg", "png", "pdf", "zpl"):
            t0 = time.perf_counter()
            if fmt == "pdf":
                size = len(to_pdf(labels, cfg, sheet="thermal"))
            elif fmt == "zpl":
                size = len(to_zpl(labels, cfg))
            else:
                size = sum(len(render_label(label, fmt, cfg)) for label in labels)
            dt = time.perf_counter() - t0
            rows.append({"format": fmt, "dpi": dpi, "labels": n, "seconds": round(dt, 3),
                         "labels_per_s": round(n / dt), "bytes_per_label": size // n})
    return rows


def bench_allocate(folder: Path) -> list[dict]:
    url = f"sqlite:///{folder / 'bench.db'}"
    engine = open_store(url)
    with Session(engine) as s:
        s.add(Operator(badge="OP-0001"))
        s.commit()
    rows = []
    for batch in (1, 10):
        calls = 300
        t0 = time.perf_counter()
        for _ in range(calls):
            allocate_asset_tags(engine, batch, "OP-0001", "B")
        dt = time.perf_counter() - t0
        rows.append({"processes": 1, "batch": batch, "calls_per_s": round(calls / dt),
                     "tags_per_s": round(calls * batch / dt)})
    calls = 150
    go = folder / "go"
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, url, str(calls), str(go)],
                              stdout=subprocess.PIPE, text=True) for _ in range(4)]
    time.sleep(2.0)
    go.touch()
    dt = max(float(p.communicate()[0]) for p in procs)  # the slowest worker's own time
    rows.append({"processes": 4, "batch": 1, "calls_per_s": round(4 * calls / dt),
                 "tags_per_s": round(4 * calls / dt)})
    engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--labels", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = {"render": bench_render(args.labels), "allocate": bench_allocate(Path(tmp))}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print("format dpi labels/s bytes/label")
    for r in result["render"]:
        print(f"{r['format']:6} {r['dpi']:3} {r['labels_per_s']:8} {r['bytes_per_label']:11}")
    print("processes batch calls/s tags/s")
    for r in result["allocate"]:
        print(f"{r['processes']:9} {r['batch']:5} {r['calls_per_s']:7} {r['tags_per_s']:6}")


if __name__ == "__main__":
    main()
