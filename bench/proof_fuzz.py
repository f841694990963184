"""Proof: hostile payloads never break the classifier or the scan pipeline's refusal path.

    python bench/proof_fuzz.py [--payloads 1000000] [--pipeline-every 1] [--seed N]

Generates payloads (random text and bytes, control characters, ANSI escapes, Rich markup,
lone surrogates, NUL, very long strings, GS1 data with broken AIs, mutations of real codes)
and puts every one through ``classify`` with the default rules, and every ``--pipeline-every``
-th one through the real scan pipeline on a SQLite store with the store's known-code look-up
(classify -> journal -> handler -> outcome). A failure is: an exception, a swallowed one (the
classifier's "internal error" answer, or anything logged at ERROR), an answer with no reason
for a refusal, a journal row that does not read back as written, or a refusal sentence that
would put a control character on the screen. Prints the counts; exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import time
from pathlib import Path

SEEDS = [
    "A04-B-12", "AT00000042", "4006381333931", "]d2010950110102091721SN0001",
    "]C100009501101530000038", "(01)09501101020917(21)SN0001", "OP-0001", "CMD:DONE",
    "https://id.gs1.org/01/09501101020917/21/SN0001", "0109501101020917\x1d10LOT1\x1d21S",
    "]Q3010950110102091717260131", "[bold red]x[/]", "\x1b[2J\x1b[H", "", "\r\n", "\t",
]
ALPHABET = ("ABCXYZ0123456789-()[]/:;.,_ \\'\"%*?&=+#@!<>|~^`{}$\x1d\x1e\x04\x00\x1b\x7f"
            "\r\n\t\u00a0\u200b\u202e\ufeff\u00e9\u4e2d\U0001f4a9")


def payloads(rng: random.Random, n: int):
    """``n`` payloads, reproducible from the seed."""
    for _ in range(n):
        pick = rng.random()
        if pick < 0.05:  # a real code as a scanner sends it
            yield rng.choice(SEEDS) + rng.choice(("", "\r", "\r\n"))
        elif pick < 0.30:  # a real code, mutated
            p = list(rng.choice(SEEDS))
            for _ in range(rng.randint(1, 4)):
                at = rng.randint(0, len(p))
                op = rng.random()
                if op < 0.4:
                    p.insert(at, rng.choice(ALPHABET))
                elif p and op < 0.7:
                    del p[min(at, len(p) - 1)]
                elif p:
                    p[min(at, len(p) - 1)] = rng.choice(ALPHABET)
            yield "".join(p) + rng.choice(("", "\r", "\n", "\r\n", "\t"))
        elif pick < 0.55:  # random characters from the awkward alphabet
            yield "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40)))
        elif pick < 0.70:  # any code point, surrogates included
            yield "".join(chr(rng.randint(0, 0x10FFFF)) for _ in range(rng.randint(1, 20)))
        elif pick < 0.80:  # raw bytes, as a serial port may deliver them
            yield bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 40)))
        elif pick < 0.88:  # GS1 element strings with random AIs and values
            parts = [rng.choice(("]d2", "]C1", "]Q3", "]e0", "", "("))]
            for _ in range(rng.randint(1, 5)):
                ai = str(rng.choice((0, 1, 10, 11, 17, 21, 240, 310, 400, 8200, 90, 99)))
                value = "".join(rng.choice("0123456789ABCxyz-/") for _ in
                                range(rng.randint(0, 25)))
                parts.append(ai + value + rng.choice(("", "\x1d", ")(", "|")))
            yield "".join(parts)
        elif pick < 0.93:  # long
            yield rng.choice("0A]\x1d[") * rng.randint(100, 6000)
        else:  # markup and escapes wrapped around codes
            yield (rng.choice(("[", "[link=", "\x1b]8;;", "\x1b[", "[@click=app.quit]"))
                   + rng.choice(SEEDS) + rng.choice(("]", "\x07", "m", "[/]")))


class _Errors(logging.Handler):
    """Counts what the app logs at ERROR (a swallowed exception is still a failure)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def prove(n: int, pipeline_every: int, folder: Path, seed: int = 1,
          show: int = 5) -> dict[str, int]:
    from scanner_tui.inventory.db import open_store
    from scanner_tui.inventory.demo import build_demo
    from scanner_tui.inventory.journal import read_journal, storable
    from scanner_tui.inventory.lookup import StoreKnownCodes
    from scanner_tui.scanning.classify import INTERNAL, classify
    from scanner_tui.scanning.result import Kind, Scan, Source
    from scanner_tui.scanning.rules import DEFAULT_RULES
    from scanner_tui.ui.pipeline import EchoHandler, ScanPipeline
    from scanner_tui.ui.safe_text import visible

    engine = open_store(f"sqlite:///{folder / 'fuzz.db'}")
    build_demo(engine, "small")
    known = StoreKnownCodes(engine)
    pipeline = ScanPipeline(engine, DEFAULT_RULES, reply=lambda _h: None, terminal="FUZZ",
                            known=known)
    handler = EchoHandler()
    errors = _Errors()
    logging.getLogger("scanner_tui").addHandler(errors)
    counts = {"payloads": 0, "through_pipeline": 0, "refused": 0, "failures": 0}
    kinds: dict[str, int] = {}
    failures: list[str] = []

    def fail(what: str, payload: object) -> None:
        counts["failures"] += 1
        if len(failures) < show:
            failures.append(f"{what}: {payload!r:.120}")

    rng = random.Random(seed)
    try:
        for i, payload in enumerate(payloads(rng, n)):
            counts["payloads"] += 1
            logged = len(errors.records)
            try:
                result = classify(payload, DEFAULT_RULES)
            except Exception as exc:  # noqa: BLE001  (this is what the proof looks for)
                fail(f"classify raised {type(exc).__name__}", payload)
                continue
            kinds[str(result.kind)] = kinds.get(str(result.kind), 0) + 1
            if result.reason == INTERNAL or len(errors.records) != logged:
                fail("classify failed inside", payload)
            if not isinstance(result.kind, Kind) or (not result.accepted and not result.reason):
                fail("an answer without a kind or a reason", payload)
            if i % pipeline_every or isinstance(payload, bytes):
                continue
            counts["through_pipeline"] += 1
            scan = Scan(payload, Source.SERIAL)
            try:
                handled = pipeline.process(scan, handler)
            except Exception as exc:  # noqa: BLE001
                fail(f"pipeline raised {type(exc).__name__}", payload)
                continue
            if len(errors.records) != logged or not handled.journaled:
                fail("pipeline failed inside", payload)
            if not handled.outcome.accepted:
                counts["refused"] += 1
                shown = visible(handled.outcome.message)
                if not handled.outcome.message or any(
                        ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in shown):
                    fail("a refusal that is empty or puts control characters on screen",
                         payload)
            if counts["through_pipeline"] % 997 == 0:  # spot-check the journal round trip
                (row,) = read_journal(engine, 1)
                if row["scan_id"] != scan.id or row["payload"] != storable(payload):
                    fail("the journal does not read back what was scanned", payload)
    finally:
        logging.getLogger("scanner_tui").removeHandler(errors)
        known.close()
        engine.dispose()
    for line in failures:
        print("FAIL:", line, file=sys.stderr)
    for record in errors.records[:show]:
        print("LOGGED:", record.getMessage(), file=sys.stderr)
    return {**counts, **{f"kind_{k}": v for k, v in sorted(kinds.items())}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payloads", type=int, default=1_000_000)
    parser.add_argument("--pipeline-every", type=int, default=1,
                        help="send every N-th payload through the scan pipeline too")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        counts = prove(args.payloads, max(1, args.pipeline_every), Path(tmp), args.seed)
    counts["seconds"] = round(time.perf_counter() - started)
    print(" ".join(f"{k}={v}" for k, v in counts.items()))
    sys.exit(1 if counts["failures"] else 0)


if __name__ == "__main__":
    main()
