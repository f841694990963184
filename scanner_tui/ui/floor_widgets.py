"""Widgets of the floor screens. Untrusted text goes through ``visible()`` into
``rich.text.Text`` (never markup); table cells are ``Text`` too."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rich.style import Style
from rich.text import Text
from textual import events
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static
from textual.widgets.data_table import RowKey

from scanner_tui.ui.feedback import signal
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
        self._shown: tuple[str, str, str] | None = None  # (text, style, class) on screen

    def show(self, outcome: Outcome | None, fallback: str = "") -> None:
        self.last = outcome
        if outcome is None:
            shown = (visible(fallback, 300), "dim", "")
        else:
            mark, _ = signal(outcome)
            kind = ("rejected" if not outcome.accepted else
                    "warning" if outcome.warning else "accepted")
            shown = (f"{mark} {visible(outcome.message or 'OK', 300)}", "", kind)
        if shown == self._shown:
            return  # the same answer again: no relayout
        self._shown = shown
        text, style, kind = shown
        self.update(Text(text, style=style))
        for name in ("accepted", "warning", "rejected"):
            self.set_class(name == kind, name)


def wrap_codes(line: str, width: int) -> list[str]:
    """``line`` in rows of at most ``width``, broken between words (a code list breaks after
    its commas; parts set apart by two spaces, "1 DAMAGED  2 WRONG", stay whole when they
    fit); a single word wider than a row is the only thing ever cut."""
    rows: list[str] = []
    row = ""
    for chunk in line.split("  "):
        words = [chunk] if len(chunk) <= width else chunk.split(" ")
        for n, word in enumerate(words):
            joined = f"{row}{' ' if n else '  '}{word}" if row else word
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
    rest = rows[keep:]
    pieces = wrap_codes(rest[0], width - len(f" +{len(rest)} more"))
    hidden = len(rest) - 1 + len(pieces) - 1  # rows not shown whole
    if pieces[0].endswith("…"):  # not even one word fits beside the count
        return rows[:keep] + [f"+{len(rest)} more"]
    return rows[:keep] + [f"{pieces[0]} +{hidden} more"]


class ContextLines(SizedOnce, Widget):
    """Small lines of context (order, customer, working bin, a shipped order's serials):
    wrapped between words to the width, "+N more" when they need more rows than there are."""

    DEFAULT_CSS = "ContextLines { height: auto; }"

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.lines: tuple[str, ...] = ()

    def show(self, lines: Sequence[str]) -> None:
        shown = tuple(visible(line, 200) for line in lines)
        self.display = bool(shown)
        if shown != self.lines:  # the same lines again: no new layout, no repaint
            self.lines = shown
            self.refresh(layout=True)

    def get_content_height(self, container, viewport, width: int) -> int:  # noqa: ANN001
        return len(fit_rows(self.lines, width, 0))

    def render(self) -> Text:
        size = self.content_size
        return Text("\n".join(fit_rows(self.lines, size.width, size.height)), no_wrap=True,
                    overflow="ellipsis")


MARK_CELLS = 3  # the mark column: 1 cell and its padding


def fit_widths(columns: Sequence[str], rows: Sequence[Sequence[str]], room: int,
               narrow: Sequence[str] = ()) -> list[int | None]:
    """Column widths for ``room`` cells: each column as wide as its longest cell (plus 2 of
    padding). Too wide: the widest columns give way down to their longest word (their cells
    wrap between words); still too wide, whole columns are left out (None): ``narrow`` first,
    then from the right, never the first. A code is never cut at the screen's edge."""
    widths: list[int | None] = [
        max([len(name), *(len(r[i]) for r in rows if i < len(r))])
        for i, name in enumerate(columns)]
    floor = [max([len(name), *(len(word) for r in rows if i < len(r)
                               for word in r[i].split(" "))])
             for i, name in enumerate(columns)]

    def over() -> int:
        return MARK_CELLS + sum(w + 2 for w in widths if w is not None) - room

    while over() > 0:
        give = [i for i, w in enumerate(widths) if w is not None and w > floor[i]]
        if not give:
            break
        widest = max(give, key=lambda i: widths[i] or 0)
        widths[widest] = max(floor[widest], (widths[widest] or 0) - over())
    order = [columns.index(n) for n in narrow if n in columns]
    order += [i for i in range(len(columns) - 1, 0, -1) if i not in order]
    for i in order:
        if over() <= 0:
            break
        widths[i] = None
    return widths


class LinesTable(DataTable):
    """The workflow's lines; the first column marks done/short/current rows. Columns fit
    the width (``fit_widths``); a list longer than the screen scrolls to the current row.

    Every change to a ``DataTable`` empties its render caches (their keys hold a count of
    updates), so each scan would render every visible cell through Rich again. This table
    also keeps each rendered line by what the line shows (the row's cells, state and height,
    the columns, where it is, the styles): a row that looks as it did, in this scan or an
    earlier one, is drawn from that cache."""

    can_focus = False
    HEADER = ("header",)  # what the header row shows, beside the columns (``_layout``)

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, show_cursor=False, zebra_stripes=False)
        self._layout: tuple = ()  # (columns, widths) the table's columns were built for
        self._shown: tuple = ((), (), ())  # the last show() arguments, for a new width
        self._width = 0
        self._room = 0  # the width the rows were last fitted to
        self._row_content: dict[RowKey, tuple] = {}  # what each row shows
        self._drawn: LRUCache[tuple, Strip] = LRUCache(512)  # lines by what they show

    def show(self, columns: Sequence[str], lines: Sequence[Line],
             narrow: Sequence[str] = ()) -> None:
        columns, lines, narrow = tuple(columns), tuple(lines), tuple(narrow)
        room = self.size.width or self.app.size.width
        if (columns, lines, narrow) == self._shown and room == self._room:
            return  # unchanged: no rebuild, no relayout
        self._shown, self._room = (columns, lines, narrow), room
        rows = [[visible(c, 60) for c in line.cells[: len(columns)]] for line in lines]
        widths = fit_widths(columns, rows, room - 1,
                            narrow)
        kept = [i for i, w in enumerate(widths) if w is not None]
        if (columns, tuple(widths)) != self._layout:
            self.clear(columns=True)
            self.add_column(Text(""), key="_mark", width=1)
            for i in kept:
                self.add_column(Text(visible(columns[i], 40), style="bold"), width=widths[i])
            self._layout = (columns, tuple(widths))
        else:
            self.clear()
        self._row_content.clear()
        current, y = None, 0
        for line, row in zip(lines, rows, strict=True):
            style = ROW_STYLE.get(line.state, "")
            row = row + [""] * (len(columns) - len(row))
            cells = [Text(ROW_MARK.get(line.state, " "), style=style)]
            cells += [Text(row[i], style=style, overflow="fold") for i in kept]
            tall = max([1, *(len(wrap_codes(row[i], widths[i] or 1)) for i in kept)])
            key = self.add_row(*cells, height=tall)
            self._row_content[key] = (line.state, tuple(row[i] for i in kept), tall)
            if line.state == "current" and current is None:
                current = y
            y += tall
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
        if self.container_size:
            # the scroll bar shown or hidden for the new rows now, in this update's layout;
            # found only by that layout, it would ask for a second one
            self._refresh_scrollbars()

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        """``DataTable._render_line``, kept by what the line shows (see the class)."""
        try:
            row_key, line = self._get_offsets(y)
        except LookupError:
            return super()._render_line(y, x1, x2, base_style)
        content = (self.HEADER if row_key is self._header_row_key
                   else self._row_content.get(row_key))
        if content is None:
            return super()._render_line(y, x1, x2, base_style)
        key = (content, self._layout, line, self._row_locations.get(row_key), y, x1, x2,
               self.size.width, self.cursor_coordinate, self.hover_coordinate, base_style,
               self.cursor_type, self.show_cursor, self._show_hover_cursor,
               self._pseudo_class_state)
        strip = self._drawn.get(key)
        if strip is None:
            strip = self._drawn[key] = super()._render_line(y, x1, x2, base_style)
        return strip

    def notify_style_update(self) -> None:
        self._drawn.clear()  # a new theme or CSS: lines drawn before are not these
        super().notify_style_update()

    def on_resize(self, event: events.Resize) -> None:
        """A new width fits the columns again (a new height only scrolls)."""
        if event.size.width != self._width:
            self._width = event.size.width
            if self._shown[0]:
                self.show(*self._shown)


HINT_BREAK = re.compile(r"\s{2,}| (?=(?:[a-z0-9]|Esc|Enter|1-\d) [A-Z])")


def fit_hint(hint: str, width: int) -> str:
    """``hint`` cut to ``width`` between two hints ("d Done", "1-6 or scan a card"), never
    in the middle of one."""
    if len(hint) <= width:
        return hint
    ends = [m.start() for m in HINT_BREAK.finditer(hint) if m.start() <= width]
    return hint[: ends[-1]] if ends else hint[:width]


class KeyHints(Widget, can_focus=True):
    """The footer hint line; it holds focus so single keys (d, s, u, y, n, digits) reach the
    screen instead of building a typed scan. On a narrow screen whole hints are left out
    from the right, never cut mid-word."""

    hint: reactive[str] = reactive("", layout=False)

    def render(self) -> Text:
        width = self.content_size.width
        return Text(fit_hint(self.hint, width) if width else self.hint, no_wrap=True)


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
