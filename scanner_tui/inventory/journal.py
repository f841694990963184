"""The scan journal: every scan is written here before it is acted on, its outcome after.

Each write is one short transaction through SQLAlchemy Core (no ORM session) so that
journaling stays cheap on the scan path; see docs/BENCHMARKS.md "Scan to screen".
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, bindparam, insert, or_, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from scanner_tui.inventory.db import READ_ONLY
from scanner_tui.inventory.models import AppliedScan, ScanJournal
from scanner_tui.scanning.result import Scan, ScanResult

log = logging.getLogger(__name__)
_TABLE = ScanJournal.__table__
_APPLIED = AppliedScan.__table__
REASON_MAX = 400
# The outcome given at start-up to a scan the terminal journaled but never answered
STOPPED = "not applied (the terminal stopped)"
APPLIED_BEFORE_STOP = "applied before the terminal stopped"
# Built once: a statement object kept alive keeps its compiled-cache key (the scan path).
_INSERT = insert(_TABLE)
_OUTCOME = (update(_TABLE).where(_TABLE.c.scan_id == bindparam("of_scan"))
            .values(accepted=bindparam("new_accepted"), reason=bindparam("new_reason")))


def _fields(result: ScanResult) -> str:
    data = result.to_dict()
    data.pop("kind", None)
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def storable(text: str) -> str:
    """Text every store accepts: lone surrogates and NUL (refused by UTF-8 / PostgreSQL) are
    written as their backslash escapes; everything else is kept exactly as received."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text.replace("\x00", "\\x00") if "\x00" in text else text


def _utc(value: datetime) -> datetime:
    """Aware UTC (SQLite keeps only the wall-clock digits, so store them as UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def record_scan(
    engine: Engine, scan: Scan, result: ScanResult, *, terminal: str, operator: str = ""
) -> None:
    """Write the journal row for ``scan`` (payload as received, kind and fields, no outcome)."""
    row = {
        "scan_id": scan.id,
        "payload": storable(scan.payload),
        "source": str(scan.source),
        "terminal": storable(terminal)[:64],
        "operator": storable(operator)[:32],
        "at": _utc(scan.at),
        "kind": str(result.kind),
        "fields": _fields(result),
        "accepted": None,
        "reason": "",
    }
    try:
        _insert(engine, row)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        # The pooled connection had dropped (a restarted server, a cut link): the pool has
        # renewed its connections, so once more. A commit whose answer was lost may have
        # kept the row: then the scan is journaled already.
        try:
            _insert(engine, row)
        except IntegrityError:
            if not _journaled(engine, scan.id):
                raise


def _insert(engine: Engine, row: dict) -> None:
    """One statement, committed when it returns. On PostgreSQL in autocommit: the insert is
    its own transaction, without the BEGIN and COMMIT round trips of an explicit one."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(_INSERT, row)
        return
    with engine.begin() as conn:
        conn.execute(_INSERT, row)


def _journaled(engine: Engine, scan_id: str) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(_TABLE.c.id).where(_TABLE.c.scan_id == scan_id)
                            ).first() is not None


def record_outcome(engine: Engine | Connection, scan_id: str, accepted: bool,
                   reason: str) -> None:
    """Fill in whether the scan was accepted, and why not (a Connection: in its
    transaction, e.g. with the terminal's row; an Engine: in its own)."""
    params = {"of_scan": scan_id, "new_accepted": bool(accepted),
              "new_reason": storable(reason or "")[:REASON_MAX]}
    if isinstance(engine, Connection):
        engine.execute(_OUTCOME, params)
        return
    with engine.begin() as conn:
        conn.execute(_OUTCOME, params)


def _iso(value: datetime) -> str:
    return _utc(value).isoformat()


def as_row(row) -> dict:  # noqa: ANN001
    """A journal row (a mapping from the table) as the one JSON shape ``journal`` prints."""
    try:
        fields = json.loads(row["fields"] or "{}")
    except ValueError:
        fields = {}
    return {
        "scan_id": row["scan_id"],
        "at": _iso(row["at"]),
        "source": row["source"],
        "terminal": row["terminal"],
        "operator": row["operator"],
        "payload": row["payload"],
        "kind": row["kind"],
        "fields": fields,
        "accepted": row["accepted"],
        "reason": row["reason"],
    }


def read_journal(engine: Engine, last: int | None = None) -> list[dict]:
    """Journal rows as dicts, oldest first; ``last`` keeps only the newest N."""
    query = select(_TABLE).order_by(_TABLE.c.id.desc() if last is not None else _TABLE.c.id)
    if last is not None:
        query = query.limit(max(0, last))
    with engine.connect() as conn:
        rows = conn.execution_options(**{READ_ONLY: True}).execute(query).mappings().all()
    if last is not None:
        rows = list(reversed(rows))
    return [as_row(row) for row in rows]


def _applied_under(conn, scan_id: str) -> list[str]:  # noqa: ANN001
    """Summaries of the operations committed under ``scan_id`` (a workflow that applies
    several operations for one scan keys them ``<scan id>.<n>``)."""
    found = conn.execute(
        select(_APPLIED.c.summary).where(or_(
            _APPLIED.c.scan_id == scan_id,
            _APPLIED.c.scan_id.startswith(f"{scan_id}.", autoescape=True),
        )).order_by(_APPLIED.c.at, _APPLIED.c.scan_id)
    ).scalars().all()
    return [s or "done" for s in found]


def settle_pending(engine: Engine, terminal: str | None,
                   before: datetime | None = None) -> dict[str, int]:
    """Give every scan of ``terminal`` left with no outcome (the terminal stopped between
    journaling it and answering) the outcome it really had: applied when an operation
    committed under its scan id, else "not applied (the terminal stopped)".

    Call it when a terminal starts, before its first scan. Only rows still pending are
    changed, so an outcome written meanwhile by a live process wins. ``terminal=None`` with
    ``before``: every terminal's rows older than that (archiving). Returns the counts
    ``{"applied": n, "stopped": m}``.
    """
    counts = {"applied": 0, "stopped": 0}
    query = select(_TABLE.c.scan_id).where(_TABLE.c.accepted.is_(None)).order_by(_TABLE.c.id)
    if terminal is not None:
        query = query.where(_TABLE.c.terminal == storable(terminal)[:64])
    if before is not None:
        query = query.where(_TABLE.c.at < _utc(before))
    with engine.connect() as conn:  # a read: no write lock
        pending = conn.execution_options(**{READ_ONLY: True}).execute(query).scalars().all()
    for scan_id in pending:
        with engine.begin() as conn:
            summaries = _applied_under(conn, scan_id)
            if summaries:
                values = {"accepted": True,
                          "reason": f"{APPLIED_BEFORE_STOP}: {'; '.join(summaries)}"}
            else:
                values = {"accepted": False, "reason": STOPPED}
            values["reason"] = storable(values["reason"])[:REASON_MAX]
            done = conn.execute(
                update(_TABLE).where(_TABLE.c.scan_id == scan_id, _TABLE.c.accepted.is_(None))
                .values(**values)
            ).rowcount
        counts["applied" if summaries else "stopped"] += done
    if pending:
        log.info("settled %s scans left pending on terminal %s", counts, terminal)
    return counts
