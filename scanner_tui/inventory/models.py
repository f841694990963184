"""The store's tables. Schema changes go through alembic (``scanner_tui/migrations``).

``table=True`` models do not validate: the operations and importers validate at the edge.
Times are timezone-aware UTC (``utcnow()``); "no lot" is ``""`` so unique keys hold.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import BigInteger, Index, MetaData, Text, UniqueConstraint, event
from sqlmodel import Field, SQLModel

from scanner_tui.inventory import chain

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata

BIN_KINDS = ("pick", "reserve", "dock", "staging", "returns", "quarantine")
TRACKING = ("serial", "quantity")
ROLES = ("picker", "receiver", "supervisor", "admin")
ASSET_STATUSES = (
    "in_stock", "picked", "shipped", "returned", "quarantined", "scrapped", "lost",
    "void",  # its receipt was undone (operations.undo_last); it may be received again
)
CHANNELS = ("ship-from-store", "click-and-collect", "quick-commerce", "in-store", "delivery")


def utcnow() -> datetime:
    """Aware UTC now."""
    return datetime.now(UTC)


def as_aware(at: datetime) -> datetime:
    """A datetime read back from the store, aware: SQLite hands back naive UTC in some paths."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


class Bin(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=64)
    zone: str = Field(default="", max_length=64, index=True)
    kind: str = Field(default="pick", max_length=16)
    active: bool = True
    needs_count: bool = False
    # migration 0007: the GS1 place label ((414) GLN + (254) extension) that names this bin
    gln: str = Field(default="", max_length=13)
    gln_extension: str = Field(default="", max_length=20)

    __table_args__ = (Index("ix_bin_gln", "gln", "gln_extension"),)


class Sku(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=64)
    description: str = Field(default="", max_length=200)
    tracking: str = Field(default="quantity", max_length=16)
    unit_value: float = 0.0
    capture_lot: bool = False
    capture_expiry: bool = False
    # migration 0004: a regular expression every manufacturer serial of this SKU must match
    serial_pattern: str = Field(default="", max_length=200)


class Barcode(SQLModel, table=True):
    """A GTIN (stored as 14 digits) or another alias that identifies a SKU."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=64)
    sku_id: int = Field(foreign_key="sku.id", index=True)
    kind: str = Field(default="gtin", max_length=16)  # gtin | alias


class Asset(SQLModel, table=True):
    """One serialised unit: its SKU plus its serial (migration 0004: the same serial may exist
    once per SKU; own asset tags stay unique across the store, checked at receive/import)."""

    __table_args__ = (Index("uq_asset_sku_serial", "sku_id", "serial", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    serial: str = Field(index=True, max_length=128)
    sku_id: int = Field(foreign_key="sku.id", index=True)
    status: str = Field(default="in_stock", max_length=16)
    bin_id: int | None = Field(default=None, foreign_key="bin.id", index=True)
    lot: str = Field(default="", max_length=64, index=True)
    expiry: date | None = None
    # JSON object of free attributes: firmware, calibration date...
    attributes: str = Field(default="{}", sa_type=Text)
    order_line_id: int | None = Field(default=None, foreign_key="orderline.id", index=True)
    entry: str = Field(default="scanned", max_length=8)  # how the serial was first captured


class Stock(SQLModel, table=True):
    """Quantity on hand of a quantity-tracked SKU in one bin and lot."""

    __table_args__ = (UniqueConstraint("sku_id", "bin_id", "lot", name="uq_stock_sku_bin_lot"),)

    id: int | None = Field(default=None, primary_key=True)
    sku_id: int = Field(foreign_key="sku.id", index=True)
    bin_id: int = Field(foreign_key="bin.id", index=True)
    lot: str = Field(default="", max_length=64)
    expiry: date | None = None
    qty: int = Field(default=0, sa_type=BigInteger)  # migration 0004: up to 2^53 - 1


class LotHold(SQLModel, table=True):
    """A lot on hold (a recall, migration 0008): none of its units or stock may be planned,
    picked, shipped or moved out by anyone but a supervisor (``inventory/lot_rules.py``).
    ``sku_id`` None holds the lot of every product. Releasing deletes the row; the ledger
    keeps both (``hold`` / ``release`` rows)."""

    __tablename__ = "lothold"

    id: int | None = Field(default=None, primary_key=True)
    lot: str = Field(max_length=64, index=True)
    sku_id: int | None = Field(default=None, foreign_key="sku.id")
    held_by: str = Field(default="", max_length=32)
    held_at: datetime = Field(default_factory=utcnow)
    reason: str = Field(default="", max_length=200)


class Operator(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    badge: str = Field(unique=True, index=True, max_length=32)
    name: str = Field(default="", max_length=100)
    role: str = Field(default="picker", max_length=16)
    active: bool = True


class Receipt(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=64)
    supplier: str = Field(default="", max_length=100)
    status: str = Field(default="open", max_length=16)  # open | closed
    created_at: datetime = Field(default_factory=utcnow)


class ReceiptLine(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("receipt_id", "line_no", name="uq_receiptline_no"),)

    id: int | None = Field(default=None, primary_key=True)
    receipt_id: int = Field(foreign_key="receipt.id", index=True)
    line_no: int
    sku_id: int = Field(foreign_key="sku.id")
    qty_expected: int = 0
    qty_received: int = 0


class ExpectedSerial(SQLModel, table=True):
    """A serial listed on an advance ship notice for a receipt line."""

    __table_args__ = (UniqueConstraint("receipt_id", "serial", name="uq_expectedserial_serial"),)

    id: int | None = Field(default=None, primary_key=True)
    receipt_id: int = Field(foreign_key="receipt.id", index=True)
    line_id: int = Field(foreign_key="receiptline.id")
    serial: str = Field(max_length=128)
    received: bool = False


class Order(SQLModel, table=True):
    __tablename__ = "orders"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=64)
    customer: str = Field(default="", max_length=100)
    channel: str = Field(default="ship-from-store", max_length=32)
    status: str = Field(default="open", max_length=16)  # open | picking | picked | staged | shipped
    created_at: datetime = Field(default_factory=utcnow)


class OrderLine(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("order_id", "line_no", name="uq_orderline_no"),)

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    line_no: int
    sku_id: int = Field(foreign_key="sku.id")
    qty: int = 0
    qty_picked: int = 0
    qty_shipped: int = 0


class LedgerEntry(SQLModel, table=True):
    """One append-only row per change; never updated or deleted (triggers refuse it).

    Quantity rows move ``qty`` of (sku, lot) from ``from_bin_id`` to ``to_bin_id`` (either may
    be empty: receipt in, shipment or scrap out). Asset rows carry the unit and the status it has
    after the change. Replaying all rows in ``id`` order rebuilds stock and asset state.
    """

    __table_args__ = (
        Index("ix_ledger_scan", "scan_id"),
        # migration 0002: an operator's last change (undo), compensated rows, a document's rows
        Index("ix_ledger_operator_id", "operator", "id"),
        # migration 0005: a row is reversed at most once, on every engine
        Index("uq_ledger_reverses", "reverses_id", unique=True),
        Index("ix_ledger_doc", "doc_type", "doc_code", "doc_line"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    action: str = Field(max_length=16)
    sku_id: int | None = Field(default=None, foreign_key="sku.id", index=True)
    asset_id: int | None = Field(default=None, foreign_key="asset.id", index=True)
    qty: int = Field(default=0, sa_type=BigInteger)  # migration 0004: up to 2^53 - 1
    from_bin_id: int | None = Field(default=None, foreign_key="bin.id", index=True)
    to_bin_id: int | None = Field(default=None, foreign_key="bin.id", index=True)
    lot: str = Field(default="", max_length=64)
    expiry: date | None = None
    status_after: str | None = Field(default=None, max_length=16)
    doc_type: str = Field(default="", max_length=16)  # receipt | order | count | ""
    doc_code: str = Field(default="", max_length=64)
    doc_line: int | None = None
    operator: str = Field(default="", max_length=32)
    terminal: str = Field(default="", max_length=64)
    entry: str = Field(default="scanned", max_length=8)  # scanned | typed
    scan_id: str | None = Field(default=None, max_length=64)
    reason: str = Field(default="", max_length=200)
    reverses_id: int | None = Field(default=None, foreign_key="ledgerentry.id")
    # migration 0005: the hash chain (inventory/chain.py); set by every append
    chain_hash: str | None = Field(default=None, max_length=64)


class LedgerChain(SQLModel, table=True):
    """The head of the ledger's hash chain (one row, id 1): locked and moved by each append."""

    id: int | None = Field(default=None, primary_key=True)
    last_id: int | None = None
    head_hash: str = Field(default=chain.GENESIS, max_length=64)


@event.listens_for(LedgerEntry, "before_insert")
def _seal_orm_row(_mapper, connection, target: LedgerEntry) -> None:  # noqa: ANN001
    """Rows added through a Session (labels, imports, tests) join the chain like the rest."""
    target.at = chain.utc(target.at or utcnow())
    raw = connection.connection.driver_connection
    row = {name: getattr(target, name) for name in chain.CONTENT}
    chain.Appender(raw, connection.dialect.name, connection.dialect.paramstyle).seal(row)
    target.id, target.chain_hash = row["id"], row["chain_hash"]


class AppliedScan(SQLModel, table=True):
    """Idempotency key: the scan id of every operation applied, with its result summary."""

    scan_id: str = Field(primary_key=True, max_length=64)
    operation: str = Field(max_length=16)
    summary: str = Field(default="", max_length=400)
    at: datetime = Field(default_factory=utcnow)


class ScanJournal(SQLModel, table=True):
    """Every scan read, written before it is acted on; its outcome is filled in after."""

    id: int | None = Field(default=None, primary_key=True)
    scan_id: str = Field(unique=True, index=True, max_length=64)
    payload: str = Field(sa_type=Text)  # as received, suffix and all
    source: str = Field(max_length=16)  # wedge | keyboard | serial | paste
    terminal: str = Field(default="", max_length=64)
    operator: str = Field(default="", max_length=32)
    at: datetime = Field(default_factory=utcnow, index=True)
    kind: str = Field(default="", max_length=16)
    fields: str = Field(default="{}", sa_type=Text)  # JSON of the classified fields
    accepted: bool | None = None
    reason: str = Field(default="", max_length=400)


class TagSequence(SQLModel, table=True):
    """Next number to issue for a family of own tags (asset tags): never issued twice."""

    name: str = Field(primary_key=True, max_length=32)
    next_value: int = 1


# --- cycle counts (migration 0003; scanner_tui/inventory/counting) ---------------------------

COUNT_STATUSES = ("open", "counting", "counted", "approved")
COUNT_BIN_STATUSES = ("pending", "counting", "counted", "recount", "approved")


class Count(SQLModel, table=True):
    """A cycle count planned by a supervisor: a set of bins, assigned to a counter or open."""

    __tablename__ = "cyclecount"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=32)  # CC-00001
    status: str = Field(default="open", max_length=16, index=True)
    scope: str = Field(default="", max_length=200)  # how the bins were chosen, in words
    blind: bool = True  # the counter is not shown what the books expect
    assigned_to: str = Field(default="", max_length=32)  # a badge, or "" (anyone)
    created_by: str = Field(default="", max_length=32)
    created_at: datetime = Field(default_factory=utcnow)
    approved_by: str = Field(default="", max_length=32)
    approved_at: datetime | None = None


class CountBin(SQLModel, table=True):
    """One bin of a count. ``round`` rises with each recount; ``not_by`` lists the badges
    that counted it before (a recount is done by someone else). The expected contents are
    snapshotted when counting starts (``snapshot_ledger_id``: the newest ledger row then);
    ledger rows into or out of the bin up to ``close_ledger_id`` are moves during the count."""

    __table_args__ = (UniqueConstraint("count_id", "bin_id", name="uq_countbin_bin"),)

    id: int | None = Field(default=None, primary_key=True)
    count_id: int = Field(foreign_key="cyclecount.id", index=True)
    bin_id: int = Field(foreign_key="bin.id", index=True)
    status: str = Field(default="pending", max_length=16)
    round: int = 1
    assigned_to: str = Field(default="", max_length=32)
    counter: str = Field(default="", max_length=32)
    not_by: str = Field(default="", max_length=200)  # comma-separated badges
    started_at: datetime | None = None
    closed_at: datetime | None = None
    snapshot_ledger_id: int | None = None
    close_ledger_id: int | None = None
    approved_at: datetime | None = Field(default=None, index=True)  # the bin's last count


class CountSnapshot(SQLModel, table=True):
    """What the books held in a bin when its count (round) started: a unit or a quantity."""

    id: int | None = Field(default=None, primary_key=True)
    count_bin_id: int = Field(foreign_key="countbin.id", index=True)
    round: int = 1
    sku_id: int = Field(foreign_key="sku.id")
    asset_id: int | None = Field(default=None, foreign_key="asset.id")
    lot: str = Field(default="", max_length=64)
    qty: int = 0


class CountLine(SQLModel, table=True):
    """What a counter counted in a bin: one unit, or a quantity of a product (scan by scan)."""

    id: int | None = Field(default=None, primary_key=True)
    count_bin_id: int = Field(foreign_key="countbin.id", index=True)
    round: int = 1
    sku_id: int = Field(foreign_key="sku.id")
    asset_id: int | None = Field(default=None, foreign_key="asset.id")
    lot: str = Field(default="", max_length=64)
    qty: int = 0
    scan_id: str = Field(unique=True, max_length=64)
    entry: str = Field(default="scanned", max_length=8)
    counter: str = Field(default="", max_length=32)
    at: datetime = Field(default_factory=utcnow)


class CountResult(SQLModel, table=True):
    """An approved count line: the figures approval posted (export ``counts``, the report)."""

    id: int | None = Field(default=None, primary_key=True)
    count_id: int = Field(foreign_key="cyclecount.id", index=True)
    count_bin_id: int = Field(foreign_key="countbin.id")
    bin_id: int = Field(foreign_key="bin.id", index=True)
    sku_id: int = Field(foreign_key="sku.id")
    lot: str = Field(default="", max_length=64)
    expected: int = 0
    counted: int = 0
    variance: int = 0
    value: float = 0.0  # variance x unit value
    missing: str = Field(default="", sa_type=Text)  # serials, space-separated
    unexpected: str = Field(default="", sa_type=Text)
    wrong_bin: str = Field(default="", sa_type=Text)  # serial@book-bin, space-separated
    counter: str = Field(default="", max_length=32)
    approved_at: datetime = Field(default_factory=utcnow, index=True)


# --- identity and trust (migration 0004; inventory/authenticity.py, inventory/tags.py) -------


class TagRoll(SQLModel, table=True):
    """A roll of pre-printed own tags registered as issued: ``first`` .. ``last`` inclusive."""

    id: int | None = Field(default=None, primary_key=True)
    prefix: str = Field(max_length=16)
    first: int
    last: int
    registered_by: str = Field(default="", max_length=32)
    registered_at: datetime = Field(default_factory=utcnow)


class AuthenticityEvent(SQLModel, table=True):
    """A refusal that smells of counterfeit or mislabelling: what was scanned, where, by whom,
    and what did not match (``mismatch``: gtin | received_again | shipped_not_returned |
    unissued_tag)."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    scan_id: str = Field(default="", max_length=64, index=True)
    terminal: str = Field(default="", max_length=64)
    operator: str = Field(default="", max_length=32)
    payload: str = Field(default="", sa_type=Text)
    serial: str = Field(default="", max_length=128)
    sku: str = Field(default="", max_length=64)
    mismatch: str = Field(default="", max_length=32)
    message: str = Field(default="", max_length=400)
    refused: bool = True  # False when the site's policy only warns (unissued tags)
