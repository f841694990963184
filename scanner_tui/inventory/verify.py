"""Prove the books: replay the ledger in SQL and compare it with stock rows and asset state.

Replay rule (DESIGN, ledger conventions): a quantity row (no ``asset_id``) moves ``qty`` of
(sku, lot) out of ``from_bin_id`` and into ``to_bin_id``; an asset row sets the unit's bin to
``to_bin_id`` and its status to ``status_after``. Asset rows whose ``status_after`` is empty are
notes (a label printed) and change nothing. Everything is aggregated by the database (one
GROUP BY for stock, ``max(id)`` per asset for units), so it scales to millions of rows, on
SQLite and PostgreSQL alike.

Documents (what the operations count beside the ledger) are proved the same way; each rule is
what the ops write (``ops/receiving.py``, ``ops/orders.py``, ``ops/undo.py``):

- a receipt line's ``qty_received`` = its ``receive`` rows minus the ``undo`` rows that carry
  the same receipt line (only receive rows carry ``doc_type='receipt'``, so an undo row with it
  reverses a receive);
- an ``ExpectedSerial`` is received iff the unit with that serial has more receive than undo
  rows on that receipt;
- an order line's ``qty_picked`` = its ``pick`` rows minus the undo rows reversing a pick (undo
  of a stage or a return carries the order too, so the reversed row's action is looked up);
  ``qty_shipped`` = its ``ship`` rows (one per unit, or one with the quantity; never undone),
  and the ledger never ships more of a line than it picked (a pick undone after its order
  shipped);
- a picked or shipped unit's ``order_line_id`` is the order line named by its last
  state-changing row (pick, stage, ship, or the undo of a stage or return);
- a unit's SKU and lot equal those of its last state-changing row;
- every ledger row naming a receipt or order line names one that exists (label notes name
  only the document, no line, and are not checked).

The ledger itself is proved too: its hash chain is recomputed (``inventory/chain.py``) and
the first row that breaks it is named (kind ``chain``); with an anchor kept from an earlier
``verify --anchor``, a rewrite of the whole chain shows as well.

Not checked, because the ledger does not determine them: receipt and order status (closing a
receipt writes no row; ``staged`` is set without one; nothing sets ``cancelled`` yet),
``qty_expected`` and order ``qty``, and a returned / lost / in-stock unit's leftover
``order_line_id``.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

from sqlalchemy import (
    Engine,
    and_,
    case,
    create_engine,
    event,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import aliased

from scanner_tui.inventory import chain
from scanner_tui.inventory.models import (
    Asset,
    Bin,
    ExpectedSerial,
    LedgerChain,
    LedgerEntry,
    Order,
    OrderLine,
    Receipt,
    ReceiptLine,
    Sku,
    Stock,
)
from scanner_tui.text import counted

L = LedgerEntry.__table__
S = Stock.__table__
A = Asset.__table__
B = Bin.__table__
K = Sku.__table__
R = Receipt.__table__
RL = ReceiptLine.__table__
ES = ExpectedSerial.__table__
ORD = Order.__table__
OL = OrderLine.__table__
HEAD = LedgerChain.__table__


_READERS: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def reader(engine: Engine) -> Engine:
    """An engine for long reads (verify, export, history, recall) that never blocks writers.

    The store's engine begins every SQLite transaction IMMEDIATE (right for writes), which would
    make a minute-long export hold the write lock and lock the terminals out. In WAL mode a
    deferred ``BEGIN`` gives a consistent snapshot without blocking anyone. PostgreSQL reads
    never block writers: the engine is returned as it is.
    """
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return engine  # PostgreSQL; or an in-memory SQLite, which only its own engine sees
    found = _READERS.get(engine)
    if found is None:
        found = create_engine(engine.url, connect_args={"check_same_thread": False})

        @event.listens_for(found, "connect")
        def _on_connect(dbapi_conn, _record) -> None:  # noqa: ANN001
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA busy_timeout=10000")
            cur.execute("PRAGMA query_only=ON")
            cur.close()

        @event.listens_for(found, "begin")
        def _on_begin(conn) -> None:  # noqa: ANN001
            conn.exec_driver_sql("BEGIN")

        _READERS[engine] = found
    return found


@dataclass(frozen=True)
class Mismatch:
    """One place where the books and the ledger disagree, worded for a supervisor."""

    kind: str  # "stock" | "asset" | "receipt" | "expected_serial" | "order" | "chain"
    code: str  # the SKU code (stock), the asset serial, or the document code
    message: str
    details: dict = field(default_factory=dict, compare=False)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class VerifyReport:
    mismatches: list[Mismatch]
    stock_keys: int  # (sku, bin, lot) combinations checked
    assets: int  # units checked
    ledger_rows: int
    doc_lines: int = 0  # receipt lines, ship-notice serials and order lines checked
    chain: chain.ChainResult | None = None  # the ledger's hash chain, recomputed

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def summary(self) -> str:
        if self.ok:
            sealed = " (hash chain intact" + (
                ", anchor matches)" if self.chain and self.chain.anchor_checked else ")")
            return (
                f"books agree: {counted(self.ledger_rows, 'ledger row')} replayed{sealed}, "
                f"{counted(self.stock_keys, 'stock line')}, {counted(self.assets, 'unit')} and "
                f"{counted(self.doc_lines, 'document line')} match"
            )
        return f"{len(self.mismatches):,} mismatch(es) between the books and the ledger"


def _stock_differences():
    """(sku_id, bin_id, lot, ledger_qty, books_qty) where replay and Stock rows disagree."""
    qty_rows = L.c.asset_id.is_(None)
    moves = union_all(
        select(
            L.c.sku_id, L.c.to_bin_id.label("bin_id"), L.c.lot,
            L.c.qty.label("ledger"), literal(0).label("books"),
        ).where(qty_rows, L.c.to_bin_id.is_not(None)),
        select(
            L.c.sku_id, L.c.from_bin_id.label("bin_id"), L.c.lot,
            (-L.c.qty).label("ledger"), literal(0).label("books"),
        ).where(qty_rows, L.c.from_bin_id.is_not(None)),
        select(S.c.sku_id, S.c.bin_id, S.c.lot, literal(0).label("ledger"), S.c.qty.label("books")),
    ).subquery("moves")
    ledger = func.sum(moves.c.ledger).label("ledger")
    books = func.sum(moves.c.books).label("books")
    grouped = (
        select(moves.c.sku_id, moves.c.bin_id, moves.c.lot, ledger, books)
        .group_by(moves.c.sku_id, moves.c.bin_id, moves.c.lot)
        .subquery("grouped")
    )
    diff = (
        select(
            K.c.code.label("sku"), B.c.code.label("bin"), grouped.c.lot,
            grouped.c.ledger, grouped.c.books,
        )
        .select_from(grouped)
        .outerjoin(K, K.c.id == grouped.c.sku_id)
        .outerjoin(B, B.c.id == grouped.c.bin_id)
        .where(or_(grouped.c.ledger != grouped.c.books, grouped.c.books < 0))
        .order_by(K.c.code, B.c.code, grouped.c.lot)
    )
    return diff


def _asset_differences():
    """Units whose (bin, status) differ from their last state-changing ledger row, or lack one."""
    last = (
        select(L.c.asset_id, func.max(L.c.id).label("last_id"))
        .where(L.c.asset_id.is_not(None), L.c.status_after.is_not(None))
        .group_by(L.c.asset_id)
        .subquery("last")
    )
    row = L.alias("lastrow")
    book_bin = aliased(Bin, name="book_bin")
    led_bin = aliased(Bin, name="led_bin")
    led_sku = K.alias("led_sku")
    return (
        select(
            A.c.serial, K.c.code.label("sku"), A.c.status, book_bin.code.label("bin"),
            row.c.id.label("ledger_id"), row.c.status_after, led_bin.code.label("ledger_bin"),
            A.c.lot, row.c.lot.label("ledger_lot"), led_sku.c.code.label("ledger_sku"),
            (A.c.sku_id == row.c.sku_id).label("same_sku"),
        )
        .select_from(A)
        .outerjoin(last, last.c.asset_id == A.c.id)
        .outerjoin(row, row.c.id == last.c.last_id)
        .outerjoin(K, K.c.id == A.c.sku_id)
        .outerjoin(book_bin, book_bin.id == A.c.bin_id)
        .outerjoin(led_bin, led_bin.id == row.c.to_bin_id)
        .outerjoin(led_sku, led_sku.c.id == row.c.sku_id)
        .where(
            or_(
                row.c.id.is_(None),
                and_(
                    row.c.id.is_not(None),
                    or_(
                        A.c.bin_id.is_distinct_from(row.c.to_bin_id),
                        A.c.status.is_distinct_from(row.c.status_after),
                        A.c.sku_id.is_distinct_from(row.c.sku_id),
                        A.c.lot.is_distinct_from(row.c.lot),
                    ),
                ),
            )
        )
        .order_by(A.c.serial)
    )


def _receipt_differences():
    """Receipt lines whose ``qty_received`` differs from receive rows minus their undo rows."""
    signed = case((L.c.action == "receive", L.c.qty), else_=-L.c.qty)
    led = (
        select(L.c.doc_code, L.c.doc_line, func.sum(signed).label("n"))
        .where(L.c.doc_type == "receipt", L.c.action.in_(("receive", "undo")))
        .group_by(L.c.doc_code, L.c.doc_line)
        .subquery("led")
    )
    ledger = func.coalesce(led.c.n, 0)
    return (
        select(R.c.code, RL.c.line_no, K.c.code.label("sku"), RL.c.qty_received,
               ledger.label("ledger"))
        .select_from(RL)
        .join(R, R.c.id == RL.c.receipt_id)
        .outerjoin(K, K.c.id == RL.c.sku_id)
        .outerjoin(led, and_(led.c.doc_code == R.c.code, led.c.doc_line == RL.c.line_no))
        .where(RL.c.qty_received != ledger)
        .order_by(R.c.code, RL.c.line_no)
    )


def _expected_serial_differences():
    """Ship-notice serials whose ``received`` flag differs from the unit's receipt rows."""
    signed = case((L.c.action == "receive", 1), else_=-1)
    led = (
        select(L.c.asset_id, L.c.doc_code, func.sum(signed).label("n"))
        .where(L.c.doc_type == "receipt", L.c.asset_id.is_not(None),
               L.c.action.in_(("receive", "undo")))
        .group_by(L.c.asset_id, L.c.doc_code)
        .subquery("led")
    )
    got = func.coalesce(led.c.n, 0) > 0
    return (
        select(R.c.code, ES.c.serial, ES.c.received, func.coalesce(led.c.n, 0).label("n"))
        .select_from(ES)
        .join(R, R.c.id == ES.c.receipt_id)
        .join(RL, RL.c.id == ES.c.line_id)  # a unit is SKU + serial: the notice line's SKU
        .outerjoin(A, and_(A.c.serial == ES.c.serial, A.c.sku_id == RL.c.sku_id))
        .outerjoin(led, and_(led.c.asset_id == A.c.id, led.c.doc_code == R.c.code))
        .where(or_(and_(ES.c.received == true(), ~got), and_(ES.c.received == false(), got)))
        .order_by(R.c.code, ES.c.serial)
    )


def _order_differences():
    """Order lines whose ``qty_picked`` / ``qty_shipped`` differ from pick, undo and ship rows."""
    orig = L.alias("orig")
    picked = case(
        (L.c.action == "pick", L.c.qty),
        (and_(L.c.action == "undo", orig.c.action == "pick"), -L.c.qty),
        else_=0,
    )
    shipped = case((L.c.action == "ship", L.c.qty), else_=0)
    led = (
        select(L.c.doc_code, L.c.doc_line, func.sum(picked).label("picked"),
               func.sum(shipped).label("shipped"))
        .select_from(L)
        .outerjoin(orig, orig.c.id == L.c.reverses_id)
        .where(L.c.doc_type == "order", L.c.action.in_(("pick", "ship", "undo")))
        .group_by(L.c.doc_code, L.c.doc_line)
        .subquery("led")
    )
    led_picked = func.coalesce(led.c.picked, 0)
    led_shipped = func.coalesce(led.c.shipped, 0)
    return (
        select(ORD.c.code, OL.c.line_no, K.c.code.label("sku"), OL.c.qty_picked, OL.c.qty_shipped,
               led_picked.label("ledger_picked"), led_shipped.label("ledger_shipped"))
        .select_from(OL)
        .join(ORD, ORD.c.id == OL.c.order_id)
        .outerjoin(K, K.c.id == OL.c.sku_id)
        .outerjoin(led, and_(led.c.doc_code == ORD.c.code, led.c.doc_line == OL.c.line_no))
        .where(or_(OL.c.qty_picked != led_picked, OL.c.qty_shipped != led_shipped,
                   led_shipped > led_picked))
        .order_by(ORD.c.code, OL.c.line_no)
    )


def _order_line_differences():
    """Picked or shipped units whose ``order_line_id`` is not the line their ledger names."""
    last_id = (
        select(func.max(L.c.id))
        .where(L.c.asset_id == A.c.id, L.c.status_after.is_not(None))
        .scalar_subquery()
    )
    row = L.alias("lastrow")
    book_line = OL.alias("book_line")
    book_order = ORD.alias("book_order")
    led_order = ORD.alias("led_order")
    led_line = OL.alias("led_line")
    return (
        select(A.c.serial, A.c.status, K.c.code.label("sku"), book_order.c.code.label("order"),
               book_line.c.line_no, row.c.id.label("ledger_id"), row.c.doc_type,
               row.c.doc_code, row.c.doc_line)
        .select_from(A)
        .join(row, row.c.id == last_id)
        .outerjoin(K, K.c.id == A.c.sku_id)
        .outerjoin(book_line, book_line.c.id == A.c.order_line_id)
        .outerjoin(book_order, book_order.c.id == book_line.c.order_id)
        .outerjoin(led_order, and_(row.c.doc_type == "order", led_order.c.code == row.c.doc_code))
        .outerjoin(led_line, and_(led_line.c.order_id == led_order.c.id,
                                  led_line.c.line_no == row.c.doc_line))
        .where(A.c.status.in_(("picked", "shipped")),
               A.c.status == row.c.status_after,  # else the unit is reported as an asset
               or_(led_line.c.id.is_(None), A.c.order_line_id.is_distinct_from(led_line.c.id)))
        .order_by(A.c.serial)
    )


def _orphan_document_rows():
    """(doc_type, doc_code, doc_line, rows): ledger rows naming a receipt or order line that
    the books do not have (read from ``ix_ledger_doc`` alone, each looked up by index). Rows
    without a line are notes about a whole document (a label printed for a receipt)."""
    rline = (
        select(RL.c.id).join(R, R.c.id == RL.c.receipt_id)
        .where(L.c.doc_type == "receipt", R.c.code == L.c.doc_code,
               RL.c.line_no == L.c.doc_line)
        .exists()
    )
    oline = (
        select(OL.c.id).join(ORD, ORD.c.id == OL.c.order_id)
        .where(L.c.doc_type == "order", ORD.c.code == L.c.doc_code,
               OL.c.line_no == L.c.doc_line)
        .exists()
    )
    return (
        select(L.c.doc_type, L.c.doc_code, L.c.doc_line, func.count().label("rows"))
        .where(L.c.doc_type.in_(("receipt", "order")), L.c.doc_line.is_not(None), ~rline, ~oline)
        .group_by(L.c.doc_type, L.c.doc_code, L.c.doc_line)
        .order_by(L.c.doc_type, L.c.doc_code, L.c.doc_line)
    )


def _document_mismatches(conn) -> list[Mismatch]:  # noqa: ANN001
    out: list[Mismatch] = []
    for r in conn.execute(_receipt_differences()):
        out.append(Mismatch(
            "receipt", r.code,
            f"Receipt {r.code} line {r.line_no} ({r.sku}): the line says {r.qty_received} "
            f"received, the ledger shows {int(r.ledger)}",
            {"receipt": r.code, "line": r.line_no, "sku": r.sku, "books": r.qty_received,
             "ledger": int(r.ledger)}))
    for r in conn.execute(_expected_serial_differences()):
        if r.received:
            text = (f"Receipt {r.code}: the ship notice marks {r.serial} received, the ledger "
                    f"shows no receipt of it on {r.code}")
        else:
            text = (f"Receipt {r.code}: the ship notice marks {r.serial} not received, the "
                    f"ledger shows it received on {r.code}")
        out.append(Mismatch("expected_serial", r.code, text,
                            {"receipt": r.code, "serial": r.serial, "books": bool(r.received),
                             "ledger": int(r.n) > 0}))
    for r in conn.execute(_order_differences()):
        for what, books, ledger in (("picked", r.qty_picked, int(r.ledger_picked)),
                                    ("shipped", r.qty_shipped, int(r.ledger_shipped))):
            if books != ledger:
                out.append(Mismatch(
                    "order", r.code,
                    f"Order {r.code} line {r.line_no} ({r.sku}): the line says {books} "
                    f"{what}, the ledger shows {ledger}",
                    {"order": r.code, "line": r.line_no, "sku": r.sku, "counter": what,
                     "books": books, "ledger": ledger}))
        if int(r.ledger_shipped) > int(r.ledger_picked):
            out.append(Mismatch(
                "order", r.code,
                f"Order {r.code} line {r.line_no} ({r.sku}): the ledger shows "
                f"{int(r.ledger_shipped)} shipped but only {int(r.ledger_picked)} picked",
                {"order": r.code, "line": r.line_no, "sku": r.sku, "counter": "shipped>picked",
                 "picked": int(r.ledger_picked), "shipped": int(r.ledger_shipped)}))
    for r in conn.execute(_orphan_document_rows()):
        out.append(Mismatch(
            r.doc_type, r.doc_code,
            f"The ledger has {counted(r.rows, 'row')} for {r.doc_type} {r.doc_code} "
            f"line {r.doc_line}, "
            f"which the books do not have",
            {r.doc_type: r.doc_code, "line": r.doc_line, "ledger_rows": r.rows}))
    for r in conn.execute(_order_line_differences()):
        books = f"order {r.order} line {r.line_no}" if r.order else "no order line"
        ledger = (f"order {r.doc_code} line {r.doc_line}" if r.doc_type == "order"
                  else "no order")
        out.append(Mismatch(
            "asset", r.serial,
            f"Unit {r.serial} ({r.sku}) is {r.status} for {books} in the books, its last "
            f"ledger row #{r.ledger_id} names {ledger}",
            {"serial": r.serial, "order": r.order, "line": r.line_no,
             "ledger_order": r.doc_code, "ledger_line": r.doc_line,
             "ledger_id": r.ledger_id}))
    return out


def _where(bin_code: str | None) -> str:
    return bin_code if bin_code else "no bin"


def _stock_message(sku: str | None, bin_code: str | None, lot: str, ledger: int, books: int) -> str:
    sku = sku or "an unknown SKU"
    place = bin_code or "an unknown bin"
    if books < 0 and ledger == books:
        return f"Stock of {sku} lot '{lot}' in {place} is negative: {books}"
    return (
        f"Stock of {sku} lot '{lot}' in {place}: books say {books}, "
        f"ledger replay says {ledger}"
    )


def _asset_message(r) -> str:  # noqa: ANN001
    if r.ledger_id is None:
        return (
            f"Unit {r.serial} ({r.sku}) is in the books as {r.status} in {_where(r.bin)} "
            f"but has no ledger history"
        )
    if r.status == r.status_after and r.bin == r.ledger_bin:
        return (
            f"Unit {r.serial}: books say {r.sku} lot '{r.lot}', its last ledger row "
            f"#{r.ledger_id} says {r.ledger_sku} lot '{r.ledger_lot}'"
        )
    return (
        f"Unit {r.serial} ({r.sku}): books say {r.status} in {_where(r.bin)}, "
        f"ledger replay says {r.status_after} in {_where(r.ledger_bin)} "
        f"(last ledger row #{r.ledger_id})"
    )


def check_chain(conn, anchor: tuple[int, str] | None = None) -> chain.ChainResult:  # noqa: ANN001
    """Recompute the ledger's hash chain against its stored seals, streaming the rows on the
    driver's cursor in id order (a server-side cursor on PostgreSQL), in ``conn``'s snapshot."""
    head_row = conn.execute(select(HEAD.c.last_id, HEAD.c.head_hash)
                            .where(HEAD.c.id == chain.HEAD_ID)).first()
    head = None if head_row is None else (head_row[0], head_row[1])
    raw = conn.connection.driver_connection
    postgres = conn.dialect.name == "postgresql"
    cur = raw.cursor(name="ledger_chain_walk") if postgres else raw.cursor()
    try:
        if postgres:
            cur.itersize = 5000
        cur.execute(chain.SELECT_ROWS)
        return chain.walk(cur, head, anchor)
    finally:
        cur.close()


def _chain_mismatch(result: chain.ChainResult) -> list[Mismatch]:
    if result.broken is None:
        return []
    row = result.broken.row_id
    return [Mismatch("chain", f"#{row}" if row is not None else "", result.broken.message,
                     {"ledger_id": row})]


def verify_report(engine: Engine, anchor: str | None = None) -> VerifyReport:
    """Replay the whole ledger and return every mismatch with counts of what was checked.

    ``anchor``: a ``<row id>:<hash>`` printed by an earlier ``verify --anchor`` and kept
    elsewhere; the chain must pass through it (a ValueError with a sentence if malformed)."""
    kept = chain.parse_anchor(anchor) if anchor else None
    out: list[Mismatch] = []
    with reader(engine).connect() as conn:
        sealed = check_chain(conn, kept)
        out.extend(_chain_mismatch(sealed))
        for r in conn.execute(_stock_differences()):
            ledger, books = int(r.ledger or 0), int(r.books or 0)
            out.append(
                Mismatch(
                    "stock", r.sku or "", _stock_message(r.sku, r.bin, r.lot, ledger, books),
                    {"sku": r.sku, "bin": r.bin, "lot": r.lot, "books": books, "ledger": ledger},
                )
            )
        for r in conn.execute(_asset_differences()):
            out.append(
                Mismatch(
                    "asset", r.serial, _asset_message(r),
                    {
                        "serial": r.serial, "sku": r.sku, "status": r.status, "bin": r.bin,
                        "ledger_status": r.status_after, "ledger_bin": r.ledger_bin,
                        "ledger_id": r.ledger_id,
                    },
                )
            )
        out.extend(_document_mismatches(conn))
        doc_lines = sum(conn.execute(select(func.count()).select_from(t)).scalar_one()
                        for t in (RL, ES, OL))
        stock_keys = conn.execute(select(func.count()).select_from(S)).scalar_one()
        assets = conn.execute(select(func.count()).select_from(A)).scalar_one()
    return VerifyReport(out, int(stock_keys), int(assets), sealed.rows, int(doc_lines), sealed)


def verify(engine: Engine) -> list[Mismatch]:
    """Every mismatch between the books (Stock, Asset) and a replay of the ledger, and the
    first break in the ledger's hash chain; [] if none."""
    return verify_report(engine).mismatches
