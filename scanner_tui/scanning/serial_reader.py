"""The serial scanner path: bytes from a serial / USB-CDC / socket scanner to ``Scan`` objects.

``SerialScanner`` owns a daemon thread that opens the port (a device path or any pyserial URL),
frames the bytes into payloads with ``LineFramer`` and hands each one to ``on_scan`` as a
``Scan`` (source ``serial``, id given when the frame completes). When the port cannot be opened
or a read fails (the scanner was unplugged) it closes the port, says so through ``on_status``
and retries the open with a capped backoff, forever, until ``stop()``. Nothing here raises out
of the thread. Pure: no Textual, no database.
"""

from __future__ import annotations

import errno
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import serial

from scanner_tui.scanning.result import Scan, Source

log = logging.getLogger(__name__)

TERMINATORS = ("CR", "LF", "CRLF", "TAB")
MAX_FRAME = 4096  # bytes of payload kept before a line without terminator is cut
_FIRST_RETRY = 0.05  # seconds before the first retry of an open
_DRAIN_LIMIT = 65536  # bytes taken from the port in one go before framing them
_EOL = re.compile(rb"\r\n?|\n")
_TAB = re.compile(rb"\t")


class LineFramer:
    """Cut a byte stream into frames, each ending with its terminator as received.

    With a CR, LF or CRLF terminator any of CR, LF or CRLF ends a frame, and a CRLF split
    across two reads never makes an extra empty frame: with ``CR`` the frame is emitted at
    the CR and a LF that comes right after is dropped; with ``LF``/``CRLF`` a CR at the end of
    the data is held until the next byte (or ``idle()``, called when a read timed out) shows
    whether a LF follows. Once a held CR had to be completed by ``idle()`` (the scanner really
    sends CR alone), CRs are emitted at once again until a LF is seen after one, so a
    mis-set terminator costs one read timeout, not one per scan. With ``TAB`` only TAB ends a
    frame.

    A payload longer than ``max_length`` bytes is emitted cut to ``max_length`` bytes and
    without a terminator (so classification rejects it as too long); the rest of that line, up
    to the next terminator, is dropped. The buffer never grows past ``max_length`` + 1 bytes.
    """

    def __init__(self, terminator: str = "CR", max_length: int = MAX_FRAME) -> None:
        if terminator not in TERMINATORS:
            raise ValueError(f"terminator must be one of {', '.join(TERMINATORS)}")
        if max_length < 1:
            raise ValueError("max_length must be positive")
        self.terminator = terminator
        self.max_length = max_length
        self._pattern = _TAB if terminator == "TAB" else _EOL
        self._hold_cr = terminator in ("LF", "CRLF")
        self._lf_seen = True  # a LF followed the last CR (or nothing showed otherwise yet)
        self._crlf_family = terminator != "TAB"
        self._buf = bytearray()
        self._swallow_lf = False  # the last frame ended with a CR: a LF now belongs to it
        self._discarding = False  # inside the tail of an overlong line

    @property
    def pending(self) -> int:
        """Bytes held for a frame that is not complete yet."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[bytes]:
        """Add bytes just read; return the frames they complete, in order."""
        if not data:
            return []
        buf = self._buf
        buf += data
        frames: list[bytes] = []
        pos = 0
        if self._swallow_lf:
            self._swallow_lf = False
            if buf[:1] == b"\n":
                pos = 1
                self._lf_seen = True
        size = len(buf)
        while pos < size:
            match = self._pattern.search(buf, pos)
            if match is None:
                break
            start, end = match.span()
            if end == size and end - start == 1 and buf[start] == 0x0D and self._holding():
                break  # a CR at the very end: wait to see whether a LF follows
            if end - start == 2:
                self._lf_seen = True
            self._complete(buf, pos, start, end, frames)
            pos = end
            if self._crlf_family and end == size and buf[end - 1] == 0x0D:
                self._swallow_lf = True
        del buf[:pos]
        self._cap(frames)
        return frames

    def idle(self) -> list[bytes]:
        """A read timed out with nothing new: complete a frame held back at its final CR."""
        buf = self._buf
        if not (self._holding() and buf[-1:] == b"\r"):
            return []
        frames: list[bytes] = []
        self._complete(buf, 0, len(buf) - 1, len(buf), frames)
        buf.clear()
        self._swallow_lf = True
        self._lf_seen = False
        return frames

    def _holding(self) -> bool:
        return self._hold_cr and self._lf_seen

    def reset(self) -> int:
        """Forget any partial frame (the port went away); return how many bytes were dropped."""
        dropped = len(self._buf)
        self._buf.clear()
        self._swallow_lf = False
        self._discarding = False
        self._lf_seen = True
        return dropped

    def _complete(self, buf: bytearray, pos: int, start: int, end: int, out: list[bytes]) -> None:
        """A terminator spans buf[start:end] and ends the frame that began at pos."""
        if self._discarding:
            self._discarding = False  # the end of an overlong line that was already emitted
        elif start - pos > self.max_length:
            out.append(bytes(buf[pos : pos + self.max_length]))
        else:
            out.append(bytes(buf[pos:end]))

    def _cap(self, out: list[bytes]) -> None:
        """Keep the unterminated rest of the buffer bounded."""
        buf = self._buf
        held_cr = self._holding() and buf[-1:] == b"\r"
        content = len(buf) - (1 if held_cr else 0)
        if self._discarding:
            del buf[:content]
        elif content > self.max_length:
            out.append(bytes(buf[: self.max_length]))
            del buf[:content]
            self._discarding = True


class ScannerState(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class ScannerStatus:
    """Where the serial scanner stands, with a sentence for the person holding it."""

    state: ScannerState
    port: str
    message: str  # e.g. "Scanner on /dev/ttyACM0 is unplugged; waiting for it to come back"
    detail: str = ""  # the technical reason, for logs

    @property
    def connected(self) -> bool:
        return self.state is ScannerState.CONNECTED


def _open_failure_sentence(port: str, exc: BaseException, was_connected: bool) -> str:
    """Why the port would not open, in words for the floor."""
    if not port:
        return "No scanner port is configured; set [scanner] port in the configuration"
    if isinstance(exc, ValueError):
        return (f"The scanner port {port!r} is not a port this app can open; "
                "check [scanner] port in the configuration")
    code = getattr(exc, "errno", None)
    if code in (errno.ENOENT, errno.ENODEV, errno.ENXIO, errno.EIO):
        if was_connected:
            return f"Scanner on {port} is unplugged; waiting for it to come back"
        return f"No scanner on {port}; waiting for it to be plugged in"
    if code in (errno.EACCES, errno.EPERM):
        return (f"Not allowed to open the scanner on {port} (is this user in the dialout "
                "group?); trying again")
    if code in (errno.EBUSY, errno.EAGAIN):
        return f"The scanner on {port} is in use by another program; trying again"
    if was_connected:
        return f"Scanner on {port} is unplugged; waiting for it to come back"
    return f"Cannot reach the scanner on {port}; trying again"


class SerialScanner:
    """Read scans from a serial port in a daemon thread; see the module docstring.

    ``on_scan`` and ``on_status`` are called from the reader thread: they must be quick and
    thread-safe (Textual's ``App.post_message`` is). An exception in them is logged, not raised.
    """

    def __init__(
        self,
        port: str,
        *,
        baudrate: int = 9600,
        bytesize: int = 8,
        parity: str = "N",
        stopbits: float = 1,
        terminator: str = "CR",
        on_scan: Callable[[Scan], None],
        on_status: Callable[[ScannerStatus], None] | None = None,
        reconnect_seconds: float = 2.0,
        read_timeout: float = 0.1,
        max_length: int = MAX_FRAME,
    ) -> None:
        self.port = port
        self.settings = {"baudrate": baudrate, "bytesize": bytesize, "parity": parity,
                         "stopbits": stopbits}
        self.framer = LineFramer(terminator, max_length)
        self.on_scan = on_scan
        self.on_status = on_status
        self.reconnect_seconds = max(reconnect_seconds, _FIRST_RETRY)
        self.read_timeout = max(read_timeout or 0.1, 0.01)  # never 0 (busy loop), None (no stop)
        self._status = ScannerStatus(ScannerState.STOPPED, port, f"Scanner on {port} is off")
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._serial: serial.SerialBase | None = None
        self._lock = threading.Lock()  # guards _serial between the thread, stop() and send()

    # -- public --------------------------------------------------------------------------------

    @property
    def status(self) -> ScannerStatus:
        return self._status

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the reader thread (once; a second call does nothing while it runs)."""
        if self.running:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=f"serial-scanner {self.port}",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        """Stop reading, close the port and wait (up to ``timeout``) for the thread to end."""
        self._stopping.set()
        with self._lock:
            port = self._serial
        if port is not None:
            try:
                port.cancel_read()
            except Exception:  # the port may be half closed already
                pass
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():  # stuck in an open (e.g. a slow TCP connect): cut it loose
                log.warning("serial reader for %s did not stop in %.1f s", self.port, timeout)
                self._close()

    def send(self, data: bytes) -> bool:
        """Write bytes to the scanner (a beep or trigger command); False when not connected."""
        with self._lock:
            port = self._serial
            if port is None:
                return False
            try:
                port.write(data)
                return True
            except Exception as exc:  # an unplug shows up on the next read
                log.info("write to scanner on %s failed: %s", self.port, exc)
                return False

    # -- the thread ------------------------------------------------------------------------------

    def _run(self) -> None:
        delay = _FIRST_RETRY
        was_connected = False
        self._report(ScannerState.CONNECTING, f"Connecting to the scanner on {self.port}")
        try:
            while not self._stopping.is_set():
                try:
                    port = self._open()
                except Exception as exc:  # any failure: report and retry
                    self._report(ScannerState.DISCONNECTED,
                                 _open_failure_sentence(self.port, exc, was_connected), str(exc))
                    self._stopping.wait(delay)
                    delay = min(delay * 2, self.reconnect_seconds)
                    continue
                with self._lock:
                    self._serial = port
                if self._stopping.is_set():
                    break
                was_connected = True
                self._report(ScannerState.CONNECTED, f"Scanner on {self.port} is connected")
                opened = time.monotonic()
                try:
                    self._pump(port)
                except Exception as exc:  # an unplug, or a bug: never die
                    if self._stopping.is_set():
                        break
                    self._report(ScannerState.DISCONNECTED,
                                 f"Scanner on {self.port} is unplugged; waiting for it to "
                                 "come back", str(exc))
                finally:
                    self._close()
                    dropped = self.framer.reset()
                    if dropped:
                        log.info("dropped %d bytes of an unfinished scan from %s", dropped,
                                 self.port)
                if time.monotonic() - opened > self.reconnect_seconds:
                    delay = _FIRST_RETRY  # it worked for a while: retry quickly
                self._stopping.wait(delay)
                delay = min(delay * 2, self.reconnect_seconds)
        finally:
            self._close()
            self._report(ScannerState.STOPPED, f"Scanner on {self.port} is off")

    def _open(self) -> serial.SerialBase:
        options = dict(self.settings, timeout=self.read_timeout, write_timeout=1.0)
        if "://" not in self.port:
            # a device: lock it, or two programs would each get half of every scan
            options["exclusive"] = True
        return serial.serial_for_url(self.port, **options)

    def _pump(self, port: serial.SerialBase) -> None:
        """Read and frame until stopped; a failing read raises (the caller reconnects)."""
        framer = self.framer
        while not self._stopping.is_set():
            data = port.read(1)  # waits at most read_timeout
            if data:
                while len(data) < _DRAIN_LIMIT:
                    waiting = port.in_waiting
                    if not waiting:
                        break
                    data += port.read(waiting)
                frames = framer.feed(data)
            else:
                frames = framer.idle()
            for frame in frames:
                self._emit(frame)

    def _emit(self, frame: bytes) -> None:
        # Undecodable bytes stay visible as \xNN text: storable, and never a valid tag.
        scan = Scan(frame.decode("utf-8", "backslashreplace"), Source.SERIAL)
        try:
            self.on_scan(scan)
        except Exception:
            log.exception("on_scan failed for a serial scan from %s", self.port)

    def _report(self, state: ScannerState, message: str, detail: str = "") -> None:
        old = self._status
        if old.state is state and old.message == message:
            return
        self._status = status = ScannerStatus(state, self.port, message, detail)
        if self.on_status is None:
            return
        try:
            self.on_status(status)
        except Exception:
            log.exception("on_status failed for the scanner on %s", self.port)

    def _close(self) -> None:
        with self._lock:
            port, self._serial = self._serial, None
        if port is not None:
            try:
                port.close()
            except Exception:  # closing a vanished device may fail; it is gone
                pass
