"""Resolving a scan to its record (classify, then find the bin, unit or product) on a big store.

Builds (once, cached) the large demo store — 20k bins, 50k SKUs, 1M assets — with
``build_demo(engine, "large")``, then times ``classify(payload, known=StoreKnownCodes)`` +
``resolve_scan(conn, result)`` for a shuffled mix of real codes of every kind (bin tags, own
asset tags, GTIN-13s, GS1 element strings with a serial, unknown codes). Usage::

    .venv/bin/python bench/bench_lookup.py [--db /tmp/scanner_tui_bench/large.db] [--n 20000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

from benchlib import pct

from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.lookup import StoreKnownCodes, find, resolve_scan
from scanner_tui.scanning.classify import classify

DEFAULT_DB = "/tmp/scanner_tui_bench/large.db"


def ensure_store(path: Path):
    engine = open_store(f"sqlite:///{path}")
    with engine.connect() as conn:
        n = conn.exec_driver_sql("SELECT count(*) FROM asset").scalar()
    if not n:
        from scanner_tui.inventory.demo import build_demo

        print(f"building the large demo store in {path} (once) ...", flush=True)
        t0 = time.perf_counter()
        build_demo(engine, "large")
        print(f"built in {time.perf_counter() - t0:.0f} s", flush=True)
    return engine


def sample(engine, n: int, rng: random.Random) -> list[tuple[str, str]]:
    """(kind, payload) pairs drawn from the store: codes as a scanner would send them."""
    with engine.connect() as conn:
        raw = conn.connection.driver_connection

        def pick(sql: str, k: int) -> list:
            total = raw.execute(f"SELECT max(id) FROM ({sql})").fetchone()[0] or 0
            ids = [rng.randint(1, total) for _ in range(k)]
            out = []
            for i in ids:
                row = raw.execute(f"SELECT * FROM ({sql}) WHERE id >= ? LIMIT 1", (i,)).fetchone()
                if row:
                    out.append(row)
            return out

        k = n // 5
        bins = [r[1] + "\r" for r in pick("SELECT id, code FROM bin", k)]
        assets = [r[1] for r in pick("SELECT id, serial FROM asset", k)]
        gtins = [r[1] for r in pick("SELECT id, code FROM barcode WHERE kind = 'gtin'", k)]
        gs1 = []
        for r in pick("SELECT a.id, a.serial, c.code FROM asset a JOIN barcode c"
                      " ON c.sku_id = a.sku_id AND c.kind = 'gtin'", k // 2):
            gs1.append(f"]d201{r[2]}21{r[1]}")
    products = [g[1:] if g.startswith("0") else g for g in gtins]  # as EAN-13 where it is one
    unknown = [f"ZZ{rng.randint(0, 10**8):08d}" for _ in range(k // 2)]
    mix = ([("bin", p) for p in bins] + [("asset", p) for p in assets]
           + [("product", p) for p in products] + [("gs1 unit", p) for p in gs1]
           + [("unknown", p) for p in unknown])
    rng.shuffle(mix)
    return mix


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default=DEFAULT_DB)
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    path = Path(args.db)
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = ensure_store(path)
    rng = random.Random(args.seed)
    mix = sample(engine, args.n, rng)
    known = StoreKnownCodes(engine)
    with engine.connect() as conn:
        counts = {t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar()
                  for t in ("bin", "sku", "barcode", "asset")}
        for _kind, payload in mix[:500]:  # warm the page cache and statement caches
            resolve_scan(conn, classify(payload, known=known))
        per_kind: dict[str, list[float]] = {}
        classify_only: list[float] = []
        misses = 0
        for kind, payload in mix:
            t0 = time.perf_counter()
            result = classify(payload, known=known)
            t1 = time.perf_counter()
            found = resolve_scan(conn, result)
            t2 = time.perf_counter()
            per_kind.setdefault(kind, []).append(t2 - t0)
            classify_only.append(t1 - t0)
            if (found is None) != (kind == "unknown"):
                misses += 1
        code_only: list[float] = []
        for _kind, payload in mix[:5000]:
            t0 = time.perf_counter()
            find(conn, payload.strip())
            code_only.append(time.perf_counter() - t0)
    known.close()
    everything = [v for values in per_kind.values() for v in values]
    print(f"store {path}: " + ", ".join(f"{v:,} {k}s" for k, v in counts.items()))
    print(f"{len(everything)} scans, {misses} resolved to the wrong answer")
    print(f"{'':28s} {'n':>6s} {'p50 ms':>8s} {'p99 ms':>8s} {'p99.9 ms':>9s}")
    rows = [("classify + resolve (all)", everything)]
    rows += [(f"  {k}", v) for k, v in sorted(per_kind.items())]
    rows += [("classify only", classify_only), ("find(code) only", code_only)]
    for name, values in rows:
        print(f"{name:28s} {len(values):6d} {statistics.median(values) * 1e3:8.3f} "
              f"{pct(values, 99) * 1e3:8.3f} {pct(values, 99.9) * 1e3:9.3f}")
    engine.dispose()
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
