"""Cycle counts: plan, count (blind), compare, recount, approve, report.

Flow: a supervisor plans a count (``plan_count``: bins by code, zone, SKU, flagged, or not
counted for N days; assigned to a badge or open). A counter scans a bin (``start_bin``: the
books are snapshotted now, with the newest ledger id), counts units (``count_unit``; a unit the
books put elsewhere is counted as found here) and quantities (``count_qty`` / ``set_qty``),
then closes it (``close_bin``: ledger rows into/out of the bin up to now are moves during the
count). ``compare`` shows expected vs counted per bin and line, in units and value, with
missing / unexpected / wrong-bin serials. A supervisor sends bins back (``recount``: another
counter) or approves (``approve``: one transaction of ``lost`` / ``move`` / ``found`` /
``adjust`` ledger rows; never their own count). ``accuracy`` reports approved lines per zone and
period; ``counts_export`` is the ``export counts`` query.
"""

from __future__ import annotations

from scanner_tui.inventory.counting.approve import approve, recount
from scanner_tui.inventory.counting.common import COUNTABLE, CountRefused
from scanner_tui.inventory.counting.compare import (
    BinComparison,
    CountComparison,
    LineComparison,
    compare,
)
from scanner_tui.inventory.counting.plan import (
    CountInfo,
    bins_to_count,
    last_counted,
    list_counts,
    plan_count,
)
from scanner_tui.inventory.counting.report import Accuracy, AccuracyReport, accuracy, counts_export
from scanner_tui.inventory.counting.session import (
    BinCount,
    Counted,
    abandon_bin,
    close_bin,
    count_qty,
    count_unit,
    counted_lines,
    drop_line,
    expected_lines,
    set_qty,
    start_bin,
)

__all__ = [
    "COUNTABLE", "CountRefused", "BinComparison", "CountComparison", "LineComparison",
    "compare", "CountInfo", "bins_to_count", "last_counted", "list_counts", "plan_count",
    "approve", "recount",
    "Accuracy", "AccuracyReport", "accuracy", "counts_export", "BinCount", "Counted",
    "abandon_bin", "close_bin", "count_qty", "count_unit", "counted_lines", "drop_line",
    "expected_lines", "set_qty", "start_bin",
]
