"""Keyboard-wedge key assembler: keystrokes in, whole payloads out (pure, no UI).

A keyboard-wedge scanner "types" its payload, then a terminator key, in one fast burst.
A person types the same keys slowly. This module tells them apart by the gaps between
keystroke times (``[scanner] burst_gap_ms``, default 50 ms) and assembles payloads.

How the app uses it (the interception design)
---------------------------------------------
Textual hands every key to the focused widget, and ``Input.Submitted`` is unreliable under
fast input (Textual issue #6605), so scans are assembled *before* any widget sees a key:
the App intercepts each raw ``events.Key`` (in ``App.on_event``, ahead of bindings and focus)
and feeds it here as a :class:`KeyStroke`. The assembler answers with actions:

- :class:`Assembled` -- a complete payload (``Source.WEDGE`` for a burst ended by the
  terminator, ``Source.KEYBOARD`` for text a person typed and ended with the terminator).
- :class:`Release` -- keys that are not part of a scan: the app replays them, in order, to
  normal key handling (the focused widget, bindings). Printable keys are *held* for up to
  one gap: if no burst follows they are released (``to_field=True``: a widget has focus, a
  quantity field say, so the person's typing goes to it) or collected as typed scan text
  (``to_field=False``: nothing has focus). A burst that arrives while a text field has focus
  therefore never lands in the field. Non-text keys (arrows, Ctrl+Q, Backspace on a field)
  are released at once, after whatever was held.

Limits: Textual's parser eats the ESC of an escape sequence and turns what follows into
other keys, so a payload with ESC in it cannot come through a wedge as sent (keep ESC out of
scanner prefixes). A control key (BEL, ...) that arrives inside a burst is kept in the payload,
and a run holding one is a scan even without its terminator: it is refused as a whole by the
classifier, never replayed as keys. A bracketed paste is a ``Paste`` event, handled by the
app, not here.
- :class:`TypingChanged` -- the person's typed (not yet ended) scan text changed.

Over a network (``scanner-tui serve``: SSH, the browser) a burst can be split by a pause: with
``split_wait_ms`` set, a fast run of at least ``min_burst`` keys that pauses without its
terminator is kept as a *fragment* for up to that long; what follows up to the terminator is
the same scan (a code ends at its terminator, never at a pause). A non-text key, or the wait
running out, turns the fragment into typing as before. Off (0) by default.

Held keys need a clock: the app calls :meth:`WedgeAssembler.tick` once :attr:`deadline`
has passed (no key came within the gap), which closes the held run.

Rules: the terminator (``CR`` -> "enter", ``LF`` -> "ctrl+j", ``TAB`` -> "tab", ``CRLF`` ->
"enter" then an immediately following "ctrl+j") ends a payload and is kept in it as received
("\\r", "\\n", "\\t", "\\r\\n"). Ctrl+] ("ctrl+right_square_bracket") and the configured
``gs_substitute`` character become ASCII 29 (GS). A run of fewer than ``min_burst`` (4)
characters ended by the terminator counts as typing (fast key rollover, or a test's
``pilot.press("1", "2", "enter")``, not a scanner): short codes still work, as ``keyboard``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scanner_tui.scanning.result import Source

GS = "\x1d"
GS_KEY = "ctrl+right_square_bracket"
LF_KEY = "ctrl+j"
TERMINATOR_KEYS = {"CR": "enter", "LF": "ctrl+j", "TAB": "tab", "CRLF": "enter"}
TERMINATOR_TEXT = {"enter": "\r", "ctrl+j": "\n", "tab": "\t"}
CLEAR_KEYS = ("escape", "ctrl+u")
ERASE_KEYS = ("backspace", "ctrl+h")


@dataclass(frozen=True, slots=True)
class KeyStroke:
    """One key as the terminal reported it. ``event`` is handed back untouched in Release."""

    key: str
    character: str | None
    time: float  # seconds, monotonic (Textual's ``Message.time``)
    event: Any = None


@dataclass(frozen=True, slots=True)
class Assembled:
    """A complete payload, terminator included."""

    payload: str
    source: Source
    started: float
    ended: float


@dataclass(frozen=True, slots=True)
class Release:
    """Keys that belong to normal key handling, in the order they arrived."""

    keys: tuple[KeyStroke, ...]


@dataclass(frozen=True, slots=True)
class TypingChanged:
    """The text a person has typed towards a scan so far."""

    text: str


Action = Assembled | Release | TypingChanged


class WedgeAssembler:
    """Assembles scanner bursts and typed payloads from timed keystrokes. Not thread-safe."""

    def __init__(
        self,
        *,
        terminator: str = "CR",
        burst_gap_ms: float = 50.0,
        gs_substitute: str = "",
        min_burst: int = 4,
        split_wait_ms: float = 0.0,
    ) -> None:
        if terminator not in TERMINATOR_KEYS:
            raise ValueError(f"unknown terminator {terminator!r}")
        self.terminator = terminator
        self.terminator_key = TERMINATOR_KEYS[terminator]
        self.gap = burst_gap_ms / 1000.0
        self.gs_substitute = gs_substitute
        self.min_burst = max(1, min_burst)
        self.split_wait = split_wait_ms / 1000.0
        self._fragment: list[KeyStroke] = []  # a burst cut by a pause, waiting for the rest
        self._fragment_last = 0.0
        self._held: list[KeyStroke] = []  # the current run of fast printable keys
        self._typed = ""  # a person's typed scan text (only when no field has focus)
        self._typed_started = 0.0
        self._last = 0.0  # time of the newest key in the run
        # CRLF: a payload ended by CR, waiting up to one gap for the LF.
        self._pending: tuple[str, Source, float, float] | None = None

    @classmethod
    def from_config(cls, scanner: Any) -> WedgeAssembler:
        """Build from the ``[scanner]`` config section."""
        return cls(
            terminator=scanner.terminator,
            burst_gap_ms=scanner.burst_gap_ms,
            gs_substitute=scanner.gs_substitute,
        )

    # -- state a caller may read ------------------------------------------------------------
    @property
    def typed(self) -> str:
        return self._typed

    @property
    def busy(self) -> bool:
        """True while keys are held or a payload waits for its LF."""
        return bool(self._held or self._fragment) or self._pending is not None

    @property
    def deadline(self) -> float | None:
        """When :meth:`tick` must be called if no key arrives before (None: nothing waits)."""
        if self._pending is not None:
            return self._pending[3] + self.gap
        if self._held:
            return self._last + self.gap
        if self._fragment:
            return self._fragment_last + self.split_wait
        return None

    # -- input ------------------------------------------------------------------------------
    def feed(self, stroke: KeyStroke, *, to_field: bool = False) -> list[Action]:
        """Take one keystroke; ``to_field`` says a text field has focus right now."""
        out: list[Action] = []
        t = stroke.time
        if self._pending is not None:
            payload, source, started, ended = self._pending
            self._pending = None
            if stroke.key == LF_KEY and t - ended <= self.gap:
                out.append(Assembled(payload + "\n", source, started, t))
                return out
            out.append(Assembled(payload, source, started, ended))
        if self._fragment and not self._held and t - self._fragment_last > self.split_wait:
            out.extend(self._flush_fragment(to_field))
        if self._held and t - self._last > self.gap:
            out.extend(self._pause(to_field))

        key = stroke.key
        if key == self.terminator_key:
            out.extend(self._terminate(stroke, to_field))
        elif self._char(stroke) is not None or self._joins_burst(stroke):
            self._held.append(stroke)
            self._last = t
        else:
            if self._fragment:
                out.extend(self._flush_fragment(to_field))
            elif self._held:
                out.extend(self._close_run(to_field))
            out.extend(self._edit_or_release(stroke, to_field))
        return out

    def tick(self, now: float, *, to_field: bool = False) -> list[Action]:
        """Close whatever has waited a full gap by ``now``."""
        out: list[Action] = []
        if self._pending is not None and now - self._pending[3] >= self.gap:
            out.append(Assembled(*self._pending))
            self._pending = None
        if self._held and now - self._last >= self.gap:
            out.extend(self._pause(to_field))
        if self._fragment and not self._held and now - self._fragment_last >= self.split_wait:
            out.extend(self._flush_fragment(to_field))
        return out

    def reset(self) -> None:
        """Forget held keys, typed text and any waiting payload."""
        self._held.clear()
        self._fragment.clear()
        self._typed = ""
        self._pending = None

    # -- internals --------------------------------------------------------------------------
    def _char(self, stroke: KeyStroke) -> str | None:
        """The character a key contributes to a payload, or None for a non-text key."""
        if stroke.key == GS_KEY:
            return GS
        ch = stroke.character
        if not ch or len(ch) != 1:
            return None
        if self.gs_substitute and ch == self.gs_substitute:
            return GS
        return ch if ch.isprintable() else None

    def _joins_burst(self, stroke: KeyStroke) -> bool:
        """Is this control key (BEL, ESC...) part of the burst being held, not a key?

        Textual's parser eats the ESC of an escape sequence and hands on the rest as keys
        at one instant (``ESC ]0;dy BEL`` -> ``]``, ``0``, ``;``, ``d``, ``y``, ``ctrl+g``):
        a control key that comes inside a run is data of that scan. A person's Escape or
        Backspace right after a key or two stays a key, and so do the suffix keys (Enter,
        Ctrl+J, Tab) that are not this scanner's terminator."""
        ch = stroke.character
        if not self._held or not ch or len(ch) != 1 or ch.isprintable():
            return False
        if stroke.key in TERMINATOR_TEXT:
            return False
        return stroke.key not in CLEAR_KEYS + ERASE_KEYS or len(self._held) >= self.min_burst

    def _text(self, strokes: list[KeyStroke]) -> str:
        return "".join(self._char(s) or s.character or "" for s in strokes)

    def _has_control(self, strokes: list[KeyStroke]) -> bool:
        return any(self._char(s) is None for s in strokes)

    def _pause(self, to_field: bool) -> list[Action]:
        """The held run paused a full gap: a burst cut short (kept as a fragment when
        ``split_wait_ms`` is set), else typing."""
        if self.split_wait and (self._fragment or len(self._held) >= self.min_burst):
            self._fragment.extend(self._held)
            self._held = []
            self._fragment_last = self._last
            return []
        return self._close_run(to_field)

    def _flush_fragment(self, to_field: bool) -> list[Action]:
        """No terminator came: the fragment (and any keys after it) was typing after all."""
        self._held = self._fragment + self._held
        self._fragment = []
        return self._close_run(to_field)

    def _close_run(self, to_field: bool) -> list[Action]:
        """A run ended without its terminator: it was typing (or a suffix-less scanner).

        A run holding a control key is a burst: one scan as it came, never keys."""
        run, self._held = self._held, []
        if self._has_control(run):
            return [Assembled(self._text(run), Source.WEDGE, run[0].time, run[-1].time)]
        if to_field:
            return [Release(tuple(run))]
        if not self._typed:
            self._typed_started = run[0].time
        self._typed += self._text(run)
        return [TypingChanged(self._typed)]

    def _terminate(self, stroke: KeyStroke, to_field: bool) -> list[Action]:
        t = stroke.time
        suffix = TERMINATOR_TEXT[stroke.key]
        out: list[Action] = []
        if self._fragment:  # the rest of a burst a pause had cut: one scan
            run, self._fragment, self._held = self._fragment + self._held, [], []
            return self._finish(self._text(run) + suffix, Source.WEDGE, run[0].time, t)
        burst = len(self._held) >= self.min_burst or self._has_control(self._held)
        if self._held and burst and t - self._last <= self.gap:
            run, self._held = self._held, []
            out.extend(self._finish(self._text(run) + suffix, Source.WEDGE, run[0].time, t))
            return out
        if self._held:  # too short to be a scanner: typing
            out.extend(self._close_run(to_field))
            if to_field:
                out.append(Release((stroke,)))
                return out
        if to_field and not self._typed:
            out.append(Release((stroke,)))
            return out
        text, started = self._typed, (self._typed_started if self._typed else t)
        self._typed = ""
        if text:
            out.append(TypingChanged(""))
        out.extend(self._finish(text + suffix, Source.KEYBOARD, started, t))
        return out

    def _finish(self, payload: str, source: Source, started: float, ended: float) -> list[Action]:
        if self.terminator == "CRLF":  # hold it until the LF comes (or one gap passes)
            self._pending = (payload, source, started, ended)
            return []
        return [Assembled(payload, source, started, ended)]

    def _edit_or_release(self, stroke: KeyStroke, to_field: bool) -> list[Action]:
        if not to_field and self._typed:
            if stroke.key in ERASE_KEYS:
                self._typed = self._typed[:-1]
                return [TypingChanged(self._typed)]
            if stroke.key in CLEAR_KEYS:
                self._typed = ""
                return [TypingChanged("")]
        return [Release((stroke,))]
