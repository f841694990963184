"""Document claims on the floor (issue 11 item 13, issue 13), two terminals on one store at
40x16, scans as key bursts: the second picker is refused naming who, a supervisor's badge at
that terminal hands the order over, the first terminal is told on its next scan; a restarted
terminal still holds its order, or is told it was taken over meanwhile."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from scanner_tui.inventory import claims
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.models import Operator
from scanner_tui.ui.floor_screens import MenuScreen, WorkflowScreen
from tests.test_serve_app import kept, kept_app, resumed
from tests.test_ui_support import assert_verified, press, scan, screen_text
from tests.workflow_helpers import ledger_rows


@pytest.fixture
def demo(engine):
    build_demo(engine)
    with engine.begin() as conn:
        conn.execute(insert(Operator.__table__), [
            {"badge": "OP-0004", "name": "Dan Picker", "role": "picker", "active": True}])
    yield engine
    assert_verified(engine)


def said(app) -> str:
    """The screen's text with its wrapping undone (a sentence over several rows)."""
    return " ".join(screen_text(app).split())


async def test_two_terminals_one_order_refused_handed_over_and_told(demo, db_url):
    one, two = kept_app(demo, db_url, "T1"), kept_app(demo, db_url, "T2")
    async with one.run_test(size=(40, 16)) as p1, two.run_test(size=(40, 16)) as p2:
        await scan(one, p1, "OP-0001", "SO-1001")
        assert isinstance(one.screen, WorkflowScreen) and "SO-1001" in said(one)
        await scan(two, p2, "OP-0004", "SO-1001")
        assert isinstance(two.screen, WorkflowScreen)
        assert "Order SO-1001 is being worked by OP-0001 on T1 since" in said(two)
        assert "a supervisor can take it over" in said(two)
        await scan(two, p2, "OP-0003")  # the supervisor's own badge, at T2
        assert "Taken over from OP-0001 on T1 with a supervisor's badge" in said(two)
        held = claims.holder(demo, "order", "SO-1001")
        assert (held.badge, held.terminal) == ("OP-0004", "T2")
        rows = ledger_rows(demo)
        await scan(one, p1, "A01-A-01")  # T1's next scan: told, nothing done
        assert "SO-1001 was taken over by OP-0004 on T2" in said(one)
        assert ledger_rows(demo) == rows
        await scan(two, p2, "CMD:CANCEL")  # leaving the order lets it go
        assert claims.holder(demo, "order", "SO-1001") is None
        await scan(two, p2, "CMD:PICK")  # (Pick is open already: refused, nothing held)
        await scan(one, p1, "SO-1001")
        assert claims.holder(demo, "order", "SO-1001").terminal == "T1"
        await scan(one, p1, "CMD:COUNT")  # a task card leaves the task: let go
        assert claims.holder(demo, "order", "SO-1001") is None
        await scan(one, p1, "CMD:CANCEL", "SO-1001")
        assert claims.holder(demo, "order", "SO-1001").terminal == "T1"
        await scan(one, p1, "CMD:LOGOUT")  # signing out: let go
        assert claims.holder(demo, "order", "SO-1001") is None


async def test_a_restarted_terminal_holds_its_order_or_is_told(demo, db_url):
    first = kept_app(demo, db_url, "T1")
    async with first.run_test(size=(40, 16)) as pilot:
        await scan(first, pilot, "OP-0001", "SO-1001")
        await kept(first, pilot)
    again = kept_app(demo, db_url, "T1")  # the host restarted (kill -9 keeps the same row)
    async with again.run_test(size=(40, 16)) as pilot:
        await resumed(again, pilot)
        assert "SO-1001" in said(again)
        held = claims.holder(demo, "order", "SO-1001")
        assert (held.badge, held.terminal) == ("OP-0001", "T1")
        await kept(again, pilot)
    claims.take_over(demo, "order", "SO-1001", terminal="T3", badge="OP-0003")
    last = kept_app(demo, db_url, "T1")
    async with last.run_test(size=(40, 16)) as pilot:
        await resumed(last, pilot)
        assert "SO-1001 was taken over by OP-0003 on T3" in said(last)
        await scan(last, pilot, "CMD:CANCEL")  # the order is gone: leaving picking
        assert isinstance(last.screen, MenuScreen)
        assert claims.holder(demo, "order", "SO-1001").badge == "OP-0003"


async def test_a_supervisor_opening_a_held_order_is_asked_y_or_n(demo, db_url):
    one, boss = kept_app(demo, db_url, "T1"), kept_app(demo, db_url, "T3")
    async with one.run_test(size=(40, 16)) as p1, boss.run_test(size=(40, 16)) as p3:
        await scan(one, p1, "OP-0001", "SO-1001")
        await scan(boss, p3, "OP-0003", "SO-1001")
        assert "Take over SO-1001 from OP-0001 on T1?" in said(boss)
        assert "y Yes" in said(boss)
        await scan(boss, p3, "A01-A-01")  # only the answer answers
        assert "does not answer the question" in said(boss)
        await press(boss, p3, "y")
        assert "Taken over from OP-0001 on T1." in said(boss)
        assert claims.holder(demo, "order", "SO-1001").badge == "OP-0003"
        await scan(one, p1, "CMD:SKIP")
        assert "SO-1001 was taken over by OP-0003 on T3" in said(one)


async def expired_t1_holding_so_1001_comes_back(demo, db_url):
    """T1's session (OP-0001 picking, holding SO-1001) kept 40 minutes ago, past its 15
    minutes; the app for T1 started and settled: yields it."""
    from datetime import timedelta

    from scanner_tui.inventory.models import utcnow
    from scanner_tui.inventory.sessions import save_session
    from tests.test_ui_support import settle

    old = utcnow() - timedelta(minutes=40)
    save_session(demo, "T1", badge="OP-0001", task="pick", now=old)
    claims.claim(demo, "order", "SO-1001", terminal="T1", badge="OP-0001", now=old)
    app = kept_app(demo, db_url, "T1", resume_minutes=15)
    async with app.run_test(size=(40, 16)) as pilot:
        await pilot.pause(0.2)
        await settle(app, pilot)
        yield app


async def test_a_terminal_coming_back_after_its_session_expired_lets_its_claims_go(demo,
                                                                                   db_url):
    from scanner_tui.ui.floor_screens import SignInScreen

    async for app in expired_t1_holding_so_1001_comes_back(demo, db_url):
        assert isinstance(app.screen, SignInScreen) and not app.resumed
        assert claims.holder(demo, "order", "SO-1001") is None


async def test_a_badge_moved_to_another_terminal_keeps_its_order(demo, db_url, monkeypatch):
    import asyncio

    import scanner_tui.serve.kept_app as kept_module
    from scanner_tui.ui.floor_screens import SignInScreen
    from tests.test_ui_support import settle

    monkeypatch.setattr(kept_module, "CLAIM_EVERY", 1.0)
    one, two = kept_app(demo, db_url, "T1"), kept_app(demo, db_url, "T2")
    async with one.run_test(size=(40, 16)) as p1, two.run_test(size=(40, 16)) as p2:
        await scan(one, p1, "OP-0001", "SO-1001")
        await scan(two, p2, "OP-0001")
        await press(two, p2, "y")  # sign in here and end it on T1
        await asyncio.sleep(1.6)  # (T1 checks its badge every CLAIM_EVERY seconds)
        await settle(one, p1)
        await kept(one, p1)
        assert isinstance(one.screen, SignInScreen)
        assert claims.holder(demo, "order", "SO-1001").badge == "OP-0001"  # still theirs
        await scan(two, p2, "SO-1001")
        assert isinstance(two.screen, WorkflowScreen) and "being worked" not in said(two)
        held = claims.holder(demo, "order", "SO-1001")
        assert (held.badge, held.terminal) == ("OP-0001", "T2")


async def test_the_old_holder_is_told_even_when_the_taker_let_it_go(demo, db_url):
    """Issue 11 item 13 loose end: T2 takes SO-1001 over and leaves it again before T1's
    next scan; T1 is still told, by whom, and its stale plan is dropped (nothing done)."""
    one, two = kept_app(demo, db_url, "T1"), kept_app(demo, db_url, "T2")
    async with one.run_test(size=(40, 16)) as p1, two.run_test(size=(40, 16)) as p2:
        await scan(one, p1, "OP-0001", "SO-1001")
        await scan(two, p2, "OP-0004", "SO-1001", "OP-0003")  # handed over at T2
        assert claims.holder(demo, "order", "SO-1001").terminal == "T2"
        await scan(two, p2, "CMD:CANCEL")  # T2 lets it go before T1 scans again
        assert claims.holder(demo, "order", "SO-1001") is None
        rows = ledger_rows(demo)
        await scan(one, p1, "A01-A-01")
        assert "SO-1001 was taken over by OP-0004 on T2 and let go at" in said(one)
        assert "nothing more is done on it here" in said(one)
        assert ledger_rows(demo) == rows
        assert claims.holder(demo, "order", "SO-1001") is None  # not quietly taken back
        await scan(one, p1, "SO-1001")  # opened again: read afresh, held by T1
        assert claims.holder(demo, "order", "SO-1001").terminal == "T1"
        assert claims.last_holder(demo, "order", "SO-1001") is None


async def test_the_keeper_waits_for_the_resume_check(demo, db_url, monkeypatch):
    """Under load the 0.5 s keeper tick can come before the first refresh that reads the kept
    row: it wrote an empty row first, so an expired session kept its claims (and a live one
    would not have resumed). The tick now waits until the kept row was read."""
    import scanner_tui.serve.kept_app as kept_module

    resume = kept_module.KeptApp._resume

    def late_resume(self) -> None:  # the keeper's tick first, as on a loaded host
        self.pipeline.call = lambda fn, done=None: fn()  # its write done at once
        try:
            self._keep()
        finally:
            del self.pipeline.call
        resume(self)

    monkeypatch.setattr(kept_module.KeptApp, "_resume", late_resume)
    async for _app in expired_t1_holding_so_1001_comes_back(demo, db_url):
        assert claims.holder(demo, "order", "SO-1001") is None
