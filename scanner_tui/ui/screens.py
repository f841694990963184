"""Screens that take scans. A screen receives classified, journaled scans through ONE path:
its ``scan_handler`` acts on each scan on the pipeline thread, then the app posts a
``ScanHandled`` message to the screen the scan was read on, and ``show_scan`` renders it.

Workflow screens (receive, pick...) subclass :class:`ScanScreen`, pass their workflow as
``scan_handler`` (a ``workflows.base.Workflow`` is a ``ScanHandler``: ``handle(scan, result)
-> Outcome``, called on the pipeline thread) and override ``show_scan`` to render
``handled.outcome`` and ``handled.view`` (the workflow's ``view()`` taken on the pipeline
thread right after that scan: do not call the workflow from the UI thread meanwhile).
"""

from __future__ import annotations

from datetime import tzinfo

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widget import Widget

from scanner_tui.ui.floor_widgets import KeyHints
from scanner_tui.ui.messages import ScanHandled
from scanner_tui.ui.pipeline import EchoHandler, Handled, ScanHandler
from scanner_tui.ui.widgets import KindBand, ScanDetails, ScanHistory, StatusLine, TitleBar


def footer(*rows: Widget) -> Vertical:
    """Docked to the bottom rows: the answer field (when a question wants one), the key
    hints, the scanner's status."""
    return Vertical(*rows, id="footer")


class ScanScreen(Screen):
    """Base of every screen that takes scans."""

    TITLE_TEXT = "Scan"

    def __init__(self, *, scan_handler: ScanHandler | None = None, terminal: str = "",
                 scanner_text: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.scan_handler: ScanHandler = scan_handler or EchoHandler()
        self.terminal = terminal  # shown in the title bar
        self.scanner_text = scanner_text  # the scanner's status sentence, kept current

    def on_mount(self) -> None:
        """The status may have changed after compose made the StatusLine and before it was
        mounted (``set_scanner_text`` found no line then): show the current one."""
        self.set_scanner_text(self.scanner_text)

    def on_scan_handled(self, message: ScanHandled) -> None:
        message.stop()
        self.show_scan(message.handled)

    def show_scan(self, handled: Handled) -> None:
        """Render one handled scan (UI thread). Subclasses override."""

    def set_scanner_text(self, text: str) -> None:
        """The scanner's status sentence changed (shown in any StatusLine of the screen)."""
        self.scanner_text = text
        for line in self.query(StatusLine):
            line.scanner = text

    def set_typing(self, text: str) -> None:
        """What a person has typed towards a scan so far ("" when it was ended or cleared)."""
        for line in self.query(StatusLine):
            line.typing = text or None


class ScanAnythingScreen(ScanScreen):
    """Shows, for each scan, what it was and its fields; a history of the last scans."""

    TITLE_TEXT = "Scan anything"
    HINT = "Ctrl+Q Quit"  # the app's own keys, as on every floor screen (no Textual footer)

    def __init__(self, *, tz: tzinfo | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.tz = tz

    def compose(self) -> ComposeResult:
        yield TitleBar(self.TITLE_TEXT, self.terminal, id="title")
        yield KindBand(id="band")
        yield ScanDetails(id="details")
        yield ScanHistory(id="history", tz=self.tz)
        hints = KeyHints(id="hints")
        hints.hint = self.HINT
        hints.can_focus = False  # nothing here takes single keys
        yield footer(hints, StatusLine(self.scanner_text, id="status"))

    def show_scan(self, handled: Handled) -> None:
        self.query_one(KindBand).show(handled)
        self.query_one(ScanDetails).show(handled)
        self.query_one(ScanHistory).add(handled)
        self.query_one(TitleBar).operator = self.app_operator(handled)

    def app_operator(self, handled: Handled) -> str:
        """Who is signed in after this scan (a badge scan signs its holder in)."""
        result = handled.result
        if handled.outcome.accepted and result.badge:
            return result.badge
        return handled.operator
