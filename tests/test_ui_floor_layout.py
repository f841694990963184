"""Issue 11 item 16: the floor screens as found on the demo store at 40x16 and 30x10 (Pilot,
scans as key bursts): what each screen says, and that the instruction, the answer and the
footer stay visible."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import text

from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.counting import plan_count
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.operations import receive
from scanner_tui.ui import floor_screens
from scanner_tui.ui.floor_screens import MenuScreen
from tests.test_ui_support import assert_verified, floor_app, last, press, scan, screen_text
from tests.test_wf_pick import add_order
from tests.workflow_helpers import gtin


@pytest.fixture
def demo(engine):
    build_demo(engine)
    yield engine
    assert_verified(engine)


def rows(app) -> list[str]:
    return screen_text(app).split("\n")


def footer_docked(app) -> bool:
    """The key hints and the scanner's status are the last two rows."""
    shown = rows(app)
    return shown[-1].strip().startswith(("Ready", "Scanner")) and \
        bool(re.match(r"^ ?(\d|[a-z] |Esc|Enter|Type|Or type)", shown[-2]))


async def pick_all(app, pilot, engine) -> None:
    """Walk the open order's plan: each bin, its unit or product (Enter takes the default)."""
    wf = app.screen.handler.workflow
    while wf.plan is not None and wf.plan.tasks:
        task = wf.plan.tasks[0]
        await scan(app, pilot, task.bin)
        if task.tracking == "serial":
            with engine.connect() as conn:
                serial = conn.execute(text(
                    "SELECT a.serial FROM asset a JOIN bin b ON a.bin_id = b.id JOIN sku s ON "
                    "s.id = a.sku_id WHERE b.code = :b AND s.code = :s AND a.status = "
                    "'in_stock' ORDER BY a.serial"), {"b": task.bin, "s": task.sku}).scalar()
            await scan(app, pilot, serial)
        else:
            await scan(app, pilot, gtin(engine, task.sku))
            await press(app, pilot, "enter")
        if app.screen.snapshot.question is not None:  # "is the bin empty now?"
            await press(app, pilot, "y")


def test_counted_and_sentence():
    from scanner_tui.text import counted, sentence

    assert [counted(n, "unit") for n in (0, 1, 2)] == ["0 units", "1 unit", "2 units"]
    assert counted(-1, "unit", signed=True) == "-1 unit"
    assert counted(3, "unit", signed=True) == "+3 units"
    assert sentence("Finish with 1 short?") == "Finish with 1 short?"
    assert sentence("Scan a bin") == "Scan a bin."


async def test_shipped_summary_once_and_serials_whole(demo, db_url):
    """"Order ... shipped" printed twice; "Line 1 LAPTOP-14: AT00000001," cut at 40."""
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001", "CMD:PICK", "SO-1001")
        await pick_all(app, pilot, demo)
        await scan(app, pilot, "ST01-A-02")
        await press(app, pilot, "d")
        shown = screen_text(app)
        assert last(app).accepted and "shipped" in last(app).text, last(app).text
        assert shown.count("shipped") == 1, shown
        assert "AT00000001" in shown and "AT00000002" in shown, shown
        assert footer_docked(app), shown


async def test_staging_one_unit_says_unit(demo, db_url):
    """"(1 units moved)": a count is said singular or plural."""
    add_order(demo, "SO-2020", ("LAPTOP-16", 1))
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001", "CMD:PICK", "SO-2020")
        await pick_all(app, pilot, demo)
        await scan(app, pilot, "ST01-A-02")
        assert "(1 unit moved)" in last(app).text, last(app).text


async def test_pick_says_what_to_take_and_no_double_punctuation(demo, db_url):
    """"Scan USB-C-1M (2 here)" read as the bin's stock; "Finish with 3 short?."."""
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001", "CMD:PICK", "CC-1002", "A02-B-02")
        shown = screen_text(app)
        assert "Take 2 of USB-C-1M" in shown and "here)" not in shown, shown
        await scan(app, pilot, "CMD:DONE")
        assert "Finish with 3 short?" in screen_text(app)
        await scan(app, pilot, "A01-A-01")  # not the answer: the question repeated
        assert "?." not in last(app).text and ".." not in last(app).text, last(app).text


async def test_blind_receiving_of_nothing_says_one_full_stop(demo, db_url):
    """"Receiving done: Nothing received.." (a sibling of "short?.")."""
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0002", "CMD:RECEIVE")
        await press(app, pilot, "k", "d")
        said = last(app)
        assert said.accepted and "Nothing received" in said.text, said.text
        assert ".." not in said.text and "?." not in said.text, said.text


async def test_over_long_payload_told_its_real_reason(demo, db_url):
    """An over-long scan was answered "Typing is not used here" / "not a bin of this
    store": it is told the codes validator's sentence, on every screen."""
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "X" * 120)  # on the sign-in screen
        assert "is 120 characters long; at most 64 are allowed" in last(app).text
        await scan(app, pilot, "OP-0001")
        for where in ("", "CMD:LOOKUP", "CMD:PICK", "CMD:MOVE", "CMD:SCAN"):
            if where:
                await scan(app, pilot, where)
            await scan(app, pilot, "X" * 120)
            said = last(app)
            assert not said.accepted and said.bell, said
            assert "is 120 characters long; at most 64 are allowed" in said.text, said.text
            if where:
                await press(app, pilot, "escape", "escape")


async def test_a_warning_is_marked_not_ticked_and_does_not_ring(demo, db_url):
    """"✔ Over-receipt" showed a tick with a bell: a tick only for success, a bell only for
    a refusal (one mapping)."""
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0002", "CMD:RECEIVE", "R-1001", gtin(demo, "CABLE-TIE-100"))
        bells = app.feedback.bells
        await press(app, pilot, "6", "0", "enter")
        said, shown = last(app), screen_text(app)
        assert said.accepted and "Over-receipt" in said.text
        assert not said.bell and app.feedback.bells == bells
        assert "! Over-receipt" in shown and "✔ Over-receipt" not in shown, shown
        assert "Receive 10 over?" in shown, shown  # the excess (49 fit), not the 59 typed
        await scan(app, pilot, "NOT-A-CODE-1")  # a refusal rings
        assert app.feedback.bells == bells + 1 and "✘" in screen_text(app)


async def test_menu_forgets_the_task_answer(demo, db_url):
    """Old answers lingered on the menu after leaving a task."""
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001", "CMD:LOOKUP", "NOPE-NOPE")
        await press(app, pilot, "escape")
        assert isinstance(app.screen, MenuScreen)
        shown = screen_text(app)
        assert "✘" not in shown and "✔" not in shown and "Ana Picker" in shown, shown


async def test_putaway_to_column_is_whole(demo, db_url):
    """The Putaway "To" column was cut to "A01-" at 40 columns."""
    receive(demo, actor=Actor("OP-0002", "DOCK", "receiver"), scan_id="rcv-ties",
            bin="DK01-A-01", sku="CABLE-TIE-100", qty=12)
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001", "CMD:PUTAWAY", gtin(demo, "CABLE-TIE-100"))
        view = app.screen.snapshot.view
        to = view.lines[0].cells[-1]
        assert re.fullmatch(r"[A-Z]\d\d-[A-Z]-\d\d", to), view.lines
        shown = screen_text(app)
        row = next(r for r in rows(app) if "▶" in r)  # the table's current row
        assert re.search(rf"DK01-A-01\s+{to}\b", row), shown
        assert "CABLE-TIE-100" in shown and "CABLE-TI…" not in shown, shown


async def test_putaway_last_line_keeps_the_bin_whole(demo, db_url):
    """A sibling of the cut "To" column: "Last: 1200 of CABLE-TIE-100 in R01-A-01" was cut
    to 38 characters by the view, mid-code."""
    receive(demo, actor=Actor("OP-0002", "DOCK", "receiver"), scan_id="rcv-many",
            bin="DK01-A-01", sku="CABLE-TIE-100", qty=1200)
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001", "CMD:PUTAWAY", gtin(demo, "CABLE-TIE-100"))
        await press(app, pilot, "enter")
        await scan(app, pilot, "R01-A-01")
        assert last(app).accepted, last(app).text
        assert "Last: 1200 of CABLE-TIE-100 in R01-A-01" in app.screen.snapshot.view.context
        assert "R01-A-01" in screen_text(app).split("Last:")[1], screen_text(app)


async def test_empty_count_lists_planned_bins_footer_at_the_bottom(demo, db_url):
    """The empty Count screen drew the footer mid-screen and never listed the bins planned."""
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001", "CMD:COUNT")
        assert footer_docked(app), screen_text(app)
        assert "No bins planned" in screen_text(app)
    plan_count(demo, actor=Actor("OP-0003", "DESK", "supervisor"),
               bins=["A02-A-03", "A01-A-02"])
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001", "CMD:COUNT")
        shown = screen_text(app)
        assert "A01-A-02" in shown and "A02-A-03" in shown and "2 bins to count" in shown, \
            shown
        assert footer_docked(app), shown


async def test_lookup_after_a_refusal_keeps_the_footer_down(demo, db_url):
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001", "CMD:LOOKUP", "NOPE-NOPE")
        assert not last(app).accepted
        assert footer_docked(app), screen_text(app)


@pytest.mark.parametrize("task", ["CMD:RECEIVE", "CMD:PUTAWAY", "CMD:PICK", "CMD:MOVE",
                                  "CMD:COUNT", "CMD:LOOKUP", "CMD:RETURNS", "CMD:COUNTS"])
async def test_30x10_keeps_instruction_answer_and_footer(demo, db_url, task):
    """At 30x10 the prompt and the footer scrolled away."""
    app = floor_app(demo, db_url)
    async with app.run_test(size=(30, 10)) as pilot:
        await scan(app, pilot, "OP-0003", task, "NOPE-NOPE")
        screen = app.screen
        instruction = screen.snapshot.view.instruction if screen.snapshot.view else ""
        shown = screen_text(app)
        assert all(word in shown for word in instruction.split()), shown
        assert "✘" in shown, shown
        assert footer_docked(app), shown
        assert screen.scroll_offset.y == 0


def test_one_meaning_per_key_letter():
    """`d` meant Recount on the approval screen and Done elsewhere."""
    hints = [*floor_screens.HINT_BY_TASK.values(), floor_screens.HINT_WORK,
             floor_screens.HINT_YESNO, floor_screens.HINT_QTY, floor_screens.HINT_CHOICE]
    meaning: dict[str, set[str]] = {}
    for hint in hints:
        for key, word in re.findall(r"(?:^|\s)([a-z]) ([A-Z][a-z]+)", hint):
            meaning.setdefault(key, set()).add(word)
    assert {k: w for k, w in meaning.items() if len(w) > 1} == {}
    assert meaning["d"] == {"Done"}
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for key, (word,) in meaning.items():  # the README's key table names the same word
        row = re.search(rf"^   \| [^|]*`{key}`[^\n]*", readme, re.M)
        assert row is not None and f"{word}" in row.group(), (key, word)


def test_fitting_never_cuts_a_code():
    """Tables, context and key hints give way whole: a wrapped column, a left-out column,
    "+N more", a hint left out; never a code cut at the edge."""
    from scanner_tui.ui.floor_widgets import fit_hint, fit_rows, fit_widths

    rows = [["12 CABLE-TIE-100", "DK01-A-01", "A01-A-01"]]
    assert fit_widths(("Item", "From", "To"), rows, 39) == [13, 9, 8]  # the item wraps
    assert fit_widths(("Item", "From", "To"), rows, 29, narrow=("From",)) == [13, None, 8]
    serials = ["SO-1001 line 1 LAPTOP-14: " + ", ".join(f"AT0000000{n}" for n in range(1, 10))]
    shown = fit_rows(serials, 38, 3)
    assert shown[-1].endswith("more") and all(len(r) <= 38 for r in shown), shown
    assert all(re.fullmatch(r"AT\d{8},?", w) for r in shown[1:] for w in r.split()
               if w.startswith("AT")), shown
    assert fit_rows(["Priya Natarajan · ship-from-store", "Go to A01"], 28, 1) == \
        ["Priya Natarajan · +2 more"]
    assert fit_rows(["1 DAMAGED  2 WRONG  3 UNWANTED"], 24, 3) == ["1 DAMAGED  2 WRONG",
                                                                "3 UNWANTED"]
    assert fit_hint("d Done s Short u Undo t Type Esc Back", 28) == "d Done s Short u Undo t Type"
    assert fit_hint("1-6 or scan a card  0 Sign out", 25) == "1-6 or scan a card"
