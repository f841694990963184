"""A signed-in operator's shift: who, since when, and the summary shown at sign-out.

Kept with the terminal's place (``to_dict`` / ``take_back``): a terminal that resumes after a
dropped link or a restarted host counts on from where the shift was."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

CAPS_LOCK = "Caps lock is on: the scanner types in lower case; turn caps lock off. "

COUNTS = ("scans", "accepted", "errors", "changes", "lines_done", "caps_told")  # kept


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

    def to_dict(self) -> dict:
        """The shift as JSON-able data (kept in the terminal's row)."""
        return {"badge": self.badge, "started": self.started.isoformat(),
                **{name: getattr(self, name) for name in COUNTS}}

    def take_back(self, data: object) -> None:
        """The counts ``to_dict`` kept for this badge before a reconnect; anything else (no
        data, another badge's, unreadable) leaves the shift as it is."""
        if not isinstance(data, dict) or data.get("badge") != self.badge:
            return
        try:
            started = datetime.fromisoformat(data["started"])
            counts = {name: type(getattr(self, name))(data[name]) for name in COUNTS}
        except (KeyError, TypeError, ValueError):
            return
        self.started = started
        for name, value in counts.items():
            setattr(self, name, value)

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
