"""The scan app driven headless: key bursts at scanner speed, typing at human speed, text
fields, untrusted payloads, the journal, feedback, and the serial reader wiring."""

from __future__ import annotations

import asyncio
import os
import threading
import time
import tty
from datetime import UTC

import pytest
from textual import events
from textual.app import ComposeResult
from textual.widgets import Button, Input

from scanner_tui.config import Config, DatabaseConfig, FeedbackConfig, ScannerConfig, TerminalConfig
from scanner_tui.inventory.db import make_engine, open_store
from scanner_tui.inventory.journal import read_journal
from scanner_tui.scanning.result import Kind, Scan, Source
from scanner_tui.scanning.serial_reader import ScannerState, ScannerStatus
from scanner_tui.ui.app import ScannerApp
from scanner_tui.ui.messages import ScanRead
from scanner_tui.ui.screens import ScanAnythingScreen, ScanScreen
from scanner_tui.ui.widgets import KindBand, ScanHistory, StatusLine
from scanner_tui.workflows.base import Outcome
from tests.test_ui_support import FIXED, burst, screen_text, type_slowly


def config(db_url: str, *, bell: bool = True, **scanner) -> Config:
    return Config(
        database=DatabaseConfig(url=db_url),
        scanner=ScannerConfig(**scanner),
        terminal=TerminalConfig(id="TEST-1"),
        feedback=FeedbackConfig(bell=bell),
    )


def make_app(engine, db_url: str, *, bell: bool = True, **kw) -> ScannerApp:
    scanner = {k: kw.pop(k) for k in list(kw) if k in ScannerConfig.model_fields}
    return ScannerApp(config(db_url, bell=bell, **scanner), engine, clock=lambda: FIXED, tz=UTC,
                      **kw)


async def settled(app: ScannerApp, pilot) -> None:
    await pilot.pause()
    await app.settle()
    await pilot.pause()
    await pilot.pause()


# -- scanner speed / human speed ----------------------------------------------------------


async def test_burst_is_one_wedge_scan_journaled_and_shown(engine, db_url):
    app = make_app(engine, db_url)
    async with app.run_test(headless=True, size=(40, 16)) as pilot:
        burst(app, "A04-B-12\r")
        await settled(app, pilot)
        band = app.screen.query_one(KindBand)
        assert band.has_class("accepted") and band.painted_scan_id
        text = screen_text(app)
        assert "BIN" in text and "A04-B-12" in text
        assert app.feedback.last.accepted and app.feedback.bells == 0
    (row,) = read_journal(engine)
    assert row["payload"] == "A04-B-12\r" and row["source"] == "wedge"
    assert row["kind"] == "bin" and row["accepted"] is True and row["terminal"] == "TEST-1"
    assert row["scan_id"] == band.scan_id and row["at"] == FIXED.isoformat()


async def test_human_typing_is_a_keyboard_scan_and_shows_what_is_typed(engine, db_url):
    app = make_app(engine, db_url)
    async with app.run_test(headless=True, size=(40, 16)) as pilot:
        await type_slowly(app, pilot, "OP-0001")
        await asyncio.sleep(0.08)
        await pilot.pause()
        assert app.screen.query_one(StatusLine).typing == "OP-0001"
        assert "Typed: OP-0001" in screen_text(app)
        await type_slowly(app, pilot, "\r")
        await settled(app, pilot)
        assert app.screen.query_one(StatusLine).typing is None
        assert "OP-0001" in screen_text(app)  # signed in: shown in the title bar
    (row,) = read_journal(engine)
    assert (row["payload"], row["source"], row["kind"]) == ("OP-0001\r", "keyboard", "badge")


async def test_two_scans_back_to_back_are_two_scans_and_operator_follows_badge(engine, db_url):
    app = make_app(engine, db_url)
    async with app.run_test(headless=True, size=(80, 24)) as pilot:
        burst(app, "OP-0042\rAT00000042\r")
        await settled(app, pilot)
    rows = read_journal(engine)
    assert [r["payload"] for r in rows] == ["OP-0042\r", "AT00000042\r"]
    assert [r["operator"] for r in rows] == ["", "OP-0042"]


async def test_crlf_terminator_and_gs_from_ctrl_bracket(engine, db_url):
    app = make_app(engine, db_url, terminator="CRLF")
    async with app.run_test(headless=True, size=(40, 16)) as pilot:
        burst(app, "]d2010950110102091710LOT7\x1d21SN0001\r\nA04-B-12\r\n")
        await settled(app, pilot)
    rows = read_journal(engine)
    assert [r["payload"] for r in rows] == [
        "]d2010950110102091710LOT7\x1d21SN0001\r\n", "A04-B-12\r\n"]
    assert rows[0]["kind"] == "asset" and rows[0]["fields"]["lot"] == "LOT7"
    assert rows[0]["fields"]["serial"] == "SN0001"


async def test_scan_waiting_for_its_lf_is_not_lost_on_quit(engine, db_url):
    app = make_app(engine, db_url, terminator="CRLF", burst_gap_ms=5000)
    async with app.run_test(headless=True, size=(40, 16)) as pilot:
        burst(app, "A04-B-12\r")
        await pilot.pause()
        assert app.wedge.busy  # ended by CR, waiting up to one gap for the LF
    assert [r["payload"] for r in read_journal(engine)] == ["A04-B-12\r"]


async def test_five_hundred_scans_back_to_back(engine, db_url):
    app = make_app(engine, db_url)
    payloads = [f"AT{i:08d}\r" if i % 3 else f"A{i % 100:02d}-B-{i % 97:02d}\r" for i in range(500)]
    async with app.run_test(headless=True, size=(40, 16)) as pilot:
        burst(app, "".join(payloads))
        await pilot.pause()
        await app.settle(timeout=120)
        await pilot.pause()
        assert len(app.feedback) == 500 and app.scans_read == 500
    rows = read_journal(engine)
    assert [r["payload"] for r in rows] == payloads  # none lost, merged, doubled or reordered
    assert {r["source"] for r in rows} == {"wedge"}
    assert len({r["scan_id"] for r in rows}) == 500
    assert all(r["accepted"] is True for r in rows)


@pytest.mark.postgres
async def test_scans_on_postgresql_store(pg_url):
    engine = open_store(pg_url)
    try:
        app = make_app(engine, pg_url)
        payloads = [f"AT{i:08d}\r" for i in range(50)] + ["OP-0003\r", "bogus\r"]
        async with app.run_test(headless=True, size=(40, 16)) as pilot:
            burst(app, "".join(payloads))
            await settled(app, pilot)
        rows = read_journal(engine)
        assert [r["payload"] for r in rows] == payloads
        assert rows[-1]["accepted"] is False and rows[-1]["operator"] == "OP-0003"
    finally:
        engine.dispose()


# -- text fields ---------------------------------------------------------------------------


class QuantityScreen(ScanScreen):
    """A screen with a focused quantity field, as workflow screens will have."""

    def __init__(self) -> None:
        super().__init__()
        self.shown: list = []
        self.submitted: list[str] = []

    def compose(self) -> ComposeResult:
        yield Input(id="qty", placeholder="quantity")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, message: Input.Submitted) -> None:
        self.submitted.append(message.value)

    def show_scan(self, handled) -> None:
        self.shown.append(handled)


async def test_burst_while_a_field_has_focus_is_a_scan_not_text(engine, db_url):
    app = make_app(engine, db_url)
    async with app.run_test(headless=True, size=(40, 16)) as pilot:
        screen = QuantityScreen()
        await app.push_screen(screen)
        await pilot.pause()
        field = screen.query_one(Input)
        assert app.focused is field
        burst(app, "AT00000042\r")
        await settled(app, pilot)
        assert field.value == "" and screen.submitted == []
        assert [h.scan.payload for h in screen.shown] == ["AT00000042\r"]
        assert screen.shown[0].scan.source is Source.WEDGE
        # a person typing into the field still gets the text into it, and Enter submits
        await type_slowly(app, pilot, "12")
        await asyncio.sleep(0.08)
        await pilot.pause()
        assert field.value == "12"
        # typed, then a burst mid-way: the burst is a scan, the field keeps the typing
        await type_slowly(app, pilot, "5")
        burst(app, "A04-B-12\r")
        await settled(app, pilot)
        await asyncio.sleep(0.08)
        await pilot.pause()
        assert field.value == "125"
        await type_slowly(app, pilot, "\r")
        await pilot.pause()
        assert screen.submitted == ["125"]
        assert [h.scan.payload for h in screen.shown] == ["AT00000042\r", "A04-B-12\r"]
    assert [r["payload"] for r in read_journal(engine)] == ["AT00000042\r", "A04-B-12\r"]


async def test_pilot_press_types_a_short_quantity_into_the_field(engine, db_url):
    """Workflow tests can type a quantity with pilot.press (short runs are typing)."""
    app = make_app(engine, db_url)
    async with app.run_test(headless=True, size=(40, 16)) as pilot:
        screen = QuantityScreen()
        await app.push_screen(screen)
        await pilot.pause()
        await pilot.press("1", "2", "enter")
        await asyncio.sleep(0.08)
        await pilot.pause()
        assert screen.submitted == ["12"] and screen.shown == []
    assert read_journal(engine) == []


class ButtonScreen(ScanScreen):
    def __init__(self) -> None:
        super().__init__()
        self.pressed = 0
        self.shown: list = []

    def compose(self) -> ComposeResult:
        yield Button("Done", id="done")

    def on_mount(self) -> None:
        self.query_one(Button).focus()

    def on_button_pressed(self, message: Button.Pressed) -> None:
        self.pressed += 1

    def show_scan(self, handled) -> None:
        self.shown.append(handled)


async def test_enter_on_a_focused_button_presses_it_and_a_burst_is_still_a_scan(engine, db_url):
    app = make_app(engine, db_url)
    async with app.run_test(headless=True, size=(40, 16)) as pilot:
        screen = ButtonScreen()
        await app.push_screen(screen)
        await pilot.pause()
        await type_slowly(app, pilot, "\r")
        await pilot.pause()
        assert screen.pressed == 1 and screen.shown == []
        burst(app, "A04-B-12\r")
        await settled(app, pilot)
        assert screen.pressed == 1 and [h.scan.payload for h in screen.shown] == ["A04-B-12\r"]


# -- untrusted payloads --------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    ["[@click=app.quit]", "[/", "[bold]x[/bold]", "[link=https://evil]x", "$error [red]"],
)
async def test_markup_in_a_burst_is_shown_as_data(engine, db_url, payload):
    app = make_app(engine, db_url)
    async with app.run_test(headless=True, size=(80, 24)) as pilot:
        burst(app, payload + "\r")
        await settled(app, pilot)
        assert app.is_running
        text = screen_text(app)
        assert payload in text  # shown literally, brackets and all
        assert app.feedback.last.accepted is False and app.feedback.bells == 1
    (row,) = read_journal(engine)
    assert row["payload"] == payload + "\r" and row["kind"] == "unknown"


async def test_escape_sequences_and_controls_are_shown_escaped(engine, db_url):
    app = make_app(engine, db_url)
    nasty = "\x1b[2J\x1b]0;pwned\x07AB\u202eC\x00\r"
    async with app.run_test(headless=True, size=(80, 24)) as pilot:
        app.post_message(ScanRead(Scan(nasty, Source.SERIAL, at=FIXED)))
        await settled(app, pilot)
        text = screen_text(app)
        assert "\\x1b[2J\\x1b]0;pwned\\x07AB\\u202eC\\x00" in text
        for raw in ("\x1b", "\x07", "\x00", "\u202e"):
            assert raw not in text
    (row,) = read_journal(engine)
    assert row["source"] == "serial" and row["payload"].startswith("\x1b[2J")


async def test_paste_outside_a_field_is_one_scan_per_line(engine, db_url):
    app = make_app(engine, db_url)
    async with app.run_test(headless=True, size=(40, 16)) as pilot:
        app.post_message(events.Paste("A04-B-12\nAT00000001\n"))
        await settled(app, pilot)
    rows = read_journal(engine)
    assert [(r["payload"], r["source"]) for r in rows] == [
        ("A04-B-12\n", "paste"), ("AT00000001\n", "paste")]


# -- feedback ------------------------------------------------------------------------------


async def test_rejected_scan_rings_the_bell_and_says_why(engine, db_url):
    app = make_app(engine, db_url)
    rung = []
    app.bell = lambda: rung.append(1)  # headless bell() is silent: count the calls
    async with app.run_test(headless=True, size=(40, 16)) as pilot:
        burst(app, "4006381333932\r")  # bad check digit
        await settled(app, pilot)
        fb = app.feedback.last
        assert fb.accepted is False and fb.bell is True and rung == [1]
        assert app.screen.query_one(KindBand).has_class("rejected")
        assert "UNKNOWN" in screen_text(app)
        assert fb.text and fb.text.split()[0] in screen_text(app)
    (row,) = read_journal(engine)
    assert row["accepted"] is False and row["reason"] == fb.text


async def test_bell_off_in_config(engine, db_url):
    app = make_app(engine, db_url, bell=False)
    async with app.run_test(headless=True, size=(40, 16)) as pilot:
        burst(app, "nonsense\r")
        await settled(app, pilot)
        assert app.feedback.last.accepted is False and app.feedback.bells == 0


async def test_store_failure_is_an_answer_not_a_crash(tmp_path):
    url = f"sqlite:///{tmp_path / 'unmigrated.db'}"
    engine = make_engine(url)  # no tables: the journal write fails
    try:
        app = make_app(engine, url, known=None)
        async with app.run_test(headless=True, size=(40, 16)) as pilot:
            burst(app, "A04-B-12\r")
            await settled(app, pilot)
            fb = app.feedback.last
            assert fb.accepted is False and "journal" in fb.text
            assert app.is_running
    finally:
        engine.dispose()


# -- the one scan path ---------------------------------------------------------------------


class RecordingHandler:
    """A workflow stand-in: checks the scan is journaled before it is acted on."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.seen: list[tuple[str, bool | None, str]] = []

    def handle(self, scan, result) -> Outcome:
        row = next(r for r in read_journal(self.engine) if r["scan_id"] == scan.id)
        self.seen.append((scan.payload, row["accepted"], threading.current_thread().name))
        if result.kind is Kind.BIN:
            return Outcome.refuse("A04-B-12 is not the bin for this pick; go to C11-A-03")
        return Outcome.ok("Picked", warning=scan.payload.startswith("AT00000002"))

    def view(self) -> str:
        return f"after {len(self.seen)} scans"


async def test_screen_handler_acts_after_journal_off_the_ui_thread(engine, db_url):
    app = make_app(engine, db_url)
    handler = RecordingHandler(engine)
    async with app.run_test(headless=True, size=(40, 16)) as pilot:
        screen = ScanAnythingScreen(scan_handler=handler, terminal="X", tz=UTC)
        await app.push_screen(screen)
        await pilot.pause()
        burst(app, "AT00000001\rA04-B-12\r")
        await settled(app, pilot)
        assert "go to C11-A-03" in screen_text(app)
        assert app.feedback.bells == 1
        burst(app, "AT00000002\r")  # accepted with a warning: marked "!", no bell
        await settled(app, pilot)
        assert app.feedback.last.accepted and not app.feedback.last.bell
        assert app.feedback.last.text == "Picked" and app.feedback.bells == 1
        assert [h.view for h in screen.query_one(ScanHistory).entries] == [
            "after 3 scans", "after 2 scans", "after 1 scans"]
    assert [(p, a) for p, a, _ in handler.seen] == [
        ("AT00000001\r", None), ("A04-B-12\r", None), ("AT00000002\r", None)]
    assert {t for _, _, t in handler.seen} == {"scan-pipeline"}
    rows = read_journal(engine)
    assert [(r["accepted"], r["reason"]) for r in rows] == [
        (True, ""), (False, "A04-B-12 is not the bin for this pick; go to C11-A-03"), (True, "")]


# -- serial reader wiring ------------------------------------------------------------------


class FakeSerial:
    """Stands in for SerialScanner: records how the app built, started and stopped it."""

    instances: list[FakeSerial] = []

    def __init__(self, port, **kw) -> None:
        self.port, self.kw = port, kw
        self.started = self.stopped = False
        FakeSerial.instances.append(self)

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.stopped = True


async def test_serial_started_on_mount_stopped_on_unmount_status_shown(engine, db_url):
    FakeSerial.instances.clear()
    app = make_app(engine, db_url, input="both", port="/dev/ttyACM9", baudrate=19200,
                   serial_factory=FakeSerial)
    async with app.run_test(headless=True, size=(40, 16)) as pilot:
        (fake,) = FakeSerial.instances
        assert fake.started and fake.port == "/dev/ttyACM9" and fake.kw["baudrate"] == 19200
        unplugged = "Scanner on /dev/ttyACM9 is unplugged; waiting for it to come back"
        threading.Thread(target=fake.kw["on_status"], args=(
            ScannerStatus(ScannerState.DISCONNECTED, "/dev/ttyACM9", unplugged),)).start()
        await asyncio.sleep(0.05)
        await pilot.pause()
        assert "Scanner not connected /dev/ttyACM9" in screen_text(app)  # never connected
        threading.Thread(target=fake.kw["on_scan"],
                         args=(Scan("A04-B-12\r", Source.SERIAL, at=FIXED),)).start()
        await asyncio.sleep(0.05)
        await settled(app, pilot)
        assert "A04-B-12" in screen_text(app)
    assert fake.stopped
    (row,) = read_journal(engine)
    assert row["source"] == "serial" and row["kind"] == "bin"


async def test_wedge_only_does_not_open_a_port(engine, db_url):
    FakeSerial.instances.clear()
    app = make_app(engine, db_url, serial_factory=FakeSerial)
    async with app.run_test(headless=True, size=(40, 16)):
        assert FakeSerial.instances == [] and app.serial is None


async def test_real_serial_reader_through_a_pty(engine, db_url):
    master, slave = os.openpty()
    tty.setraw(slave)
    port = os.ttyname(slave)
    app = make_app(engine, db_url, input="serial", port=port, reconnect_seconds=0.2)
    try:
        async with app.run_test(headless=True, size=(40, 16)) as pilot:
            for _ in range(100):
                if app.scanner_status is not None and app.scanner_status.connected:
                    break
                await asyncio.sleep(0.05)
            assert app.scanner_status.connected
            os.write(master, b"A04-B-12\rAT00000042\r\xff\xfe\r")
            deadline = time.monotonic() + 10
            while app.scans_read < 3 and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            await settled(app, pilot)
            assert "Scanner connected" in screen_text(app)
    finally:
        os.close(master)
        os.close(slave)
    rows = read_journal(engine)
    assert [(r["payload"], r["source"]) for r in rows][:2] == [
        ("A04-B-12\r", "serial"), ("AT00000042\r", "serial")]
    assert rows[2]["kind"] == "unknown" and rows[2]["accepted"] is False
