"""Issue 13's latency at many terminals: a floor scan costs the host one screen layout, not two.

A Look-up alternating bins and units (the pattern of ``bench/bench_serve.py``) changes the
context lines' height and the lines table's rows; each of those used to ask for a second
whole-screen layout after the first had placed them (the context lines' virtual size, the
table's scroll bar appearing or disappearing). Counted here, not timed: layouts per scan."""

from __future__ import annotations

import pytest
from textual.screen import Screen

from scanner_tui.inventory.demo import build_demo
from tests.test_ui_support import assert_verified, floor_app, press, scan

CODES = ("A01-A-01", "AT00000001", "A01-B-02", "AT00000002", "A01-A-02", "AT00000003")


@pytest.fixture
def demo(engine):
    build_demo(engine)
    yield engine
    assert_verified(engine)


async def test_a_lookup_costs_one_layout_unless_the_table_height_changes(demo, db_url,
                                                                          monkeypatch):
    layouts: list[int] = []
    refresh_layout = Screen._refresh_layout

    def counted(self, *args, **kwargs):  # noqa: ANN001, ANN202
        layouts.append(1)
        return refresh_layout(self, *args, **kwargs)

    monkeypatch.setattr(Screen, "_refresh_layout", counted)
    app = floor_app(demo, db_url)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001")
        await press(app, pilot, "5")
        await scan(app, pilot, *CODES)  # every widget has met both shapes once
        table = app.screen.query_one("#lines")
        per_scan = []
        for code in CODES * 2:
            layouts.clear()
            height = table.size.height
            await scan(app, pilot, code)
            per_scan.append((code, len(layouts), table.size.height != height))
    # a scan whose table keeps its height: one layout; one whose table changes height and
    # needs a scroll bar it did not have may take a second (the bar is placed by a layout)
    assert all(n == 1 for _, n, resized in per_scan if not resized), per_scan
    assert sum(n for _, n, _ in per_scan) <= len(per_scan) + 2, per_scan
