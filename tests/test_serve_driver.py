"""The served terminal's driver (``serve.driver``): its input thread sleeps until a key
arrives, a lone Esc is due, or the driver stops, instead of waking ten times a second."""

from __future__ import annotations

import asyncio
import os
import select
import selectors
import signal
import threading
import time
import tty

import pytest
from textual import constants, events
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

from scanner_tui.config import Config, DatabaseConfig
from scanner_tui.serve import driver as quiet
from scanner_tui.serve.driver import QuietLinuxDriver
from scanner_tui.serve.kept_app import KeptApp


def test_nothing_pending_sleeps_until_input_a_lone_esc_until_its_delay():
    parser = XTermParser()
    assert quiet.next_timeout(parser) is None
    list(parser.feed("\x1b"))  # Esc alone, or the start of a sequence: Textual waits to see
    assert 0 < quiet.next_timeout(parser) <= constants.ESCAPE_DELAY
    list(parser.feed("[A"))  # the rest came: an arrow key, nothing pending
    assert quiet.next_timeout(parser) is None


class Recording(QuietLinuxDriver):
    """The driver on a pty of the test's, its events kept instead of sent to an app."""

    def __init__(self, *args, fd: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fileno = fd
        self.events: list[events.Event] = []

    def send_message(self, message) -> None:
        self.events.append(message)

    def keys(self) -> list[str]:
        return [e.key for e in self.events if isinstance(e, events.Key)]


def wait_for(check, timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while not check() and time.monotonic() < end:
        time.sleep(0.01)
    return check()


@pytest.fixture
def driver(monkeypatch):
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTSTP, signal.SIGCONT)}
    master, slave = os.openpty()
    tty.setraw(slave)  # keys as typed (Textual's application mode), not line by line
    loops = [0]  # the input thread's waits (asyncio's loops use epoll, not select)
    select = selectors.SelectSelector.select

    def counting(self, timeout=None):
        loops[0] += 1
        return select(self, timeout)

    monkeypatch.setattr(selectors.SelectSelector, "select", counting)

    async def make() -> Recording:  # a driver is made on the app's event loop
        return Recording(object(), fd=slave)

    drv = asyncio.run(make())
    drv.loops = loops
    thread = threading.Thread(target=drv.run_input_thread)
    thread.start()
    try:
        yield drv, master, thread
    finally:
        drv.exit_event.set()
        thread.join(5)
        drv.close()
        os.close(master)
        os.close(slave)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def test_the_input_thread_sleeps_while_nothing_happens_and_wakes_for_a_key(driver):
    drv, master, _ = driver
    time.sleep(0.05)
    before = drv.loops[0]
    time.sleep(0.6)  # Textual's own driver goes round its loop six times in this
    assert drv.loops[0] == before
    os.write(master, b"a")
    assert wait_for(lambda: drv.keys() == ["a"])


def test_a_lone_esc_still_arrives_after_its_delay(driver):
    drv, master, _ = driver
    os.write(master, b"\x1b")
    assert wait_for(lambda: drv.keys() == ["escape"])


def test_stopping_wakes_the_sleeping_input_thread(driver):
    drv, _, thread = driver
    time.sleep(0.05)
    drv.exit_event.set()  # what Textual's disable_input does, then it joins the thread
    thread.join(5)
    assert not thread.is_alive()


def test_the_served_app_runs_on_it_and_a_browser_session_keeps_textual_s_choice(
        engine, db_url, monkeypatch):
    kept = KeptApp(Config(database=DatabaseConfig(url=db_url)), engine)
    assert kept.get_driver_class() is QuietLinuxDriver
    assert issubclass(QuietLinuxDriver, LinuxDriver)
    monkeypatch.setattr(constants, "DRIVER", "textual.drivers.web_driver:WebDriver")
    assert kept.get_driver_class().__name__ == "WebDriver"


@pytest.fixture
def terminal():
    """A pty in raw mode: (master, slave)."""
    master, slave = os.openpty()
    tty.setraw(slave)
    yield master, slave
    os.close(master)
    os.close(slave)


def read_ready(fd: int, wait: float = 0.0) -> bytes:
    """What the terminal's other end can read now (``wait``: for the first byte)."""
    out = b""
    while select.select([fd], [], [], wait)[0]:
        out += os.read(fd, 65536)
        wait = 0.0
    return out


def test_a_frame_is_on_the_terminal_when_write_returns(terminal):
    master, slave = terminal
    writer = quiet.PromptWriter(slave)
    try:
        writer.write("✔ A01-A-01")  # from the UI thread: no writer thread to wait for
        assert read_ready(master) == "✔ A01-A-01".encode()
        assert writer._thread is None
    finally:
        writer.close()


def test_a_terminal_that_takes_nothing_never_blocks_and_gets_every_frame_in_order(terminal):
    master, slave = terminal
    writer = quiet.PromptWriter(slave)
    frames = [f"frame {n:04d} " + "x" * 4000 for n in range(60)]  # far more than a pty holds
    writing = threading.Thread(target=lambda: [writer.write(f) for f in frames])
    writing.start()
    writing.join(10)
    try:
        assert not writing.is_alive()  # nobody read the terminal: the rest was queued
        got = b""
        while len(got) < len("".join(frames)):
            more = read_ready(master, 5.0)
            assert more, "the queued frames never came"
            got += more
        assert got == "".join(frames).encode()
    finally:
        writer.close()


def test_a_stalled_terminal_makes_the_app_wait_once_its_backlog_is_full(terminal, monkeypatch):
    """A link in a Wi-Fi shadow takes nothing for minutes: frames queue up to a limit, then
    the writer waits (memory stays bounded), and goes on once the terminal takes them."""
    monkeypatch.setattr(quiet, "BACKLOG_LIMIT", 64_000)
    master, slave = terminal
    writer = quiet.PromptWriter(slave)
    frames = [f"frame {n:04d} " + "x" * 4000 for n in range(200)]  # 800 kB, nobody reading
    writing = threading.Thread(target=lambda: [writer.write(f) for f in frames])
    writing.start()
    writing.join(2)
    try:
        assert writing.is_alive(), "the backlog grew without limit"
        assert writer._queued <= 64_000 + 4_100
        got = b""
        while len(got) < len("".join(frames)):
            more = read_ready(master, 5.0)
            assert more, "the queued frames never came"
            got += more
        writing.join(10)
        assert not writing.is_alive() and got == "".join(frames).encode()
    finally:
        writer.close()


def test_the_served_driver_writes_through_the_prompt_writer(terminal, monkeypatch):
    _, slave = terminal

    async def make() -> Recording:
        return Recording(object(), fd=slave)

    drv = asyncio.run(make())
    written: list[str] = []
    monkeypatch.setattr(LinuxDriver, "start_application_mode", lambda self: None)
    monkeypatch.setattr(drv, "_file", os.fdopen(os.dup(slave), "w"))
    drv.start_application_mode()
    assert isinstance(drv._prompt, quiet.PromptWriter)
    monkeypatch.setattr(drv._prompt, "write", written.append)
    drv.write("\x1b[?25l")
    assert written == ["\x1b[?25l"]
    drv.close()
    drv._file.close()


def test_keys_go_straight_into_the_app_s_queue():
    """``process_message`` (the input thread) hands each key to the app's thread-safe
    ``post_message``: no coroutine, task and future per key on the app's loop."""

    class App:
        def __init__(self) -> None:
            self.posted: list = []

        def post_message(self, message) -> bool:
            self.posted.append((message, threading.get_ident()))
            return True

    async def make() -> QuietLinuxDriver:
        return QuietLinuxDriver(App())

    drv = asyncio.run(make())
    key = events.Key("a", "a")
    drv.process_message(key)
    assert drv._app.posted == [(key, threading.get_ident())]
    drv.close()
