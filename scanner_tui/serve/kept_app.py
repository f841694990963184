"""The floor app that keeps its place in the store (``terminalsession``) and its badge claim.

After every scan (``serve.keeper``: with its outcome, and inside every stock operation's own
transaction) and whenever the signed-in badge or the task changes, the terminal's row is
written (on the scan pipeline's thread, in scan order). On start, a terminal whose row is
recent (``[serve] resume_minutes``) comes back signed in, in the task it left; older, the badge
is needed again. A badge signs in on one terminal at a time: signing in where it is already
signed in elsewhere asks first, and the other terminal is signed out when it is taken.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from pathlib import Path
from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.driver import Driver
from textual.message import Message
from textual.widgets import OptionList

from scanner_tui.inventory import claims
from scanner_tui.inventory.claims import ClaimHeld
from scanner_tui.inventory.history import warm_up
from scanner_tui.inventory.sessions import load_session, save_session
from scanner_tui.scanning.result import Kind, Scan, ScanResult
from scanner_tui.scanning.wedge import WedgeAssembler
from scanner_tui.serve.keeper import TerminalKeeper
from scanner_tui.ui import app as ui_app
from scanner_tui.ui.app import ScannerApp
from scanner_tui.ui.floor import (
    FloorSession,
    MenuHandler,
    SignedIn,
    SignInAnswer,
    WorkflowHandler,
    find_operator,
)
from scanner_tui.ui.floor_screens import MenuScreen
from scanner_tui.ui.floor_widgets import Answer, Instruction
from scanner_tui.ui.pipeline import Handled
from scanner_tui.ui.screens import ScanScreen
from scanner_tui.ui.widgets import StatusLine, TitleBar
from scanner_tui.workflows.base import Outcome

log = logging.getLogger(__name__)
CLAIM_EVERY = 5.0  # seconds: how often a signed-in terminal checks it still holds its badge


def task_of(screen_stack: list[Any]) -> tuple[str, Any]:
    """The task open on the stack (its registry key, "" for none) and its handler."""
    for screen in reversed(screen_stack):
        handler = getattr(screen, "scan_handler", None)
        entry = getattr(handler, "entry", None)
        if entry is not None:
            return entry.key, handler
    return "", None


def state_of(handler: Any, screen: Any) -> dict[str, Any]:
    """The JSON state kept for a terminal (pipeline thread): the screen, and the open task's
    own state when it can be saved (``WorkflowHandler.saved()``; ``reopen`` takes it back)."""
    state: dict[str, Any] = {"screen": type(screen).__name__}
    if isinstance(handler, WorkflowHandler):
        try:
            saved = handler.saved()
        except Exception:  # noqa: BLE001  (the place is still kept without it)
            log.exception("workflow snapshot failed")
            saved = None
        if saved is not None:
            state["workflow"] = saved
    return state


class ClaimQuestion:
    """Scan handler of the question "OP-0003 is signed in on T1; sign in here and end it
    there? y/n": CMD:YES / CMD:NO answer it, anything else is refused with the question."""

    def __init__(self, held: ClaimHeld, badge: str) -> None:
        self.question = str(held)
        self.operator: str | None = ""
        self.choice: bool | None = None
        self.badge = badge

    def handle(self, scan: Scan, result: ScanResult) -> Outcome:
        if result.kind is Kind.COMMAND and result.command in ("YES", "NO"):
            self.choice = result.command == "YES"
            return Outcome.ok("Signing in here" if self.choice else "Not signed in")
        return Outcome.refuse(self.question)

    def view(self) -> bool | None:
        return self.choice


class ClaimQuestionScreen(ScanScreen):
    """Asks before taking a badge that is signed in on another terminal (y/n, or a card)."""

    TITLE_TEXT = "Sign in"
    DEFAULT_CSS = """
    ClaimQuestionScreen #choice { height: 1fr; border: none; padding: 0 1; }
    """

    def __init__(self, held: ClaimHeld, answer: SignInAnswer, **kwargs: Any) -> None:
        super().__init__(scan_handler=ClaimQuestion(held, answer.who.badge), **kwargs)
        self.held = held
        self.answer = answer

    def compose(self) -> ComposeResult:
        yield TitleBar(self.TITLE_TEXT, self.terminal, id="title")
        yield Instruction("Sign in here?", id="instruction")
        yield Answer(id="answer")
        yield OptionList("y Yes, sign in here", "n No", id="choice", markup=False,
                         compact=True)
        yield StatusLine(self.scanner_text, id="status")

    def on_mount(self) -> None:
        self.query_one(Answer).show(None, str(self.held))  # a question, not a refusal
        self.query_one(OptionList).focus()

    class Answered(Message):
        """Yes (take the badge from the other terminal) or no: the app signs in, or not."""

        def __init__(self, screen: ClaimQuestionScreen, yes: bool) -> None:
            super().__init__()
            self.screen = screen
            self.yes = yes

    def on_key(self, event: events.Key) -> None:
        if event.character in ("y", "n"):
            event.stop()
            self.post_message(self.Answered(self, event.character == "y"))

    def on_option_list_option_selected(self, message: OptionList.OptionSelected) -> None:
        message.stop()
        self.post_message(self.Answered(self, message.option_index == 0))

    def show_scan(self, handled: Handled) -> None:
        self.query_one(Answer).show(handled.outcome)
        if handled.view is not None:
            self.post_message(self.Answered(self, bool(handled.view)))


class KeptApp(ScannerApp):
    """:class:`ScannerApp` that keeps its terminal's place and badge claim in the store."""

    CSS_PATH = str(Path(ui_app.__file__).with_name("app.tcss"))  # the app's own, not beside us

    def __init__(self, *args: Any, resume_minutes: float = 15.0, split_wait_ms: float = 0.0,
                 **kwargs: Any) -> None:
        """``split_wait_ms``: how long a scanner burst cut by a network pause waits for the
        rest (``[serve] scan_split_ms``; 0 for a local scanner)."""
        super().__init__(*args, **kwargs)
        sc = self.config.scanner
        self.wedge = WedgeAssembler(terminator=sc.terminator, burst_gap_ms=sc.burst_gap_ms,
                                    gs_substitute=sc.gs_substitute, split_wait_ms=split_wait_ms)
        self.terminal = self.config.terminal.id
        self.resume_minutes = resume_minutes
        self.kept: tuple[str, str] | None = None  # (badge, task) last written
        self.resumed = False
        self.resume_checked = False  # the kept row was read (the keeper writes only after)
        self.badge_moved = False  # signed out because the badge signed in elsewhere
        self.pipeline.keeper = TerminalKeeper(self.engine, self.terminal, self.clock,
                                              lambda: self.pipeline.operator)

    def get_driver_class(self) -> type[Driver]:
        """Textual's terminal driver without its ten wake-ups a second (``serve.driver``);
        Textual's own choice where that is another driver (textual-serve's, Windows)."""
        chosen = super().get_driver_class()
        if chosen.__name__ != "LinuxDriver":
            return chosen
        from scanner_tui.serve.driver import QuietLinuxDriver

        return QuietLinuxDriver

    # -- resume -----------------------------------------------------------------------------
    def on_mount(self) -> None:  # (ScannerApp.on_mount runs too: Textual calls both)
        # on the app's own queue: a callback after refresh would wait for the screen then on
        # top to draw, and a badge scanned before the sign-in screen first draws replaces it
        # for good (the kept row was then never read, so never written)
        self.call_later(self._resume)
        # the row is written when the screen changes (a badge signs in or out, a task opens
        # or closes), not on a quick timer that wakes every idle terminal twice a second
        self.screen_change_signal.subscribe(self, lambda _screen: self._keep())
        self.set_interval(CLAIM_EVERY, self._check)
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._hung_up)

    def _hung_up(self) -> None:
        """The line dropped (SSH client gone, host killed): answer every scan already read,
        then end (a scan is in the journal with its answer, or it never arrived)."""
        self.exit()

    def _resume(self) -> None:
        try:
            self._resume_kept()
        finally:
            self.resume_checked = True
            self._keep()  # a screen changed while the kept row was being read
            # before the first scan (queued behind any already read): its reads warm the store
            # connection, the database's caches and the statements (``history.warm_up``)
            self.pipeline.call(lambda: warm_up(self.engine))

    def _resume_kept(self) -> None:
        if self.session is not None or self.scans_read:
            return  # a badge was scanned before the kept place was read: that scan decides
        try:
            kept = load_session(self.engine, self.terminal)
        except Exception:  # noqa: BLE001  (the app still opens on sign-in)
            log.exception("cannot read the terminal's session")
            return
        if kept is not None and kept.badge and not kept.resumable(self.clock(),
                                                                  self.resume_minutes):
            claims.release_terminal(self.engine, self.terminal)  # the session expired
        if kept is None or not self.floor or not kept.resumable(self.clock(), self.resume_minutes):
            return
        found = find_operator(self.engine, kept.badge)
        if found is None or not found[2]:
            return
        try:
            claims.claim(self.engine, "badge", kept.badge, terminal=self.terminal,
                         badge=kept.badge)
        except ClaimHeld:  # signed in elsewhere since: the badge is needed here again
            return
        who = SignedIn(kept.badge, found[0], found[1])
        session = FloorSession.start(who, self.clock)
        session.shift.take_back(kept.state.get("shift"))  # counts on from the kept shift
        self.pipeline.operator = who.badge
        self.resumed = True
        self.kept = (who.badge, "")
        ScannerApp.sign_in(self, SignInAnswer(who, session, MenuHandler(session,
                                                                          self.floor_services)))
        if kept.task:  # the task where it was (its saved state), else afresh
            saved, redo = kept.state.get("workflow"), kept.state.get("redo")
            self.call_later(self.open_entry, kept.task,
                            saved if isinstance(saved, dict) else None,
                            redo if isinstance(redo, dict) else None)

    # -- the badge claim --------------------------------------------------------------------
    def sign_in(self, answer: SignInAnswer) -> None:
        badge = answer.who.badge
        try:
            claims.claim(self.engine, "badge", badge, terminal=self.terminal, badge=badge)
        except ClaimHeld as held:
            if self._abandoned(held.holder):
                claims.take_over(self.engine, "badge", badge, terminal=self.terminal,
                                 badge=badge)
            else:
                self.pipeline.operator = ""
                self.push_screen(ClaimQuestionScreen(held, answer, **self._screen_setup()))
                return
        super().sign_in(answer)

    def _abandoned(self, holder: claims.Claim) -> bool:
        """Has the holding terminal been gone longer than it could resume (the badge is free
        again)?"""
        return claims.abandoned(self.engine, holder, self.clock(), self.resume_minutes)

    def on_claim_question_screen_answered(self, message: ClaimQuestionScreen.Answered) -> None:
        message.stop()
        self.answer_claim(message.screen, message.yes)

    def answer_claim(self, screen: ClaimQuestionScreen, yes: bool) -> None:
        """The question was answered: take the badge from the other terminal, or not."""
        if screen is not self.screen:
            return
        self.pop_screen()
        sign_in = self.screen_stack[-1]
        handler = getattr(sign_in, "scan_handler", None)
        if hasattr(handler, "release"):
            handler.release()  # later scans are for the sign-in screen again
        if not yes:
            return
        badge = screen.answer.who.badge
        claims.take_over(self.engine, "badge", badge, terminal=self.terminal, badge=badge)
        self.pipeline.operator = badge
        ScannerApp.sign_in(self, screen.answer)

    def _lost_badge(self) -> str | None:
        """The terminal now holding this terminal's badge, if another took it."""
        if self.session is None:
            return None
        held = claims.holder(self.engine, "badge", self.session.who.badge)
        if held is None or held.terminal == self.terminal:
            return None
        return held.terminal

    # -- keeping the place ------------------------------------------------------------------
    def _check(self) -> None:
        """Every ``CLAIM_EVERY``: does this terminal still hold its badge? And the row, for a
        change no screen change announced."""
        if not self.resume_checked:
            return
        self.pipeline.call(self._lost_badge, self._post_lost)
        self._keep()

    def _keep(self) -> None:
        """Write the terminal's row when the badge or the task on screen changed (each scan
        is kept by the pipeline's keeper). Not before the kept row was read: a write that
        came first on a loaded host would write over it (no resume, claims of an expired
        session kept)."""
        if not self.resume_checked:
            return
        badge = self.session.who.badge if self.session is not None else ""
        task, handler = task_of(self.screen_stack)
        if self.kept == (badge, task):
            return
        previous, self.kept = self.kept, (badge, task)
        screen, session = self.screen, self.session
        # a badge taken to another terminal keeps its documents (reopened there); any other
        # sign-out lets them go
        kinds = ("badge",) if self.badge_moved else claims.KINDS
        self.badge_moved = False

        def write() -> None:
            state = state_of(handler, screen)
            if session is not None and session.who.badge == badge:  # the shift counts on
                state["shift"] = session.shift.to_dict()
            save_session(self.engine, self.terminal, badge=badge, task=task, state=state,
                         now=self.clock())
            if previous and previous[0] and previous[0] != badge:
                claims.release_terminal(self.engine, self.terminal, kinds=kinds)

        self.pipeline.call(write)

    def _post_lost(self, terminal: Any) -> None:
        if isinstance(terminal, str):
            self.call_from_thread(self._signed_out_there, terminal)

    def _signed_out_there(self, terminal: str) -> None:
        if self.session is None:
            return
        who = self.session.who
        self.pipeline.operator = ""
        self.badge_moved = True
        self.signed_out(self.session.summary())
        if isinstance(self.screen, ScanScreen) and self.screen.is_mounted:
            for answer in self.screen.query(Answer):
                answer.show(Outcome.refuse(f"{who.called} signed in on {terminal}; "
                                           "signed out here."))

    def is_on_menu(self) -> bool:
        return isinstance(self.screen, MenuScreen)
