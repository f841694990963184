"""Widgets of the floor screens. Untrusted text goes through ``visible()`` into
``rich.text.Text`` (never markup); table cells are ``Text`` too."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from scanner_tui.ui.feedback import signal
from scanner_tui.ui.safe_text import visible
from scanner_tui.workflows.base import Line, Outcome

ROW_STYLE = {"done": "green", "short": "yellow", "warn": "bold yellow",
             "current": "bold reverse"}
ROW_MARK = {"done": "✔", "short": "!", "warn": "!", "current": "▶"}


class Instruction(Static):
    """The next thing to do, in big type (a tall bold band)."""

    def __init__(self, text: str = "", *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, markup=False)
        self.text = ""
        self.say(text)

    def say(self, text: str) -> None:
        self.text = visible(text, 200)
        self.update(Text(self.text, style="bold", justify="center"))


class Answer(Static):
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
        mark, _ = signal(outcome)
        self.update(Text(f"{mark} {visible(outcome.message or 'OK', 300)}"))
        self.set_class(outcome.accepted and not outcome.warning, "accepted")
        self.set_class(outcome.accepted and outcome.warning, "warning")
        self.set_class(not outcome.accepted, "rejected")


def wrap_codes(line: str, width: int) -> list[str]:
    """``line`` in rows of at most ``width``, broken between words (a code list breaks after
    its commas); a single word wider than a row is the only thing ever cut."""
    rows: list[str] = []
    row = ""
    for word in line.split(" "):
        joined = f"{row} {word}" if row else word
        if len(joined) <= width or not row:
            row = joined
        else:
            rows.append(row)
            row = word
    rows.append(row)
    return [r if len(r) <= width else r[: max(1, width - 1)] + "…" for r in rows]


def fit_rows(lines: Sequence[str], width: int, height: int) -> list[str]:
    """The rows ``lines`` take at ``width``; past ``height`` the last row says "+N more"
    (N: the rows not shown)."""
    rows = [r for line in lines for r in wrap_codes(line, max(4, width))]
    if height <= 0 or len(rows) <= height:
        return rows
    keep = max(0, height - 1)
    return rows[:keep] + [f"+{len(rows) - keep} more"]


class ContextLines(Widget):
    """Small lines of context (order, customer, working bin, a shipped order's serials):
    wrapped between words to the width, "+N more" when they need more rows than there are."""

    DEFAULT_CSS = "ContextLines { height: auto; }"

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.lines: tuple[str, ...] = ()

    def show(self, lines: Sequence[str]) -> None:
        self.lines = tuple(visible(line, 200) for line in lines)
        self.display = bool(lines)
        self.refresh(layout=True)

    def get_content_height(self, container, viewport, width: int) -> int:  # noqa: ANN001
        return len(fit_rows(self.lines, width, 0))

    def render(self) -> Text:
        size = self.content_size
        return Text("\n".join(fit_rows(self.lines, size.width, size.height)), no_wrap=True,
                    overflow="ellipsis")


def fit_widths(columns: Sequence[str], rows: Sequence[Sequence[str]], room: int) -> list[int]:
    """Column widths for ``room`` cells (a mark column and 2 cells of padding per column
    aside): each column as wide as its longest cell; when that is too wide, the widest
    column gives way and its cells wrap between words (a code is never cut at the edge)."""
    widths = [max([len(name), *(len(r[i]) for r in rows if i < len(r))])
              for i, name in enumerate(columns)]
    over = 3 + sum(w + 2 for w in widths) - room
    while over > 0 and widths:
        widest = max(range(len(widths)), key=widths.__getitem__)
        longest_word = max([len(columns[widest]), *(
            len(word) for r in rows if widest < len(r) for word in r[widest].split(" "))])
        give = min(over, widths[widest] - longest_word)
        if give <= 0:
            break
        widths[widest] -= give
        over -= give
    return widths


class LinesTable(DataTable):
    """The workflow's lines; the first column marks done/short/current rows."""

    can_focus = False

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, show_cursor=False, zebra_stripes=False)
        self._columns: tuple[str, ...] = ()

    def show(self, columns: Sequence[str], lines: Sequence[Line]) -> None:
        columns = tuple(columns)
        rows = [[visible(c, 60) for c in line.cells[: len(columns)]] for line in lines]
        widths = fit_widths(columns, rows, (self.size.width or self.app.size.width) - 2)
        self.clear(columns=True)  # widths follow the rows and the screen's width
        self.add_column(Text(""), key="_mark", width=1)
        for name, width in zip(columns, widths, strict=True):
            self.add_column(Text(visible(name, 40), style="bold"), width=width)
        self._columns = columns
        current = None
        for n, (line, row) in enumerate(zip(lines, rows, strict=True)):
            style = ROW_STYLE.get(line.state, "")
            cells = [Text(ROW_MARK.get(line.state, " "), style=style)]
            cells += [Text(c, style=style, overflow="fold") for c in row]
            cells += [Text("")] * (len(columns) - len(row))
            tall = max((len(wrap_codes(c, w)) for c, w in zip(row, widths, strict=False)),
                       default=1)
            self.add_row(*cells, height=tall)
            if line.state == "current" and current is None:
                current = n
        self.display = bool(columns)
        if current is not None:
            self.scroll_to(y=max(0, current - 1), animate=False)


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
