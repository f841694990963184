"""Snapshots of the scan-anything screen at 40x16 (handheld) and 80x24 (desktop).

Stable by construction: fixed clock and time zone, fixed terminal id, no text field (so no
blinking cursor), TEXTUAL_ANIMATIONS=none (conftest). ``--snapshot-update`` accepts new output.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scanner_tui.config import Config, DatabaseConfig, TerminalConfig
from scanner_tui.ui.app import ScannerApp
from tests.test_app import burst

FIXED = datetime(2026, 5, 4, 9, 30, 0, tzinfo=UTC)

ACCEPTED = ["A04-B-12\r", "OP-0001\r", "4006381333931\r",
            "]d2010950110102091710LOT7\x1d17270131\x1d21SN0001\r"]
REJECTED = ["[@click=app.quit]\r"]


def _app(engine, db_url: str) -> ScannerApp:
    cfg = Config(database=DatabaseConfig(url=db_url), terminal=TerminalConfig(id="DOCK-1"))
    return ScannerApp(cfg, engine, clock=lambda: FIXED, tz=UTC)


def _scans(payloads: list[str]):
    async def run_before(pilot) -> None:
        app = pilot.app
        burst(app, "".join(payloads))
        await pilot.pause()
        await app.settle()
        await pilot.pause()
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", [(40, 16), (80, 24)], ids=["40x16", "80x24"])
def test_idle_screen(snap_compare, engine, db_url, size):
    assert snap_compare(_app(engine, db_url), terminal_size=size)


@pytest.mark.parametrize("size", [(40, 16), (80, 24)], ids=["40x16", "80x24"])
def test_accepted_asset_with_history(snap_compare, engine, db_url, size):
    assert snap_compare(_app(engine, db_url), terminal_size=size, run_before=_scans(ACCEPTED))


@pytest.mark.parametrize("size", [(40, 16), (80, 24)], ids=["40x16", "80x24"])
def test_rejected_markup_shown_as_data(snap_compare, engine, db_url, size):
    assert snap_compare(_app(engine, db_url), terminal_size=size,
                        run_before=_scans(ACCEPTED + REJECTED))
