"""Where a terminal is, kept from the scan pipeline's thread (the pipeline's ``keeper``).

Per scan, two writes of the terminal's row (``inventory.sessions``):

* inside every stock operation's transaction (``handling``): the task as it was when the scan
  came, plus the scan and what each of its operations did (``redo``). The row and the stock
  change commit together, so a host killed right after cannot come back with the stock
  changed and the task at the old step: the restore hands the task that scan again, its
  operations answered from the record (``WorkflowHandler.reopen``);
* with the scan's outcome (``answered``, one transaction with the journal's outcome): the
  task as it is after the scan.

The redo runs the task's own logic again against the store as it is now: where the task
checks the scan against rows its operation changed (a pick's quantity against what the order
still needs), the redone scan is refused and the task stays at its step before, its plan read
from the stock; nothing is applied twice either way (``tests/test_serve_keeper.py``).

Badge and task changes made by the screens (sign-in, a task opened, back to the menu) are
written by the app (``KeptApp._keep``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine

from scanner_tui.inventory.sessions import kept_in_operations, result_record, save_session
from scanner_tui.scanning.result import Scan
from scanner_tui.ui.floor import AnswerHandler, WorkflowHandler
from scanner_tui.ui.pipeline import Handled
from scanner_tui.workflows.base import scan_to_dict

log = logging.getLogger(__name__)
SCREEN = "WorkflowScreen"  # the screen a kept task is shown on (``state["screen"]``)


def working(handler: Any) -> WorkflowHandler | None:
    """The task a scan goes to: the workflow behind a typed answer, or the one a sign-in or
    menu handler passes its scans on to until its screen shows (``Handover.next``: a badge, a
    task card and a bin scanned in one go)."""
    for _ in range(4):
        if isinstance(handler, AnswerHandler):
            handler = handler.handler
        if isinstance(handler, WorkflowHandler):
            return handler
        handler = getattr(handler, "next", None)
        if handler is None:
            return None
    return None


def saved_state(handler: WorkflowHandler) -> dict[str, Any] | None:
    """The task's own state (``WorkflowHandler.saved()``), or None; never raises."""
    try:
        return handler.saved()
    except Exception:  # noqa: BLE001  (the place is still kept without it)
        log.exception("workflow snapshot failed")
        return None


def shift_of(handler: Any) -> dict[str, Any] | None:
    """The signed-in shift's counts (``Shift.to_dict``) of the handler's session, or None."""
    shift = getattr(getattr(working(handler) or handler, "session", None), "shift", None)
    return shift.to_dict() if shift is not None else None


class TerminalKeeper:
    """Writes one terminal's row from the pipeline thread (see the module's docstring)."""

    def __init__(self, engine: Engine, terminal: str, clock: Callable[[], datetime],
                 badge: Callable[[], str]) -> None:
        """``badge``: who is signed in now, as the pipeline knows it (its ``operator``)."""
        self.engine = engine
        self.terminal = terminal
        self.clock = clock
        self.badge = badge

    def handling(self, scan: Scan, handler: Any) -> AbstractContextManager[Any]:
        """Around one scan's handling: a stock operation writes the row in its transaction."""
        task = working(handler)
        before = saved_state(task) if task is not None else None
        if task is None or before is None:
            return nullcontext()
        answer = handler.text if isinstance(handler, AnswerHandler) else None
        records: dict[str, dict] = {}

        def write(conn: sa.Connection, result: Any) -> None:
            for earlier in [k for k in records if k != result.scan_id]:
                if not _applied(conn, earlier):  # its transaction did not commit after all
                    del records[earlier]
            records[result.scan_id] = result_record(result)
            redo = {"scan": scan_to_dict(scan), "answer": answer, "operations": records}
            state = {"screen": SCREEN, "workflow": before, "redo": redo, "shift": shift_of(task)}
            save_session(conn, self.terminal, badge=self.badge(), task=task.entry.key,
                         state=state, scan=scan.payload, now=self.clock())

        return kept_in_operations(write)

    def answered(self, conn: sa.Connection, handled: Handled, handler: Any) -> None:
        """The row after the scan, in the transaction of its outcome."""
        badge = self.badge()
        task = working(handler) if badge else None
        state: dict[str, Any] = {}
        key = ""
        if task is not None and task.summary is None:
            key = task.entry.key
            state = {"screen": SCREEN}
            saved = saved_state(task)
            if saved is not None:
                state["workflow"] = saved
        if badge and (shift := shift_of(handler)) is not None:
            state["shift"] = shift
        save_session(conn, self.terminal, badge=badge, task=key, state=state,
                     scan=handled.scan.payload, now=self.clock())


def _applied(conn: sa.Connection, scan_id: str) -> bool:
    from scanner_tui.inventory.models import AppliedScan

    table = AppliedScan.__table__
    return conn.execute(sa.select(table.c.scan_id).where(table.c.scan_id == scan_id)
                        ).first() is not None
