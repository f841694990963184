"""A demo warehouse: small and realistic, or large for benchmarks, always with its ledger.

Everything is written with core bulk inserts (``executemany``) and ids allocated here, so a
million units take a minute or two, and every state change has its ledger row: ``verify``
agrees with any store this module builds.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from time import perf_counter

from biip.checksums import gs1_standard_check_digit
from sqlalchemy import Connection, Engine, Table, func, select, text

from scanner_tui.inventory import chain
from scanner_tui.inventory.lookup import gtin14
from scanner_tui.inventory.models import (
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
    TagSequence,
)

Progress = Callable[[str, int, int], None]
"""``progress(task, done, total)``: called as bulk work advances."""

CHUNK = 20_000
SIZES = {
    "small": {"bins": 0, "skus": 0, "assets": 0},
    "medium": {"bins": 2_000, "skus": 5_000, "assets": 100_000},
    "large": {"bins": 20_000, "skus": 50_000, "assets": 1_000_000},
}
COMPANY_PREFIX = "5901234"  # the GS1 example prefix (Poland), real-shaped GTIN-13s
BULK_PREFIX = "40063"  # a short prefix: room for ten million item numbers
TERMINAL = "DEMO"
ASSET_TAG_SEQUENCE = "asset"


class StoreNotEmpty(Exception):
    """The demo only fills an empty store."""


@dataclass
class DemoSummary:
    size: str
    operators: list[str] = field(default_factory=list)
    bins: int = 0
    skus: int = 0
    serial_skus: int = 0
    assets: int = 0
    stock_lines: int = 0
    receipts: int = 0
    orders: int = 0
    ledger_rows: int = 0
    seconds: float = 0.0
    examples: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [
            f"Demo warehouse ({self.size}) built in {self.seconds:.1f} s:",
            f"  {self.bins:,} bins (pick, reserve, dock, staging, returns, quarantine)",
            f"  {self.skus:,} SKUs ({self.serial_skus:,} serial tracked, "
            f"{self.skus - self.serial_skus:,} by quantity)",
            f"  {self.assets:,} serialised units, {self.stock_lines:,} stock lines",
            f"  {self.receipts} receipts, {self.orders} orders, {self.ledger_rows:,} ledger rows",
            f"  operators: {', '.join(self.operators)}",
        ]
        if self.examples:
            out.append("  try: " + ", ".join(f"{k} {v}" for k, v in self.examples.items()))
        return out


def gtin13(item_ref: int, prefix: str = COMPANY_PREFIX) -> str:
    """A GTIN-13 with a valid check digit from a company prefix and an item number."""
    width = 12 - len(prefix)
    body = f"{prefix}{item_ref % 10**width:0{width}d}"
    return body + str(gs1_standard_check_digit(body))


def asset_tag(n: int) -> str:
    return f"AT{n:08d}"


def _chunks(rows: Iterable[dict], size: int = CHUNK) -> Iterator[list[dict]]:
    buf: list[dict] = []
    for row in rows:
        buf.append(row)
        if len(buf) >= size:
            yield buf
            buf = []
    if buf:
        yield buf


def next_id(conn: Connection, table: Table) -> int:
    """The first free id of a table (ids are allocated here so bulk inserts need no RETURNING)."""
    return int(conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()) + 1


def bulk_insert(
    conn: Connection, table: Table, rows: Iterable[dict], progress: Progress | None = None,
    task: str = "", total: int = 0,
) -> int:
    """executemany in chunks; returns the number of rows written."""
    done = 0
    for chunk in _chunks(rows):
        conn.execute(table.insert(), chunk)
        done += len(chunk)
        if progress:
            progress(task, done, total or done)
    return done


def fix_sequences(conn: Connection, tables: Iterable[Table]) -> None:
    """After explicit ids on PostgreSQL, move each serial sequence past the highest id."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
            )
        )


def store_is_empty(conn: Connection) -> bool:
    for model in (Bin, Sku, Asset, Operator, LedgerEntry):
        if conn.execute(select(model.__table__.c.id).limit(1)).first() is not None:
            return False
    return True


class _Ledger:
    """Collects ledger rows with increasing times (a plausible past) and allocated ids."""

    def __init__(self, conn: Connection, start: datetime) -> None:
        self.table = LedgerEntry.__table__
        self.next = next_id(conn, self.table)
        self.clock = start
        self.rows: list[dict] = []

    def add(self, action: str, *, step: timedelta = timedelta(minutes=3), **values) -> int:
        self.clock += step
        row = {
            "id": self.next, "at": self.clock, "action": action, "sku_id": None,
            "asset_id": None, "qty": 0, "from_bin_id": None, "to_bin_id": None, "lot": "",
            "expiry": None, "status_after": None, "doc_type": "", "doc_code": "",
            "doc_line": None, "operator": "", "terminal": TERMINAL, "entry": "scanned",
            "scan_id": None, "reason": "", "reverses_id": None,
        }
        row.update(values)
        self.rows.append(row)
        self.next += 1
        return row["id"]


# --- the small, hand-made warehouse ---------------------------------------------------------

OPERATORS = [
    ("OP-0001", "Ana Picker", "picker"),
    ("OP-0002", "Ben Receiver", "receiver"),
    ("OP-0003", "Cleo Supervisor", "supervisor"),
    ("OP-0009", "Site Admin", "admin"),
]
SERIAL_SKUS = [
    # code, description, value, capture_lot, capture_expiry, (lot, expiry), units, own tags?
    ("LAPTOP-14", "Laptop 14in 16GB/512GB", 899.0, True, False, ("LT2609A", None), 8, True),
    ("LAPTOP-16", "Laptop 16in 32GB/1TB", 1499.0, True, False, ("LT2610B", None), 4, True),
    ("SCANNER-HH", "Handheld barcode scanner 2D", 429.0, True, True,
     ("SC2607", date(2029, 7, 31)), 6, False),
    ("PHONE-X5", "Smartphone X5 128GB black", 649.0, True, False, ("PX2610", None), 10, False),
]
QTY_SKUS = [
    # code, description, value, capture_lot, capture_expiry, [(bin, qty, lot, expiry)]
    ("CABLE-TIE-100", "Cable ties 200mm, pack of 100", 3.9, False, False,
     [("A01-A-01", 120, "", None), ("R01-A-01", 600, "", None)]),
    ("MUG-01", "Mug, white, 300 ml", 6.5, False, False,
     [("A01-A-02", 24, "", None), ("R01-A-02", 96, "", None)]),
    ("SCREW-M4-20", "Screws M4x20, box of 200", 4.2, False, False, [("A01-B-01", 40, "", None)]),
    ("BATTERY-AA-4", "AA batteries, pack of 4", 5.9, True, True,
     [("A02-A-01", 60, "B2611", date(2031, 10, 31)), ("A02-A-01", 12, "B2604", date(2030, 3, 31))]),
    ("USB-C-1M", "USB-C cable 1 m", 9.9, False, False, [("A02-B-02", 35, "", None)]),
    ("TAPE-48", "Packing tape 48 mm", 2.5, False, False, [("ST01-A-02", 18, "", None)]),
]
ATTRIBUTES = {  # free attributes a site keeps per unit (JSON)
    "SCANNER-HH": '{"firmware": "PAAFNS00-005-R00", "calibrated": "2026-09-14"}',
    "LAPTOP-14": '{"bios": "N3BET62W", "keyboard": "DE"}',
    "LAPTOP-16": '{"bios": "N3BET62W", "keyboard": "UK"}',
}
MANUFACTURER_SERIAL = {"SCANNER-HH": "21{:06d}B", "PHONE-X5": "R58N{:07d}"}
SUPPLIERS = {"LAPTOP": "Lenovo Distribution GmbH", "SCANNER": "Zebra Partner EU",
             "PHONE": "Samsung Wholesale", "": "Office Supply Co."}


def _small_bins() -> list[tuple[str, str, str]]:
    bins = []
    for aisle in "AB":
        for rack in (1, 2, 3):
            for level in "AB":
                for pos in (1, 2, 3, 4):
                    bins.append((f"{aisle}{rack:02d}-{level}-{pos:02d}", "pick", "pick"))
    for rack in (1, 2):
        for level in "ABC":
            for pos in (1, 2):
                bins.append((f"R{rack:02d}-{level}-{pos:02d}", "reserve", "reserve"))
    bins += [("DK01-A-01", "dock", "dock"), ("DK01-A-02", "dock", "dock")]
    bins += [(f"ST01-A-{p:02d}", "staging", "staging") for p in (1, 2, 3, 4)]
    bins += [("RT01-A-01", "returns", "returns"), ("QA01-A-01", "quarantine", "quarantine")]
    return bins


def _supplier(sku: str) -> str:
    for prefix, name in SUPPLIERS.items():
        if prefix and sku.startswith(prefix):
            return name
    return SUPPLIERS[""]


def _build_small(conn: Connection, summary: DemoSummary, now: datetime) -> int:
    """The hand-made warehouse; returns the next free own asset tag number."""
    ids = {t: next_id(conn, m.__table__) for t, m in
           (("op", Operator), ("bin", Bin), ("sku", Sku), ("bc", Barcode), ("asset", Asset),
            ("stock", Stock), ("rc", Receipt), ("rl", ReceiptLine), ("es", ExpectedSerial),
            ("ord", Order), ("ol", OrderLine))}
    ledger = _Ledger(conn, now - timedelta(days=30))

    ops = [{"id": ids["op"] + i, "badge": b, "name": n, "role": r, "active": True}
           for i, (b, n, r) in enumerate(OPERATORS)]
    bins = [{"id": ids["bin"] + i, "code": c, "zone": z, "kind": k, "active": True,
             "needs_count": False} for i, (c, z, k) in enumerate(_small_bins())]
    bin_id = {b["code"]: b["id"] for b in bins}
    pick_bins = [b["code"] for b in bins if b["kind"] == "pick"]
    dock, staging, returns, quarantine = "DK01-A-01", "ST01-A-01", "RT01-A-01", "QA01-A-01"

    skus, barcodes = [], []
    sku_id: dict[str, int] = {}
    gtin_of: dict[str, str] = {}
    for n, spec in enumerate(SERIAL_SKUS + QTY_SKUS):
        code, desc, value, lot_flag, exp_flag = spec[:5]
        tracking = "serial" if len(spec) == 8 else "quantity"
        sid = ids["sku"] + n
        sku_id[code] = sid
        skus.append({"id": sid, "code": code, "description": desc, "tracking": tracking,
                     "unit_value": value, "capture_lot": lot_flag, "capture_expiry": exp_flag})
        gtin = gtin13(10_000 + n * 7)
        gtin_of[code] = gtin
        barcodes.append({"id": ids["bc"] + 2 * n, "code": gtin14(gtin), "sku_id": sid,
                         "kind": "gtin"})
        barcodes.append({"id": ids["bc"] + 2 * n + 1, "code": code.replace("-", ""),
                         "sku_id": sid, "kind": "alias"})
    summary.examples["product"] = gtin_of["MUG-01"]

    # A closed receipt that brought in every serialised unit, then putaway to pick bins.
    receipts, rlines, eserials = [], [], []
    rid = ids["rc"]
    receipts.append({"id": rid, "code": "R-1000", "supplier": "Northwind Tech Distribution",
                     "status": "closed", "created_at": now - timedelta(days=30)})
    assets: list[dict] = []
    tag = 1
    rng = random.Random(7)
    for line_no, spec in enumerate(SERIAL_SKUS, start=1):
        code, _desc, _value, _lf, _ef, (lot, expiry), units, own_tags = spec
        rl_id = ids["rl"] + len(rlines)
        rlines.append({"id": rl_id, "receipt_id": rid, "line_no": line_no, "sku_id": sku_id[code],
                       "qty_expected": units, "qty_received": units})
        for u in range(units):
            if own_tags:
                serial = asset_tag(tag)
                tag += 1
            else:
                serial = MANUFACTURER_SERIAL[code].format(rng.randrange(10**5, 10**6))
            aid = ids["asset"] + len(assets)
            home = pick_bins[(line_no * 5 + u) % len(pick_bins)]
            assets.append({"id": aid, "serial": serial, "sku_id": sku_id[code],
                           "status": "in_stock", "bin_id": bin_id[home], "lot": lot,
                           "expiry": expiry, "attributes": ATTRIBUTES.get(code, "{}"),
                           "order_line_id": None, "entry": "scanned"})
            common = {"sku_id": sku_id[code], "asset_id": aid, "qty": 1, "lot": lot,
                      "expiry": expiry}
            ledger.add("receive", to_bin_id=bin_id[dock], status_after="in_stock",
                       doc_type="receipt", doc_code="R-1000", doc_line=line_no,
                       operator="OP-0002", **common)
            ledger.add("putaway", from_bin_id=bin_id[dock], to_bin_id=bin_id[home],
                       status_after="in_stock", operator="OP-0002", **common)
    summary.examples["asset"] = assets[0]["serial"]
    summary.examples["bin"] = pick_bins[5]

    # Quantity stock: opening balances, one receive of batteries with a lot.
    stock_rows: dict[tuple[int, int, str], dict] = {}
    for spec in QTY_SKUS:
        code, placements = spec[0], spec[5]
        for bcode, qty, lot, expiry in placements:
            key = (sku_id[code], bin_id[bcode], lot)
            row = stock_rows.setdefault(key, {"id": ids["stock"] + len(stock_rows),
                                              "sku_id": key[0], "bin_id": key[1], "lot": lot,
                                              "expiry": expiry, "qty": 0})
            row["qty"] += qty
            ledger.add("opening", sku_id=key[0], qty=qty, to_bin_id=key[1], lot=lot,
                       expiry=expiry, operator="OP-0003", reason="opening balance")

    # A shipped order (ship-from-store) and a returned unit (buy online, return in store).
    orders, olines = [], []

    def order(code: str, customer: str, channel: str, status: str, days: int) -> int:
        oid = ids["ord"] + len(orders)
        orders.append({"id": oid, "code": code, "customer": customer, "channel": channel,
                       "status": status, "created_at": now - timedelta(days=days)})
        return oid

    def oline(oid: int, line_no: int, sku: str, qty: int, picked: int = 0, shipped: int = 0
              ) -> int:
        lid = ids["ol"] + len(olines)
        olines.append({"id": lid, "order_id": oid, "line_no": line_no, "sku_id": sku_id[sku],
                       "qty": qty, "qty_picked": picked, "qty_shipped": shipped})
        return lid

    def life(asset: dict, order_code: str, line_no: int, line_id: int, ship: bool) -> None:
        """Pick (the unit stays in its bin), stage, ship: the operations' conventions."""
        common = {"sku_id": asset["sku_id"], "asset_id": asset["id"], "qty": 1,
                  "lot": asset["lot"], "expiry": asset["expiry"], "doc_type": "order",
                  "doc_code": order_code, "doc_line": line_no}
        ledger.add("pick", step=timedelta(hours=20), from_bin_id=asset["bin_id"],
                   to_bin_id=asset["bin_id"], status_after="picked", operator="OP-0001",
                   **common)
        asset.update(status="picked", order_line_id=line_id)
        if ship:
            ledger.add("stage", step=timedelta(minutes=40), from_bin_id=asset["bin_id"],
                       to_bin_id=bin_id[staging], status_after="picked", operator="OP-0001",
                       **common)
            ledger.add("ship", step=timedelta(hours=2), from_bin_id=bin_id[staging],
                       status_after="shipped", operator="OP-0003", **common)
            asset.update(status="shipped", bin_id=None)

    def pick_qty(order_code: str, line_no: int, sku: str, bin_code: str, qty: int,
                 lot: str = "") -> None:
        """A quantity pick takes stock out of the bin; the ship row carries no bin."""
        ledger.add("pick", sku_id=sku_id[sku], qty=qty, from_bin_id=bin_id[bin_code], lot=lot,
                   doc_type="order", doc_code=order_code, doc_line=line_no, operator="OP-0001")
        stock_rows[(sku_id[sku], bin_id[bin_code], lot)]["qty"] -= qty

    laptops = [a for a in assets if a["sku_id"] == sku_id["LAPTOP-14"]]
    phones = [a for a in assets if a["sku_id"] == sku_id["PHONE-X5"]]
    o1 = order("SO-0999", "Maria Lopez", "ship-from-store", "shipped", 12)
    life(laptops[-1], "SO-0999", 1, oline(o1, 1, "LAPTOP-14", 1, 1, 1), ship=True)
    oline(o1, 2, "MUG-01", 2, 2, 2)
    pick_qty("SO-0999", 2, "MUG-01", "A01-A-02", 2)
    oline(o1, 3, "BATTERY-AA-4", 3, 3, 3)
    pick_qty("SO-0999", 3, "BATTERY-AA-4", "A02-A-01", 3, "B2611")
    for line_no, sku, qty in ((2, "MUG-01", 2), (3, "BATTERY-AA-4", 3)):
        ledger.add("ship", sku_id=sku_id[sku], qty=qty, doc_type="order", doc_code="SO-0999",
                   doc_line=line_no, operator="OP-0003")

    o2 = order("SO-1000", "Jonas Berg", "click-and-collect", "shipped", 9)
    returned = phones[-1]
    life(returned, "SO-1000", 1, oline(o2, 1, "PHONE-X5", 1, 1, 1), ship=True)
    ledger.add("return", step=timedelta(days=2), sku_id=returned["sku_id"],
               asset_id=returned["id"], qty=1, lot=returned["lot"], to_bin_id=bin_id[returns],
               status_after="returned", doc_type="order", doc_code="SO-1000", doc_line=1,
               operator="OP-0003", reason="customer changed their mind")
    returned.update(status="returned", bin_id=bin_id[returns])

    broken = phones[-2]
    ledger.add("move", step=timedelta(days=1), sku_id=broken["sku_id"], asset_id=broken["id"],
               qty=1, lot=broken["lot"], from_bin_id=broken["bin_id"],
               to_bin_id=bin_id[quarantine], status_after="quarantined", operator="OP-0003",
               reason="cracked screen found at cycle count")
    broken.update(status="quarantined", bin_id=bin_id[quarantine])

    # Open orders on three channels, one already partly picked.
    o3 = order("SO-1001", "Priya Natarajan", "ship-from-store", "picking", 1)
    l31 = oline(o3, 1, "LAPTOP-14", 2, picked=1)
    oline(o3, 2, "CABLE-TIE-100", 1)
    life(laptops[0], "SO-1001", 1, l31, ship=False)
    o4 = order("CC-1002", "Tom Okafor", "click-and-collect", "open", 0)
    oline(o4, 1, "PHONE-X5", 1)
    oline(o4, 2, "USB-C-1M", 2)
    o5 = order("QC-1003", "Lea Martin", "quick-commerce", "open", 0)
    oline(o5, 1, "MUG-01", 4)
    oline(o5, 2, "BATTERY-AA-4", 2)
    summary.examples["order"] = "SO-1001"

    # An open receipt with an advance ship notice listing the expected serials.
    rid2 = ids["rc"] + 1
    receipts.append({"id": rid2, "code": "R-1001", "supplier": _supplier("LAPTOP"),
                     "status": "open", "created_at": now - timedelta(hours=3)})
    rl1 = ids["rl"] + len(rlines)
    rlines.append({"id": rl1, "receipt_id": rid2, "line_no": 1, "sku_id": sku_id["LAPTOP-14"],
                   "qty_expected": 4, "qty_received": 0})
    for k in range(4):
        eserials.append({"id": ids["es"] + k, "receipt_id": rid2, "line_id": rl1,
                         "serial": asset_tag(tag + k), "received": False})
    rlines.append({"id": rl1 + 1, "receipt_id": rid2, "line_no": 2,
                   "sku_id": sku_id["CABLE-TIE-100"], "qty_expected": 50, "qty_received": 0})
    summary.examples["receipt"] = "R-1001"

    for table, rows in ((Operator, ops), (Bin, bins), (Sku, skus), (Barcode, barcodes),
                        (Receipt, receipts), (ReceiptLine, rlines), (ExpectedSerial, eserials),
                        (Order, orders), (OrderLine, olines), (Asset, assets),
                        (Stock, list(stock_rows.values())),
                        (LedgerEntry, chain.seal_rows(conn, ledger.rows))):
        if rows:
            conn.execute(table.__table__.insert(), rows)
    summary.operators = [f"{b} {r}" for b, _n, r in OPERATORS]
    summary.bins += len(bins)
    summary.skus += len(skus)
    summary.serial_skus += len(SERIAL_SKUS)
    summary.assets += len(assets)
    summary.stock_lines += len(stock_rows)
    summary.receipts += len(receipts)
    summary.orders += len(orders)
    summary.ledger_rows += len(ledger.rows)
    return tag + 4  # tags reserved by the ASN above


# --- bulk additions for large stores ---------------------------------------------------------

def _bulk_bin_codes(n: int, taken: set[str]) -> Iterator[str]:
    """Bin codes on the default rule, aisles AA..ZZ so they never meet the small demo's."""
    made = 0
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for a1 in letters:
        for a2 in letters:
            for rack in range(1, 100):
                for level in "ABCDEF":
                    for pos in range(1, 100):
                        code = f"{a1}{a2}{rack:02d}-{level}-{pos:02d}"
                        if code in taken:
                            continue
                        yield code
                        made += 1
                        if made >= n:
                            return


def _build_bulk(conn: Connection, summary: DemoSummary, counts: dict[str, int], first_tag: int,
                now: datetime, progress: Progress | None) -> int:
    n_bins, n_skus, n_assets = counts["bins"], counts["skus"], counts["assets"]
    if not (n_bins or n_skus or n_assets):
        return first_tag
    rng = random.Random(42)
    taken = set(conn.execute(select(Bin.code)).scalars())
    start = next_id(conn, Bin.__table__)
    n_bins = max(n_bins, 1)
    bins = ({"id": start + i, "code": code, "zone": f"Z{code[:2]}",
             "kind": "reserve" if code[5] in "EF" else "pick", "active": True,
             "needs_count": False}
            for i, code in enumerate(_bulk_bin_codes(n_bins, taken)))
    summary.bins += bulk_insert(conn, Bin.__table__, bins, progress, "bins", n_bins)
    bin_ids = range(start, start + n_bins)

    # One SKU in ten is serial tracked (the units spread over those).
    n_skus = max(n_skus, 1 if n_assets else 0)
    n_serial = max(1, n_skus // 10) if n_assets else 0
    sku0 = next_id(conn, Sku.__table__)
    bc0 = next_id(conn, Barcode.__table__)
    skus = ({"id": sku0 + i, "code": f"SKU-{i + 1:06d}",
             "description": f"{'Device' if i < n_serial else 'Item'} {i + 1}",
             "tracking": "serial" if i < n_serial else "quantity",
             "unit_value": round(rng.uniform(1, 900), 2), "capture_lot": i % 3 == 0,
             "capture_expiry": i % 9 == 0} for i in range(n_skus))
    summary.skus += bulk_insert(conn, Sku.__table__, skus, progress, "SKUs", n_skus)
    summary.serial_skus += n_serial
    barcodes = ({"id": bc0 + i, "code": gtin14(gtin13(i + 1, BULK_PREFIX)), "sku_id": sku0 + i,
                 "kind": "gtin"} for i in range(n_skus))
    bulk_insert(conn, Barcode.__table__, barcodes, progress, "barcodes", n_skus)

    ledger_t = LedgerEntry.__table__
    led0 = next_id(conn, ledger_t)
    opened = now - timedelta(days=60)
    row_base = {"action": "opening", "qty": 1, "from_bin_id": None, "lot": "", "expiry": None,
                "doc_type": "", "doc_code": "", "doc_line": None, "operator": "OP-0003",
                "terminal": TERMINAL, "entry": "scanned", "scan_id": None,
                "reason": "opening balance", "reverses_id": None}

    # Quantity stock: one line per quantity SKU, opening balance in the ledger.
    stock0 = next_id(conn, Stock.__table__)
    n_qty = n_skus - n_serial
    stock, ledger = [], []
    for i in range(n_qty):
        sid, bid, qty = sku0 + n_serial + i, bin_ids[rng.randrange(n_bins)], rng.randrange(1, 500)
        lot = f"L{i % 97:03d}" if (n_serial + i) % 3 == 0 else ""
        stock.append({"id": stock0 + i, "sku_id": sid, "bin_id": bid, "lot": lot, "expiry": None,
                      "qty": qty})
        ledger.append({**row_base, "id": led0 + i, "at": opened, "sku_id": sid,
                       "asset_id": None, "qty": qty, "to_bin_id": bid, "lot": lot,
                       "status_after": None})
    summary.stock_lines += bulk_insert(conn, Stock.__table__, stock, progress, "stock", n_qty)
    summary.ledger_rows += bulk_insert(conn, ledger_t, chain.seal_rows(conn, ledger), progress,
                                       "stock ledger", n_qty)
    led = led0 + n_qty

    asset0 = next_id(conn, Asset.__table__)
    done = 0
    while done < n_assets:
        batch = min(CHUNK, n_assets - done)
        assets, ledger = [], []
        for k in range(done, done + batch):
            aid = asset0 + k
            sid = sku0 + (k % n_serial)
            bid = bin_ids[rng.randrange(n_bins)]
            lot = f"LOT{(k // 5000) % 1000:03d}"
            expiry = date(2030, 1 + k % 12, 28) if k % 9 == 0 else None
            assets.append({"id": aid, "serial": asset_tag(first_tag + k), "sku_id": sid,
                           "status": "in_stock", "bin_id": bid, "lot": lot, "expiry": expiry,
                           "attributes": "{}", "order_line_id": None, "entry": "scanned"})
            ledger.append({**row_base, "id": led + k, "at": opened, "sku_id": sid,
                           "asset_id": aid, "to_bin_id": bid, "lot": lot, "expiry": expiry,
                           "status_after": "in_stock"})
        conn.execute(Asset.__table__.insert(), assets)
        conn.execute(ledger_t.insert(), chain.seal_rows(conn, ledger))
        done += batch
        if progress:
            progress("units", done, n_assets)
    summary.assets += n_assets
    summary.ledger_rows += n_assets
    return first_tag + n_assets


def build_demo(
    engine: Engine, size: str = "small", progress: Progress | None = None, *,
    bins: int | None = None, skus: int | None = None, assets: int | None = None,
) -> DemoSummary:
    """Fill an empty store with the demo warehouse; ``size`` small | medium | large.

    ``bins``/``skus``/``assets`` override the bulk counts of the size (added on top of the small
    hand-made warehouse). Raises StoreNotEmpty if the store already holds data.
    """
    if size not in SIZES:
        raise ValueError(f"unknown demo size {size!r}: choose {', '.join(SIZES)}")
    counts = dict(SIZES[size])
    for key, value in (("bins", bins), ("skus", skus), ("assets", assets)):
        if value is not None:
            if value < 0:
                raise ValueError(f"--{key} cannot be negative")
            counts[key] = value
    summary = DemoSummary(size=size)
    started = perf_counter()
    now = datetime.now(UTC).replace(microsecond=0)
    with engine.begin() as conn:
        if not store_is_empty(conn):
            raise StoreNotEmpty("the store already holds data")
        next_tag = _build_small(conn, summary, now)
        next_tag = _build_bulk(conn, summary, counts, next_tag, now, progress)
        conn.execute(TagSequence.__table__.insert(),
                     [{"name": ASSET_TAG_SEQUENCE, "next_value": next_tag}])
        fix_sequences(conn, [m.__table__ for m in (
            Operator, Bin, Sku, Barcode, Asset, Stock, Receipt, ReceiptLine, ExpectedSerial,
            Order, OrderLine, LedgerEntry)])
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:  # fresh statistics, or the planner guesses on 1M rows
            conn.execute(text("ANALYZE"))
    summary.seconds = perf_counter() - started
    return summary
