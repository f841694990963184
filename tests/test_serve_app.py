"""The app that keeps its place in the store: resume within [serve] resume_minutes, badge
claims with the question, the row written after scans (headless, 40x16)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, text

from scanner_tui.config import Config, DatabaseConfig, TerminalConfig
from scanner_tui.inventory import claims
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.models import Operator
from scanner_tui.inventory.sessions import load_session
from scanner_tui.serve.kept_app import ClaimQuestionScreen, KeptApp, task_of
from scanner_tui.ui.floor_screens import MenuScreen, SignInScreen, WorkflowScreen
from tests.test_ui_support import press, scan, screen_text, settle


@pytest.fixture
def demo(engine):
    build_demo(engine)
    return engine


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def kept_app(engine, db_url: str, terminal: str, clock=None, **kw) -> KeptApp:
    cfg = Config(database=DatabaseConfig(url=db_url), terminal=TerminalConfig(id=terminal))
    return KeptApp(cfg, engine, clock=clock, tz=UTC, **kw)


async def kept(app: KeptApp, pilot) -> None:
    """Until the keeper has written the terminal's row for the badge and task on screen (a
    wait on the row, not a fixed time: on a loaded host the first read of the kept row can
    come late, and the keeper writes only after it)."""
    for _ in range(200):
        await settle(app, pilot)  # (the write itself runs on the scan pipeline)
        badge = app.session.who.badge if app.session is not None else ""
        if app.resume_checked and app.kept == (badge, task_of(app.screen_stack)[0]):
            await settle(app, pilot)
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the terminal's row was not written within 10 s ({app.kept=}, "
                         f"{badge=}, {app.resume_checked=})")


async def resumed(app: KeptApp, pilot) -> None:
    """Let a restarted app take its kept place back; it is in the task again."""
    await settle(app, pilot)
    await pilot.pause(0.2)
    await settle(app, pilot)
    assert app.resumed and isinstance(app.screen, WorkflowScreen)


async def order_scanned_in_pick(engine, db_url: str, badge: str) -> str:
    """``badge`` signs in on DOCK-1, opens Pick and scans SO-1001; the place is kept and the
    app ends (the link drops). The screen it showed."""
    app = kept_app(engine, db_url, "DOCK-1")
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, badge)
        await press(app, pilot, "2")
        await scan(app, pilot, "SO-1001")
        shown = screen_text(app)
        await kept(app, pilot)
    return shown


async def test_reconnect_comes_back_signed_in_in_the_task(demo, db_url):
    app = kept_app(demo, db_url, "DOCK-1")
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001")
        await press(app, pilot, "2")
        assert isinstance(app.screen, WorkflowScreen)
        await kept(app, pilot)
    row = load_session(demo, "DOCK-1")
    assert (row.badge, row.task, row.last_scan) == ("OP-0001", "pick", "OP-0001")
    assert row.state["screen"] == "WorkflowScreen"

    again = kept_app(demo, db_url, "DOCK-1")
    async with again.run_test(size=(40, 16)) as pilot:
        await resumed(again, pilot)
        assert "OP-0001" in screen_text(again) and "Pick" in screen_text(again)
        await scan(again, pilot, "SO-1001")  # scans carry the badge without a new sign-in
        assert again.pipeline.operator == "OP-0001"


async def test_after_resume_minutes_the_badge_is_needed_again(demo, db_url):
    clock = Clock()
    app = kept_app(demo, db_url, "DOCK-1", clock=clock)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001")
        await kept(app, pilot)
    clock.now += timedelta(minutes=16)
    later = kept_app(demo, db_url, "DOCK-1", clock=clock, resume_minutes=15)
    async with later.run_test(size=(40, 16)) as pilot:
        await pilot.pause(0.2)
        await settle(later, pilot)
        assert not later.resumed and isinstance(later.screen, SignInScreen)


async def test_a_badge_signed_in_elsewhere_asks_and_takes_it_on_yes(demo, db_url):
    claims.claim(demo, "badge", "OP-0001", terminal="T1", badge="OP-0001")
    app = kept_app(demo, db_url, "T2")
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001")
        assert isinstance(app.screen, ClaimQuestionScreen)
        assert "OP-0001 is signed in on T1; sign" in screen_text(app)
        await scan(app, pilot, "A01-A-01")  # only the answer answers
        assert isinstance(app.screen, ClaimQuestionScreen)
        await press(app, pilot, "n")
        assert isinstance(app.screen, SignInScreen)
        assert claims.holder(demo, "badge", "OP-0001").terminal == "T1"
        await scan(app, pilot, "OP-0001")
        await scan(app, pilot, "CMD:YES")  # the card answers as well as the key
        assert isinstance(app.screen, MenuScreen)
        assert claims.holder(demo, "badge", "OP-0001").terminal == "T2"


async def test_the_terminal_whose_badge_was_taken_is_signed_out(demo, db_url, monkeypatch):
    import scanner_tui.serve.kept_app as kept_module

    monkeypatch.setattr(kept_module, "CLAIM_EVERY", 1.0)
    app = kept_app(demo, db_url, "T1")
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001")
        assert isinstance(app.screen, MenuScreen)
        claims.take_over(demo, "badge", "OP-0001", terminal="T2", badge="OP-0001")
        await asyncio.sleep(1.6)  # (checked every CLAIM_EVERY seconds)
        await settle(app, pilot)
        assert isinstance(app.screen, SignInScreen)
        assert "Ana Picker signed in on T2;" in screen_text(app)
        assert claims.holder(demo, "badge", "OP-0001").terminal == "T2"


async def test_sign_out_releases_the_badge(demo, db_url):
    app = kept_app(demo, db_url, "T1")
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001")
        await kept(app, pilot)
        await scan(app, pilot, "CMD:LOGOUT")
        await kept(app, pilot)
        assert claims.holder(demo, "badge", "OP-0001") is None
    assert load_session(demo, "T1").badge == ""


async def test_a_badge_left_on_a_terminal_gone_past_resume_minutes_is_taken_without_asking(
        demo, db_url):
    from scanner_tui.inventory.sessions import save_session

    old = datetime.now(UTC) - timedelta(minutes=40)
    save_session(demo, "T1", badge="OP-0001", task="pick", now=old)
    claims.claim(demo, "badge", "OP-0001", terminal="T1", badge="OP-0001", now=old)
    app = kept_app(demo, db_url, "T2", resume_minutes=15)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001")
        assert isinstance(app.screen, MenuScreen)
        assert claims.holder(demo, "badge", "OP-0001").terminal == "T2"


async def test_a_hang_up_answers_the_scans_already_read_then_ends(demo, db_url):
    import os
    import signal

    from scanner_tui.inventory.journal import read_journal
    from tests.test_ui_support import burst

    app = kept_app(demo, db_url, "T1")
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001")
        burst(app, "A01-A-01\r")
        await pilot.pause()
        os.kill(os.getpid(), signal.SIGHUP)  # as the pty's hang-up reaches the app process
        await asyncio.sleep(0.3)
        assert app._exit
    rows = read_journal(demo)
    assert [r["payload"] for r in rows] == ["OP-0001\r", "A01-A-01\r"]
    assert all(r["accepted"] is not None for r in rows)  # none left pending


async def test_reconnect_takes_the_task_back_where_it_was(demo, db_url):
    opened = await order_scanned_in_pick(demo, db_url, "OP-0001")
    saved = load_session(demo, "DOCK-1").state["workflow"]
    assert (saved["task"], saved["state"]["order"]) == ("pick", "SO-1001"), saved

    again = kept_app(demo, db_url, "DOCK-1")
    async with again.run_test(size=(40, 16)) as pilot:
        await resumed(again, pilot)
        shown = screen_text(again)
        assert "Pick SO-1001" in opened and "Pick SO-1001" in shown, shown  # not the order list
        assert "Scan bin A01-A-01" in shown and "0/1     A01-A-01" in shown, shown
        await scan(again, pilot, "A01-A-01")  # and it goes on from there
        assert "CABLE-TIE-100" in screen_text(again)


async def test_a_refused_picker_reconnects_to_the_refusal_and_a_supervisor_hands_it_over(
        demo, db_url):
    """Issue 13: a picker refused an order someone else works waits for a supervisor's badge;
    the link drops; back on the terminal the refusal is on the screen and the supervisor's
    badge scanned there still hands the order over."""
    with demo.begin() as conn:
        conn.execute(insert(Operator.__table__), [
            {"badge": "OP-0004", "name": "Dan Picker", "role": "picker", "active": True}])
    claims.claim(demo, "order", "SO-1001", terminal="T1", badge="OP-0001")
    refused = await order_scanned_in_pick(demo, db_url, "OP-0004")
    assert "is being worked by" in refused, refused

    again = kept_app(demo, db_url, "DOCK-1")
    async with again.run_test(size=(40, 16)) as pilot:
        await resumed(again, pilot)
        assert "is being worked by" in screen_text(again)  # the screen they left
        await scan(again, pilot, "OP-0003")  # the supervisor's badge, at this terminal
        shown = screen_text(again)
        assert "Taken over from OP-0001" in shown and "Pick SO-1001" in shown, shown
    held = claims.holder(demo, "order", "SO-1001")
    assert (held.badge, held.terminal) == ("OP-0004", "DOCK-1")


async def test_the_shift_summary_counts_the_scans_made_before_a_reconnect(demo, db_url):
    """The sign-out summary is of the whole shift, not of the time since the link dropped."""
    await order_scanned_in_pick(demo, db_url, "OP-0001")
    started = load_session(demo, "DOCK-1").state["shift"]["started"]
    again = kept_app(demo, db_url, "DOCK-1")
    async with again.run_test(size=(40, 16)) as pilot:
        await resumed(again, pilot)
        await scan(again, pilot, "A01-A-01")
        shift = again.session.shift
        assert (shift.started.isoformat(), shift.scans, shift.accepted) == (started, 2, 2)
        await scan(again, pilot, "CMD:LOGOUT")
        assert "Scans: 2  accepted: 2  errors: 0" in screen_text(again)


async def test_a_badge_scanned_before_the_first_screen_draws_still_keeps_the_place(
        demo, db_url, monkeypatch):
    """On a loaded host a badge can be scanned before the sign-in screen first draws; that
    screen then never refreshes until sign-out. The kept row must be read (and the place kept)
    all the same, not after a refresh of the screen that happened to be on top."""
    held: list = []
    real = SignInScreen._invoke_later

    def never_refreshed(self, callback, sender):  # noqa: ANN001, ANN202
        held.append(callback)  # this screen does not draw before the scan replaces it

    monkeypatch.setattr(SignInScreen, "_invoke_later", never_refreshed)
    app = kept_app(demo, db_url, "DOCK-1")
    async with app.run_test(size=(40, 16)) as pilot:
        monkeypatch.setattr(SignInScreen, "_invoke_later", real)
        await scan(app, pilot, "OP-0001")
        await press(app, pilot, "2")
        await kept(app, pilot)
    row = load_session(demo, "DOCK-1")
    assert (row.badge, row.task) == ("OP-0001", "pick")


async def test_a_started_terminal_warms_its_store_before_the_first_scan_and_writes_nothing(
        demo, db_url):
    """The first scan on a freshly started terminal should cost what a later one does: the app
    reads a bin's and a unit's history once at start (reads only: journal and ledger as they
    were)."""
    from scanner_tui.inventory.verify import reader

    def counts() -> tuple[int, int]:
        with demo.connect() as conn:
            return (conn.execute(text("SELECT count(*) FROM scanjournal")).scalar(),
                    conn.execute(text("SELECT count(*) FROM ledgerentry")).scalar())

    before = counts()
    cold = len(reader(demo)._compiled_cache)
    app = kept_app(demo, db_url, "DOCK-1")
    async with app.run_test(size=(40, 16)) as pilot:
        await settle(app, pilot)
        assert app.pipeline.pending == 0
        assert len(reader(demo)._compiled_cache) >= cold + 5  # the look-up's statements
    assert counts() == before
