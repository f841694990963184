"""Issue 11 items 3, 5, 9, 12, 17, 6: the floor as it was found, at 40x16, scans as key bursts
at scanner speed (``tests/test_ui_support``)."""

from __future__ import annotations

import pytest

from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.journal import read_journal
from tests.test_ui_support import assert_verified, floor_app, last, scan, screen_text
from tests.workflow_helpers import gtin

JUNK = ("[2JB", "A]52;c;aGk=", "AT٠٠٠٠٠٠١٣", "📦🔥AT00000013")


@pytest.fixture
def demo(engine):
    build_demo(engine)
    yield engine
    assert_verified(engine)


async def test_refused_scans_stay_off_the_receipt(demo, db_url):
    """Item 3: junk scanned while receiving serials is refused, journaled, and never listed
    as an unexpected serial on the receipt's summary."""
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0002", "CMD:RECEIVE", "R-1001", gtin(demo, "LAPTOP-14"),
                   "LT2611C")
        for junk in JUNK:
            await scan(app, pilot, junk)
            assert not last(app).accepted, junk
        journal = [r["payload"] for r in read_journal(demo)]
        assert all(j + "\r" in journal for j in JUNK)
        await scan(app, pilot, "CMD:DONE")
        wf = app.screen.handler.workflow
        assert not any(s.startswith("Unexpected") for s in wf.summary()), wf.summary()
        assert "unexpected" not in last(app).text
        shown = screen_text(app)
        assert not any(j in shown for j in JUNK), shown
