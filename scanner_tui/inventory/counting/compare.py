"""Compare a count with the books: per bin and line, expected, counted, variance and value.

Expected is the snapshot taken when the bin was started plus the ledger rows into or out of the
bin after the snapshot (by ledger id) up to its close, so work done in the bin during the count
does not show up as variance. A counted unit the books did not have in the bin is *wrong bin*
(the books had it in another bin: which one, at the close) or *unexpected* (the books had it
in no bin: lost, shipped, scrapped...). An expected unit not counted is *missing*.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, Table, and_, or_, select

from scanner_tui.inventory.counting.common import (
    CLOSED_BIN,
    COUNTABLE,
    T_ASSET,
    T_BIN,
    T_CLINE,
    T_LEDGER,
    T_SKU,
    T_SNAP,
    count_row,
)
from scanner_tui.inventory.counting.plan import bins_of


@dataclass(frozen=True, slots=True)
class LineComparison:
    """One product (and lot) in one bin. ``lot`` is ``""`` for all lots when the counter gave
    none for a product the books hold in lots (``lots`` then lists the books' lots)."""

    sku: str
    sku_id: int
    tracking: str
    lot: str
    expected: int
    counted: int
    unit_value: float
    missing: tuple[str, ...] = ()
    unexpected: tuple[tuple[str, str], ...] = ()  # (serial, status by the books)
    wrong_bin: tuple[tuple[str, str], ...] = ()  # (serial, the bin the books had it in)
    lots: tuple[tuple[str, int], ...] = ()  # expected per lot, when lots were merged

    @property
    def variance(self) -> int:
        return self.counted - self.expected

    @property
    def value(self) -> float:
        return round(self.variance * self.unit_value, 2)

    @property
    def exact(self) -> bool:
        return self.variance == 0 and not (self.missing or self.unexpected or self.wrong_bin)


@dataclass(frozen=True, slots=True)
class BinComparison:
    count_bin_id: int
    bin: str
    bin_id: int
    bin_kind: str
    zone: str
    status: str
    round: int
    counter: str
    snapshot_ledger_id: int | None
    close_ledger_id: int | None
    moves_during: int = 0  # ledger rows into or out of the bin while it was being counted
    lines: tuple[LineComparison, ...] = ()

    @property
    def closed(self) -> bool:
        return self.status in CLOSED_BIN

    @property
    def exact(self) -> bool:
        return all(line.exact for line in self.lines)


@dataclass(frozen=True, slots=True)
class CountComparison:
    code: str
    count_id: int
    status: str
    blind: bool
    bins: tuple[BinComparison, ...] = field(default_factory=tuple)

    @property
    def variance_units(self) -> int:
        return sum(ln.variance for b in self.bins for ln in b.lines)

    @property
    def variance_value(self) -> float:
        return round(sum(ln.value for b in self.bins for ln in b.lines), 2)


def _state_at(conn: Connection, asset_id: int, upto: int) -> tuple[int | None, str]:
    """A unit's (bin, status) by the books as of ledger row ``upto``."""
    row = conn.execute(
        select(T_LEDGER.c.to_bin_id, T_LEDGER.c.status_after)
        .where(T_LEDGER.c.asset_id == asset_id, T_LEDGER.c.id <= upto,
               T_LEDGER.c.status_after.is_not(None))
        .order_by(T_LEDGER.c.id.desc()).limit(1)).first()
    if row is None:  # no history: the unit as it stands
        row = conn.execute(select(T_ASSET.c.bin_id, T_ASSET.c.status)
                           .where(T_ASSET.c.id == asset_id)).first()
    return row[0], row[1]


def _round_lines(conn: Connection, table: Table, cb) -> tuple[defaultdict, dict]:  # noqa: ANN001
    """A count bin's lines of its current round in ``table`` (the snapshot or the counted
    lines): quantities by (sku, lot) and units by asset id -> sku id."""
    qty: defaultdict[tuple[int, str], int] = defaultdict(int)
    units: dict[int, int] = {}
    for sku_id, asset_id, lot, n in conn.execute(
            select(table.c.sku_id, table.c.asset_id, table.c.lot, table.c.qty)
            .where(table.c.count_bin_id == cb.id, table.c.round == cb.round)):
        if asset_id is None:
            qty[(sku_id, lot)] += n
        else:
            units[asset_id] = sku_id
    return qty, units


def expected_at_close(conn: Connection, cb) -> tuple[dict, dict, int]:  # noqa: ANN001
    """(quantities by (sku, lot), units by asset id -> sku id, rows moved during the count)."""
    qty, units = _round_lines(conn, T_SNAP, cb)
    lo, hi, b = cb.snapshot_ledger_id or 0, cb.close_ledger_id or 0, cb.bin_id
    moved = 0
    if hi > lo:
        here = or_(T_LEDGER.c.from_bin_id == b, T_LEDGER.c.to_bin_id == b)
        cond = and_(T_LEDGER.c.asset_id.is_not(None), T_LEDGER.c.status_after.is_not(None))
        snap_units = list(units)
        if snap_units:
            here = or_(here, T_LEDGER.c.asset_id.in_(snap_units))
        rows = conn.execute(
            select(T_LEDGER.c.id, T_LEDGER.c.sku_id, T_LEDGER.c.asset_id, T_LEDGER.c.qty,
                   T_LEDGER.c.from_bin_id, T_LEDGER.c.to_bin_id, T_LEDGER.c.lot,
                   T_LEDGER.c.status_after)
            .where(T_LEDGER.c.id > lo, T_LEDGER.c.id <= hi, here,
                   or_(T_LEDGER.c.asset_id.is_(None), cond))
            .order_by(T_LEDGER.c.id)).all()
        for _id, sku_id, asset_id, n, frm, to, lot, status in rows:
            if asset_id is None:
                if frm == b:
                    qty[(sku_id, lot)] -= n
                if to == b:
                    qty[(sku_id, lot)] += n
                moved += frm == b or to == b
                continue
            if to == b and status in COUNTABLE:
                moved += asset_id not in units or frm != b
                units[asset_id] = sku_id
            elif asset_id in units:
                moved += 1
                units.pop(asset_id)
    return dict(qty), units, moved


def _compare_bin(conn: Connection, cb, skus: dict) -> BinComparison:  # noqa: ANN001
    base = dict(count_bin_id=cb.id, bin=cb.bin_code, bin_id=cb.bin_id, bin_kind=cb.kind,
                zone=cb.zone, status=cb.status, round=cb.round, counter=cb.counter,
                snapshot_ledger_id=cb.snapshot_ledger_id, close_ledger_id=cb.close_ledger_id)
    if cb.status not in CLOSED_BIN:
        return BinComparison(**base)
    exp_qty, exp_units, moved = expected_at_close(conn, cb)
    cnt_qty, cnt_units = _round_lines(conn, T_CLINE, cb)
    ids = set(exp_units) | set(cnt_units)
    serial = {r[0]: r[1] for r in conn.execute(select(T_ASSET.c.id, T_ASSET.c.serial)
                                               .where(T_ASSET.c.id.in_(ids)))} if ids else {}
    codes = {}
    lines: list[LineComparison] = []

    def sku(sid: int):  # noqa: ANN202
        if sid not in skus:
            skus[sid] = conn.execute(select(T_SKU.c.code, T_SKU.c.tracking, T_SKU.c.unit_value)
                                     .where(T_SKU.c.id == sid)).first()
        return skus[sid]

    def bin_code(bid: int | None) -> str:
        if bid not in codes:
            codes[bid] = conn.execute(select(T_BIN.c.code).where(T_BIN.c.id == bid)).scalar()
        return codes[bid] or ""

    for sid in sorted({*exp_units.values(), *cnt_units.values()}, key=lambda s: sku(s).code):
        expected = {a for a, s in exp_units.items() if s == sid}
        counted = {a for a, s in cnt_units.items() if s == sid}
        wrong, unexpected = [], []
        for a in sorted(counted - expected, key=lambda a: serial[a]):
            at_bin, status = _state_at(conn, a, cb.close_ledger_id or 0)
            if at_bin is not None and at_bin != cb.bin_id and status in COUNTABLE:
                wrong.append((serial[a], bin_code(at_bin)))
            else:
                unexpected.append((serial[a], status))
        s = sku(sid)
        lines.append(LineComparison(
            s.code, sid, s.tracking, "", len(expected), len(counted), float(s.unit_value),
            tuple(sorted(serial[a] for a in expected - counted)), tuple(unexpected),
            tuple(wrong)))
    by_sku: dict[int, set[str]] = defaultdict(set)
    for sid, lot in {*exp_qty, *cnt_qty}:
        by_sku[sid].add(lot)
    for sid in sorted(by_sku, key=lambda s: sku(s).code):
        lots = by_sku[sid]
        s = sku(sid)
        exp_lots = {lot for lot in lots if exp_qty.get((sid, lot), 0)}
        if cnt_qty.get((sid, ""), 0) and exp_lots and "" not in exp_lots:
            # counted without a lot, held in lots by the books: one line for all lots
            per_lot = tuple((lot, exp_qty[(sid, lot)]) for lot in sorted(exp_lots))
            lines.append(LineComparison(
                s.code, sid, s.tracking, "", sum(q for _, q in per_lot),
                sum(cnt_qty.get((sid, lot), 0) for lot in lots), float(s.unit_value),
                lots=per_lot))
            continue
        for lot in sorted(lots):
            e, c = exp_qty.get((sid, lot), 0), cnt_qty.get((sid, lot), 0)
            if e or c:
                lines.append(LineComparison(s.code, sid, s.tracking, lot, e, c,
                                            float(s.unit_value)))
    return BinComparison(**base, moves_during=moved, lines=tuple(lines))


def compare_on(conn: Connection, code: str) -> CountComparison:
    """The comparison read on an open connection (approval uses its own transaction)."""
    count = count_row(conn, code)
    skus: dict = {}
    bins = tuple(_compare_bin(conn, cb, skus) for cb in bins_of(conn, count.id))
    return CountComparison(count.code, count.id, count.status, bool(count.blind), bins)


def compare(engine: Engine, code: str) -> CountComparison:
    """Compare count ``code`` with the books (closed bins have lines; others only a status)."""
    with engine.connect() as conn:
        return compare_on(conn, code)


__all__ = ["LineComparison", "BinComparison", "CountComparison", "compare", "compare_on",
           "expected_at_close"]
