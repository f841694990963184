"""Issue 11 item 15: a floor terminal shows only the app's own keys (no Textual command
palette on Ctrl+P, no "^p palette" in a footer)."""

from __future__ import annotations

import pytest
from textual.command import CommandPalette

from scanner_tui.inventory.demo import build_demo
from scanner_tui.ui.floor_screens import FloorScanScreen, MenuScreen, WorkflowScreen
from tests.test_ui_support import floor_app, press, scan, screen_text


@pytest.fixture
def demo(engine):
    build_demo(engine)
    return engine


def no_textual_keys(app) -> None:
    text = screen_text(app)
    assert "palette" not in text and "^p" not in text, text
    assert "ctrl+p" not in app.active_bindings


async def test_no_command_palette_or_textual_footer_on_floor_screens(demo, db_url):
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001")
        assert isinstance(app.screen, MenuScreen)
        await press(app, pilot, "ctrl+p")
        assert not isinstance(app.screen, CommandPalette) and isinstance(app.screen, MenuScreen)
        no_textual_keys(app)
        await press(app, pilot, "6")  # Scan anything, from the menu
        assert isinstance(app.screen, FloorScanScreen)
        no_textual_keys(app)
        assert "Esc Back" in screen_text(app)  # the app's own key hint
        await press(app, pilot, "escape")
        await scan(app, pilot, "CMD:PICK")
        assert isinstance(app.screen, WorkflowScreen)
        await press(app, pilot, "ctrl+p")
        assert isinstance(app.screen, WorkflowScreen)
        no_textual_keys(app)
