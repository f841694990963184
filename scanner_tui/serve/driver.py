"""Textual's terminal driver without its ten wake-ups a second.

Textual's ``LinuxDriver`` reads keys on a thread that polls with ``select(0.1)``, only to see
whether it should stop and to time out a lone Esc. An idle terminal so wakes ten times a
second, and a host serving fifty of them pays for 500 wake-ups a second. This driver's input
thread sleeps until a key arrives, the Esc timeout (``TEXTUAL_ESCDELAY``) is due, or the
driver stops: stopping writes to a pipe the thread also waits on, so exit is as prompt as
before. Everything else is Textual's own driver.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import threading
from codecs import getincrementaldecoder
from typing import Any

from textual._loop import loop_last
from textual._parser import ParseError
from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

POLL = 0.1  # Textual's own poll: used only if its parser no longer says when a key is due


class WakingEvent(threading.Event):
    """A ``threading.Event`` whose ``set()`` also wakes a thread waiting in ``select``."""

    def __init__(self, wake_fd: int) -> None:
        super().__init__()
        self.wake_fd = wake_fd

    def set(self) -> None:
        super().set()
        if self.wake_fd >= 0:
            with contextlib.suppress(BlockingIOError):  # full: the thread is woken anyway
                os.write(self.wake_fd, b"x")


def next_timeout(parser: Any) -> float | None:
    """How long the input thread may sleep: until the parser's pending Esc is due, or for
    good (None) when nothing is pending."""
    if not hasattr(parser, "_timeout_time"):
        return POLL
    due = parser._timeout_time
    return None if due is None else max(0.0, due - get_time())


class QuietLinuxDriver(LinuxDriver):
    """``LinuxDriver`` whose input thread blocks instead of polling (see the module)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)
        os.set_blocking(self._wake_write, False)
        self.exit_event: WakingEvent = WakingEvent(self._wake_write)

    def run_input_thread(self) -> None:
        """Textual's input loop (``LinuxDriver.run_input_thread``), waiting on the terminal and
        the wake-up pipe with the parser's own timeout."""
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        selector.register(self._wake_read, selectors.EVENT_READ)
        fileno, wake = self.fileno, self._wake_read
        parser = XTermParser(self._debug)
        feed, tick = parser.feed, parser.tick
        decode = getincrementaldecoder("utf-8")().decode

        def process_selector_events(selector_events: list, final: bool = False) -> None:
            for last, (key, mask) in loop_last(selector_events):
                if key.fd == wake:
                    with contextlib.suppress(OSError):
                        os.read(wake, 512)
                    continue
                if mask & selectors.EVENT_READ:
                    unicode_data = decode(os.read(fileno, 1024 * 4), final=final and last)
                    if not unicode_data:
                        break
                    for event in feed(unicode_data):
                        self.process_message(event)
            for event in tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                process_selector_events(selector.select(next_timeout(parser)))
            selector.unregister(self.fileno)
            process_selector_events(selector.select(POLL), final=True)
        finally:
            selector.close()
            with contextlib.suppress(EOFError, ParseError):
                for _event in feed(""):
                    pass

    def close(self) -> None:
        super().close()
        self.exit_event.wake_fd = -1  # never a write to a closed (or reused) descriptor
        for fd in (self._wake_read, self._wake_write):
            with contextlib.suppress(OSError):
                os.close(fd)
