"""Widgets of the floor screens. Untrusted text goes through ``visible()`` into
``rich.text.Text`` (never markup); table cells are ``Text`` too."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from scanner_tui.ui.safe_text import visible
from scanner_tui.workflows.base import Line, Outcome

ROW_STYLE = {"done": "green", "short": "yellow", "warn": "bold yellow",
             "current": "bold reverse"}
ROW_MARK = {"done": "✔", "short": "!", "warn": "!", "current": "▶"}


class SizedOnce:
    """A text widget whose new size, once the screen's layout placed it, needs no second
    layout pass: nothing inside it is arranged by its size (Textual's ``virtual_size``
    reactive otherwise asks for one more whole-screen layout whenever the height changes)."""

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size,
                      layout: bool = True) -> bool:
        return super()._size_updated(  # type: ignore[misc]
            size, virtual_size, container_size, layout=False)


class Instruction(SizedOnce, Static):
    """The next thing to do, in big type (a tall bold band)."""

    def __init__(self, text: str = "", *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, markup=False)
        self.text = ""
        self._said = False
        self.say(text)

    def say(self, text: str) -> None:
        shown = visible(text, 200)
        if shown == self.text and self._said:
            return  # the same instruction: no relayout
        self.text, self._said = shown, True
        self.update(Text(self.text, style="bold", justify="center"))


class Answer(SizedOnce, Static):
    """The last outcome: a short confirmation, or the refusal in the error style."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__("", id=id, markup=False)
        self.last: Outcome | None = None

    def show(self, outcome: Outcome | None, fallback: str = "") -> None:
        self.last = outcome
        if outcome is None:
            self.update(Text(visible(fallback, 300), style="dim"))
            self.set_classes("")
            return
        mark = "✔ " if outcome.accepted else "✘ "
        self.update(Text(mark + visible(outcome.message or "OK", 300)))
        self.set_class(outcome.accepted and not outcome.warning, "accepted")
        self.set_class(outcome.accepted and outcome.warning, "warning")
        self.set_class(not outcome.accepted, "rejected")


class ContextLines(SizedOnce, Static):
    """Small lines of context (order, customer, working bin...)."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__("", id=id, markup=False)
        self.lines: tuple[str, ...] | None = None  # shown now (None: never set)

    def show(self, lines: Sequence[str]) -> None:
        lines = tuple(lines)
        if lines == self.lines and self.display == bool(lines):
            return  # unchanged: no relayout
        self.lines = lines
        text = Text(no_wrap=True, overflow="ellipsis")
        for n, line in enumerate(lines):
            if n:
                text.append("\n")
            text.append(visible(line, 200))
        self.update(text)
        self.display = bool(lines)


class LinesTable(DataTable):
    """The workflow's lines; the first column marks done/short/current rows."""

    can_focus = False

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, show_cursor=False, zebra_stripes=False)
        self._columns: tuple[str, ...] = ()
        self._lines: tuple[Line, ...] | None = None

    def show(self, columns: Sequence[str], lines: Sequence[Line]) -> None:
        """Show these rows; unchanged rows are left alone (no rebuild, no relayout)."""
        columns, lines = tuple(columns), tuple(lines)
        if columns == self._columns and lines == self._lines:
            return
        self._lines = lines
        if columns != self._columns:
            self.clear(columns=True)
            self.add_column(Text(""), key="_mark", width=1)
            for name in columns:
                self.add_column(Text(visible(name, 40), style="bold"))
            self._columns = columns
        else:
            self.clear()
        current = None
        for n, line in enumerate(lines):
            style = ROW_STYLE.get(line.state, "")
            cells = [Text(ROW_MARK.get(line.state, " "), style=style)]
            cells += [Text(visible(c, 60), style=style, no_wrap=True, overflow="ellipsis")
                      for c in line.cells]
            cells += [Text("")] * (len(columns) - len(line.cells))
            self.add_row(*cells[: len(columns) + 1])
            if line.state == "current" and current is None:
                current = n
        self._measure()
        self.display = bool(columns)
        if current is not None:
            self.scroll_to(y=max(0, current - 1), animate=False)


    def _measure(self) -> None:
        """Size the table now, in the update that changed it, rather than on the next idle
        (``DataTable._on_idle``): otherwise every change costs the screen a second layout."""
        if self._require_update_dimensions:
            self._require_update_dimensions = False
            new_rows = self._new_rows.copy()
            self._new_rows.clear()
            self._update_dimensions(new_rows)


class KeyHints(Widget, can_focus=True):
    """The footer hint line; it holds focus so single keys (d, s, u, y, n, digits) reach the
    screen instead of building a typed scan."""

    hint: reactive[str] = reactive("", layout=False)

    def render(self) -> Text:
        return Text(self.hint, no_wrap=True, overflow="ellipsis")


class AnswerInput(Input):
    """A quantity, a lot, or a code typed by hand. A scanner burst never types into it (the
    app assembles bursts before any widget sees a key)."""

    class Hotkey(Message):
        """A letter pressed in a quantity field: it is a key command (d, s, u...), not data."""

        def __init__(self, character: str) -> None:
            super().__init__()
            self.character = character

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, compact=True, select_on_focus=False)
        self.cursor_blink = False  # steady: less repaint, stable snapshots
        self.mode = ""  # "answer" (the open question) or "code" (a code typed by hand)
        self.digits_only = False  # a quantity: letters are key commands

    def _on_key(self, event: events.Key) -> None:
        # runs before Input._on_key (Textual dispatches along the MRO, subclass first)
        ch = event.character
        if (self.digits_only and ch and len(ch) == 1 and ch.isprintable()
                and not ch.isdigit()):
            event.stop()
            event.prevent_default()
            self.post_message(self.Hotkey(ch))
