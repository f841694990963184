"""The app configured with a serial scanner: scans written into a real pty are shown and
journaled; unplugging the scanner is said on screen and the app picks it up again."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from scanner_tui.config import load_config
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.journal import read_journal
from scanner_tui.scanning.serial_reader import ScannerState
from scanner_tui.ui.app import ScannerApp
from scanner_tui.ui.widgets import KindBand, ScanHistory, StatusLine
from tests.pty_scanner import PtyScanner
from tests.test_ui_support import screen_text


async def until(condition, timeout: float = 10.0, what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        if loop.time() > end:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def state(app: ScannerApp) -> ScannerState | None:
    return app.scanner_status.state if app.scanner_status else None


def serial_app(tmp_path: Path, engine, db_url: str, port: str) -> ScannerApp:
    config_file = tmp_path / "scanner.toml"
    config_file.write_text(
        f'[database]\nurl = "{db_url}"\n'
        f'[scanner]\ninput = "serial"\nport = "{port}"\nterminator = "CRLF"\n'
        'reconnect_seconds = 0.2\n'
        '[terminal]\nid = "T-SERIAL"\n',
        encoding="utf-8",
    )
    return ScannerApp(load_config(config_file), engine)


async def test_the_status_at_start_is_shown(tmp_path: Path, engine, db_url):
    with PtyScanner(link=tmp_path / "ttyScanner") as pty:
        app = serial_app(tmp_path, engine, db_url, pty.path)
        async with app.run_test(size=(40, 16)) as pilot:
            await until(lambda: state(app) is ScannerState.CONNECTED, what="connected")
            await pilot.pause()
            status = app.screen.query_one(StatusLine)
            assert status.scanner == f"Scanner connected {pty.path}"


async def test_serial_scans_are_shown_and_journaled(tmp_path: Path, engine, db_url):
    with PtyScanner(link=tmp_path / "ttyScanner") as pty:
        app = serial_app(tmp_path, engine, db_url, pty.path)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(lambda: state(app) is ScannerState.CONNECTED, what="connected")
            status = app.screen.query_one(StatusLine)

            pty.write(b"A04-B-12\r\nOP-0001\r\n\xff[@click=app.quit]\x1b[2J\r\n")
            await until(lambda: app.scans_read >= 3, what="three scans read")
            await app.settle()
            await pilot.pause()
            history = app.screen.query_one(ScanHistory)
            shown = [h.scan.payload for h in reversed(history.entries)]
            assert shown == ["A04-B-12\r\n", "OP-0001\r\n", "\\xff[@click=app.quit]\x1b[2J\r\n"]
            lines = [history.line(h).plain for h in reversed(history.entries)]
            assert "A04-B-12" in lines[0] and "OP-0001" in lines[1]
            assert "\x1b" not in lines[2]  # shown escaped, never sent raw to the terminal
            band = app.screen.query_one(KindBand)
            assert band.scan_id == history.entries[0].scan.id
            assert app.feedback.last is not None and not app.feedback.last.accepted
            assert app.is_running  # the hostile payload's [@click=app.quit] did nothing

            rows = read_journal(engine)
            assert [r["payload"] for r in rows] == shown
            assert {r["source"] for r in rows} == {"serial"}
            assert {r["terminal"] for r in rows} == {"T-SERIAL"}
            assert [r["kind"] for r in rows] == ["bin", "badge", "unknown"]
            assert [r["accepted"] for r in rows] == [True, True, False]
            assert [r["scan_id"] for r in rows] == [h.scan.id for h in reversed(history.entries)]

            pty.unplug()
            await until(lambda: state(app) is ScannerState.DISCONNECTED, what="disconnected")
            await pilot.pause()
            assert status.scanner == f"Scanner unplugged {pty.path}"
            assert app.is_running

            pty.plug()
            await until(lambda: state(app) is ScannerState.CONNECTED, what="reconnected")
            await pilot.pause()
            assert status.scanner == f"Scanner connected {pty.path}"
            pty.scan("C11-A-03", "\r\n")
            await until(lambda: app.scans_read >= 4, what="a scan after the replug")
            await app.settle()
            rows = read_journal(engine)
            assert [r["payload"] for r in rows][-1] == "C11-A-03\r\n"
            assert rows[-1]["operator"] == "OP-0001"
            reader = app.serial
        assert not reader.running  # stopped on unmount: no thread left behind


async def test_burst_of_500_serial_scans_through_the_app(tmp_path: Path, engine, db_url):
    with PtyScanner(link=tmp_path / "ttyScanner") as pty:
        app = serial_app(tmp_path, engine, db_url, pty.path)
        async with app.run_test(size=(40, 16)):
            await until(lambda: state(app) is ScannerState.CONNECTED, what="connected")
            expected = [f"AT{n:08d}\r\n" for n in range(500)]
            pty.write("".join(expected).encode())
            await until(lambda: app.scans_read >= 500, timeout=60, what="500 scans read")
            await app.settle(timeout=60)
            await asyncio.sleep(0.2)  # a merged, doubled or late scan would show up now
            rows = read_journal(engine)
            assert [r["payload"] for r in rows] == expected
            assert len({r["scan_id"] for r in rows}) == 500
            assert app.scans_read == app.scans_shown == 500
            assert all(r["kind"] == "asset" and r["accepted"] for r in rows)


def status_row(app: ScannerApp) -> str:
    """The status line as drawn (the row of the screen that shows the scanner's state)."""
    rows = [r.strip() for r in screen_text(app).splitlines() if r.strip().startswith("Scanner")]
    assert rows, screen_text(app)
    return rows[-1]


@pytest.mark.parametrize("size", [(40, 16), (30, 10)])
@pytest.mark.parametrize("store", ["empty", "demo"])
async def test_unplugged_says_so_first_and_rings_once(tmp_path: Path, engine, db_url, store,
                                                      size):
    """Issue 11 item 10: the state first and in full, a long port shortened from the left,
    one bell and a sentence in the answer area when the scanner is pulled out."""
    if store == "demo":
        build_demo(engine)
    by_id = tmp_path / "dev" / "serial" / "by-id"
    by_id.mkdir(parents=True)
    link = by_id / "usb-Honeywell_Imaging_Xenon_1902_21047B0123-if00"
    with PtyScanner(link=link) as pty:
        app = serial_app(tmp_path, engine, db_url, pty.path)
        async with app.run_test(size=size) as pilot:
            await until(lambda: state(app) is ScannerState.CONNECTED, what="connected")
            await until(lambda: status_row(app).startswith("Scanner connected "),
                        what="connected shown")
            line = status_row(app)
            assert line.startswith("Scanner connected …") and line.endswith("3-if00"), line
            pty.unplug()
            await until(lambda: state(app) is ScannerState.DISCONNECTED, what="unplugged")
            await pilot.pause()
            await asyncio.sleep(0.6)  # reconnect attempts meanwhile: no second bell
            await pilot.pause()
            text = screen_text(app)
            line = status_row(app)
            assert line.startswith("Scanner unplugged …") and line.endswith("3-if00"), line
            assert app.feedback.bells == 1
            assert [a.text for a in app.feedback.alerts] == [
                "Scanner unplugged: plug it back in; scanning resumes by itself."]
            assert "Scanner unplugged: plug it" in text  # in the answer area
            pty.plug()
            await until(lambda: state(app) is ScannerState.CONNECTED, what="replugged")
            await pilot.pause()
            assert status_row(app).startswith("Scanner connected")
            assert app.feedback.bells == 1


@pytest.mark.parametrize("store", ["empty", "demo"])
async def test_a_status_that_comes_while_the_screen_is_being_built_is_shown(
        tmp_path: Path, engine, db_url, store, monkeypatch):
    """The scanner's state may change after a screen made its status line but before that
    line is mounted (seen on a loaded host: "connecting" stayed on screen while connected)."""
    from scanner_tui.scanning.serial_reader import ScannerStatus
    from scanner_tui.ui.floor_screens import SignInScreen
    from scanner_tui.ui.messages import ScannerStatusChanged
    from scanner_tui.ui.screens import ScanAnythingScreen
    from tests.test_snapshots import _NoSerial  # never opens a port

    if store == "demo":
        build_demo(engine)
    screen_class = SignInScreen if store == "demo" else ScanAnythingScreen
    built = screen_class.compose

    def compose_then_connect(screen):
        yield from built(screen)  # the widgets exist, none is mounted yet
        screen.app.on_scanner_status_changed(ScannerStatusChanged(ScannerStatus(
            ScannerState.CONNECTED, "/dev/ttyACM0", "Scanner on /dev/ttyACM0 is connected")))

    monkeypatch.setattr(screen_class, "compose", compose_then_connect)
    config_file = tmp_path / "scanner.toml"
    config_file.write_text(f'[database]\nurl = "{db_url}"\n'
                           '[scanner]\ninput = "serial"\nport = "/dev/ttyACM0"\n',
                           encoding="utf-8")
    app = ScannerApp(load_config(config_file), engine, serial_factory=_NoSerial)
    async with app.run_test(size=(40, 16)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, screen_class)
        assert status_row(app) == "Scanner connected /dev/ttyACM0"
