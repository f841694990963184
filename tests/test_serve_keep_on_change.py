"""The kept app writes its terminal's row when the screen changes (sign-in, a task opened,
back to the menu, signed out), not on a timer: an idle terminal's UI thread sleeps until the
claim check (``CLAIM_EVERY``) instead of waking twice a second (issue 13's idle cost)."""

from __future__ import annotations

import asyncio

import pytest

import scanner_tui.serve.kept_app as kept_module
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.sessions import load_session
from tests.test_serve_app import kept_app
from tests.test_ui_support import press, scan, settle


@pytest.fixture
def demo(engine):
    build_demo(engine)
    return engine


async def written(app, pilot) -> None:
    """The pipeline's queued writes done (no waiting for any timer)."""
    await settle(app, pilot)
    await asyncio.sleep(0.05)
    await settle(app, pilot)


async def test_each_screen_change_is_kept_without_a_timer(demo, db_url, monkeypatch):
    monkeypatch.setattr(kept_module, "CLAIM_EVERY", 3600.0)  # no tick during the test
    monkeypatch.setattr(kept_module, "KEEP_EVERY", 3600.0, raising=False)
    app = kept_app(demo, db_url, "DOCK-1")
    async with app.run_test(size=(40, 16)) as pilot:
        await written(app, pilot)
        await press(app, pilot, "5")  # nobody signed in: nothing opens
        await scan(app, pilot, "OP-0001")
        await written(app, pilot)
        assert (load_session(demo, "DOCK-1").badge, load_session(demo, "DOCK-1").task) == (
            "OP-0001", "")
        await press(app, pilot, "5")  # Look-up: no scan yet, the screen alone changed
        await written(app, pilot)
        assert load_session(demo, "DOCK-1").task == "lookup"
        await press(app, pilot, "escape")  # back to the menu
        await written(app, pilot)
        assert load_session(demo, "DOCK-1").task == ""


async def test_an_idle_kept_app_has_no_timer_quicker_than_the_claim_check(demo, db_url):
    app = kept_app(demo, db_url, "DOCK-1")
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001")
        await press(app, pilot, "5")
        await written(app, pilot)
        timers = [t for node in (app, *app.screen.walk_children(with_self=True))
                  for t in node._timers  # running intervals (paused: Textual's refresh)
                  if t._repeat is None and t._active.is_set() and not t._task.done()]
        assert timers and min(t._interval for t in timers) >= kept_module.CLAIM_EVERY
