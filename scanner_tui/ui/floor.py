"""The floor's scan handlers: sign-in, the menu, and the adapter that runs a Workflow.

No Textual here: every ``handle`` runs on the pipeline thread (DB work allowed), and each
``view()`` is a snapshot the screen renders from ``Handled.view`` without calling back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from scanner_tui.codes import length_refusal
from scanner_tui.config import Config
from scanner_tui.inventory.claims import ClaimDesk
from scanner_tui.inventory.errors import DomainError
from scanner_tui.inventory.faults import fault_of
from scanner_tui.inventory.lookup import StoreKnownCodes
from scanner_tui.inventory.models import Operator
from scanner_tui.inventory.sessions import replaying
from scanner_tui.scanning.classify import classify
from scanner_tui.scanning.result import Kind, Scan, ScanResult, Source
from scanner_tui.scanning.rules import TagRules
from scanner_tui.text import sentence, with_article
from scanner_tui.ui.pipeline import refusal_of
from scanner_tui.workflows.base import (
    Outcome,
    Question,
    Services,
    View,
    Workflow,
    scan_from_dict,
)
from scanner_tui.workflows.registry import (
    WorkflowEntry,
    find,
    for_role,
    restore,
    task_for_scan,
)
from scanner_tui.workflows.shift import Shift

log = logging.getLogger(__name__)

SIGN_OUT_COMMANDS = ("LOGOUT", "SIGNOUT")
BACK_COMMANDS = ("CANCEL", "BACK")


@dataclass(frozen=True, slots=True)
class Leave:
    """Where a scan on a task screen sends the person (issue 11 item 9: every screen can be
    left with a scan): back to the menu, or on to another task (``next_task``: its key)."""

    next_task: str = ""


def task_card(result: ScanResult, role: str) -> WorkflowEntry | Outcome | None:
    """The menu entry a scanned task card (CMD:PICK...) opens for ``role``, the refusal when
    the role may not do it, or None: not a task card."""
    if result.kind is not Kind.COMMAND or not result.command:
        return None
    entry = find(result.command)
    if entry is None:
        return None
    return role_refusal(entry, role) or entry


def role_refusal(entry: WorkflowEntry, role: str) -> Outcome | None:
    """The refusal when ``role`` may not open ``entry`` (the menu lists what it may)."""
    if entry.allows(role):
        return None
    return Outcome.refuse(f"{entry.title} is not for a {role}; the menu lists what you may do.")


@dataclass(frozen=True, slots=True)
class SignedIn:
    """Who signed in: badge, name and role as the store knows them."""

    badge: str
    name: str
    role: str

    @property
    def called(self) -> str:
        """How the screens name them: the name, else the badge."""
        return self.name or self.badge


def find_operator(engine: Engine, badge: str) -> tuple[str, str, bool] | None:
    """(name, role, active) of a badge, or None."""
    with engine.connect() as conn:
        row = conn.execute(select(Operator.name, Operator.role, Operator.active)
                           .where(Operator.badge == badge)).first()
    return None if row is None else (row[0] or "", row[1], bool(row[2]))


def has_operators(engine: Engine) -> bool:
    """Does the store have an active operator (then the app opens on sign-in)? False when
    the store cannot be read (the scan-anything screen then says what is wrong per scan)."""
    try:
        with engine.connect() as conn:
            row = conn.execute(select(Operator.id).where(Operator.active).limit(1)).first()
    except Exception:  # noqa: BLE001
        return False
    return row is not None


def unread(scan: Scan, result: ScanResult) -> str:
    """Why a scan was not understood, as a sentence: an over-long one is told the codes
    validator's sentence (its length and the limit), anything else the classifier's reason."""
    return length_refusal(scan.payload) or sentence(refusal_of(result))


def _what(result: ScanResult) -> str:
    code = result.code or "(nothing)"
    return f"{code[:30]} is {with_article(result.kind.value)}"


@dataclass(frozen=True, slots=True)
class Passed:
    """The view of a scan a handler passed on to the next screen's handler (read before that
    screen showed): the app shows it on the screen on top."""

    view: Any


class Handover:
    """A handler that opens the next screen's handler on the pipeline thread, and passes it
    the scans read before that screen is on top (a badge, then a task card, then a bin, all
    scanned in one go, each reach the right handler in order). The UI calls ``release()``
    when it comes back to this handler's screen."""

    def __init__(self) -> None:
        self.next: Any = None
        self.passed = False
        self.operator: str | None = None

    def release(self) -> None:
        self.next = None

    def pass_on(self, scan: Scan, result: ScanResult) -> Outcome | None:
        self.passed = False
        nxt = self.next
        if nxt is None:
            return None
        self.passed = True
        outcome = nxt.handle(scan, result)
        self.operator = getattr(nxt, "operator", None)
        return outcome

    def passed_view(self) -> Passed:
        view = getattr(self.next, "view", None)
        return Passed(view() if callable(view) else None)


@dataclass
class FloorServices:
    """What the floor's handlers need from the app, handed in (no Textual)."""

    engine: Engine
    terminal: str
    clock: Callable[[], datetime]
    rules: Any = None
    dock_bin: str | None = None
    config: Any = None  # the app's Config: workflows read [labels] printer from it

    def handler_for(self, entry: WorkflowEntry, session: FloorSession) -> Any:
        """The scan handler of a menu entry (not opened yet: call ``open()`` on the pipeline
        thread, or let the menu do it)."""
        who = session.who
        if not entry.target:
            return PeekHandler(who.badge, who.role)
        resume = self.config.serve.resume_minutes if self.config is not None else 15.0
        services = Services(engine=self.engine, badge=who.badge, terminal=self.terminal,
                            role=who.role, shift=session.shift, config=self.config,
                            rules=self.rules, dock_bin=self.dock_bin or None,
                            claims=ClaimDesk(self.engine, self.terminal, who.badge, resume))
        return WorkflowHandler(entry, services, session=session)


@dataclass(frozen=True, slots=True)
class SignInAnswer:
    """An accepted badge: who, their shift, and the menu's handler (already taking scans)."""

    who: SignedIn
    session: FloorSession
    menu: MenuHandler


class SignInHandler(Handover):
    """Badge scans sign in; anything else is refused with what to do."""

    def __init__(self, floor: FloorServices) -> None:
        super().__init__()
        self.floor = floor
        self.answer: SignInAnswer | None = None

    def handle(self, scan: Scan, result: ScanResult) -> Outcome:
        self.answer = None
        passed = self.pass_on(scan, result)
        if passed is not None:
            return passed
        self.operator = None
        if result.kind is not Kind.BADGE or not result.badge:
            if not result.accepted:
                overlong = length_refusal(scan.payload)
                if overlong:
                    return Outcome.refuse(f"{overlong} Scan your badge to sign in.")
                return Outcome.refuse(f"That was not a badge ({result.reason or 'not read'}). "
                                      "Scan your badge to sign in.")
            return Outcome.refuse(f"{_what(result)}, not a badge. Scan your badge to sign in.")
        badge = result.badge
        found = find_operator(self.floor.engine, badge)
        if found is None:
            return Outcome.refuse(f"{badge} is not a badge of this store; ask a supervisor to "
                                  "add you as an operator.")
        name, role, active = found
        if not active:
            return Outcome.refuse(f"{badge} ({name or 'no name'}) is no longer active; ask a "
                                  "supervisor.")
        who = SignedIn(badge, name, role)
        session = FloorSession.start(who, self.floor.clock)
        menu = MenuHandler(session, self.floor)
        self.answer = SignInAnswer(who, session, menu)
        self.next = menu
        self.operator = badge
        note = session.shift.caps_lock_note() if result.caps_lock else ""
        return Outcome.ok(f"{note}Hello {who.called} ({role})", warning=bool(note))

    def view(self) -> SignInAnswer | Passed | None:
        return self.passed_view() if self.passed else self.answer


@dataclass(frozen=True, slots=True)
class MenuAnswer:
    """What a menu scan decided: a task opened (its handler, already open), or a sign-out
    with the shift's summary."""

    choice: str | None = None
    summary: tuple[str, ...] | None = None
    handler: Any = None
    snapshot: Any = None  # the opened workflow's first view
    first: Outcome | None = None  # the task's answer to the scan that opened it (a document)


@dataclass
class FloorSession:
    """The signed-in operator's session: who, the shift, what the menu offers."""

    who: SignedIn
    shift: Shift
    clock: Callable[[], datetime]
    entries: list[WorkflowEntry] = field(default_factory=list)

    @classmethod
    def start(cls, who: SignedIn, clock: Callable[[], datetime]) -> FloorSession:
        shift = Shift(who.badge, who.name, who.role, started=clock())
        return cls(who, shift, clock, for_role(who.role))

    def summary(self) -> tuple[str, ...]:
        return tuple(self.shift.summary(now=self.clock()))

    def entry(self, number: int) -> WorkflowEntry | None:
        return self.entries[number - 1] if 1 <= number <= len(self.entries) else None


class MenuHandler(Handover):
    """Scans on the menu: a task card (CMD:PICK...) opens it, CMD:LOGOUT or the operator's
    own badge signs out; anything else is refused with what the menu takes."""

    def __init__(self, session: FloorSession, floor: FloorServices | None = None) -> None:
        super().__init__()
        self.session = session
        self.floor = floor
        self.answer = MenuAnswer()
        self.operator = session.who.badge
        self.signed_out = False

    def handle(self, scan: Scan, result: ScanResult) -> Outcome:
        self.answer = MenuAnswer()
        passed = self.pass_on(scan, result)
        if passed is not None:
            return passed
        who = self.session.who
        if self.signed_out:  # read after the sign-out, before the screen went
            self.operator = ""
            return Outcome.refuse(f"{who.called} has signed out; scan your badge "
                                  "to sign in.")
        self.operator = who.badge
        n = len(self.session.entries)
        if result.kind is Kind.COMMAND and result.command:
            word = result.command
            if word in SIGN_OUT_COMMANDS:
                return self.sign_out()
            entry = task_card(result, who.role)
            if isinstance(entry, WorkflowEntry):
                return self.choose(entry)
            if entry is not None:
                return entry
            return Outcome.refuse(f"CMD:{word} is not a task card; press 1-{n} or scan a "
                                  "task card.")
        if result.kind is Kind.BADGE and result.badge:
            if result.badge == who.badge:
                return self.sign_out()
            return Outcome.refuse(f"{who.called} is signed in here: sign out "
                                  "first (CMD:LOGOUT).")
        code = (result.code or "").strip()
        if scan.source is Source.KEYBOARD and code.isdigit():
            entry = self.session.entry(int(code))
            if entry is not None:
                return self.choose(entry)
        entry = task_for_scan(self.floor.engine, result) if self.floor is not None else None
        if entry is not None:  # an order, a receipt, a bin or unit: its task, on it
            return role_refusal(entry, who.role) or self.choose(entry, scan, result)
        overlong = length_refusal(scan.payload)  # said with its real reason first
        return Outcome.refuse(f"{overlong + ' ' if overlong else ''}Choose a task first: "
                              f"press 1-{n} or scan a task card (CMD:PICK...), an order, a "
                              "receipt, a bin or a unit.")

    def choose(self, entry: WorkflowEntry, scan: Scan | None = None,
               result: ScanResult | None = None) -> Outcome:
        """Open the task here (pipeline thread); later scans go to it until the UI is back.
        ``scan``: the document, bin or unit that chose it, handed to the task at once."""
        if self.floor is None:
            self.answer = MenuAnswer(choice=entry.key)
            return Outcome.ok(entry.title)
        handler = self.floor.handler_for(entry, self.session)
        opener = getattr(handler, "open", None)
        snapshot = opener() if callable(opener) else None
        first = None
        if scan is not None and result is not None and isinstance(handler, WorkflowHandler):
            first = handler.handle(scan, result)
            snapshot = handler.view()
        self.next = handler
        self.answer = MenuAnswer(choice=entry.key, handler=handler, snapshot=snapshot,
                                 first=first)
        return first or Outcome.ok(entry.title)

    def sign_out(self) -> Outcome:
        """End the shift (pipeline thread: after every scan before it)."""
        self.answer = MenuAnswer(summary=self.session.summary())
        self.operator = ""
        self.signed_out = True
        self.next = None
        return Outcome.ok(f"{self.session.who.called} signed out")

    def view(self) -> MenuAnswer | Passed:
        return self.passed_view() if self.passed else self.answer


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A workflow's state for the screen, taken on the pipeline thread."""

    view: View | None
    question: Question | None = None
    done: bool = False  # the last outcome finished the workflow (Escape leaves at once)
    error: str = ""  # the workflow could not be opened
    summary: tuple[str, ...] | None = None  # signed out here: the shift's summary
    next_task: str = ""  # a task card left this task: the app opens that one
    answer: Outcome | None = None  # a restored task: its last answer, shown again


def opening_problem(title: str, exc: Exception) -> str:
    """Why a task could not be opened, as a sentence: a refusal's own words, a store fault
    in floor words (``inventory.faults``), else that the app failed. Details go to the log."""
    log.error("%s could not be opened", title, exc_info=exc)
    if isinstance(exc, DomainError):
        return str(exc)
    fault = fault_of(exc)
    if fault is not None:
        return fault.sentence(f"{title} could not be opened")
    return f"{title} could not be opened: the app failed; call a supervisor."


class WorkflowHandler:
    """Runs one Workflow for a screen: ``open`` builds it (pipeline thread), ``handle`` takes
    scans, ``answer`` typed text; ``view()`` is the :class:`Snapshot` after each."""

    def __init__(self, entry: WorkflowEntry, services: Services, *,
                 session: FloorSession | None = None, **options: Any) -> None:
        self.entry = entry
        self.services = services
        self.session = session
        self.options = options
        self.workflow: Workflow | None = None
        self.error = ""
        self.done = False
        self.summary: tuple[str, ...] | None = None
        self.operator: str | None = services.badge
        self.next_task = ""  # a task card was scanned: the app opens that task
        self.unsent = ""  # typed at the quantity question, Enter not pressed (set by the screen)

    def open(self) -> Snapshot:
        return self._first_view(lambda: self.entry.load()(self.services, **self.options))

    def _first_view(self, build: Callable[[], Workflow]) -> Snapshot:
        """The task built and its first view; when either fails (the store), no task and the
        sentence saying why."""
        try:
            self.workflow, self.error = build(), ""
            return self.view()
        except Exception as exc:  # noqa: BLE001  (a sentence on screen, not a traceback)
            self.workflow, self.error = None, opening_problem(self.entry.title, exc)
        return self.view()

    def saved(self) -> dict | None:
        """The open task's state as JSON-able data (``Workflow.snapshot``), or None when
        nothing is open or the workflow cannot be saved: what a host stores per terminal."""
        wf = self.workflow
        if wf is None or not wf.state_version or self.summary is not None:
            return None
        return wf.snapshot()

    def reopen(self, data: dict, redo: dict | None = None) -> Snapshot:
        """Rebuild the task from ``saved()`` data (pipeline thread); a state that cannot be
        taken back opens the task afresh and says why. ``redo``: a scan whose operations
        committed after ``data`` was kept (``serve.keeper``): handed to the task again, each
        operation answered with what it did then, so the step follows the stock."""
        try:
            restored = restore(self.services, data)
        except Exception as exc:  # noqa: BLE001  (the store failed while reading it back)
            restored = opening_problem(self.entry.title, exc)
        if isinstance(restored, str):
            snap = self.open()
            self.error = self.error or restored
            return Snapshot(snap.view, snap.question, snap.done, self.error, snap.summary)
        snap = self._first_view(lambda: self._redone(restored, redo))
        notice = restored.restore_notice  # a claim taken over meanwhile is said
        if notice and self.workflow:
            return replace(snap, error=notice)
        return replace(snap, answer=restored.last_answer)  # the answer line they left

    def _redone(self, workflow: Workflow, redo: dict | None) -> Workflow:
        self.workflow = workflow
        self.done = workflow.last_answer is not None and workflow.last_answer.done
        if redo:
            self._redo(redo)
        return workflow

    def _redo(self, redo: dict) -> None:
        scan = scan_from_dict(redo.get("scan"))
        if scan is None:
            return
        known = StoreKnownCodes(self.services.engine)
        try:
            result = classify(scan.payload, self.services.rules or TagRules.from_config(Config()),
                              known)
        finally:
            known.close()
        with replaying(redo.get("operations") or {}):
            if isinstance(redo.get("answer"), str):
                self.answer(redo["answer"], scan, result)
            else:
                self.handle(scan, result)

    def _takes_text(self) -> bool:
        wf = self.workflow
        return wf is not None and type(wf).on_text is not Workflow.on_text

    def _signs_out(self, result: ScanResult) -> bool:
        if self.session is None:
            return False
        if result.kind is Kind.COMMAND:
            return result.command in SIGN_OUT_COMMANDS
        return result.kind is Kind.BADGE and result.badge == self.services.badge

    def handle(self, scan: Scan, result: ScanResult) -> Outcome:
        if self.summary is not None:  # read after the sign-out, before the screen went
            return Outcome.refuse(f"{self.services.badge} has signed out; scan your badge "
                                  "to sign in.")
        if self._signs_out(result):
            self._close()
            self.summary = self.session.summary()
            self.operator = ""
            return Outcome.ok(f"{self.session.who.name or self.services.badge} signed out")
        wf = self.workflow
        card = task_card(result, self.services.role)
        if card is not None and (wf is None or wf.ended or wf.open_question is None):
            return self._leave_for(card)
        if wf is None:
            return Outcome.refuse(self.error or f"{self.entry.title} is not open yet.")
        held = self._unsent_quantity(scan, result)
        if held is not None:
            return held
        typed = scan.source is Source.KEYBOARD and result.kind is not Kind.COMMAND
        if typed and self._takes_text() and (self.question() is not None or not result.accepted):
            outcome = wf.answer(scan.payload.strip(), scan, result)  # a number, an order code
        else:
            outcome = wf.handle(scan, result)
        self.done = outcome.done
        return outcome

    def _unsent_quantity(self, scan: Scan, result: ScanResult) -> Outcome | None:
        """A scan while a quantity typed at the question is not sent (issue 11 item 1): it is
        refused, so a default never replaces the number on the screen (an optional count
        prompt would otherwise close with its default)."""
        q = self.question()
        if (not self.unsent or q is None or q.kind != "quantity"
                or scan.source is Source.KEYBOARD or result.kind is Kind.COMMAND):
            return None
        return Outcome(False, f"{self.unsent[:12]} is typed but not sent: press Enter to send "
                       f"it. {q.text}", question=q)

    def _leave_for(self, card: WorkflowEntry | Outcome) -> Outcome:
        """A task card on this task's screen (no question standing, or the task is over):
        that task opens; the same task only once this one is over."""
        if isinstance(card, Outcome):
            return card
        wf = self.workflow
        if card.key == self.entry.key and wf is not None and not wf.ended:
            return Outcome.refuse(f"{card.title} is open here already. "
                                  f"{sentence(wf.view().instruction)}")
        self._close()
        self.next_task, self.done = card.key, True
        return Outcome.ok(card.title, done=True)

    def _close(self) -> None:
        """The task is left (a task card, a sign-out): it lets go of its document."""
        if self.workflow is not None:
            self.workflow.close()

    def answer(self, text: str, scan: Scan, result: ScanResult | None = None) -> Outcome:
        """Typed text for the open question (a quantity, a lot; "" takes the default)."""
        wf = self.workflow
        if wf is None:
            return Outcome.refuse(self.error or f"{self.entry.title} is not open yet.")
        outcome = wf.answer(text, scan, result)
        self.done = outcome.done
        return outcome

    def question(self) -> Question | None:
        return self.workflow.open_question if self.workflow is not None else None

    def view(self) -> Snapshot:
        wf = self.workflow
        if wf is None or self.summary is not None:
            return Snapshot(None, error=self.error, summary=self.summary,
                            next_task=self.next_task)
        return Snapshot(wf.view(), self.question(), self.done or wf.ended,
                        next_task=self.next_task)


class AnswerHandler:
    """One typed answer through the pipeline (journaled like a typed scan, in scan order)."""

    def __init__(self, handler: WorkflowHandler, text: str) -> None:
        self.handler = handler
        self.text = text
        self.operator = handler.operator

    def handle(self, scan: Scan, result: ScanResult) -> Outcome:
        return self.handler.answer(self.text, scan, result)

    def view(self) -> Snapshot:
        return self.handler.view()


class PeekHandler:
    """Scan anything from the menu: say what a scan is; a badge does not sign anyone in.
    CMD:CANCEL (or CMD:BACK) goes back to the menu, a task card opens that task."""

    def __init__(self, badge: str, role: str = "") -> None:
        self.operator: str | None = badge
        self.role = role
        self.leave: Leave | None = None

    def handle(self, scan: Scan, result: ScanResult) -> Outcome:
        self.leave = None
        if result.kind is Kind.COMMAND and result.command in BACK_COMMANDS:
            self.leave = Leave()
            return Outcome.ok("Back to the menu.", done=True)
        card = task_card(result, self.role)
        if isinstance(card, Outcome):
            return card
        if card is not None and card.target:
            self.leave = Leave(card.key)
            return Outcome.ok(card.title, done=True)
        if not result.accepted:
            return Outcome.refuse(unread(scan, result))
        return Outcome.ok("")

    def view(self) -> Leave | None:
        return self.leave
