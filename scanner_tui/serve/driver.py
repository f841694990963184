"""Textual's terminal driver without its ten wake-ups a second, writing frames at once.

Textual's ``LinuxDriver`` reads keys on a thread that polls with ``select(0.1)``, only to see
whether it should stop and to time out a lone Esc. An idle terminal so wakes ten times a
second, and a host serving fifty of them pays for 500 wake-ups a second. This driver's input
thread sleeps until a key arrives, the Esc timeout (``TEXTUAL_ESCDELAY``) is due, or the
driver stops: stopping writes to a pipe the thread also waits on, so exit is as prompt as
before. It puts each key straight into the app's queue (``send_message``).

Output: Textual hands every frame to a writer thread, which can only write it once the UI
thread lets go of the GIL (after the rest of its refresh, up to the interpreter's 5 ms switch
interval) and, on a busy host, once the kernel runs it. This driver writes a frame from the
UI thread at once, on a non-blocking descriptor of the terminal; what the terminal cannot
take now (its buffer full: a stalled link) goes to a thread of its own, and later frames
queue behind it, so a slow terminal still never blocks the app. Everything else is Textual's
own driver.
"""

from __future__ import annotations

import contextlib
import os
import select
import selectors
import threading
from codecs import getincrementaldecoder
from collections import deque
from typing import Any

from textual._loop import loop_last
from textual._parser import ParseError
from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

# What a stalled terminal (a link in a Wi-Fi shadow) may have queued before the app waits for it
# (Textual's own writer queue blocks its app too, at 30 frames): memory stays bounded
BACKLOG_LIMIT = 1 << 20  # bytes
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


class PromptWriter:
    """Writes to a terminal from the calling thread without blocking it (see the module): at
    once when nothing is queued and the terminal takes it all, else behind the queue, which
    a thread of its own writes as the terminal takes it."""

    def __init__(self, fd: int) -> None:
        """``fd``: the terminal; it is opened again, non-blocking (its other descriptors, the
        input thread's among them, stay as they are)."""
        self.fd = os.open(os.ttyname(fd), os.O_WRONLY | os.O_NOCTTY | os.O_NONBLOCK)
        self._lock = threading.Condition()
        self._backlog: deque[bytes] = deque()
        self._queued = 0  # bytes in the backlog
        self._thread: threading.Thread | None = None
        self._closed = False

    def write(self, text: str) -> None:
        data = text.encode("utf-8", "replace")
        with self._lock:
            if self._closed:
                return
            if not self._backlog:
                data = data[self._write(data):]
                if not data:
                    return
            while self._queued > BACKLOG_LIMIT and not self._closed:
                self._lock.wait(1.0)  # a stalled terminal: wait until it takes some
            self._backlog.append(data)
            self._queued += len(data)
            if self._thread is None:
                self._thread = threading.Thread(target=self._drain, name="terminal-backlog",
                                                daemon=True)
                self._thread.start()
            self._lock.notify_all()

    def _write(self, data: bytes) -> int:
        """Bytes the terminal took now; all of them when it is gone (nothing to keep)."""
        try:
            return os.write(self.fd, data)
        except BlockingIOError:
            return 0
        except OSError:  # hung up: nobody to write to
            return len(data)

    def _drain(self) -> None:
        while True:
            with self._lock:
                while not self._backlog and not self._closed:
                    self._lock.wait()
                if not self._backlog:
                    return
                head = self._backlog[0]  # stays queued until written: later frames wait
            select.select([], [self.fd], [], 1.0)
            taken = self._write(head)
            with self._lock:
                if taken == len(head):
                    self._backlog.popleft()
                else:
                    self._backlog[0] = head[taken:]
                self._queued -= taken
                if taken:
                    self._lock.notify_all()  # a writer waiting for room

    def close(self, timeout: float = 2.0) -> None:
        """Write what is queued (for up to ``timeout`` seconds), then close."""
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
        with contextlib.suppress(OSError):
            os.close(self.fd)


class QuietLinuxDriver(LinuxDriver):
    """``LinuxDriver`` whose input thread blocks instead of polling (see the module)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)
        os.set_blocking(self._wake_write, False)
        self.exit_event: WakingEvent = WakingEvent(self._wake_write)
        self._prompt: PromptWriter | None = None

    def start_application_mode(self) -> None:
        if self._prompt is None:  # (kept over a suspend and resume)
            try:
                self._prompt = PromptWriter(self._file.fileno())
            except (OSError, ValueError, AttributeError):  # not a terminal: Textual's writer
                self._prompt = None
        super().start_application_mode()

    def write(self, data: str) -> None:
        """Write at once from this thread (``PromptWriter``); Textual's writer thread when
        the output is not a terminal."""
        if self._prompt is not None:
            self._prompt.write(data)
        else:
            super().write(data)

    def send_message(self, message: Any) -> None:
        """Straight into the app's queue (``post_message`` is thread-safe: one callback on
        its loop). Textual's own wraps every key in a coroutine, a task and a future: nine
        of each for a nine-key scanner burst."""
        self._app.post_message(message)

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
        if self._prompt is not None:
            self._prompt.close()
            self._prompt = None
        self.exit_event.wake_fd = -1  # never a write to a closed (or reused) descriptor
        for fd in (self._wake_read, self._wake_write):
            with contextlib.suppress(OSError):
                os.close(fd)
