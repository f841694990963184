"""The fast form of bench/proof_fuzz.py: a few thousand hostile payloads through the
classifier and the scan pipeline's refusal path, never an exception, never a swallowed one."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_SPEC = importlib.util.spec_from_file_location(
    "proof_fuzz", Path(__file__).resolve().parent.parent / "bench" / "proof_fuzz.py")
proof_fuzz = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(proof_fuzz)


def test_hostile_payloads_never_break_classify_or_the_pipeline(tmp_path):
    counts = proof_fuzz.prove(3000, pipeline_every=1, folder=tmp_path, seed=12)
    assert counts["failures"] == 0, counts
    assert counts["payloads"] == 3000 and counts["through_pipeline"] > 2000
    assert counts["refused"] > 0 and counts.get("kind_bin", 0) > 0  # both paths were taken


def test_the_payloads_are_hostile_and_reproducible():
    import random

    first = list(proof_fuzz.payloads(random.Random(3), 2000))
    assert first == list(proof_fuzz.payloads(random.Random(3), 2000))
    text = [p for p in first if isinstance(p, str)]
    assert any("\x1b" in p for p in text) and any("\x00" in p for p in text)
    assert any(len(p) > 1000 for p in text) and any(isinstance(p, bytes) for p in first)
    assert any(0xD800 <= ord(c) <= 0xDFFF for p in text for c in p)  # lone surrogates
