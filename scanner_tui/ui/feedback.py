"""What the app told the person about each scan: shown, rung, and kept for tests to read."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from scanner_tui.workflows.base import Outcome

OK, WARN, NO = "✔", "!", "✘"


def signal(outcome: Outcome) -> tuple[str, bool]:
    """The one mapping of an outcome to what the person sees and hears: (mark, bell).
    A tick only for success, a bell only for a refusal; a warning (accepted, but read this:
    an over-receipt, another lot) is marked ``!`` and does not ring."""
    if not outcome.accepted:
        return NO, True
    return (WARN, False) if outcome.warning else (OK, False)


@dataclass(frozen=True, slots=True)
class Feedback:
    scan_id: str
    accepted: bool
    text: str  # the sentence shown
    bell: bool  # True when the bell was rung


class FeedbackLog:
    """The last ``size`` feedbacks given (``bell()`` is silent headless: tests read this)."""

    def __init__(self, size: int = 1000) -> None:
        self.items: deque[Feedback] = deque(maxlen=size)
        self.alerts: deque[Feedback] = deque(maxlen=size)  # not about a scan (scanner gone)
        self.bells = 0

    def add(self, item: Feedback) -> None:
        self.items.append(item)
        if item.bell:
            self.bells += 1

    def alert(self, text: str, bell: bool) -> None:
        """Something the person must know that no scan caused (the scanner was unplugged)."""
        self.alerts.append(Feedback("", False, text, bell))
        if bell:
            self.bells += 1

    def __len__(self) -> int:
        return len(self.items)

    @property
    def last(self) -> Feedback | None:
        return self.items[-1] if self.items else None
