"""Widgets of the scan screens. Every untrusted string goes through ``visible()`` into a
``rich.text.Text`` (never markup)."""

from __future__ import annotations

from collections import deque
from datetime import tzinfo

from rich.text import Text
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from scanner_tui.scanning.result import Kind, ScanResult
from scanner_tui.ui.pipeline import Handled
from scanner_tui.ui.safe_text import visible

LABELS = {
    "bin": "Bin", "serial": "Serial", "gtin": "GTIN", "sku": "SKU", "lot": "Lot",
    "expiry": "Expiry", "sscc": "SSCC", "badge": "Badge", "command": "Command",
    "symbology": "Symbology",
}
HEADLINE = {
    Kind.BIN: "bin", Kind.ASSET: "serial", Kind.PRODUCT: "gtin", Kind.CONTAINER: "sscc",
    Kind.BADGE: "badge", Kind.COMMAND: "command",
}
OK, NO = "✔", "✘"
MAX_SHOWN = 120  # characters of a payload shown on one line


def headline(result: ScanResult) -> str:
    """The one value that says what was scanned (escaped for display)."""
    name = HEADLINE.get(result.kind)
    value = getattr(result, name) if name else None
    return visible(str(value if value is not None else result.code), MAX_SHOWN)


def detail_lines(result: ScanResult) -> list[tuple[str, str]]:
    """(label, value) for every field except the headline, symbology and reason."""
    main = HEADLINE.get(result.kind)
    out = []
    for name, value in result.to_dict().items():
        if name in ("kind", "reason", "symbology", main):
            continue
        out.append((LABELS.get(name, name), visible(str(value), MAX_SHOWN)))
    return out


class KindBand(Widget):
    """Big, coloured band: what the last scan was, accepted or rejected."""

    DEFAULT_CLASSES = "idle"

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._text = Text("Scan anything", style="bold")
        self.scan_id = ""  # the scan shown
        self.painted_scan_id = ""  # the scan last rendered (the screen has been updated)

    def show(self, handled: Handled) -> None:
        kind = handled.result.kind.value.upper()
        accepted = handled.outcome.accepted
        self._text = Text(f"{OK if accepted else NO} {kind}", style="bold")
        self.scan_id = handled.scan.id
        self.set_class(accepted, "accepted")
        self.set_class(not accepted, "rejected")
        self.remove_class("idle")
        self.refresh()

    def render(self) -> Text:
        self.painted_scan_id = self.scan_id
        return self._text


class ScanDetails(Static):
    """The scanned code, its fields, and the answer (why it was rejected, what next)."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(Text("Scan a bin, a unit, a product or your badge."), id=id,
                         markup=False)

    def show(self, handled: Handled) -> None:
        result, outcome = handled.result, handled.outcome
        text = Text(no_wrap=False, overflow="fold")
        text.append(headline(result) or "(nothing)", style="bold")
        if result.symbology:
            text.append(f"  {visible(result.symbology, 8)}", style="dim")
        for label, value in detail_lines(result):
            text.append(f"\n{label}: ", style="dim")
            text.append(value)
        if outcome.message or not outcome.accepted:
            style = "bold red" if not outcome.accepted else "bold yellow" if outcome.warning else ""
            text.append("\n")
            text.append(visible(outcome.message or "Rejected", 400), style=style)
        self.update(text, layout=False)  # fixed height (app.tcss): no relayout per scan

    def say(self, sentence: str) -> None:
        """A sentence that is not about a scan (the scanner was unplugged), as a refusal."""
        self.update(Text(visible(sentence, 400), style="bold red"), layout=False)


class ScanHistory(Widget):
    """The last scans, newest first, one line each.

    Line API with a strip cache: each entry is rendered once per width, so a new scan costs
    one new line, not a re-render of the whole list."""

    def __init__(self, *, size: int = 50, tz: tzinfo | None = None,
                 id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.entries: deque[Handled] = deque(maxlen=size)
        self.tz = tz
        self._strips: dict[tuple[str, int], Strip] = {}

    def add(self, handled: Handled) -> None:
        self.entries.appendleft(handled)
        if len(self._strips) > 4 * (self.entries.maxlen or 50):
            self._strips.clear()
        self.refresh()

    def line(self, handled: Handled) -> Text:
        at = handled.scan.at.astimezone(self.tz).strftime("%H:%M:%S")
        ok = handled.outcome.accepted
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{at} ", style="dim")
        text.append(OK if ok else NO, style="bold green" if ok else "bold red")
        text.append(f" {handled.result.kind.value:<9} ")
        text.append(headline(handled.result))
        return text

    def _strip(self, text: Text, width: int) -> Strip:
        console = self.app.console
        options = console.options.update(width=width, no_wrap=True, overflow="ellipsis")
        lines = console.render_lines(text, options, style=self.rich_style, pad=True)
        return Strip(lines[0], width)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if not self.entries:
            if y == 0:
                return self._strip(Text("No scans yet", style="dim"), width)
            return Strip.blank(width, self.rich_style)
        if y >= len(self.entries):
            return Strip.blank(width, self.rich_style)
        handled = self.entries[y]
        key = (handled.scan.id, width)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._strips[key] = self._strip(self.line(handled), width)
        return strip


def scanner_line(state: str, port: str) -> str:
    """The status line of a serial scanner: its state first and in full, then the port
    (``Scanner unplugged /dev/serial/by-id/usb-...``; ``StatusLine`` shortens a long port
    from the left). ``state``: connecting, connected, unplugged, disconnected, stopped."""
    if not port:
        return "No scanner port configured"
    words = {"connecting": "Scanner connecting", "connected": "Scanner connected",
             "unplugged": "Scanner unplugged", "disconnected": "Scanner not connected",
             "stopped": "Scanner off"}
    return f"{words.get(state, 'Scanner ' + state)} {port}"


def fit_path_left(text: str, width: int) -> str:
    """``text`` cut to ``width``: a path after its first " /" loses its start ("…"), so the
    words before it and the end of the path (the device's name) stay."""
    if len(text) <= width:
        return text
    head, sep, path = text.partition(" /")
    room = width - len(head) - 2  # " …"
    if not sep or room < 4:
        return text[: max(0, width - 1)] + "…"
    return f"{head} …{('/' + path)[-room:]}"


class StatusLine(Static):
    """Scanner status, or what a person is typing towards a scan. A port path too long for
    the line is shortened from the left: the state always shows in full."""

    scanner: reactive[str] = reactive("", layout=False)
    typing: reactive[str | None] = reactive(None, layout=False)

    def __init__(self, scanner: str = "", *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, markup=False)
        self.set_reactive(StatusLine.scanner, scanner)

    def render(self) -> Text:
        if self.typing:
            text = Text("Typed: ", style="dim", no_wrap=True, overflow="ellipsis")
            text.append(visible(self.typing, MAX_SHOWN), style="bold")
            text.append("▏")
            return text
        width = self.content_region.width or 200
        return Text(fit_path_left(visible(self.scanner, 200), width), no_wrap=True,
                    overflow="ellipsis")


class TitleBar(Static):
    """Screen title, terminal and operator."""

    operator: reactive[str] = reactive("", layout=False)

    def __init__(self, title: str, terminal: str, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, markup=False)
        self.title_text = title
        self.terminal = terminal

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(self.title_text, style="bold")
        text.append(f"  {visible(self.terminal, 30)}")
        if self.operator:
            text.append(f"  {visible(self.operator, 32)}", style="bold")
        return text
