"""What the picker keeps between scans besides the plan: the open question's data
(``Pending``) and the shorts recorded on the order (``ShortRecord``)."""

from __future__ import annotations

from dataclasses import dataclass

from scanner_tui.scanning.result import Scan
from scanner_tui.workflows.pick_plan import Task


@dataclass(frozen=True, slots=True)
class Pending:
    """What answering the open question needs (the question itself is ``asked``)."""

    bin: str = ""
    task: Task | None = None
    scan: Scan | None = None  # the product scan a quantity answer applies
    lot: str | None = None
    target: int = 0  # planned in this bin: counting up to it picks
    count: int = 1  # pieces counted by scanning the product again


@dataclass(frozen=True, slots=True)
class ShortRecord:
    line_no: int
    sku: str
    bin: str
    qty: int
