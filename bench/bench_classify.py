"""Classification throughput and per-payload latency (p50 / p99 / max).

    .venv/bin/python bench/bench_classify.py [--passes N] [--json] [--corpus PATH] [--cpu]

Mixes: the shared scan corpus (every case, overlong and hostile ones included), a GS1-heavy
mix (GS1-128 / DataMatrix / printed form / Digital Link / SSCC, each payload distinct), the
dock labels of tests/dock_labels.jsonl (UPC-E, variable measure, GIAI/GRAI/GLN, HIBC,
ISO/IEC 15434, caps lock, lost separators), the plain tags (bins, assets, badges, commands),
and a site rule that backtracks for seconds in Python's ``re`` (``^(A+)+$`` on 255 characters).
Each payload is timed on its own with ``time.perf_counter_ns``; throughput is payloads per
second of time spent classifying. "cold" empties the answer caches (GS1, HIBC, ISO/IEC 15434)
before every call (every label seen for the first time); "warm" lets them work (the same
labels scanned again, as at receiving). ``--corpus PATH`` names the shared corpus when
../shared is not beside the repository (a worktree elsewhere).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from biip.checksums import gs1_standard_check_digit

from scanner_tui.scanning import gs1, hibc, iso15434
from scanner_tui.scanning.classify import classify
from scanner_tui.scanning.rules import DEFAULT_RULES, TagRules

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "scans" / "corpus.jsonl"
DOCK_LABELS = REPO / "tests" / "dock_labels.jsonl"
HOSTILE_RULE = TagRules.from_patterns(bin="^(A+)+$")
GS = "\x1d"


def corpus_mix(path: Path = CORPUS) -> list[str]:
    if not path.exists():
        sys.exit(f"scan corpus not found at {path} (give it with --corpus)")
    return [json.loads(line)["payload"] for line in path.read_text().splitlines() if line]


def _gtin(rng: random.Random) -> str:
    body = "0" + "".join(rng.choice("0123456789") for _ in range(12))
    return body + str(gs1_standard_check_digit(body))


def _sscc(rng: random.Random) -> str:
    body = "0" + "".join(rng.choice("0123456789") for _ in range(16))
    return body + str(gs1_standard_check_digit(body))


def gs1_mix(count: int = 500, seed: int = 7) -> list[str]:
    """Distinct GS1 payloads in the forms the floor sees."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        gtin, serial, lot = _gtin(rng), f"SN{i:06d}", f"L{rng.randrange(10**5)}"
        expiry = f"{rng.randrange(26, 35):02d}{rng.randrange(1, 13):02d}{rng.randrange(0, 29):02d}"
        form = i % 8
        if form == 0:
            out.append(f"]d201{gtin}17{expiry}10{lot}{GS}21{serial}")
        elif form == 1:
            out.append(f"]C101{gtin}17{expiry}10{lot}")
        elif form == 2:
            out.append(f"01{gtin}21{serial}")
        elif form == 3:
            out.append(f"(01){gtin}(21){serial}(10){lot}")
        elif form == 4:
            out.append(f"https://id.gs1.org/01/{gtin}/21/{serial}")
        elif form == 5:
            out.append(f"]C100{_sscc(rng)}")
        elif form == 6:
            out.append(gtin[1:] + "\r")  # EAN-13 with the wedge's Enter
        else:
            out.append(f"]Q1https://id.gs1.org/01/{gtin}/10/{lot}?17={expiry}")
    return out


def dock_label_mix() -> list[str]:
    return [json.loads(line)["payload"] for line in DOCK_LABELS.read_text().splitlines() if line]


def hostile_rule_mix() -> list[str]:
    return ["A" * 255 + "!", "A" * 120 + "B" + "A" * 100, "A" * 255]


def tag_mix() -> list[str]:
    return ["A04-B-12\r", "AB07-D-40", "AT00000042", "OP-0001", "CMD:DONE", "C11-A-03\r\n"]


def measure(
    payloads: list[str], passes: int, cold: bool, rules: TagRules = DEFAULT_RULES,
    clock: Callable[[], int] = time.perf_counter_ns,
) -> dict:
    """Time every call; ``cold`` empties the answer caches before each one (untimed).
    ``clock``: wall time, or the thread's CPU time (which leaves out time spent preempted)."""
    for payload in payloads:  # warm-up (imports, regex caches)
        classify(payload, rules)
    samples: list[int] = []
    caches = (gs1.interpret_cached, hibc.interpret_cached, iso15434.interpret_cached)

    def clear_all() -> None:
        for cache in caches:
            cache.cache_clear()

    clear = clear_all if cold else (lambda: None)
    total = 0
    gc.disable()
    try:
        for _ in range(passes):
            for payload in payloads:
                clear()
                t0 = clock()
                classify(payload, rules)
                spent = clock() - t0
                samples.append(spent)
                total += spent
    finally:
        gc.enable()
    samples.sort()
    n = len(samples)
    return {
        "payloads": len(payloads),
        "calls": n,
        "per_second": round(n / (total / 1e9)),
        "mean_us": round(statistics.fmean(samples) / 1000, 1),
        "p50_us": round(samples[n // 2] / 1000, 1),
        "p99_us": round(samples[min(n - 1, int(n * 0.99))] / 1000, 1),
        "max_us": round(samples[-1] / 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=200, help="passes over each mix")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the shared scan corpus")
    parser.add_argument("--cpu", action="store_true",
                        help="time with the thread's CPU clock: leaves out time the process "
                             "spent preempted on a busy machine (the wall clock is the default)")
    args = parser.parse_args()
    clock = time.thread_time_ns if args.cpu else time.perf_counter_ns
    gs1 = gs1_mix()
    mixes = {
        "corpus": corpus_mix(args.corpus),
        "gs1-heavy": gs1,
        "dock-labels": dock_label_mix(),
        "tags": tag_mix(),
    }
    results = {}
    for name, payloads in mixes.items():
        passes = args.passes if name != "gs1-heavy" else max(1, args.passes // 10)
        results[f"{name} cold"] = measure(payloads, passes, cold=True, clock=clock)
        if name != "tags":  # tags never reach the GS1 cache
            results[f"{name} warm"] = measure(payloads, passes, cold=False, clock=clock)
    results["^(A+)+$ rule"] = measure(hostile_rule_mix(), args.passes, cold=False,
                                      rules=HOSTILE_RULE, clock=clock)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    head = f"{'mix':<17} {'payloads':>8} {'calls':>8} {'per s':>9} {'mean µs':>8} " \
           f"{'p50 µs':>7} {'p99 µs':>7} {'max µs':>8}"
    print(head)
    print("-" * len(head))
    for name, r in results.items():
        print(f"{name:<17} {r['payloads']:>8} {r['calls']:>8} {r['per_second']:>9} "
              f"{r['mean_us']:>8} {r['p50_us']:>7} {r['p99_us']:>7} {r['max_us']:>8}")


if __name__ == "__main__":
    main()
