"""Serial path: bytes written into a pty (the scanner) to ``on_scan`` called in the reader thread.

    .venv/bin/python bench/bench_serial.py [--scans N] [--burst N] [--json]

Latency: one scan at a time, timed from just before ``os.write`` on the pty master to the
moment the reader thread calls ``on_scan`` (``time.perf_counter``), for each terminator set-up.
Burst: N scans written back to back; scans per second until the last one arrived, and a check
that none was lost, merged, doubled or reordered.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scanner_tui.scanning.serial_reader import SerialScanner  # noqa: E402
from tests.pty_scanner import PtyScanner, wait_for  # noqa: E402

SETUPS = [  # (name, configured terminator, what the scanner sends)
    ("CR, scanner sends CR", "CR", b"\r"),
    ("CRLF, scanner sends CRLF", "CRLF", b"\r\n"),
    ("CRLF, scanner sends CR only", "CRLF", b"\r"),
]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def latency(terminator: str, suffix: bytes, scans: int) -> dict:
    arrived = threading.Event()
    stamps: list[float] = []

    def on_scan(scan) -> None:
        stamps.append(time.perf_counter())
        arrived.set()

    with PtyScanner() as pty:
        reader = SerialScanner(pty.path, terminator=terminator, on_scan=on_scan)
        reader.start()
        try:
            wait_for(lambda: reader.status.connected, what="the reader to connect")
            samples = []
            for n in range(scans):
                arrived.clear()
                started = time.perf_counter()
                pty.write(f"AT{n:08d}".encode() + suffix)
                if not arrived.wait(5):
                    raise SystemExit(f"scan {n} never arrived")
                samples.append((stamps[-1] - started) * 1000)
                time.sleep(0.002)
        finally:
            reader.stop()
    return {
        "p50_ms": round(statistics.median(samples), 3),
        "p99_ms": round(percentile(samples, 99), 3),
        "max_ms": round(max(samples), 3),
    }


def burst(count: int) -> dict:
    payloads: list[str] = []
    with PtyScanner() as pty:
        reader = SerialScanner(pty.path, terminator="CRLF",
                               on_scan=lambda scan: payloads.append(scan.payload))
        reader.start()
        try:
            wait_for(lambda: reader.status.connected, what="the reader to connect")
            expected = [f"AT{n:08d}" for n in range(count)]
            data = b"".join(f"{p}\r\n".encode() for p in expected)
            started = time.perf_counter()
            pty.write(data, timeout=60)
            wait_for(lambda: len(payloads) >= count, timeout=60, what="the burst")
            elapsed = time.perf_counter() - started
            time.sleep(0.2)
        finally:
            reader.stop()
    intact = [p.removesuffix("\r\n") for p in payloads] == expected
    return {"scans": count, "seconds": round(elapsed, 3),
            "scans_per_s": round(count / elapsed), "intact": intact}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=500)
    parser.add_argument("--burst", type=int, default=20_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = {name: latency(term, suffix, args.scans) for name, term, suffix in SETUPS}
    results["burst"] = burst(args.burst)
    if args.json:
        print(json.dumps(results))
        return
    for name, figures in results.items():
        print(f"{name:30} " + "  ".join(f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
