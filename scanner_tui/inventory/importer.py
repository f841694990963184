"""CSV import of master data, opening balances and documents: all or nothing.

The file is read and checked completely first; any problem (missing column, unknown SKU or bin,
bad tracking value, duplicate serial, negative quantity, bad GTIN check digit, bad date) means
nothing is written and every problem is reported with its line. Then one transaction writes it
all in bulk, with an ``opening`` ledger row for every unit and every stock line so ``verify``
agrees. Columns are documented in docs/IMPORT.md.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from time import perf_counter

from sqlalchemy import Connection, Engine, bindparam, select, update

from scanner_tui import codes as C
from scanner_tui.config import TagsConfig
from scanner_tui.inventory import chain
from scanner_tui.inventory.demo import bulk_insert, fix_sequences, next_id
from scanner_tui.inventory.identity import policy_for
from scanner_tui.inventory.models import (
    BIN_KINDS,
    CHANNELS,
    ROLES,
    TRACKING,
    Asset,
    Barcode,
    Bin,
    ExpectedSerial,
    LedgerEntry,
    Operator,
    Order,
    OrderLine,
    Receipt,
    ReceiptLine,
    Sku,
    Stock,
    utcnow,
)
from scanner_tui.scanning.classify import classify
from scanner_tui.scanning.gs1 import GTIN_LENGTHS, gtin14
from scanner_tui.text import CONTROL, counted

Progress = Callable[[str, int, int], None]

COLUMNS: dict[str, tuple[list[str], list[str]]] = {
    # kind: (required columns, optional columns)
    "bins": (["code", "zone", "kind"], ["gln", "gln_extension"]),
    "skus": (["code", "description", "tracking", "gtin", "unit_value"],
             ["capture_lot", "capture_expiry", "aliases", "serial_pattern"]),
    "operators": (["badge", "name", "role"], []),
    "assets": (["serial", "sku", "bin", "lot", "expiry"], []),
    "stock": (["sku", "bin", "qty", "lot"], ["expiry"]),
    "receipts": (["receipt", "supplier", "sku", "qty"], ["serial"]),
    "orders": (["order", "customer", "channel", "sku", "qty"], []),
}
KINDS = tuple(COLUMNS)
MAX_PROBLEMS = 50
TRUE = {"true", "yes", "y", "1"}
FALSE = {"false", "no", "n", "0", ""}


@dataclass(frozen=True)
class Problem:
    line: int  # 0: the file as a whole
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class ImportFailed(Exception):
    """The file was refused; nothing was imported. ``problems`` names each line."""

    def __init__(self, problems: list[Problem], more: bool = False) -> None:
        self.problems = problems
        self.more = more
        super().__init__("; ".join(str(p) for p in problems[:3]))


@dataclass
class ImportResult:
    kind: str
    rows: int
    created: dict[str, int] = field(default_factory=dict)
    updated: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        made = ", ".join(f"{n:,} {what}" for what, n in self.created.items() if n)
        text = f"imported {counted(self.rows, self.kind + ' row')}"
        if made:
            text += f": created {made}"
        if self.updated:
            text += f"; updated {self.updated:,} existing"
        return text


class _Checker:
    """Collects problems; stops collecting after MAX_PROBLEMS."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.more = False

    def add(self, line: int, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(line, message))
        else:
            self.more = True

    def raise_if_any(self) -> None:
        if self.problems:
            raise ImportFailed(self.problems, self.more)


# --- reading -----------------------------------------------------------------------------------

def _read_rows(path: Path, kind: str) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """All data rows as (line number, {column: stripped value}); raises ImportFailed on layout."""
    required, optional = COLUMNS[kind]
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise ImportFailed([Problem(0, f"cannot read {path}: {exc.strerror}")]) from None
    read_to = 0  # the last line of the last whole record read (a csv.Error is past it)
    try:
        with handle:
            reader = csv.reader(handle)
            header_row = next(reader, None)
            read_to = reader.line_num
            if header_row is None:
                raise ImportFailed([Problem(0, f"{path.name} is empty: expected a header row "
                                               f"{','.join(required)}")])
            header = [h.strip().lower() for h in header_row]
            problems = []
            missing = [c for c in required if c not in header]
            if missing:
                problems.append(Problem(1, f"missing column(s) {', '.join(missing)}; {kind} files "
                                           f"need {','.join(required)}"))
            unknown = [h for h in header if h not in required and h not in optional]
            if unknown:
                allowed = ",".join(required + optional)
                names = ", ".join(repr(u) for u in unknown)
                problems.append(Problem(1, f"unknown column(s) {names} (allowed: {allowed})"))
            dup = {h for h in header if header.count(h) > 1}
            if dup:
                problems.append(Problem(1, f"column(s) {', '.join(sorted(dup))} appear twice"))
            if problems:
                raise ImportFailed(problems)
            rows = []
            for values in reader:
                read_to = reader.line_num
                if not any(v.strip() for v in values):
                    continue  # blank line
                line = reader.line_num
                if len(values) != len(header):
                    rows.append((line, {"__width__": str(len(values))}))
                    continue
                rows.append((line, {h: v.strip() for h, v in zip(header, values, strict=True)}))
            return rows, header
    except UnicodeDecodeError:
        raise ImportFailed([Problem(0, f"{path.name} is not UTF-8 text")]) from None
    except csv.Error:
        raise ImportFailed([unreadable_record(path, read_to + 1)]) from None


def unreadable_record(path: Path, line: int) -> Problem:
    """Python's csv module refuses a record only when one value grows past its field limit:
    in a spreadsheet export that is a quote opened and never closed."""
    return Problem(line, f"a value starting on this line of {path.name} runs on for more than "
                         f"{csv.field_size_limit()} characters: most likely a quote (\") that "
                         "is never closed; close or remove it and import the file again")


# --- value checks ------------------------------------------------------------------------------

def _int(value: str, what: str, ctx: dict) -> int:
    """A quantity: ASCII digits only, 1..the site's limit per operation (``codes``)."""
    return C.parse_quantity(value, what=what, limit=ctx["max_quantity"])


def _date(value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"expiry {value!r} is not a date (write YYYY-MM-DD)") from None


def _bool(value: str, what: str) -> bool:
    v = value.lower()
    if v in TRUE:
        return True
    if v in FALSE:
        return False
    raise ValueError(f"{what} {value!r} is not yes/no (true, false, yes, no, 1, 0)")


def parse_gtin(value: str) -> str:
    """A GTIN-8/12/13/14 with a valid check digit, as 14 digits; ValueError otherwise."""
    if not (value.isascii() and value.isdigit()) or len(value) not in GTIN_LENGTHS:
        raise ValueError(f"GTIN {value!r} must be 8, 12, 13 or 14 digits (0-9)")
    if not value.strip("0"):
        raise ValueError(f"GTIN {value!r} is all zeros")
    gtin = gtin14(value)
    if gtin is None:
        raise ValueError(f"GTIN {value!r} has a wrong check digit")
    return gtin


def _length(value: str, what: str, limit: int) -> str:
    """Free text (a description, a name): no control characters, at most ``limit``."""
    if CONTROL.search(value):
        raise ValueError(f"{what} contains control characters")
    return C.check_text(value, what, limit=limit)


def _code(value: str, what: str) -> str:
    """A code (SKU, bin, document): printable ASCII, the one validator's rule."""
    if not value:
        raise ValueError(f"{what} is empty")
    return C.check_code(value, what)


# --- the store's current codes ------------------------------------------------------------------

class _Store:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._bins: dict[str, int] | None = None
        self._skus: dict[str, tuple[int, str]] | None = None
        self._patterns: dict[int, str] | None = None

    @property
    def bins(self) -> dict[str, int]:
        if self._bins is None:
            self._bins = dict(self.conn.execute(select(Bin.code, Bin.id)).all())
        return self._bins

    @property
    def skus(self) -> dict[str, tuple[int, str]]:
        if self._skus is None:
            self._skus = {c: (i, t) for c, i, t in
                          self.conn.execute(select(Sku.code, Sku.id, Sku.tracking)).all()}
        return self._skus

    @property
    def patterns(self) -> dict[int, str]:
        """Each SKU's ``serial_pattern`` (by id), where it has one."""
        if self._patterns is None:
            self._patterns = dict(self.conn.execute(
                select(Sku.id, Sku.serial_pattern).where(Sku.serial_pattern != "")).all())
        return self._patterns

    def existing(self, column, values: Iterable[str]) -> set[str]:  # noqa: ANN001
        """Which of ``values`` already appear in ``column`` (checked in chunks)."""
        values = list(values)
        found: set[str] = set()
        for i in range(0, len(values), 500):
            part = values[i:i + 500]
            found.update(self.conn.execute(select(column).where(column.in_(part))).scalars())
        return found

    def sku(self, code: str, tracking: str | None = None) -> tuple[int, str]:
        if not code:
            raise ValueError("sku is empty")
        if code not in self.skus:
            raise ValueError(f"unknown SKU {code!r} (import it with the skus file first)")
        sku_id, tracks = self.skus[code]
        if tracking == "serial" and tracks != "serial":
            raise ValueError(f"SKU {code} is tracked by quantity: put it in a stock file")
        if tracking == "quantity" and tracks != "quantity":
            raise ValueError(f"SKU {code} is serial tracked: import its units in an assets file")
        return sku_id, tracks

    def bin(self, code: str) -> int:
        if not code:
            raise ValueError("bin is empty")
        if code not in self.bins:
            raise ValueError(f"unknown bin {code!r} (import it with the bins file first)")
        return self.bins[code]


def _each(rows: list[tuple[int, dict[str, str]]], check: _Checker, progress: Progress | None,
          ) -> Iterator[tuple[int, dict[str, str]]]:
    total = len(rows)
    for n, (line, row) in enumerate(rows, start=1):
        if "__width__" in row:
            check.add(line, f"has {row['__width__']} fields, the header has a different number")
        else:
            yield line, row
        if progress and (n % 5000 == 0 or n == total):
            progress("checking", n, total)


def _ledger_opening(**values) -> dict:
    row = {"at": utcnow(), "action": "opening", "sku_id": None, "asset_id": None, "qty": 0,
           "from_bin_id": None, "to_bin_id": None, "lot": "", "expiry": None,
           "status_after": None, "doc_type": "import", "doc_code": "", "doc_line": None,
           "operator": "", "terminal": "import", "entry": "typed", "scan_id": None,
           "reason": "opening balance (import)", "reverses_id": None}
    row.update(values)
    return row


# --- one planner per kind: check everything, return a writer ---------------------------------

Writer = Callable[[Connection, ImportResult, Progress | None], None]


def _gln_place(gln: str, extension: str) -> tuple[str, str]:
    """A bin's GS1 place label (GLN, extension), read as the scanner reads (414)+(254); both
    empty when the bin has none."""
    if not gln and not extension:
        return "", ""
    read = classify(f"(414){gln}(254){extension}")
    if not gln or not extension or read.gln != gln or read.gln_extension != extension:
        raise ValueError(f"gln {gln[:20]!r} with gln_extension {extension[:20]!r} is not a GS1 "
                         "place: 13 digits with their check digit, and an extension of up to "
                         "20 letters, digits or signs")
    return gln, extension


def _plan_bins(store: _Store, rows, check: _Checker, ctx: dict) -> Writer:
    pattern = re.compile(ctx["tags"].bin)
    seen: dict[str, int] = {}
    places: dict[tuple[str, str], int] = {}
    mapped = {(g, e): c for c, g, e in store.conn.execute(
        select(Bin.code, Bin.gln, Bin.gln_extension).where(Bin.gln != "")).all()}
    new, changed = [], []
    for line, r in rows:
        try:
            code = _code(r["code"], "bin code")
            if not pattern.match(code):
                raise ValueError(f"bin code {code!r} does not follow the bin tag rule "
                                 f"{ctx['tags'].bin}")
            if code in seen:
                raise ValueError(f"bin {code} is already on line {seen[code]}")
            kind = r["kind"].lower() or "pick"
            if kind not in BIN_KINDS:
                raise ValueError(f"kind {r['kind']!r} is not one of {', '.join(BIN_KINDS)}")
            zone = C.check_code(r["zone"], "zone") if r["zone"] else ""
            place = _gln_place(r.get("gln", "").strip(), r.get("gln_extension", "").strip())
            if place[0] and place in places:
                raise ValueError(f"GLN {place[0]} / {place[1]} is already on line "
                                 f"{places[place]}")
            if place[0] and mapped.get(place, code) != code:
                raise ValueError(f"GLN {place[0]} / {place[1]} names bin {mapped[place]} "
                                 "already")
        except ValueError as exc:
            check.add(line, str(exc))
            continue
        seen[code] = line
        places[place] = line
        item = {"code": code, "zone": zone, "kind": kind}
        if "gln" in r or "gln_extension" in r:  # a file without them keeps the bins' places
            item.update(gln=place[0], gln_extension=place[1])
        (changed if code in store.bins else new).append(item)

    def write(conn: Connection, result: ImportResult, progress: Progress | None) -> None:
        start = next_id(conn, Bin.__table__)
        rows_ = ({"id": start + i, "active": True, "needs_count": False, **b}
                 for i, b in enumerate(new))
        result.created["bins"] = bulk_insert(conn, Bin.__table__, rows_, progress, "writing",
                                             len(new))
        if changed:
            names = [k for k in changed[0] if k != "code"]  # the file's columns, no others
            conn.execute(update(Bin.__table__).where(Bin.__table__.c.code == bindparam("b_code"))
                         .values({k: bindparam(f"v_{k}") for k in names}),
                         [{"b_code": c["code"], **{f"v_{k}": c[k] for k in names}}
                          for c in changed])
        result.updated = len(changed)
        fix_sequences(conn, [Bin.__table__])

    return write


def _plan_skus(store: _Store, rows, check: _Checker, ctx: dict) -> Writer:
    seen: dict[str, int] = {}
    code_line: dict[str, int] = {}
    new, changed, barcodes = [], [], []
    rows = list(rows)
    all_codes = set()
    for _line, r in rows:
        for part in (r["gtin"], r.get("aliases", "")):
            all_codes.update(x.strip() for x in part.split("|") if x.strip())
    owners: dict[str, int] = {}
    if all_codes:
        candidates = set(all_codes)
        for c in list(all_codes):
            try:
                candidates.add(parse_gtin(c))
            except ValueError:
                pass
        for chunk_start in range(0, len(candidates), 500):
            part = list(candidates)[chunk_start:chunk_start + 500]
            owners.update(store.conn.execute(
                select(Barcode.code, Barcode.sku_id).where(Barcode.code.in_(part))).all())
    sku_code_by_id = {i: c for c, (i, _t) in store.skus.items()} if owners else {}
    for line, r in rows:
        try:
            code = _code(r["code"], "SKU code")
            if code in seen:
                raise ValueError(f"SKU {code} is already on line {seen[code]}")
            tracking = r["tracking"].lower()
            if tracking not in TRACKING:
                raise ValueError(f"tracking {r['tracking']!r} must be serial or quantity")
            if code in store.skus and store.skus[code][1] != tracking:
                raise ValueError(f"SKU {code} is {store.skus[code][1]} tracked in the store; "
                                 f"the file says {tracking}")
            value = float(C.parse_unit_value(r["unit_value"] or "0"))
            pattern = C.check_pattern(r.get("serial_pattern", ""))
            flags = {k: _bool(r.get(k, ""), k) for k in ("capture_lot", "capture_expiry")}
            codes = [(parse_gtin(g.strip()), "gtin") for g in r["gtin"].split("|") if g.strip()]
            codes += [(_code(a.strip(), "alias"), "alias")
                      for a in r.get("aliases", "").split("|") if a.strip()]
            for bc, _kind in codes:
                if bc in code_line:
                    raise ValueError(f"barcode {bc} is already on line {code_line[bc]}")
                owner = owners.get(bc)
                if owner is not None and sku_code_by_id.get(owner) != code:
                    raise ValueError(f"barcode {bc} already belongs to SKU "
                                     f"{sku_code_by_id.get(owner, '?')}")
            desc = _length(r["description"], "description", 200)
        except ValueError as exc:
            check.add(line, str(exc))
            continue
        seen[code] = line
        for bc, kind in codes:
            code_line[bc] = line
            if bc not in owners:
                barcodes.append((code, bc, kind))
        item = {"code": code, "description": desc, "tracking": tracking, "unit_value": value,
                "serial_pattern": pattern, **flags}
        (changed if code in store.skus else new).append(item)

    def write(conn: Connection, result: ImportResult, progress: Progress | None) -> None:
        start = next_id(conn, Sku.__table__)
        ids = {s["code"]: start + i for i, s in enumerate(new)}
        ids.update({c: i for c, (i, _t) in store.skus.items()})
        result.created["SKUs"] = bulk_insert(
            conn, Sku.__table__, ({"id": ids[s["code"]], **s} for s in new), progress,
            "writing", len(new))
        if changed:
            t = Sku.__table__
            conn.execute(update(t).where(t.c.code == bindparam("s_code")).values(
                description=bindparam("description"), unit_value=bindparam("unit_value"),
                capture_lot=bindparam("capture_lot"), capture_expiry=bindparam("capture_expiry"),
                serial_pattern=bindparam("serial_pattern")),
                [{"s_code": c["code"], **{k: c[k] for k in (
                    "description", "unit_value", "capture_lot", "capture_expiry",
                    "serial_pattern")}} for c in changed])
        b0 = next_id(conn, Barcode.__table__)
        result.created["barcodes"] = bulk_insert(
            conn, Barcode.__table__,
            ({"id": b0 + i, "code": bc, "sku_id": ids[s], "kind": k}
             for i, (s, bc, k) in enumerate(barcodes)))
        result.updated = len(changed)
        fix_sequences(conn, [Sku.__table__, Barcode.__table__])

    return write


def _plan_operators(store: _Store, rows, check: _Checker, ctx: dict) -> Writer:
    pattern = re.compile(ctx["tags"].badge)
    existing = set(store.conn.execute(select(Operator.badge)).scalars())
    seen: dict[str, int] = {}
    new, changed = [], []
    for line, r in rows:
        try:
            badge = _code(r["badge"], "badge")
            if not pattern.match(badge):
                raise ValueError(f"badge {badge!r} does not follow the badge rule "
                                 f"{ctx['tags'].badge}")
            if badge in seen:
                raise ValueError(f"badge {badge} is already on line {seen[badge]}")
            role = r["role"].lower()
            if role not in ROLES:
                raise ValueError(f"role {r['role']!r} is not one of {', '.join(ROLES)}")
            name = _length(r["name"], "name", 100)
        except ValueError as exc:
            check.add(line, str(exc))
            continue
        seen[badge] = line
        item = {"badge": badge, "name": name, "role": role}
        (changed if badge in existing else new).append(item)

    def write(conn: Connection, result: ImportResult, progress: Progress | None) -> None:
        start = next_id(conn, Operator.__table__)
        result.created["operators"] = bulk_insert(
            conn, Operator.__table__,
            ({"id": start + i, "active": True, **o} for i, o in enumerate(new)))
        if changed:
            t = Operator.__table__
            conn.execute(update(t).where(t.c.badge == bindparam("o_badge")).values(
                name=bindparam("name"), role=bindparam("role")),
                [{"o_badge": c["badge"], "name": c["name"], "role": c["role"]} for c in changed])
        result.updated = len(changed)
        fix_sequences(conn, [Operator.__table__])

    return write


def _serial(store: _Store, value: str, sku_id: int, ctx: dict) -> str:
    """A unit's serial: the one validator's rule, and its SKU's serial_pattern for a
    manufacturer serial (own tags follow the asset tag rule instead)."""
    own = ctx["own_tag"].search(value.strip()) is not None
    return C.check_serial(value, pattern="" if own else store.patterns.get(sku_id, ""))


def _units_in_store(store: _Store, serials: set[str]) -> dict[str, set[int]]:
    """For each of ``serials`` already in the store, the SKU ids of its units."""
    found: dict[str, set[int]] = {}
    values = list(serials)
    for i in range(0, len(values), 500):
        for serial, sku_id in store.conn.execute(select(Asset.serial, Asset.sku_id).where(
                Asset.serial.in_(values[i:i + 500]))):
            found.setdefault(serial, set()).add(sku_id)
    return found


def _check_unit_key(serial: str, sku_id: int, sku: str, line: int, seen: dict, in_store: dict,
                    ctx: dict) -> None:
    """A unit is SKU + serial: the pair once in file and store; an own tag once at all."""
    if (serial, sku_id) in seen:
        raise ValueError(f"serial {serial} of {sku} is already on line {seen[(serial, sku_id)]}")
    if sku_id in in_store.get(serial, ()):
        raise ValueError(f"serial {serial} of {sku} is already in the store")
    if ctx["own_tag"].search(serial):
        other = next((ln for (s, _k), ln in seen.items() if s == serial), None)
        if other is not None or in_store.get(serial):
            where = f"on line {other}" if other is not None else "in the store"
            raise ValueError(f"own tag {serial} is already {where}; an own tag names one unit")


def _plan_assets(store: _Store, rows, check: _Checker, ctx: dict) -> Writer:
    rows = list(rows)
    in_store = _units_in_store(store, {r["serial"] for _l, r in rows if r["serial"]})
    seen: dict[tuple[str, int], int] = {}
    units = []
    for line, r in rows:
        try:
            sku_id, _t = store.sku(r["sku"], "serial")
            serial = _serial(store, r["serial"], sku_id, ctx)
            _check_unit_key(serial, sku_id, r["sku"], line, seen, in_store, ctx)
            bin_id = store.bin(r["bin"])
            lot = C.check_lot(r["lot"])
            expiry = _date(r["expiry"])
        except ValueError as exc:
            check.add(line, str(exc))
            continue
        seen[(serial, sku_id)] = line
        units.append({"serial": serial, "sku_id": sku_id, "bin_id": bin_id, "lot": lot,
                      "expiry": expiry})

    def write(conn: Connection, result: ImportResult, progress: Progress | None) -> None:
        a0 = next_id(conn, Asset.__table__)
        l0 = next_id(conn, LedgerEntry.__table__)
        total = len(units)
        for start in range(0, total, 20_000):
            part = units[start:start + 20_000]
            conn.execute(Asset.__table__.insert(), [
                {"id": a0 + start + i, "status": "in_stock", "attributes": "{}",
                 "order_line_id": None, "entry": "typed", **u} for i, u in enumerate(part)])
            conn.execute(LedgerEntry.__table__.insert(), chain.seal_rows(conn, [
                _ledger_opening(id=l0 + start + i, sku_id=u["sku_id"], asset_id=a0 + start + i,
                                qty=1, to_bin_id=u["bin_id"], lot=u["lot"], expiry=u["expiry"],
                                status_after="in_stock", operator=ctx["operator"],
                                doc_code=ctx["source"], doc_line=start + i + 1)
                for i, u in enumerate(part)]))
            if progress:
                progress("writing", start + len(part), total)
        result.created["units"] = total
        fix_sequences(conn, [Asset.__table__, LedgerEntry.__table__])

    return write


def _plan_stock(store: _Store, rows, check: _Checker, ctx: dict) -> Writer:
    rows = list(rows)
    current = {(s, b, lot): (i, q) for i, s, b, lot, q in store.conn.execute(
        select(Stock.id, Stock.sku_id, Stock.bin_id, Stock.lot, Stock.qty)).all()}
    seen: dict[tuple, int] = {}
    lines = []
    for line, r in rows:
        try:
            sku_id, _t = store.sku(r["sku"], "quantity")
            bin_id = store.bin(r["bin"])
            qty = _int(r["qty"], "qty", ctx)
            lot = C.check_lot(r["lot"])
            expiry = _date(r.get("expiry", ""))
            key = (sku_id, bin_id, lot)
            if key in seen:
                raise ValueError(f"{r['sku']} lot '{lot}' in {r['bin']} is already on line "
                                 f"{seen[key]}")
            if key in current and current[key][1] != 0:
                raise ValueError(f"{r['sku']} lot '{lot}' in {r['bin']} already has stock "
                                 f"({current[key][1]}); opening balances go in once, count or "
                                 f"adjust instead")
        except ValueError as exc:
            check.add(line, str(exc))
            continue
        seen[key] = line
        lines.append({"sku_id": sku_id, "bin_id": bin_id, "lot": lot, "expiry": expiry,
                      "qty": qty})

    def write(conn: Connection, result: ImportResult, progress: Progress | None) -> None:
        s0 = next_id(conn, Stock.__table__)
        l0 = next_id(conn, LedgerEntry.__table__)
        fresh = [s for s in lines if (s["sku_id"], s["bin_id"], s["lot"]) not in current]
        zero = [s for s in lines if (s["sku_id"], s["bin_id"], s["lot"]) in current]
        bulk_insert(conn, Stock.__table__, ({"id": s0 + i, **s} for i, s in enumerate(fresh)),
                    progress, "writing", len(lines))
        if zero:
            t = Stock.__table__
            conn.execute(update(t).where(t.c.id == bindparam("s_id")).values(
                qty=bindparam("qty"), expiry=bindparam("expiry")),
                [{"s_id": current[(s["sku_id"], s["bin_id"], s["lot"])][0], "qty": s["qty"],
                  "expiry": s["expiry"]} for s in zero])
        bulk_insert(conn, LedgerEntry.__table__, chain.seal_rows(conn, [
            _ledger_opening(id=l0 + i, sku_id=s["sku_id"], qty=s["qty"], to_bin_id=s["bin_id"],
                            lot=s["lot"], expiry=s["expiry"], operator=ctx["operator"],
                            doc_code=ctx["source"], doc_line=i + 1) for i, s in enumerate(lines)]))
        result.created["stock lines"] = len(lines)
        fix_sequences(conn, [Stock.__table__, LedgerEntry.__table__])

    return write


def _plan_receipts(store: _Store, rows, check: _Checker, ctx: dict) -> Writer:
    rows = list(rows)
    existing = store.existing(Receipt.code, {r["receipt"] for _l, r in rows if r["receipt"]})
    in_store = _units_in_store(store, {r.get("serial", "") for _l, r in rows
                                       if r.get("serial")})
    docs: dict[str, dict] = {}
    for line, r in rows:
        try:
            code = _code(r["receipt"], "receipt")
            if code in existing:
                raise ValueError(f"receipt {code} is already in the store")
            supplier = _length(r["supplier"], "supplier", 100)
            doc = docs.get(code)
            if doc and doc["supplier"] != supplier:
                raise ValueError(f"receipt {code} has supplier {doc['supplier']!r} on line "
                                 f"{doc['line']}, here {supplier!r}")
            sku_id, tracking = store.sku(r["sku"])
            serial = _serial(store, r["serial"], sku_id, ctx) if r.get("serial") else ""
            if serial and tracking != "serial":
                raise ValueError(f"SKU {r['sku']} is tracked by quantity: it takes no serials")
            qty = _int(r["qty"], "qty", ctx) if (r["qty"] or not serial) else 1
            if serial and qty != 1:
                raise ValueError(f"a row with a serial is one unit: qty must be 1 (got {qty})")
            if serial and (sku_id in in_store.get(serial, ())
                           or (ctx["own_tag"].search(serial) and in_store.get(serial))):
                raise ValueError(f"serial {serial} is already a unit in the store")
            if doc and serial and serial in doc["serials"]:
                raise ValueError(f"serial {serial} is already on line {doc['serials'][serial]}")
        except ValueError as exc:
            check.add(line, str(exc))
            continue
        doc = docs.setdefault(code, {"supplier": supplier, "line": line, "lines": {},
                                     "serials": {}})
        ln = doc["lines"].setdefault(sku_id, {"qty": 0, "serials": []})
        ln["qty"] += qty
        if serial:
            ln["serials"].append(serial)
            doc["serials"][serial] = line

    def write(conn: Connection, result: ImportResult, progress: Progress | None) -> None:
        r0, rl0, es0 = (next_id(conn, m.__table__) for m in (Receipt, ReceiptLine,
                                                               ExpectedSerial))
        receipts, rlines, expected = [], [], []
        for code, doc in docs.items():
            rid = r0 + len(receipts)
            receipts.append({"id": rid, "code": code, "supplier": doc["supplier"],
                             "status": "open", "created_at": utcnow()})
            for n, (sku_id, ln) in enumerate(doc["lines"].items(), start=1):
                lid = rl0 + len(rlines)
                rlines.append({"id": lid, "receipt_id": rid, "line_no": n, "sku_id": sku_id,
                               "qty_expected": ln["qty"], "qty_received": 0})
                expected += [{"id": es0 + len(expected) + k, "receipt_id": rid, "line_id": lid,
                              "serial": s, "received": False} for k, s in enumerate(ln["serials"])]
        result.created["receipts"] = bulk_insert(conn, Receipt.__table__, receipts)
        result.created["lines"] = bulk_insert(conn, ReceiptLine.__table__, rlines)
        result.created["expected serials"] = bulk_insert(conn, ExpectedSerial.__table__, expected,
                                                         progress, "writing", len(expected))
        fix_sequences(conn, [Receipt.__table__, ReceiptLine.__table__, ExpectedSerial.__table__])

    return write


def _plan_orders(store: _Store, rows, check: _Checker, ctx: dict) -> Writer:
    rows = list(rows)
    existing = store.existing(Order.code, {r["order"] for _l, r in rows if r["order"]})
    docs: dict[str, dict] = {}
    for line, r in rows:
        try:
            code = _code(r["order"], "order")
            if code in existing:
                raise ValueError(f"order {code} is already in the store")
            customer = _length(r["customer"], "customer", 100)
            channel = r["channel"].lower()
            if channel not in CHANNELS:
                raise ValueError(f"channel {r['channel']!r} is not one of {', '.join(CHANNELS)}")
            doc = docs.get(code)
            if doc and (doc["customer"], doc["channel"]) != (customer, channel):
                raise ValueError(f"order {code} has customer {doc['customer']!r} and channel "
                                 f"{doc['channel']} on line {doc['line']}")
            sku_id, _t = store.sku(r["sku"])
            qty = _int(r["qty"], "qty", ctx)
        except ValueError as exc:
            check.add(line, str(exc))
            continue
        doc = docs.setdefault(code, {"customer": customer, "channel": channel, "line": line,
                                     "lines": []})
        doc["lines"].append((sku_id, qty))

    def write(conn: Connection, result: ImportResult, progress: Progress | None) -> None:
        o0, ol0 = next_id(conn, Order.__table__), next_id(conn, OrderLine.__table__)
        orders, olines = [], []
        for code, doc in docs.items():
            oid = o0 + len(orders)
            orders.append({"id": oid, "code": code, "customer": doc["customer"],
                           "channel": doc["channel"], "status": "open", "created_at": utcnow()})
            olines += [{"id": ol0 + len(olines) + k, "order_id": oid, "line_no": k + 1,
                        "sku_id": s, "qty": q, "qty_picked": 0, "qty_shipped": 0}
                       for k, (s, q) in enumerate(doc["lines"])]
        result.created["orders"] = bulk_insert(conn, Order.__table__, orders)
        result.created["lines"] = bulk_insert(conn, OrderLine.__table__, olines, progress,
                                              "writing", len(olines))
        fix_sequences(conn, [Order.__table__, OrderLine.__table__])

    return write


PLANNERS = {"bins": _plan_bins, "skus": _plan_skus, "operators": _plan_operators,
            "assets": _plan_assets, "stock": _plan_stock, "receipts": _plan_receipts,
            "orders": _plan_orders}


RIGHTS_KINDS = ("operators",)  # imports that change who may do what


def _require_admin(conn: Connection, badge: str) -> None:
    """An import that changes rights needs an active admin's badge, as the store has it now;
    only a store with no operators at all (a new site) takes its first operators without."""
    if conn.execute(select(Operator.id).limit(1)).first() is None:
        return
    row = conn.execute(select(Operator.role, Operator.active)
                       .where(Operator.badge == badge.strip())).first() if badge else None
    if row is None or not row.active or row.role != "admin":
        who = f"{badge.strip()!r} is not an active admin" if badge else "no badge was given"
        raise ImportFailed([Problem(0, f"importing operators changes who may do what: it needs "
                                       f"an admin's badge with --operator ({who})")])


def import_csv(
    engine: Engine, kind: str, path: str | Path, *, progress: Progress | None = None,
    tags: TagsConfig | None = None, operator: str = "", check_only: bool = False,
) -> ImportResult:
    """Check the whole CSV file, then import it in one transaction; ImportFailed if anything is
    wrong (nothing written). ``kind`` is one of KINDS; ``operator`` (for assets and stock: a
    badge in the store) is recorded on the opening ledger rows; ``check_only`` writes nothing."""
    if kind not in PLANNERS:
        raise ImportFailed([Problem(0, f"unknown kind {kind!r}: choose {', '.join(KINDS)}")])
    started = perf_counter()
    rows, _header = _read_rows(Path(path), kind)
    tags = tags or TagsConfig()
    ctx = {"tags": tags, "operator": operator, "source": Path(path).name[:64],
           "own_tag": re.compile(tags.asset, re.ASCII),
           "max_quantity": policy_for(engine).max_quantity}
    check = _Checker()
    result = ImportResult(kind=kind, rows=len(rows))
    with engine.begin() as conn:
        if not check_only:
            # The ledger chain's head first, as every operation takes it: the checks below
            # read a store no terminal changes meanwhile, and the ids the writers pick
            # (highest + 1) cannot be claimed by a terminal's change before they are used.
            chain.lock_head(conn)
        known = select(Operator.id).where(Operator.badge == operator)
        if operator and kind in ("assets", "stock") and conn.execute(known).first() is None:
            raise ImportFailed([Problem(0, f"operator {operator!r} is not in the store")])
        if kind in RIGHTS_KINDS:
            _require_admin(conn, operator)
        store = _Store(conn)
        writer = PLANNERS[kind](store, _each(rows, check, progress), check, ctx)
        check.raise_if_any()
        if not check_only:
            writer(conn, result, progress)
    result.seconds = perf_counter() - started
    return result
