"""The one scan pipeline: every scan, in the order read, is journaled, classified, acted on,
its outcome recorded, and the answer handed back. No Textual here.

It runs on one worker thread so that database work never blocks the screen, and so that
scans are never reordered: a FIFO queue and a single consumer. Each scan is given its target
handler at read time (the screen it was read on), so a screen switch cannot re-route it.

Order per scan (DESIGN: "written to the journal before it is acted on"):
classify (pure, fast) -> ``record_scan`` -> ``handler.handle`` -> ``record_outcome`` -> reply.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Connection, Engine

from scanner_tui.inventory.faults import fault_of, store_fault
from scanner_tui.inventory.journal import record_outcome, record_scan
from scanner_tui.scanning.classify import KnownCodes, classify
from scanner_tui.scanning.result import Kind, Scan, ScanResult
from scanner_tui.scanning.rules import TagRules
from scanner_tui.workflows.base import Outcome

log = logging.getLogger(__name__)

# leads of a store fault's sentence: + ": <what is wrong>; <what to do>." (inventory.faults)
NOT_JOURNALED = "The scan could not be written to the journal, nothing was done"
NOT_CHANGED = "Nothing was changed"
HANDLER_FAILED = "Something went wrong handling this scan; nothing was changed"


class ScanHandler(Protocol):
    """What a screen does with a classified scan: a ``workflows.base.Workflow`` is one.
    Called on the pipeline thread, one scan at a time in read order: do DB work here, never
    touch widgets. A rejected outcome's ``message`` is the reason journaled.

    Optional: a handler with an ``operator`` attribute (not None) says who is signed in after
    each scan (sign-in and sign-out handlers); otherwise an accepted badge scan signs in."""

    def handle(self, scan: Scan, result: ScanResult) -> Outcome: ...


class ScanKeeper(Protocol):
    """Keeps where a terminal is, from the pipeline thread (``serve.keeper``): around each
    scan's handling (a stock operation writes the row in its own transaction), then with
    the scan's outcome (the row after the scan, in the outcome's transaction)."""

    def handling(self, scan: Scan, handler: ScanHandler) -> AbstractContextManager[Any]: ...

    def answered(self, conn: Connection, handled: Handled, handler: ScanHandler) -> None: ...


class EchoHandler:
    """The scan-anything screen's handler: a scan is accepted when it was understood."""

    def handle(self, scan: Scan, result: ScanResult) -> Outcome:
        if not result.accepted:
            return Outcome.refuse(refusal_of(result))
        if result.kind is Kind.BADGE:
            return Outcome.ok(f"Operator {result.badge} signed in")
        return Outcome.ok("")


def _view_of(handler: object) -> Any:
    """The handler's view after a scan (a Workflow's ``view()``), or None; never raises."""
    view = getattr(handler, "view", None)
    if not callable(view):
        return None
    try:
        return view()
    except Exception:  # noqa: BLE001
        log.exception("view() failed after a scan")
        return None


def reason_of(outcome: Outcome) -> str:
    """Why a scan was rejected ("" when it was accepted)."""
    return "" if outcome.accepted else (outcome.message or "Rejected")


def refusal_of(result: ScanResult) -> str:
    """Why a scan was not understood, as a sentence (capitalised classifier reason)."""
    reason = result.reason or "not understood"
    return reason[:1].upper() + reason[1:]


@dataclass(frozen=True, slots=True)
class Handled:
    """One scan after the pipeline: what it was, what came of it, who scanned it."""

    scan: Scan
    result: ScanResult
    outcome: Outcome
    operator: str
    target: Any = None  # whatever the caller passed along with the scan (e.g. its screen)
    journaled: bool = True
    view: Any = None  # handler.view() right after this scan, taken on the pipeline thread


@dataclass
class _Job:
    scan: Scan | None
    handler: ScanHandler | None
    target: Any = None
    call: Callable[[], Any] | None = None  # a task in the queue's order (no scan)
    done: Callable[[Any], None] | None = None


@dataclass
class ScanPipeline:
    """Single-threaded, in-order processing of scans. ``reply`` is called on the worker thread
    with each :class:`Handled` (``App.post_message`` is thread-safe: pass a poster)."""

    engine: Engine
    rules: TagRules
    reply: Callable[[Handled], None]
    terminal: str = ""
    known: KnownCodes | None = None
    operator: str = ""
    keeper: ScanKeeper | None = None
    _queue: queue.Queue = field(default_factory=queue.Queue, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _done: int = 0
    _submitted: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="scan-pipeline", daemon=True)
            self._thread.start()

    def submit(self, scan: Scan, handler: ScanHandler, target: Any = None) -> None:
        """Queue a scan (call in read order). Never blocks."""
        with self._lock:
            self._submitted += 1
        self._queue.put(_Job(scan, handler, target))

    def call(self, fn: Callable[[], Any], done: Callable[[Any], None] | None = None) -> None:
        """Run ``fn`` on the pipeline thread after every scan queued so far (opening a
        workflow, a shift summary); ``done(result)`` is then called there too (post a message
        from it). ``fn`` raising is logged and ``done`` gets the exception."""
        with self._lock:
            self._submitted += 1
        self._queue.put(_Job(None, None, call=fn, done=done))

    @property
    def pending(self) -> int:
        """Scans submitted and not yet replied to."""
        with self._lock:
            return self._submitted - self._done

    def stop(self, timeout: float = 10.0) -> bool:
        """Finish every queued scan, then end the thread. False if it did not end in time."""
        thread = self._thread
        if thread is None:
            return True
        self._queue.put(None)
        thread.join(timeout)
        self._thread = None
        return not thread.is_alive()

    # -- the worker ------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                break
            try:
                if job.call is not None:
                    self._call(job)
                    continue
                handled = self.process(job.scan, job.handler, job.target)
                self.reply(handled)
            except Exception:  # noqa: BLE001  (the pipeline must outlive any one scan)
                log.exception("scan %s could not be processed", job.scan.id if job.scan else "-")
            finally:
                with self._lock:
                    self._done += 1
        close = getattr(self.known, "close", None)
        if callable(close):
            close()

    @staticmethod
    def _call(job: _Job) -> None:
        try:
            result = job.call()
        except Exception as exc:  # noqa: BLE001
            log.exception("pipeline task failed")
            result = exc
        if job.done is not None:
            job.done(result)

    def process(self, scan: Scan, handler: ScanHandler, target: Any = None) -> Handled:
        """One scan through every step (also usable without the thread)."""
        result = classify(scan.payload, self.rules, self.known)
        operator = self.operator
        try:
            record_scan(self.engine, scan, result, terminal=self.terminal, operator=operator)
        except Exception as exc:  # noqa: BLE001
            log.exception("journal write failed for scan %s", scan.id)
            outcome = Outcome.refuse(store_fault(exc).sentence(NOT_JOURNALED))
            return Handled(scan, result, outcome, operator, target, journaled=False)
        keeping = self.keeper.handling(scan, handler) if self.keeper else nullcontext()
        try:
            with keeping:
                outcome = handler.handle(scan, result)
        except Exception as exc:  # noqa: BLE001
            log.exception("handler failed for scan %s", scan.id)
            fault = fault_of(exc)  # a store fault is told as such; anything else is a bug
            outcome = Outcome.refuse(fault.sentence(NOT_CHANGED) if fault else HANDLER_FAILED)
        signed = getattr(handler, "operator", None)
        if signed is not None:
            self.operator = signed
        elif outcome.accepted and result.kind is Kind.BADGE and result.badge:
            self.operator = result.badge
        handled = Handled(scan, result, outcome, operator, target, view=_view_of(handler))
        self._answered(handled, handler)
        return handled

    def _answered(self, handled: Handled, handler: ScanHandler) -> None:
        """The outcome in the journal, and the terminal's row after the scan (a keeper's) in
        the same transaction: one commit. The outcome is written alone if that fails."""
        scan, outcome = handled.scan, handled.outcome
        if self.keeper is not None:
            try:
                with self.engine.begin() as conn:
                    if conn.dialect.name == "postgresql":
                        conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
                    record_outcome(conn, scan.id, outcome.accepted, reason_of(outcome))
                    self.keeper.answered(conn, handled, handler)
                return
            except Exception:  # noqa: BLE001
                log.exception("outcome and terminal row write failed for scan %s", scan.id)
        try:
            record_outcome(self.engine, scan.id, outcome.accepted, reason_of(outcome))
        except Exception:  # noqa: BLE001  (the scan is journaled; only its outcome is missing)
            log.exception("outcome write failed for scan %s", scan.id)
