"""Where each terminal is (``terminalsession``): who is signed in, which task, the task's state.

The app writes its terminal's row after every scan and whenever the screen changes task, so a
terminal that reconnects (a Wi-Fi shadow, a restarted host) comes back where it was. ``state``
is a JSON object: the workflow's own snapshot where it has one, else ``{}``.

A scan that changes stock also writes the row inside the operation's own transaction (the
ledger head is locked first, the row last): ``kept_in_operations`` hands the operations frame
a writer for the scan, which stores the task as it was when the scan came and what each
operation of the scan did (``redo``). So the row and the stock change commit together; a host
killed before the task's new state is written comes back by handing the task that scan again,
its operations answered from the record (``replaying``) instead of run twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine

from scanner_tui.inventory.errors import shown
from scanner_tui.inventory.models import as_aware, utcnow
from scanner_tui.inventory.terminal_tables import terminal_session as T

SCAN_SHOWN = 64  # how much of the last scan is kept (escaped), for `scanner-tui terminals`


@dataclass(frozen=True, slots=True)
class TerminalSession:
    """One terminal's row: its id, who is signed in ("" nobody), the task ("" the menu)."""

    terminal: str
    badge: str = ""
    task: str = ""
    state: dict[str, Any] = field(default_factory=dict)
    signed_in_at: datetime | None = None
    updated_at: datetime | None = None
    last_scan: str = ""
    last_scan_at: datetime | None = None

    def resumable(self, now: datetime, minutes: float) -> bool:
        """May the terminal come back signed in at ``now``: someone was signed in, and the
        terminal was last seen no more than ``minutes`` ago."""
        if not self.badge or self.updated_at is None:
            return False
        return now - self.updated_at <= timedelta(minutes=minutes)


def _state_text(state: Mapping[str, Any] | None) -> str:
    return json.dumps(dict(state or {}), sort_keys=True, ensure_ascii=True, default=str)


def _row_to_session(row: Any) -> TerminalSession:
    try:
        state = json.loads(row.state or "{}")
    except ValueError:
        state = {}
    return TerminalSession(
        terminal=row.terminal, badge=row.badge, task=row.task,
        state=state if isinstance(state, dict) else {},
        signed_in_at=as_aware(row.signed_in_at) if row.signed_in_at else None,
        updated_at=as_aware(row.updated_at) if row.updated_at else None,
        last_scan=row.last_scan,
        last_scan_at=as_aware(row.last_scan_at) if row.last_scan_at else None,
    )


def save_session(
    engine: Engine | sa.Connection,
    terminal: str,
    *,
    badge: str,
    task: str = "",
    state: Mapping[str, Any] | None = None,
    scan: str | None = None,
    now: datetime | None = None,
) -> None:
    """Write where ``terminal`` is now (one row per terminal, replaced in one statement).
    ``scan``: the payload just read (kept escaped and cut, for the list of terminals). Pass a
    Connection to write in that transaction (a scan's own), an Engine for its own."""
    now = now or utcnow()
    values: dict[str, Any] = {"terminal": terminal, "badge": badge,
                              "task": task if badge else "",
                              "state": _state_text(state if badge else None),
                              "updated_at": now, "signed_in_at": now if badge else None}
    if scan is not None:
        values["last_scan"] = shown(scan.rstrip("\r\n\t"), SCAN_SHOWN)
        values["last_scan_at"] = now
    statement = _upsert(engine.dialect.name, scan is not None)
    if isinstance(engine, sa.Connection):
        engine.execute(statement, values)
        return
    with engine.begin() as conn:
        conn.execute(statement, values)


_KEPT = ("badge", "task", "state", "updated_at")


@cache
def _upsert(dialect: str, with_scan: bool) -> Any:
    """INSERT ... ON CONFLICT (terminal) DO UPDATE (SQLite and PostgreSQL): a signed-in time
    that stays while the same badge is signed in, and the last scan only when there is one.
    Built once per dialect and shape (the values are bound when it runs: the scan path)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(T)
    new = statement.excluded
    names = _KEPT + (("last_scan", "last_scan_at") if with_scan else ())
    changes: dict[str, Any] = {name: new[name] for name in names}
    changes["signed_in_at"] = sa.case((T.c.badge == new.badge, T.c.signed_in_at),
                                      else_=new.signed_in_at)
    return statement.on_conflict_do_update(index_elements=[T.c.terminal], set_=changes)


def load_session(engine: Engine, terminal: str) -> TerminalSession | None:
    """The row of ``terminal``, or None when it never connected."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(T).where(T.c.terminal == terminal)).first()
    return None if row is None else _row_to_session(row)


def list_sessions(engine: Engine) -> list[TerminalSession]:
    """Every terminal the store has seen, by id."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(T).order_by(T.c.terminal)).all()
    return [_row_to_session(r) for r in rows]


# -- the row in the scan's own transaction ---------------------------------------------------
OperationWriter = Callable[[sa.Connection, Any], None]
_writer: ContextVar[OperationWriter | None] = ContextVar("scan_row_writer", default=None)
_replay: ContextVar[dict[str, dict] | None] = ContextVar("scan_replay", default=None)


@contextmanager
def kept_in_operations(write: OperationWriter) -> Iterator[None]:
    """While one scan is handled (on this thread): every stock operation calls
    ``write(conn, result)`` inside its transaction, after its changes and before its commit."""
    token = _writer.set(write)
    try:
        yield
    finally:
        _writer.reset(token)


def operation_committing(conn: sa.Connection, result: Any) -> None:
    """The operations frame, just before it commits: the scan's writer, if one is set."""
    write = _writer.get()
    if write is not None:
        write(conn, result)


def result_record(result: Any) -> dict[str, Any]:
    """An operation's result (``OpResult``) as JSON data, for the row's ``redo``."""
    return {"operation": result.operation, "message": result.message,
            "scan_id": result.scan_id, "ledger_ids": list(result.ledger_ids),
            "data": json.loads(json.dumps(result.data, default=str))}


@contextmanager
def replaying(records: Mapping[str, dict]) -> Iterator[None]:
    """While a scan is handed to a restored task again: an operation whose scan id is in
    ``records`` (keyed by scan id) answers with what it did then (``recorded``)."""
    token = _replay.set(dict(records))
    try:
        yield
    finally:
        _replay.reset(token)


def recorded(scan_id: str, operation: str) -> dict[str, Any] | None:
    """The record of the operation ``scan_id`` committed before the host stopped, if the
    scan is being handed again (``replaying``)."""
    records = _replay.get()
    found = records.get(scan_id) if records else None
    return found if found is not None and found.get("operation") == operation else None
