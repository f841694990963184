"""Count accuracy from approved counts (per zone, per period) and the ``counts`` export query.

A line is *exact* when what was counted is what the books expected: same quantity, and no unit
missing, unexpected or from another bin. Accuracy = exact lines / lines counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, Select, select

from scanner_tui.inventory.counting.common import T_BIN, T_COUNT, T_RESULT, T_SKU
from scanner_tui.inventory.models import as_aware, utcnow
from scanner_tui.inventory.verify import reader


@dataclass
class Accuracy:
    """Accuracy of a group of approved count lines (a zone, a day or week)."""

    label: str
    lines: int = 0
    exact: int = 0
    units_expected: int = 0
    units_off: int = 0  # sum of |variance|
    value_off: float = 0.0  # sum of |variance x unit value|

    @property
    def percent(self) -> float:
        return 100.0 * self.exact / self.lines if self.lines else 100.0

    def add(self, row) -> None:  # noqa: ANN001
        self.lines += 1
        self.exact += int(row.variance == 0 and not (row.missing or row.unexpected
                                                     or row.wrong_bin))
        self.units_expected += row.expected
        self.units_off += abs(row.variance)
        self.value_off += abs(row.value)


@dataclass
class AccuracyReport:
    total: Accuracy
    zones: list[Accuracy]
    periods: list[Accuracy]  # oldest first
    days: int
    by: str


def _period(at: datetime, by: str) -> str:
    if by == "week":
        year, week, _ = at.isocalendar()
        return f"{year}-W{week:02d}"
    return at.date().isoformat()


def accuracy(engine: Engine, *, days: int = 90, by: str = "week") -> AccuracyReport:
    """Accuracy of the count lines approved in the last ``days`` days, per zone and per
    ``by`` (``day`` or ``week``)."""
    if by not in ("day", "week"):
        raise ValueError("by must be 'day' or 'week'")
    since = utcnow() - timedelta(days=days)
    q = (select(T_RESULT.c.expected, T_RESULT.c.variance, T_RESULT.c.value, T_RESULT.c.missing,
                T_RESULT.c.unexpected, T_RESULT.c.wrong_bin, T_RESULT.c.approved_at, T_BIN.c.zone)
         .join(T_BIN, T_BIN.c.id == T_RESULT.c.bin_id)
         .where(T_RESULT.c.approved_at >= since).order_by(T_RESULT.c.approved_at))
    total = Accuracy("all")
    zones: dict[str, Accuracy] = {}
    periods: dict[str, Accuracy] = {}
    with reader(engine).connect() as conn:
        for row in conn.execute(q):
            total.add(row)
            zone = row.zone or "(no zone)"
            zones.setdefault(zone, Accuracy(zone)).add(row)
            label = _period(as_aware(row.approved_at), by)
            periods.setdefault(label, Accuracy(label)).add(row)
    return AccuracyReport(total, sorted(zones.values(), key=lambda a: a.label),
                          list(periods.values()), days, by)


def counts_export() -> Select:
    """Approved count lines with codes (``scanner-tui export counts``)."""
    return (
        select(T_COUNT.c.code.label("count"), T_BIN.c.code.label("bin"), T_BIN.c.zone,
               T_SKU.c.code.label("sku"), T_RESULT.c.lot, T_RESULT.c.expected,
               T_RESULT.c.counted, T_RESULT.c.variance, T_SKU.c.unit_value, T_RESULT.c.value,
               T_RESULT.c.missing, T_RESULT.c.unexpected, T_RESULT.c.wrong_bin,
               T_RESULT.c.counter, T_COUNT.c.approved_by, T_RESULT.c.approved_at)
        .join(T_COUNT, T_COUNT.c.id == T_RESULT.c.count_id)
        .join(T_BIN, T_BIN.c.id == T_RESULT.c.bin_id)
        .join(T_SKU, T_SKU.c.id == T_RESULT.c.sku_id)
        .order_by(T_RESULT.c.id)
    )
