"""Issue 11 item 8 through the app at 40x16: the loser of a race (another terminal picked
AT00000009 first) kept "Scan LAPTOP-16 unit / At A02-A-03" with nothing there, and scanning
the next bin was refused. Now the next scan works on the new plan and the screen says why."""

from __future__ import annotations

import pytest

from scanner_tui.inventory.demo import build_demo
from scanner_tui.workflows.pick import PickWorkflow
from tests.test_ui_support import assert_verified, floor_app, last, scan, screen_text
from tests.test_wf_pick import add_order
from tests.workflow_helpers import scan as wf_scan
from tests.workflow_helpers import services


@pytest.fixture
def demo(engine):
    build_demo(engine)
    add_order(engine, "SO-2011", ("LAPTOP-16", 1))
    add_order(engine, "SO-2012", ("LAPTOP-16", 1))
    yield engine
    assert_verified(engine)


def t2_picks_at00000009(engine) -> None:
    """Another terminal (T2, OP-0003) picks the unit both orders were planned to take."""
    t2 = PickWorkflow(services(engine, "OP-0003", "T2"), order="SO-2012")
    assert wf_scan(t2, "A02-A-03").accepted and wf_scan(t2, "AT00000009").changed


def flat(app) -> str:
    """The screen's text with wrapped lines joined."""
    return " ".join(" ".join(screen_text(app).split()).split())


async def test_the_loser_of_a_race_goes_on_with_the_next_bin(demo, db_url):
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001", "SO-2011", "A02-A-03")
        assert "Scan LAPTOP-16 unit" in screen_text(app)
        t2_picks_at00000009(demo)
        bells = app.feedback.bells
        await scan(app, pilot, "A02-A-04")
        said = last(app)
        assert said.accepted, said.text
        assert said.text.startswith("AT00000009 was just picked on T2."), said.text
        assert said.bell and app.feedback.bells == bells + 1  # the plan changed: noticed
        shown = flat(app)
        assert "AT00000009 was just picked on T2" in shown, screen_text(app)
        assert "Scan LAPTOP-16 unit" in shown and "A02-A-04" in shown
        await scan(app, pilot, "AT00000010")
        assert last(app).accepted and "Picked AT00000010" in last(app).text, last(app).text


async def test_the_emptied_bin_scanned_again_says_where_to_go(demo, db_url):
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001", "SO-2011", "A02-A-03")
        t2_picks_at00000009(demo)
        await scan(app, pilot, "A02-A-03")
        said = last(app)
        assert not said.accepted
        assert said.text == "AT00000009 was just picked on T2; go to A02-A-04.", said.text
        shown = flat(app)
        assert "go to A02-A-04" in shown and "Scan bin A02-A-04" in shown, screen_text(app)
        await scan(app, pilot, "A02-A-04", "AT00000010")
        assert last(app).accepted and "Picked AT00000010" in last(app).text, last(app).text
