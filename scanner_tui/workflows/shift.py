"""A signed-in operator's shift: who, since when, and the summary shown at sign-out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

CAPS_LOCK = "Caps lock is on: the scanner types in lower case; turn caps lock off. "


@dataclass
class Shift:
    badge: str
    name: str
    role: str
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    scans: int = 0
    accepted: int = 0
    errors: int = 0
    changes: int = 0  # stock or document changes made
    lines_done: int = 0  # receipt / pick / count lines completed
    caps_told: bool = False  # "caps lock is on" was said this shift (said once)

    def record(self, accepted: bool, changed: bool) -> None:
        """One answered scan: accepted or not, and whether it changed stock or documents."""
        self.scans += 1
        if accepted:
            self.accepted += 1
        else:
            self.errors += 1
        if changed:
            self.changes += 1

    def caps_lock_note(self) -> str:
        """What to say about a caps-lock scan: ``CAPS_LOCK`` the first time in the shift."""
        if self.caps_told:
            return ""
        self.caps_told = True
        return CAPS_LOCK

    def line_done(self) -> None:
        self.lines_done += 1

    def summary(self, now: datetime | None = None) -> list[str]:
        """Sentences for the sign-out screen."""
        now = now or datetime.now(UTC)
        minutes = max(0, int((now - self.started).total_seconds() // 60))
        return [
            f"{self.name or self.badge} ({self.role}) signed in for {minutes} min",
            f"Scans: {self.scans}  accepted: {self.accepted}  errors: {self.errors}",
            f"Changes made: {self.changes}  lines done: {self.lines_done}",
        ]
