"""Real-world-shaped dock labels (tests/dock_labels.jsonl): every one classified right.

Each case names the source of its shape (a standard's example, a public label layout); check
digits in the file were computed, expected answers written from the standard. Kinds: UPC-E,
variable-measure EAN/UPC, GS1 counts / measures / (02) / GIAI / GRAI / GLN + (254), a lost
separator, HIBC, ISO/IEC 15434 formats 05 and 06, caps lock.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner_tui.scanning.classify import classify

CASES = [
    json.loads(line)
    for line in (Path(__file__).parent / "dock_labels.jsonl").read_text("utf-8").splitlines()
    if line
]


def test_corpus_is_big_and_sourced() -> None:
    assert len(CASES) >= 60
    assert len({case["name"] for case in CASES}) == len(CASES)
    assert all(case["source"].strip() for case in CASES)
    kinds = {case["expect"]["kind"] for case in CASES}
    assert {"product", "asset", "container", "bin", "badge", "command", "unknown"} <= kinds


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_label(case: dict) -> None:
    got = classify(case["payload"]).to_dict()
    assert {k: got.get(k) for k in case["expect"]} == case["expect"]
    if got["kind"] == "unknown":
        assert got.get("reason")


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_label_as_bytes_gives_the_same_answer(case: dict) -> None:
    assert classify(case["payload"].encode("utf-8")) == classify(case["payload"])
