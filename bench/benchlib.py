"""What the benches share: the percentile they report and the cached medium demo store.

Imported by the bench scripts as ``benchlib`` (``python bench/bench_x.py`` puts ``bench/`` on
``sys.path``).
"""

from __future__ import annotations

from pathlib import Path

MEDIUM = Path("/tmp/scanner_tui_bench/medium.db")


def pct(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank on the sorted values, rounded)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def medium_template() -> Path:
    """The medium demo store (2k bins, 5k SKUs, 100k units), built once and cached in
    ``MEDIUM``; benches copy it before they change anything."""
    if not MEDIUM.exists():
        from scanner_tui.inventory.db import open_store
        from scanner_tui.inventory.demo import build_demo

        MEDIUM.parent.mkdir(parents=True, exist_ok=True)
        print(f"building the medium demo store in {MEDIUM} (once) ...", flush=True)
        engine = open_store(f"sqlite:///{MEDIUM}")
        build_demo(engine, "medium")
        engine.dispose()
    return MEDIUM
