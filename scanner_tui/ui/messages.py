"""Messages of the scan app. Scans travel one way: ScanRead -> pipeline -> ScanHandled."""

from __future__ import annotations

from textual.message import Message

from scanner_tui.scanning.result import Scan
from scanner_tui.scanning.serial_reader import ScannerStatus
from scanner_tui.ui.pipeline import Handled


class ScanRead(Message):
    """A scan was read (posted by the serial reader thread, or by the app for wedge scans)."""

    def __init__(self, scan: Scan) -> None:
        super().__init__()
        self.scan = scan


class ScanHandled(Message):
    """A scan went through the pipeline; the screen it was read on shows it."""

    def __init__(self, handled: Handled, *, routed: bool = False) -> None:
        super().__init__()
        self.handled = handled
        self.routed = routed  # True once the app has passed it on to the target screen


class ScannerStatusChanged(Message):
    """The serial scanner connected, went away, or came back."""

    def __init__(self, status: ScannerStatus) -> None:
        super().__init__()
        self.status = status


class WedgeTick(Message):
    """Time to let the key assembler close keys it has held for a full gap."""
