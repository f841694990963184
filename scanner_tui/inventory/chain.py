"""The ledger as a hash chain: rewriting history shows.

Each ledger row carries ``chain_hash`` = SHA-256 of the previous row's hash and of the row's
own content (id included), in ``id`` order over the whole store. The one ``ledgerchain`` row
holds the head (last id, last hash); every append reads it locked and moves it in the same
transaction, so appends are serialised: no two rows claim the same predecessor (no forks) and
a row cannot go missing without breaking the next link or the head (no gaps). ``verify``
recomputes the chain (``walk``) and names the first row that breaks; an anchor printed by
``scanner-tui verify --anchor`` and kept elsewhere shows even a rewrite of the whole chain.

This module is pure apart from the few fixed SQL statements of the append; it does not import
the models, so ``models.py`` can hook it into ORM inserts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

GENESIS = "0" * 64
HEAD_ID = 1
# The content a row's hash covers: every column but the hash itself, in this order.
CONTENT = ("id", "action", "at", "operator", "terminal", "entry", "scan_id", "sku_id",
           "asset_id", "qty", "from_bin_id", "to_bin_id", "lot", "expiry", "status_after",
           "doc_type", "doc_code", "doc_line", "reason", "reverses_id")
_INTS = frozenset(("id", "sku_id", "asset_id", "qty", "from_bin_id", "to_bin_id", "doc_line",
                   "reverses_id"))


def utc(at: datetime) -> datetime:
    """Aware UTC; a naive value (SQLite hands those back) is UTC already."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


_AT = CONTENT.index("at")
_EXPIRY = CONTENT.index("expiry")


def _at(value: Any) -> str | None:
    """A ledger time as one text on every engine: ISO 8601, microseconds, UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        if len(value) == 26 and value[10] == " ":  # how SQLite keeps it (UTC wall clock)
            return f"{value[:10]}T{value[11:]}+00:00"
        value = datetime.fromisoformat(value)
    return utc(value).isoformat(timespec="microseconds")


def _expiry(value: Any) -> str | None:
    if value is None:
        return None
    return value[:10] if isinstance(value, str) else value.isoformat()


def _plain(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "at":
        return _at(value)
    if name == "expiry":
        return _expiry(date.fromisoformat(value[:10]) if isinstance(value, str) else value)
    if name in _INTS:
        return int(value)
    return str(value)


def _digest(prev: str, values: list) -> str:
    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{prev}\n{text}".encode("utf-8", "surrogatepass")).hexdigest()


def link(prev: str, row: Mapping[str, Any]) -> str:
    """The hash of ``row`` following a row whose hash is ``prev``."""
    return _digest(prev, [_plain(n, row.get(n)) for n in CONTENT])


def link_stored(prev: str, values: tuple) -> str:
    """``link`` for a row as the database driver hands it back (CONTENT order): ints and
    texts as they are, only the time and the expiry date put in their one form."""
    plain = list(values)
    plain[_AT] = _at(plain[_AT])
    plain[_EXPIRY] = _expiry(plain[_EXPIRY])
    return _digest(prev, plain)


# -- the append (run inside the operation's transaction, on its DB-API cursor) ----------------

def _one(cursor: Any, sql: str, params: tuple, fmt: bool) -> tuple | None:
    cursor.execute(sql.replace("?", "%s") if fmt else sql, params)
    return cursor.fetchone()


class Appender:
    """Appends hashed rows for one transaction: locks the head once, moves it at each row."""

    def __init__(self, raw_connection: Any, dialect_name: str, paramstyle: str) -> None:
        self.raw = raw_connection
        self.postgres = dialect_name == "postgresql"
        self.fmt = paramstyle in ("format", "pyformat")
        self.head: tuple[int | None, str] | None = None

    def lock(self) -> tuple[int | None, str]:
        """Read the head, locked until commit (PostgreSQL; SQLite's write lock is the file's)."""
        if self.head is None:
            sql = "SELECT last_id, head_hash FROM ledgerchain WHERE id = ?"
            cur = self.raw.cursor()
            try:
                found = _one(cur, sql + (" FOR UPDATE" if self.postgres else ""), (HEAD_ID,),
                             self.fmt)
                if found is None:  # a store created before the chain: start it now
                    cur.execute(("INSERT INTO ledgerchain (id, last_id, head_hash) VALUES "
                                 "(?, NULL, ?)").replace("?", "%s" if self.fmt else "?"),
                                (HEAD_ID, GENESIS))
                    found = (None, GENESIS)
            finally:
                cur.close()
            self.head = (found[0], found[1])
        return self.head

    def next_id(self) -> int:
        cur = self.raw.cursor()
        try:
            if self.postgres:
                cur.execute("SELECT nextval(pg_get_serial_sequence('ledgerentry', 'id'))")
            else:
                # after the head too: an ORM flush seals all its rows before inserting them
                cur.execute("SELECT MAX(COALESCE((SELECT MAX(id) FROM ledgerentry), 0),"
                            " COALESCE((SELECT last_id FROM ledgerchain WHERE id = 1), 0)) + 1")
            return int(cur.fetchone()[0])
        finally:
            cur.close()

    def seal(self, row: dict[str, Any]) -> dict[str, Any]:
        """Give ``row`` the next id and its hash, and move the head to it (not yet inserted:
        the caller inserts it in the same transaction)."""
        _last, prev = self.lock()
        row["id"] = self.next_id()
        row["chain_hash"] = link(prev, row)
        cur = self.raw.cursor()
        try:
            cur.execute(("UPDATE ledgerchain SET last_id = ?, head_hash = ? WHERE id = ?")
                        .replace("?", "%s" if self.fmt else "?"),
                        (row["id"], row["chain_hash"], HEAD_ID))
        finally:
            cur.close()
        self.head = (row["id"], row["chain_hash"])
        return row


def lock_head(conn: Any) -> tuple[int | None, str]:
    """Take the chain head on a SQLAlchemy Connection, as every operation does first (on
    PostgreSQL a row lock until commit): a bulk writer that picks its own ids (the importer)
    takes it before reading the highest ids, so no append can claim them meanwhile."""
    raw = conn.connection.driver_connection
    return Appender(raw, conn.dialect.name, conn.dialect.paramstyle).lock()


def seal_rows(conn: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Seal rows about to be bulk-inserted on a SQLAlchemy Connection (ids already given, in
    increasing order, after every row in the store: the demo builder); moves the head."""
    if not rows:
        return rows
    raw = conn.connection.driver_connection
    appender = Appender(raw, conn.dialect.name, conn.dialect.paramstyle)
    last_id, prev = appender.lock()
    for row in rows:
        if last_id is not None and row["id"] <= last_id:
            raise ValueError("bulk ledger rows must come after the chain's head, in id order")
        row["at"] = utc(row["at"])
        prev = row["chain_hash"] = link(prev, row)
        last_id = row["id"]
    cur = raw.cursor()
    try:
        cur.execute(("UPDATE ledgerchain SET last_id = ?, head_hash = ? WHERE id = ?")
                    .replace("?", "%s" if appender.fmt else "?"), (last_id, prev, HEAD_ID))
    finally:
        cur.close()
    return rows


# -- checking -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Break:
    """The first place the chain does not hold, worded for a supervisor."""

    row_id: int | None
    message: str


@dataclass(frozen=True)
class ChainResult:
    rows: int
    last_id: int | None
    head: str  # the recomputed hash of the last row (GENESIS for an empty ledger)
    broken: Break | None
    anchor_checked: bool = False

    @property
    def anchor(self) -> str:
        """What to keep elsewhere: ``<last id>:<hash>``."""
        return f"{self.last_id or 0}:{self.head}"


SELECT_ROWS = f"SELECT {', '.join(CONTENT)}, chain_hash FROM ledgerentry ORDER BY id"


def parse_anchor(text: str) -> tuple[int, str]:
    """``"<id>:<64 hex>"`` → (id, hash); a ValueError with a sentence otherwise."""
    ident, _, digest = text.strip().partition(":")
    digest = digest.strip().lower()
    if not ident.strip().isdigit() or len(digest) != 64 or any(
            c not in "0123456789abcdef" for c in digest):
        raise ValueError("An anchor looks like 1234:<64 hex digits>, as `verify --anchor` "
                         "printed it.")
    return int(ident), digest


def walk(rows: Iterable[tuple], head: tuple[int | None, str] | None,
         anchor: tuple[int, str] | None = None) -> ChainResult:
    """Recompute the chain over ``rows``: driver tuples of CONTENT then ``chain_hash``, in id
    order (``SELECT_ROWS``).

    ``head`` is the stored (last_id, head_hash), or None when the store has no head row.
    The first row whose stored hash is not the recomputed one is named; an anchor that does
    not lie on the recomputed chain is a break too (the whole chain was rewritten)."""
    prev, count, last_id = GENESIS, 0, None
    broken: Break | None = None
    anchor_seen = anchor is None or anchor[0] == 0
    if anchor is not None and anchor[0] == 0 and anchor[1] != GENESIS:
        broken = Break(None, "The anchor names no row but is not the empty ledger's hash.")
    for row in rows:
        count += 1
        rid, stored = row[0], row[-1]
        want = link_stored(prev, row[:-1])
        if broken is None and stored != want:
            reason = ("carries no seal (it was written outside the app)"
                      if not stored else
                      "does not match its seal: it, or a row before it, was changed, inserted "
                      "or removed outside the app")
            broken = Break(rid, f"Ledger row #{rid} {reason}; the history from #{rid} on "
                                "cannot be trusted.")
        if anchor is not None and not anchor_seen and rid >= anchor[0]:
            anchor_seen = True
            if broken is None and (rid != anchor[0] or want != anchor[1]):
                broken = Break(rid, f"The ledger no longer matches the anchor kept for row "
                                    f"#{anchor[0]}: the history up to it was rewritten.")
        prev, last_id = want, rid
    if broken is None and anchor is not None and not anchor_seen:
        broken = Break(last_id, f"The ledger ends at row #{last_id or 0}, before the anchor "
                                f"kept for row #{anchor[0]}: rows were removed.")
    if broken is None and (head or (None, GENESIS)) != (last_id, prev):
        broken = Break(last_id, f"The ledger's head seal does not match its last row "
                                f"#{last_id}: rows were added or removed at the end outside "
                                "the app.")
    return ChainResult(count, last_id, prev, broken, anchor is not None)
