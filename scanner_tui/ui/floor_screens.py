"""The floor screens: sign-in (and the shift summary after sign-out), the menu, and ONE
generic :class:`WorkflowScreen` that renders any Workflow's ``View``.

Thin by design: every decision is the workflow's (or the handlers' in ``ui.floor``); a screen
turns keys into the same command scans a laminated card gives (``d`` -> ``CMD:DONE``) and
renders the snapshot the pipeline took after each scan. No dialog ever takes the scanner: a
question is a line (and, for a quantity or a lot, a small field) on the same screen.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList, Static

from scanner_tui.scanning.result import Kind, Scan, Source
from scanner_tui.ui.floor import (
    BACK_COMMANDS,
    AnswerHandler,
    FloorServices,
    Leave,
    MenuAnswer,
    MenuHandler,
    Passed,
    PeekHandler,
    SignInAnswer,
    SignInHandler,
    Snapshot,
    WorkflowHandler,
)
from scanner_tui.ui.floor_widgets import (
    Answer,
    AnswerInput,
    ContextLines,
    Instruction,
    KeyHints,
    LinesTable,
)
from scanner_tui.ui.messages import ScanRead
from scanner_tui.ui.pipeline import Handled
from scanner_tui.ui.safe_text import visible
from scanner_tui.ui.screens import ScanAnythingScreen, ScanScreen, footer
from scanner_tui.ui.widgets import StatusLine, TitleBar
from scanner_tui.workflows.base import Outcome

KEY_COMMANDS = {"d": "DONE", "s": "SHORT", "u": "UNDO", "k": "SKIP"}
HINT_WORK = "d Done u Undo t Type Esc Back"
HINT_BY_TASK = {  # what the keys do in each task (40 columns at most)
    "pick": "d Done s Short u Undo t Type Esc Back",
    "receive": "d Done k Skip p Print u Undo Esc Back",  # k: skip the receipt (blind)
    "lookup": "r Reprint tag  t Type a code  Esc Back",
    "counts": "y Yes approves d Done t Type Esc Back",  # d: send marked bins back
}  # one word per key letter on every screen (tests/test_ui_floor_layout.py checks)
TASK_KEYS = {  # single keys that are a command card only in one task
    "counts": {"y": "YES"},
    "receive": {"p": "PRINT"},  # the next asset tag for the serial product in hand
    "lookup": {"r": "REPRINT"},  # the tag of the bin or unit shown
}
HINT_YESNO = "y Yes  n No  u Undo  Esc Back"
HINT_CHOICE = "1-{n} choose  u Undo  Esc Back"
HINT_FIELD = "Enter OK  Esc Cancel"
HINT_QTY = "Enter OK  Esc Cancel  d Done u Undo"
HINT_CODE = "Type a code, Enter  Esc Close"
HINT_DONE = "Esc Back to the menu"


class WorkflowOpened(Message):
    """The pipeline built the workflow (or failed to): its first snapshot."""

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot


class SignedOut(Message):
    """The shift ended (key or scan): its summary lines."""

    def __init__(self, summary: tuple[str, ...]) -> None:
        super().__init__()
        self.summary = summary


class PassedOn(Message):
    """A scan ``source``'s handler passed to the next screen's handler (read before that
    screen showed): the screen above ``source`` shows it."""

    def __init__(self, handled: Handled, source: ScanScreen) -> None:
        super().__init__()
        self.handled = handled
        self.source = source


class OpenTask(Message):
    """A task card scanned on a task screen: leave it and open that task."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key


class BackToMenu(Message):
    """Leave the task screen for the menu (Escape when finished, a finishing card)."""


class AnswerTyped(Message):
    """Text typed at a question: the app journals it like a typed scan, in scan order."""

    def __init__(self, scan: Scan, handler: AnswerHandler, target: ScanScreen) -> None:
        super().__init__()
        self.scan = scan
        self.handler = handler
        self.target = target


class FloorMessages:
    """The app's side of the floor screens' messages (mixed into the App, which does the
    navigation: ``sign_in``, ``open_entry``, ``open_handler``, ``pass_on``,
    ``back_to_menu``). Screens post; they never call the app."""

    def on_sign_in_screen_signed_in(self, message: SignInScreen.SignedIn) -> None:
        message.stop()
        self.sign_in(message.answer)  # type: ignore[attr-defined]

    def on_menu_screen_task_chosen(self, message: MenuScreen.TaskChosen) -> None:
        message.stop()
        self.open_entry(message.key)  # type: ignore[attr-defined]

    def on_menu_screen_task_opened(self, message: MenuScreen.TaskOpened) -> None:
        message.stop()
        self.open_handler(message.handler, message.snapshot,  # type: ignore[attr-defined]
                          message.first)

    def on_passed_on(self, message: PassedOn) -> None:
        message.stop()
        self.pass_on(message.handled, message.source)  # type: ignore[attr-defined]

    def on_back_to_menu(self, message: BackToMenu) -> None:
        message.stop()
        self.back_to_menu()  # type: ignore[attr-defined]

    def on_open_task(self, message: OpenTask) -> None:
        message.stop()
        self.back_to_menu()  # type: ignore[attr-defined]
        self.open_entry(message.key)  # type: ignore[attr-defined]

    def on_answer_typed(self, message: AnswerTyped) -> None:
        message.stop()
        self.read_answer(message.scan, message.handler,  # type: ignore[attr-defined]
                         message.target)


SHORT_ROWS = 14  # fewer rows: an instruction band of one or two rows, one line of context
TALL_ROWS = 24  # as many or more: a taller band, more lines of context


def _fit(screen: ScanScreen, height: int) -> None:
    """A taller instruction band and more context when the terminal has the rows (80x24 and
    up); a band of one or two rows and one row of context on a short one (30x10)."""
    screen.set_class(height < SHORT_ROWS, "-short")
    screen.set_class(height >= TALL_ROWS, "-tall")
    for band in screen.query(Instruction):
        band.set_class(height >= TALL_ROWS, "tall")


class SignInScreen(ScanScreen):
    """Scan a badge to sign in; after a sign-out it shows that shift's summary."""

    TITLE_TEXT = "Sign in"

    def __init__(self, floor: FloorServices, **kwargs) -> None:
        super().__init__(scan_handler=SignInHandler(floor), **kwargs)
        self.summary: tuple[str, ...] = ()

    def compose(self) -> ComposeResult:
        yield TitleBar(self.TITLE_TEXT, self.terminal, id="title")
        yield Instruction("Scan your badge", id="instruction")
        yield Answer(id="answer")
        yield ContextLines(id="summary")
        yield footer(Static("Or type it + Enter. Ctrl+Q quits", id="hints", markup=False),
                     StatusLine(self.scanner_text, id="status"))

    def on_mount(self) -> None:
        self.query_one(Answer).show(None, "Sign in to see your tasks.")
        self.show_summary(self.summary)

    def on_resize(self, event: events.Resize) -> None:
        _fit(self, event.size.height)

    def show_summary(self, summary: tuple[str, ...]) -> None:
        self.summary = summary
        if self.is_mounted:
            if summary:
                self.query_one(Answer).show(None, "Signed out. Next badge, please.")
            lines = ("Shift summary", *summary) if summary else ()
            self.query_one("#summary", ContextLines).show(lines)

    class SignedIn(Message):
        """A badge was accepted: the shift started (the app shows the menu)."""

        def __init__(self, answer: SignInAnswer) -> None:
            super().__init__()
            self.answer = answer

    def show_scan(self, handled: Handled) -> None:
        if isinstance(handled.view, Passed):
            self.post_message(PassedOn(handled, self))
            return
        self.query_one(Answer).show(handled.outcome)
        if isinstance(handled.view, SignInAnswer) and handled.outcome.accepted:
            self.post_message(self.SignedIn(handled.view))


class MenuScreen(ScanScreen):
    """What the operator's role may do: a number key, arrows + Enter, or a task card."""

    TITLE_TEXT = "Menu"

    def __init__(self, handler: MenuHandler, **kwargs) -> None:
        super().__init__(scan_handler=handler, **kwargs)
        self.session = handler.session

    def compose(self) -> ComposeResult:
        title = TitleBar(self.TITLE_TEXT, self.terminal, id="title")
        title.operator = self.session.who.badge
        yield title
        yield Answer(id="answer")
        yield OptionList(*[f"{n} {e.title}" for n, e in enumerate(self.session.entries, 1)],
                         id="menu", markup=False, compact=True)
        n = len(self.session.entries)
        hints = KeyHints(id="hints")
        hints.hint = f"1-{n} or scan a card  0 Sign out"
        hints.can_focus = False
        yield footer(hints, StatusLine(self.scanner_text, id="status"))

    def on_mount(self) -> None:
        self._greet()
        menu = self.query_one(OptionList)
        menu.highlighted = 0
        menu.focus()

    def _greet(self) -> None:
        who = self.session.who
        self.query_one(Answer).show(None, f"{who.called} ({who.role})")

    def on_screen_resume(self) -> None:
        """Back from a task: the task's last answer does not linger here."""
        if self.is_mounted:
            self._greet()

    def on_resize(self, event: events.Resize) -> None:
        _fit(self, event.size.height)

    def on_key(self, event: events.Key) -> None:
        ch = event.character or ""
        if ch == "0":
            event.stop()
            self.sign_out()
        elif ch.isdigit():
            event.stop()
            entry = self.session.entry(int(ch))
            if entry is not None:
                self.post_message(self.TaskChosen(entry.key))

    def on_option_list_option_selected(self, message: OptionList.OptionSelected) -> None:
        message.stop()
        entry = self.session.entry(message.option_index + 1)
        if entry is not None:
            self.post_message(self.TaskChosen(entry.key))

    def sign_out(self) -> None:
        """End the shift after every scan already read (the summary counts them all)."""
        handler = self.scan_handler
        app = self.app

        def out() -> tuple[str, ...]:
            handler.sign_out()
            app.pipeline.operator = ""
            return handler.answer.summary or ()

        app.pipeline.call(out, lambda summary: app.post_message(SignedOut(summary)))

    class TaskChosen(Message):
        """A menu entry chosen by key (the app opens it)."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    class TaskOpened(Message):
        """A task card opened a task on the pipeline thread (the app shows its screen)."""

        def __init__(self, handler: object, snapshot: Snapshot | None,
                     first: object = None) -> None:
            super().__init__()
            self.handler = handler
            self.snapshot = snapshot
            self.first = first  # the task's answer to the scan that opened it

    def show_scan(self, handled: Handled) -> None:
        if isinstance(handled.view, Passed):
            self.post_message(PassedOn(handled, self))
            return
        self.query_one(Answer).show(handled.outcome)
        answer = handled.view
        if not isinstance(answer, MenuAnswer):
            return
        if answer.summary is not None:
            self.post_message(SignedOut(answer.summary))
        elif answer.handler is not None:
            self.post_message(self.TaskOpened(answer.handler, answer.snapshot, answer.first))
        elif answer.choice:
            self.post_message(self.TaskChosen(answer.choice))


class WorkflowScreen(ScanScreen):
    """Renders any Workflow: title, the next instruction in big type, the last answer,
    context lines, the lines table, and the open question on the same screen."""

    def __init__(self, handler: WorkflowHandler, *, operator: str = "", **kwargs) -> None:
        super().__init__(scan_handler=handler, **kwargs)
        self.handler = handler
        self.operator = operator
        self.snapshot: Snapshot | None = None
        self.shown = 0  # snapshots rendered (tests wait on it)
        self._ready = False  # composed and mounted: widgets can be queried
        self.first: Outcome | None = None  # the answer to the scan that opened the task

    @property
    def work_hint(self) -> str:
        return HINT_BY_TASK.get(self.handler.entry.key, HINT_WORK)

    # -- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        title = TitleBar(self.handler.entry.title, self.terminal, id="title")
        title.operator = self.operator
        yield title
        yield Instruction("Opening…", id="instruction")
        yield Answer(id="answer")
        yield ContextLines(id="context")
        choices, table, field = ContextLines(id="choices"), LinesTable(id="lines"), \
            AnswerInput(id="input")
        choices.display = table.display = field.display = False
        yield choices
        yield table
        yield footer(field, KeyHints(id="hints"), StatusLine(self.scanner_text, id="status"))

    def on_mount(self) -> None:
        self._ready = True
        self.query_one(KeyHints).hint = self.work_hint
        self.query_one(KeyHints).focus()
        if self.snapshot is not None:
            self.render_snapshot(self.snapshot)
        if self.first is not None:
            self.query_one(Answer).show(self.first)

    def on_resize(self, event: events.Resize) -> None:
        _fit(self, event.size.height)

    # -- rendering -------------------------------------------------------------------------
    def on_workflow_opened(self, message: WorkflowOpened) -> None:
        message.stop()
        snap = message.snapshot
        with self.app.batch_update():
            self.render_snapshot(snap)
            if snap.view is not None and snap.error and self._ready:  # what changed meanwhile
                self.query_one(Answer).show(Outcome(False, snap.error, warning=True))
            elif snap.view is not None and snap.answer is not None and self._ready:
                self.query_one(Answer).show(snap.answer)  # restored: the answer they left

    def show_scan(self, handled: Handled) -> None:
        with self.app.batch_update():  # the answer and the snapshot: one repaint
            self._show_scan(handled)

    def _show_scan(self, handled: Handled) -> None:
        self.query_one(Answer).show(handled.outcome)
        if isinstance(handled.view, Snapshot) and handled.view.summary is not None:
            self.post_message(SignedOut(handled.view.summary))
            return
        if isinstance(handled.view, Snapshot):
            self.render_snapshot(handled.view)
            if handled.view.next_task:
                self.post_message(OpenTask(handled.view.next_task))
                return
        result = handled.result
        if (handled.outcome.done and result.kind is Kind.COMMAND
                and result.command in BACK_COMMANDS):
            self.post_message(BackToMenu())

    def render_snapshot(self, snap: Snapshot) -> None:
        self.snapshot = snap
        if not self._ready:
            return
        self.shown += 1
        view = snap.view
        instruction = self.query_one(Instruction)
        if view is None:
            instruction.say("Cannot open")
            self.query_one(Answer).show(None, snap.error)
            self.query_one(KeyHints).hint = HINT_DONE
            return
        title = self.query_one(TitleBar)
        if title.title_text != (shown := visible(view.title, 60)):
            title.title_text = shown
            title.refresh()
        instruction.say(view.instruction)
        self.query_one("#context", ContextLines).show(view.context)
        self.query_one(LinesTable).show(view.columns, view.lines, view.narrow)
        self._question(snap)

    def _question(self, snap: Snapshot) -> None:
        q = snap.question
        field = self.query_one(AnswerInput)
        hints = self.query_one(KeyHints)
        choices = self.query_one("#choices", ContextLines)
        choices.display = False
        if q is not None and q.kind in ("quantity", "text"):
            if field.mode != "answer" or not field.display:
                field.mode, field.value = "answer", ""
            field.placeholder = visible(q.text, 80)
            field.digits_only = q.kind == "quantity"
            field.display = True
            field.focus()
            hints.hint = HINT_QTY if field.digits_only else HINT_FIELD
            return
        if field.mode == "answer":
            self._close_field()
        if field.display:  # a code being typed by hand stays open
            return
        if q is not None and q.kind == "choice":
            shown = "  ".join(f"{n} {c}" for n, c in enumerate(q.choices[:9], 1))
            choices.show([shown])
            choices.display = True
            hints.hint = HINT_CHOICE.format(n=min(9, len(q.choices)))
        elif q is not None and q.kind == "yesno":
            hints.hint = HINT_YESNO
        elif snap.done:
            hints.hint = HINT_DONE
        else:
            hints.hint = self.work_hint

    # -- keys ------------------------------------------------------------------------------
    def _send(self, payload: str) -> None:
        """A key did what a scanned card does: the same scan, typed (read by the app)."""
        self.post_message(ScanRead(Scan(payload, Source.KEYBOARD, at=self.app.clock())))

    def _answer(self, text: str) -> None:
        scan = Scan(text, Source.KEYBOARD, at=self.app.clock())
        self.post_message(AnswerTyped(scan, AnswerHandler(self.handler, text), self))

    def _open_field(self, text: str = "") -> None:
        field = self.query_one(AnswerInput)
        if field.display and field.mode == "code":  # keys typed before the focus moved
            field.insert_text_at_cursor(text)
            return
        field.mode, field.value, field.digits_only = "code", text, False
        field.placeholder = "Type a code"
        field.display = True
        field.focus()
        field.cursor_position = len(text)
        self.query_one(KeyHints).hint = HINT_CODE

    def _close_field(self) -> None:
        field = self.query_one(AnswerInput)
        field.mode, field.value = "", ""
        field.display = False
        self.query_one(KeyHints).focus()
        if self.snapshot is not None:
            self._question(self.snapshot)

    def on_input_changed(self, message: AnswerInput.Changed) -> None:
        """What is typed at a quantity question and not yet sent: the handler refuses a scan
        meanwhile rather than let a default replace it."""
        message.stop()
        field = self.query_one(AnswerInput)
        self.handler.unsent = message.value.strip() if field.mode == "answer" else ""

    def on_input_submitted(self, message: AnswerInput.Submitted) -> None:
        message.stop()
        field = self.query_one(AnswerInput)
        text = message.value.strip()
        if field.mode == "code":
            self._close_field()
            if text:
                self._send(text)
        else:
            field.value = ""
            self._answer(text)

    def on_answer_input_hotkey(self, message: AnswerInput.Hotkey) -> None:
        message.stop()
        if message.character in KEY_COMMANDS:
            self._send(f"CMD:{KEY_COMMANDS[message.character]}")

    def on_key(self, event: events.Key) -> None:
        field = self.query_one(AnswerInput)
        if self.focused is field:
            if event.key == "escape":
                event.stop()
                if field.mode == "code":
                    self._close_field()
                else:
                    self._send("CMD:CANCEL")
            return
        key, ch = event.key, event.character or ""
        q = self.snapshot.question if self.snapshot else None
        if (field.display and len(ch) == 1 and ch.isprintable()
                and not (field.digits_only and ch in KEY_COMMANDS)):
            # typed before the open field took focus: it belongs to the field
            event.stop()
            field.insert_text_at_cursor(ch)
            field.focus()
            return
        if field.display and key == "enter":
            event.stop()
            field.focus()
            self.call_later(field.action_submit)
            return
        if key == "escape":
            event.stop()
            self.back()
        elif ch in KEY_COMMANDS:
            event.stop()
            self._send(f"CMD:{KEY_COMMANDS[ch]}")
        elif ch in TASK_KEYS.get(self.handler.entry.key, {}) and (q is None or q.kind != "yesno"):
            event.stop()
            self._send(f"CMD:{TASK_KEYS[self.handler.entry.key][ch]}")
        elif ch in ("y", "n") and q is not None and q.kind == "yesno":
            event.stop()
            self._send("CMD:YES" if ch == "y" else "CMD:NO")
        elif ch.isdigit() and ch != "0" and q is not None and q.kind == "choice":
            event.stop()
            n = int(ch)
            if n <= len(q.choices):
                self._answer(q.choices[n - 1])
        elif ch.isdigit() and self._numbered_list():
            event.stop()
            self._answer(ch)
        elif ch == "t":
            event.stop()
            self._open_field()
        elif ch and ch.isprintable() and key != "space":
            event.stop()
            self._open_field(ch)

    def _numbered_list(self) -> bool:
        view = self.snapshot.view if self.snapshot else None
        return view is not None and view.columns[:1] == ("#",) and bool(view.lines)

    def back(self) -> None:
        """Escape: leave at once when finished, else CMD:CANCEL (the workflow puts down what
        is in hand first; a second Escape leaves)."""
        snap = self.snapshot
        if snap is None or snap.view is None or snap.done:
            self.post_message(BackToMenu())
        else:
            self._send("CMD:CANCEL")


class FloorScanScreen(ScanAnythingScreen):
    """Scan anything, opened from the menu: says what each scan is; Escape goes back."""

    BINDINGS = [Binding("escape", "back", "Back")]
    HINT = "Esc Back"  # Ctrl+Q still quits (an app key), not offered on the floor

    def __init__(self, handler: PeekHandler, **kwargs) -> None:
        super().__init__(scan_handler=handler, **kwargs)

    def action_back(self) -> None:
        self.post_message(BackToMenu())

    def show_scan(self, handled: Handled) -> None:
        super().show_scan(handled)
        leave = handled.view
        if isinstance(leave, Leave):
            self.post_message(OpenTask(leave.next_task) if leave.next_task else BackToMenu())
