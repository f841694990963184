"""Shared helpers for the UI tests (no tests here): a demo store, the app on it at a fixed
clock, scans posted as key bursts at scanner speed, keys at human speed, the screen as text."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import text
from textual import events
from textual._time import get_time
from textual.keys import _character_to_key

from scanner_tui.config import Config, DatabaseConfig, FeedbackConfig, TerminalConfig
from scanner_tui.inventory.verify import verify_report
from scanner_tui.ui.app import ScannerApp

FIXED = datetime(2026, 5, 4, 9, 30, 0, tzinfo=UTC)
SCANNER_STEP = 0.002  # seconds between keys in a scanner burst
KEY_NAMES = {"\r": "enter", "\n": "ctrl+j", "\t": "tab", "\x1d": "ctrl+right_square_bracket"}


def key_event(ch: str, at: float) -> events.Key:
    event = events.Key(KEY_NAMES.get(ch) or _character_to_key(ch), ch)
    event.time = at
    return event


def burst(app: ScannerApp, text: str, start: float | None = None) -> float:
    """Post ``text`` as keys a scanner types (no await between keys); returns the end time."""
    t = get_time() if start is None else start
    for ch in text:
        app.post_message(key_event(ch, t))
        t += SCANNER_STEP
    return t


async def type_slowly(app: ScannerApp, pilot, text: str, gap: float = 0.09) -> None:
    """A person typing: real pauses longer than the 50 ms burst gap between keys."""
    for ch in text:
        app.post_message(key_event(ch, get_time()))
        await pilot.pause()
        await asyncio.sleep(gap)


def floor_app(engine, db_url: str, **kw) -> ScannerApp:
    cfg = Config(database=DatabaseConfig(url=db_url), terminal=TerminalConfig(id="HH-07"),
                 feedback=FeedbackConfig(bell=True))
    return ScannerApp(cfg, engine, clock=lambda: FIXED, tz=UTC, **kw)


async def settle(app: ScannerApp, pilot) -> None:
    """Every scan and pipeline task answered and rendered."""
    for _ in range(3):
        await pilot.pause()
        await app.settle()
    await pilot.pause()


async def scan(app: ScannerApp, pilot, *payloads: str) -> None:
    """Scanner bursts (key events 2 ms apart, CR suffix), then wait for the answers."""
    for payload in payloads:
        burst(app, payload + "\r")
        await settle(app, pilot)


async def press(app: ScannerApp, pilot, *keys: str) -> None:
    """Keys a person presses, one at a time."""
    for key in keys:
        await pilot.press(key)
        await settle(app, pilot)


def screen_text(app: ScannerApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def last(app: ScannerApp):
    return app.feedback.last


def assert_verified(engine) -> None:
    report = verify_report(engine)
    assert report.ok, report


def one(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()
