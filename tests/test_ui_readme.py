"""README "On the floor", followed to the letter on the demo warehouse (the real app, headless):
sign in by typing the badge, pick SO-1001 to shipped, receive R-1001, undo a move, sign out."""

from __future__ import annotations

import pytest

from scanner_tui.inventory.demo import build_demo
from scanner_tui.ui.floor_screens import MenuScreen, SignInScreen, WorkflowScreen
from tests.test_ui_support import (
    assert_verified,
    floor_app,
    last,
    one,
    press,
    scan,
    screen_text,
    settle,
    type_slowly,
)


@pytest.fixture
def demo(engine):
    build_demo(engine)
    yield engine
    assert_verified(engine)


async def test_readme_walkthrough(demo, db_url):
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        assert isinstance(app.screen, SignInScreen)
        await type_slowly(app, pilot, "OP-0001")  # no scanner: typed, then Enter
        await press(app, pilot, "enter")
        assert isinstance(app.screen, MenuScreen)
        assert "2 Pick" in screen_text(app) and "6 Scan anything" in screen_text(app)
        await press(app, pilot, "2")
        assert "1  SO-1001" in screen_text(app)
        await press(app, pilot, "1")
        assert "Scan bin A01-A-01" in screen_text(app)
        await scan(app, pilot, "A01-A-01", "5901234100281")
        assert "How many CABLE-TIE-100? (Enter: 1)" in screen_text(app)
        await press(app, pilot, "enter")
        assert "Scan bin A01-B-03" in screen_text(app)
        await scan(app, pilot, "A01-B-03")
        assert "Scan LAPTOP-14 unit" in screen_text(app)
        await scan(app, pilot, "AT00000003")
        assert last(app).text == ("AT00000003 is in A01-B-04, not in A01-B-03; put it back "
                                  "and take the LAPTOP-14 in A01-B-03.")
        await scan(app, pilot, "AT00000002")
        assert "Is A01-B-03 empty now?" in screen_text(app)
        await press(app, pilot, "y")
        assert "Scan a staging bin" in screen_text(app)
        await scan(app, pilot, "ST01-A-01")
        assert "Scan CMD:DONE to ship" in screen_text(app)
        await press(app, pilot, "d")
        assert one(demo, "SELECT status FROM orders WHERE code = 'SO-1001'") == "shipped"
        await press(app, pilot, "escape")
        assert isinstance(app.screen, MenuScreen)

        # undo a move
        await scan(app, pilot, "CMD:MOVE", "AT00000003", "A03-A-01")
        assert last(app).text == "AT00000003 (LAPTOP-14) is now in A03-A-01."
        await press(app, pilot, "u")
        assert last(app).accepted and "Undone" in last(app).text
        await press(app, pilot, "escape", "escape")
        assert isinstance(app.screen, MenuScreen)
        await press(app, pilot, "0")
        assert "Shift summary" in screen_text(app)

        # receive as Ben
        await scan(app, pilot, "OP-0002")
        await press(app, pilot, "1")
        assert isinstance(app.screen, WorkflowScreen) and "1 R-1001" in screen_text(app)
        await press(app, pilot, "1")
        await scan(app, pilot, "5901234100007")
        await type_slowly(app, pilot, "LT2611C")
        await press(app, pilot, "enter")
        await scan(app, pilot, "AT00000013", "AT00000014", "AT00000099")
        assert not last(app).accepted and "not on the ship notice" in last(app).text
        await scan(app, pilot, "5901234100281")
        await press(app, pilot, "5", "0", "enter")
        await press(app, pilot, "d")
        text = screen_text(app)
        assert "Missing: AT00000015" in text and "Short: LAPTOP-14 2/4" in text
        assert one(demo, "SELECT sum(qty) FROM stock st JOIN bin b ON b.id = st.bin_id "
                         "WHERE b.code = 'DK01-A-01'") == 50
        await settle(app, pilot)
