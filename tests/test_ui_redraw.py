"""Issue 13's UI cost a scan: what looks as before is not drawn again. The lines table draws
a row through Rich only when the row looks different from every time it was drawn before
(``LinesTable._render_line``): a pick list where one line moved on redraws that line, not the
list; the same answer again costs no layout. Counted, not timed; and what is on screen is
what a freshly built widget shows."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import DataTable

from scanner_tui.ui.floor_widgets import Answer, LinesTable
from scanner_tui.workflows.base import Line, Outcome

COLUMNS = ("Bin", "Item", "Qty")
PICK = (Line(("A01-A-01", "CABLE-TIE-100", "4"), "current"),
        Line(("A01-A-02", "MUG-01", "2")),
        Line(("A01-B-02", "LAPTOP-14", "1")),
        Line(("A02-A-04", "LAPTOP-16", "1")))
PICKED_ONE = (Line(("A01-A-01", "CABLE-TIE-100", "4"), "done"),
              Line(("A01-A-02", "MUG-01", "2"), "current"),
              *PICK[2:])


class OneTable(App):
    def compose(self) -> ComposeResult:
        yield LinesTable(id="lines")


def table_text(app: App) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def shown(lines: tuple[Line, ...]) -> str:
    app = OneTable()
    async with app.run_test(size=(40, 16)) as pilot:
        app.query_one(LinesTable).show(COLUMNS, lines)
        await pilot.pause()
        return table_text(app)


async def test_only_the_rows_that_changed_are_drawn_again(monkeypatch):
    drawn: list[int] = []
    render_line = DataTable._render_line

    def counted(self, y, *args):  # noqa: ANN001, ANN202
        drawn.append(y)
        return render_line(self, y, *args)

    monkeypatch.setattr(DataTable, "_render_line", counted)
    app = OneTable()
    async with app.run_test(size=(40, 16)) as pilot:
        table = app.query_one(LinesTable)
        table.show(COLUMNS, PICK)
        await pilot.pause()
        assert sorted(set(drawn)) == [0, 1, 2, 3, 4]  # the header and four rows
        drawn.clear()
        table.show(COLUMNS, PICKED_ONE)  # the first line done, the second current
        await pilot.pause()
        assert sorted(set(drawn)) == [1, 2]
        after_pick = table_text(app)
        drawn.clear()
        table.show(COLUMNS, PICK)  # back as it was (an undo): drawn before, not again
        await pilot.pause()
        assert drawn == []
        undone = table_text(app)
    assert after_pick == await shown(PICKED_ONE)
    assert undone == await shown(PICK)


class OneAnswer(App):
    def compose(self) -> ComposeResult:
        yield Answer(id="answer")


async def test_the_same_answer_again_is_not_laid_out_again(monkeypatch):
    updates: list[str] = []
    update = Answer.update

    def counted(self, content="", **kwargs):  # noqa: ANN001, ANN202
        updates.append(str(content))
        return update(self, content, **kwargs)

    monkeypatch.setattr(Answer, "update", counted)
    app = OneAnswer()
    async with app.run_test(size=(40, 16)) as pilot:
        answer = app.query_one(Answer)
        refused = Outcome.refuse("Not in this order: A01-A-02")
        answer.show(refused)
        answer.show(refused)  # scanned again, refused again
        await pilot.pause()
        assert updates == ["✘ Not in this order: A01-A-02"]
        assert answer.has_class("rejected") and not answer.has_class("accepted")
        answer.show(Outcome.ok("Picked 1"))
        answer.show(None, "Signed out. Next badge, please.")
        await pilot.pause()
        assert len(updates) == 3
        assert not answer.classes  # a note, in no outcome's style
