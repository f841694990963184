"""The scanner app: every key and serial read becomes a scan on one in-order pipeline.

Services come in through the constructor (harlequin style): tests build the app with a
throwaway store, a fixed clock and a fake serial scanner.

Scan path (one way, never reordered):

1. Keys: ``on_event`` intercepts every raw ``events.Key`` *before* bindings and the focused
   widget see it and feeds the :class:`~scanner_tui.scanning.wedge.WedgeAssembler` (see that
   module for the hold-and-replay design). Keys that are not part of a scan are replayed to
   normal handling in order: a person's typing goes to the focused widget, or, when nothing
   has focus, builds a ``keyboard`` scan. A bracketed paste with nothing focused is a
   ``paste`` scan.
   Serial: the reader thread posts ``ScanRead``.
2. The scan gets its id and time when read, and the screen it was read on (the top-most
   :class:`ScanScreen`) is fixed as its target; it is queued on the :class:`ScanPipeline`
   (one worker thread): classify -> journal -> the screen's ``scan_handler`` -> outcome.
3. The pipeline posts ``ScanHandled`` back; the app gives feedback (bell on a rejection or
   a warning, recorded in ``app.feedback``) and posts it to the target screen, which renders it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from functools import partial
from typing import Any

from sqlalchemy import Engine
from textual import events
from textual.app import App
from textual.binding import Binding

from scanner_tui.config import Config
from scanner_tui.inventory.journal import settle_pending
from scanner_tui.scanning.classify import KnownCodes
from scanner_tui.scanning.result import Scan, Source
from scanner_tui.scanning.rules import TagRules
from scanner_tui.scanning.serial_reader import ScannerState, ScannerStatus, SerialScanner
from scanner_tui.scanning.wedge import (
    Assembled,
    KeyStroke,
    Release,
    TypingChanged,
    WedgeAssembler,
)
from scanner_tui.ui.feedback import Feedback, FeedbackLog, signal
from scanner_tui.ui.floor import (
    FloorServices,
    FloorSession,
    Passed,
    SignInAnswer,
    WorkflowHandler,
    has_operators,
)
from scanner_tui.ui.floor_screens import (
    FloorMessages,
    FloorScanScreen,
    MenuScreen,
    SignedOut,
    SignInScreen,
    WorkflowOpened,
    WorkflowScreen,
)
from scanner_tui.ui.floor_widgets import Answer
from scanner_tui.ui.messages import ScanHandled, ScannerStatusChanged, ScanRead, WedgeTick
from scanner_tui.ui.pipeline import EchoHandler, Handled, ScanHandler, ScanPipeline, reason_of
from scanner_tui.ui.screens import ScanAnythingScreen, ScanScreen
from scanner_tui.ui.widgets import ScanDetails, headline, scanner_line
from scanner_tui.workflows import registry
from scanner_tui.workflows.base import Outcome

log = logging.getLogger(__name__)

WEDGE_READY = "Ready: keyboard scanner"  # state first: whole at 30 columns


class ScannerApp(FloorMessages, App):
    """The scanner app. On a store with operators it opens on sign-in (``floor``): badge ->
    menu of the role's tasks -> one WorkflowScreen per task (``ui.floor_screens``); the
    handlers behind those screens run on the pipeline thread (``ui.floor``). On an empty
    store, or with ``floor=False``, it is the scan-anything screen alone."""

    CSS_PATH = "app.tcss"
    TITLE = "scanner-tui"
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", priority=True)]
    # A floor terminal shows only this app's keys: no command palette (Ctrl+P: theme,
    # screenshot, quit...) and so no "^p palette" in a footer.
    ENABLE_COMMAND_PALETTE = False

    def __init__(
        self,
        config: Config,
        engine: Engine,
        *,
        rules: TagRules | None = None,
        known: KnownCodes | None = None,
        clock: Callable[[], datetime] | None = None,
        tz: tzinfo | None = None,
        serial_factory: Callable[..., Any] | None = None,
        floor: bool | None = None,
        dock_bin: str | None = None,
    ) -> None:
        """``floor``: open on sign-in (menu, workflow screens); False: the scan-anything screen
        only; None: sign-in when the store has an active operator. ``dock_bin``: where
        receiving lands (else the workflow's default: the first dock bin)."""
        super().__init__()
        self.config = config
        self.engine = engine
        self.clock = clock or (lambda: datetime.now(UTC))
        self.tz = tz
        self.wedge = WedgeAssembler.from_config(config.scanner)
        self.feedback = FeedbackLog()
        if known is None:
            from scanner_tui.inventory.lookup import StoreKnownCodes

            known = StoreKnownCodes(engine)
        self.rules = rules or TagRules.from_config(config)
        self.floor = floor
        self.dock_bin = dock_bin = dock_bin or config.terminal.dock_bin or None
        self.session: FloorSession | None = None
        self.floor_services = FloorServices(engine, config.terminal.id, self.clock, self.rules,
                                            dock_bin, config=config)
        self.pipeline = ScanPipeline(
            engine, self.rules, reply=self._reply,
            terminal=config.terminal.id, known=known,
        )
        self.serial: Any = None
        self.scanner_status: ScannerStatus | None = None
        self.scanner_line = ""  # the status line: the scanner's state first, then its port
        self._scanner_unplugged = False  # lost after it was connected (not yet back)
        self._serial_factory = serial_factory or SerialScanner
        self._tick: asyncio.TimerHandle | None = None
        self._tick_at: float | None = None
        self.scans_read = 0  # scans handed to the pipeline
        self.scans_shown = 0  # scans whose answer reached a screen

    # -- lifecycle --------------------------------------------------------------------------
    def get_default_screen(self) -> ScanScreen:
        if self.floor is None:
            self.floor = has_operators(self.engine)
        if self.floor:
            return SignInScreen(self.floor_services, **self._screen_setup())
        return ScanAnythingScreen(tz=self.tz, **self._screen_setup())

    def _initial_status(self) -> str:
        sc = self.config.scanner
        if sc.input == "wedge":
            return WEDGE_READY
        return scanner_line("connecting", sc.port)

    def on_mount(self) -> None:
        # first job on the pipeline: answer the scans a previous run journaled but never did
        self.pipeline.call(partial(settle_pending, self.engine, self.config.terminal.id))
        self.pipeline.start()
        if self.config.scanner.input in ("serial", "both"):
            self._start_serial()

    def on_unmount(self) -> None:
        if self._tick is not None:
            self._tick.cancel()
        # a payload already ended (CRLF waiting for its LF) is a scan: do not drop it on quit
        for action in self.wedge.tick(float("inf")):
            if isinstance(action, Assembled):
                self.read_scan(Scan(action.payload, action.source, at=self.clock()))
        if self.serial is not None:
            self.serial.stop()
        if not self.pipeline.stop(timeout=10.0):
            log.error("scan pipeline did not finish its queue before exit")

    def _start_serial(self) -> None:
        sc = self.config.scanner
        self.serial = self._serial_factory(
            sc.port, baudrate=sc.baudrate, bytesize=sc.bytesize, parity=sc.parity,
            stopbits=sc.stopbits, terminator=sc.terminator,
            on_scan=lambda scan: self.post_message(ScanRead(scan)),
            on_status=lambda status: self.post_message(ScannerStatusChanged(status)),
            reconnect_seconds=sc.reconnect_seconds,
        )
        self.serial.start()

    # -- keys -> wedge assembler ------------------------------------------------------------
    def _to_field(self) -> bool:
        """Does a person's typing belong to the focused widget (a field, a button, a list)?

        With nothing focused, typing builds a ``keyboard`` scan instead. A widget may set
        ``takes_typing = False`` to let typed scans through while it has focus.
        Scanner bursts are scans either way."""
        focused = self.focused
        return focused is not None and getattr(focused, "takes_typing", True)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            stroke = KeyStroke(event.key, event.character, event.time, event)
            await self._apply(self.wedge.feed(stroke, to_field=self._to_field()))
            self._arm_tick(event.time)
            return
        if isinstance(event, events.Paste) and not event.is_forwarded and not self._to_field():
            for line in event.text.splitlines(keepends=True):
                if line.strip():
                    self.read_scan(Scan(line, Source.PASTE, at=self.clock()))
            return
        await super().on_event(event)

    async def _apply(self, actions: list) -> None:
        for action in actions:
            if isinstance(action, Assembled):
                self.read_scan(Scan(action.payload, action.source, at=self.clock()))
            elif isinstance(action, Release):
                for stroke in action.keys:  # normal key handling, in order
                    await super().on_event(stroke.event)
            elif isinstance(action, TypingChanged):
                screen = self._scan_screen()
                if screen is not None:
                    screen.set_typing(action.text)

    def _arm_tick(self, now: float) -> None:
        """Post a ``WedgeTick`` once the wedge's deadline has passed. ``now`` is a message's
        ``time`` (Textual's public clock of every event: the same clock as the keys')."""
        deadline = self.wedge.deadline
        if deadline is None or (self._tick_at is not None and self._tick_at <= deadline):
            return
        if self._tick is not None:
            self._tick.cancel()
        delay = max(0.0, deadline - now) + 0.001
        self._tick = asyncio.get_running_loop().call_later(delay, self._post_tick)
        self._tick_at = deadline

    def _post_tick(self) -> None:
        self._tick = None
        self._tick_at = None
        self.post_message(WedgeTick())

    async def on_wedge_tick(self, message: WedgeTick) -> None:
        await self._apply(self.wedge.tick(message.time, to_field=self._to_field()))
        self._arm_tick(message.time)

    # -- scans in ---------------------------------------------------------------------------
    def _scan_screen(self) -> ScanScreen | None:
        for screen in reversed(self.screen_stack):
            if isinstance(screen, ScanScreen):
                return screen
        return None

    def read_scan(self, scan: Scan) -> None:
        """Queue one scan read now (from any source) for the screen on top."""
        target = self._scan_screen()
        handler = target.scan_handler if target is not None else EchoHandler()
        self.scans_read += 1
        self.pipeline.submit(scan, handler, target)

    def on_scan_read(self, message: ScanRead) -> None:
        message.stop()
        self.read_scan(message.scan)

    def on_scanner_status_changed(self, message: ScannerStatusChanged) -> None:
        """Show the scanner's state on every screen's status line; when it goes away, say
        why in the answer area, and ring once when it was unplugged."""
        message.stop()
        old, status = self.scanner_status, message.status
        self.scanner_status = status
        lost = status.state is ScannerState.DISCONNECTED
        was_unplugged = self._scanner_unplugged
        unplugged = self._scanner_unplugged = lost and old is not None and (
            old.connected or was_unplugged)
        self.scanner_line = scanner_line("unplugged" if unplugged else status.state.value,
                                         status.port)
        for screen in self.screen_stack:
            if isinstance(screen, ScanScreen):
                screen.set_scanner_text(self.scanner_line)
        if lost and (old is None or old.state is not ScannerState.DISCONNECTED):
            sentence = ("Scanner unplugged: plug it back in; scanning resumes by itself."
                        if unplugged else status.message)
            self._alert(sentence, bell=unplugged)

    def _alert(self, sentence: str, *, bell: bool) -> None:
        """A sentence no scan caused, in the answer area of the screen on top."""
        ring = bell and self.config.feedback.bell
        if ring:
            self.bell()
        self.feedback.alert(sentence, ring)
        screen = self._scan_screen()
        if screen is None:
            return
        for answer in screen.query(Answer):
            answer.show(Outcome.refuse(sentence))
        for details in screen.query(ScanDetails):
            details.say(sentence)

    # -- answers out ------------------------------------------------------------------------
    def _reply(self, handled: Handled) -> None:
        """Pipeline thread: hand the answer to the UI thread."""
        self.post_message(ScanHandled(handled))

    def on_scan_handled(self, message: ScanHandled) -> None:
        if message.routed:  # bubbled up from a screen that did not take it
            return
        message.stop()
        handled = message.handled
        self._give_feedback(handled)
        self.scans_shown += 1
        target = handled.target
        if target is None or target not in self.screen_stack:
            target = self._scan_screen()
        if target is not None:
            target.post_message(ScanHandled(handled, routed=True))

    def _give_feedback(self, handled: Handled) -> None:
        outcome = handled.outcome
        if outcome.accepted:
            text = outcome.message or f"{handled.result.kind.value}: {headline(handled.result)}"
        else:
            text = reason_of(outcome)
        ring = signal(outcome)[1] and self.config.feedback.bell
        if ring:
            self.bell()
        self.feedback.add(Feedback(handled.scan.id, outcome.accepted, text, ring))

    # -- the floor: sign-in, menu, workflow screens -----------------------------------------
    def _screen_setup(self) -> dict[str, str]:
        """What every scan screen opens with: this terminal's id, the scanner's status now."""
        text = self.scanner_line or self._initial_status()
        return {"terminal": self.config.terminal.id, "scanner_text": text}

    def sign_in(self, answer: SignInAnswer) -> None:
        """A badge was accepted: the shift has started, show the menu."""
        self.session = answer.session
        self.push_screen(MenuScreen(answer.menu, **self._screen_setup()))

    def open_entry(self, key: str, saved: dict | None = None, redo: dict | None = None) -> None:
        """A menu entry chosen by key: open it on the pipeline thread, show its screen.
        ``saved``: the task's state kept by a host (``WorkflowHandler.saved()``) to take
        back instead of starting afresh; ``redo``: the scan whose stock change committed
        after that state was kept (``WorkflowHandler.reopen``)."""
        session = self.session
        entry = registry.find(key)
        if session is None or entry is None or not entry.allows(session.who.role):
            return
        if not isinstance(self.screen, MenuScreen):
            return  # a second choice while the first opens
        handler = self.floor_services.handler_for(entry, session)
        screen = self._task_screen(handler)
        if isinstance(handler, WorkflowHandler):
            # queued before the screen can take a scan: the workflow exists before its scans
            opening = handler.open if saved is None else partial(handler.reopen, saved, redo)
            self.pipeline.call(opening, lambda snap: screen.post_message(WorkflowOpened(snap)))
        self.push_screen(screen)

    def open_handler(self, handler: Any, snapshot: Any = None, first: Any = None) -> None:
        """A task the menu opened on the pipeline thread (a task card was scanned, or an
        order, receipt, bin or unit: ``first`` is the task's answer to it)."""
        if self.session is None or not isinstance(self.screen, MenuScreen):
            return
        screen = self._task_screen(handler)
        if isinstance(screen, WorkflowScreen) and snapshot is not None:
            screen.snapshot = snapshot
        if isinstance(screen, WorkflowScreen):
            screen.first = first
        self.push_screen(screen)

    def _task_screen(self, handler: Any) -> ScanScreen:
        badge = self.session.who.badge if self.session else ""
        if isinstance(handler, WorkflowHandler):
            return WorkflowScreen(handler, operator=badge, **self._screen_setup())
        return FloorScanScreen(handler, tz=self.tz, **self._screen_setup())

    def back_to_menu(self) -> None:
        while len(self.screen_stack) > 1 and not isinstance(self.screen, MenuScreen):
            self.pop_screen()
        if isinstance(self.screen, MenuScreen):
            self.screen.scan_handler.release()

    def signed_out(self, summary: tuple[str, ...]) -> None:
        """Back to sign-in, showing the shift's summary."""
        self.session = None
        while len(self.screen_stack) > 1 and not isinstance(self.screen, SignInScreen):
            self.pop_screen()
        if isinstance(self.screen, SignInScreen):
            self.screen.scan_handler.release()
            self.screen.show_summary(summary)

    def on_signed_out(self, message: SignedOut) -> None:
        message.stop()
        self.signed_out(message.summary)

    def pass_on(self, handled: Handled, source: ScanScreen) -> None:
        """A scan ``source``'s handler passed to the next screen's handler: shown by the
        screen above ``source`` (pushed by an earlier message ``source`` handled, so it is
        there; each screen's messages are handled in order)."""
        view = handled.view.view if isinstance(handled.view, Passed) else handled.view
        stack = self.screen_stack
        above = stack[stack.index(source) + 1:] if source in stack else []
        target = next((s for s in above if isinstance(s, ScanScreen)), None)
        target = target or self._scan_screen()
        if target is not None and target is not source:
            target.post_message(ScanHandled(replace(handled, view=view), routed=True))

    def read_answer(self, scan: Scan, handler: ScanHandler, target: ScanScreen) -> None:
        """Typed text for a question, in scan order, journaled like a typed scan."""
        self.scans_read += 1
        self.pipeline.submit(scan, handler, target)

    # -- for tests and tools ----------------------------------------------------------------
    async def settle(self, timeout: float = 30.0) -> None:
        """Wait until every scan read so far has been shown (and the screen updated)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while self.scans_shown < self.scans_read or self.wedge.busy or self.pipeline.pending:
            if loop.time() > end:
                raise TimeoutError(f"{self.scans_read - self.scans_shown} scans still pending")
            await asyncio.sleep(0.005)
