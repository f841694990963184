"""A pseudo-terminal acting as a serial barcode scanner, for tests.

The reader under test opens ``scanner.path`` (a symlink to the pty slave when ``link`` is given,
so the device can be "unplugged" and "plugged back" at the same path); the test writes the bytes
the scanner would send into the master side.
"""

from __future__ import annotations

import contextlib
import os
import select
import time
import tty
from collections.abc import Callable
from pathlib import Path


def wait_for(condition: Callable[[], object], timeout: float = 5.0, what: str = "condition"):
    """Poll ``condition`` until it is truthy (returned) or raise after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.005)


class PtyScanner:
    """One pty pair in raw mode (no echo, no line editing, no CR/LF translation)."""

    def __init__(self, link: Path | None = None) -> None:
        self.link = link
        self.master: int | None = None
        self.slave: int | None = None
        self.slave_name = ""
        self.plug()

    @property
    def path(self) -> str:
        return str(self.link) if self.link is not None else self.slave_name

    @property
    def plugged(self) -> bool:
        return self.master is not None

    def plug(self) -> None:
        """Create a fresh pty; point the link (if any) at its slave."""
        if self.plugged:
            return
        master, slave = os.openpty()
        tty.setraw(slave)  # no ECHO, no ICANON, no ICRNL: bytes pass as written
        os.set_blocking(master, False)
        self.master, self.slave = master, slave
        self.slave_name = os.ttyname(slave)
        if self.link is not None:
            tmp = self.link.with_name(self.link.name + ".new")
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            tmp.symlink_to(self.slave_name)
            os.replace(tmp, self.link)  # atomic: the path is never half made

    def unplug(self) -> None:
        """Pull the cable: close both sides and remove the link."""
        if self.link is not None:
            with contextlib.suppress(FileNotFoundError):
                self.link.unlink()
        for fd in (self.master, self.slave):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.master = self.slave = None

    def write(self, data: bytes, timeout: float = 10.0) -> None:
        """Write every byte into the master; raise if the reader stops draining for too long."""
        assert self.master is not None, "the scanner is unplugged"
        view = memoryview(data)
        deadline = time.monotonic() + timeout
        while view:
            try:
                sent = os.write(self.master, view)
            except BlockingIOError:
                sent = 0
            view = view[sent:]
            if view:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("nobody is reading the scanner's pty")
                select.select([], [self.master], [], min(left, 0.1))

    def scan(self, payload: str, suffix: str = "\r") -> None:
        self.write((payload + suffix).encode())

    def close(self) -> None:
        self.unplug()

    def __enter__(self) -> PtyScanner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
