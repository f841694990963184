"""Snapshots of the scan-anything screen at 40x16 (handheld) and 80x24 (desktop).

Stable by construction: fixed clock and time zone, fixed terminal id, no text field (so no
blinking cursor), TEXTUAL_ANIMATIONS=none (conftest). ``--snapshot-update`` accepts new output.
"""

from __future__ import annotations

from datetime import UTC

import pytest

from scanner_tui.config import Config, DatabaseConfig, TerminalConfig
from scanner_tui.ui.app import ScannerApp
from tests.test_ui_support import FIXED, burst

SIZES = pytest.mark.parametrize("size", [(40, 16), (80, 24)], ids=["40x16", "80x24"])

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


@SIZES
def test_idle_screen(snap_compare, engine, db_url, size):
    assert snap_compare(_app(engine, db_url), terminal_size=size)


@SIZES
def test_accepted_asset_with_history(snap_compare, engine, db_url, size):
    assert snap_compare(_app(engine, db_url), terminal_size=size, run_before=_scans(ACCEPTED))


@SIZES
def test_rejected_markup_shown_as_data(snap_compare, engine, db_url, size):
    assert snap_compare(_app(engine, db_url), terminal_size=size,
                        run_before=_scans(ACCEPTED + REJECTED))


class _NoSerial:
    """A serial scanner that never opens a port (the test posts its status itself)."""

    def __init__(self, port, **kw) -> None:
        self.port = port

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


def test_serial_scanner_unplugged_40x16(snap_compare, engine, db_url):
    from scanner_tui.config import ScannerConfig
    from scanner_tui.scanning.serial_reader import ScannerState, ScannerStatus
    from scanner_tui.ui.messages import ScannerStatusChanged

    cfg = Config(database=DatabaseConfig(url=db_url), terminal=TerminalConfig(id="DOCK-1"),
                 scanner=ScannerConfig(input="serial", port="/dev/ttyACM0"))
    app = ScannerApp(cfg, engine, clock=lambda: FIXED, tz=UTC, serial_factory=_NoSerial)

    async def run_before(pilot) -> None:
        await _scans(["A04-B-12\r"])(pilot)
        pilot.app.post_message(ScannerStatusChanged(ScannerStatus(
            ScannerState.CONNECTED, "/dev/ttyACM0", "Scanner on /dev/ttyACM0 is connected")))
        pilot.app.post_message(ScannerStatusChanged(ScannerStatus(
            ScannerState.DISCONNECTED, "/dev/ttyACM0",
            "Scanner on /dev/ttyACM0 is unplugged; waiting for it to come back")))
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(40, 16), run_before=run_before)
