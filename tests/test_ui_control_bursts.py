"""Issue 11 item 2: control characters inside a scanner burst never act as keys.

Textual's parser swallows the ESC of ``ESC ]52;c;aGk= BEL`` and hands the app the rest as
keys (``]``, ``5``, ... ``k``, ``=``, ``ctrl+g``) at one instant: a burst. The whole burst is
one scan, journaled as it came and refused with its reason; nothing of it is a key command,
nothing is left to glue onto the next scan.
"""

from __future__ import annotations

import pytest
from textual import events

from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.journal import read_journal
from scanner_tui.ui.floor_screens import MenuScreen, WorkflowScreen
from tests.test_ui_support import SCANNER_STEP, floor_app, key_event, last, scan, settle


@pytest.fixture
def demo(engine):
    build_demo(engine)
    return engine


def terminal_keys(app, text: str, start: float) -> None:
    """Post ``text`` as the keys Textual's parser makes of it (C0 controls as ``ctrl+x``)."""
    t = start
    for ch in text:
        if ord(ch) < 0x20 and ch not in "\r\n\t\x1d":
            event = events.Key(f"ctrl+{chr(ord(ch) + 0x60)}", ch)
            event.time = t
        else:
            event = key_event(ch, t)
        app.post_message(event)
        t += SCANNER_STEP


def parsed(data: str) -> str:
    """What Textual 8's parser hands on of terminal bytes: ESC sequences lose their ESC."""
    from textual._xterm_parser import XTermParser

    parser = XTermParser()
    keys = list(parser.feed(data)) + list(parser.feed(""))
    return "".join(k.character or "" for k in keys if isinstance(k, events.Key))


def journal_payloads(engine) -> list[str]:
    return [row["payload"] for row in read_journal(engine)]


@pytest.mark.parametrize("burst", ["\x1b]52;c;aGk=\x07", "\x1b]0;dy\x07"])
async def test_escape_burst_on_a_quantity_prompt_is_one_refused_scan(demo, db_url, burst):
    from textual._time import get_time

    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001", "CMD:PICK", "SO-1001", "A01-A-01", "CABLE-TIE-100")
        screen = app.screen
        assert isinstance(screen, WorkflowScreen) and screen.snapshot.question is not None
        before = len(read_journal(demo))
        keys = parsed(burst + "\r")
        assert "\x1b" not in keys  # the terminal ate the ESC: only the keys after it come
        terminal_keys(app, keys, get_time())
        await settle(app, pilot)
        rows = read_journal(demo)[before:]
        assert [r["payload"] for r in rows] == [keys], rows  # one scan, whole
        assert rows[0]["accepted"] is False and "control characters" in rows[0]["reason"]
        assert not last(app).accepted
        assert screen.snapshot.question is not None  # no SKIP, no DONE: still asking
        assert screen.query_one("#input").value == ""  # nothing typed into the field
        await scan(app, pilot, "A01-A-02")
        assert journal_payloads(demo)[-1] == "A01-A-02\r"  # nothing glued on


async def test_escape_burst_on_the_menu_opens_nothing(demo, db_url):
    from textual._time import get_time

    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001")
        assert isinstance(app.screen, MenuScreen)
        keys = parsed("\x1b]52;c;aGk=\x07")  # no suffix: still one scan
        terminal_keys(app, keys, get_time())
        await settle(app, pilot)
        assert isinstance(app.screen, MenuScreen)  # the 5 did not open Look-up
        assert journal_payloads(demo)[-1] == keys
        assert not last(app).accepted
        await scan(app, pilot, "CMD:PICK")
        assert journal_payloads(demo)[-1] == "CMD:PICK\r"
        assert last(app).accepted
