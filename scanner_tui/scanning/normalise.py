"""Turn a raw payload into the code to classify, or a reason to reject it.

Only the scanner's suffix (CR, LF, CRLF, TAB) and surrounding spaces are trimmed. The length
cap is applied before anything looks inside the payload. Control characters (except GS, the
GS1 field separator, and the configured GS substitute, which becomes GS), terminal escapes,
invisible formatting characters and markup-looking text are rejected, never cleaned up.
An ISO/IEC 15434 envelope (``[)>`` RS ..., behind an optional AIM identifier) may also carry
RS and EOT, its own separators: there and nowhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scanner_tui.codes import char_name  # the one validator names characters

GS = "\x1d"
SUFFIX = "\r\n\t "

# C0 (but GS), DEL, C1, and Unicode format / separator characters that can reorder or hide
# text on a terminal (zero-width, bidi controls, line/paragraph separators, BOM), plus lone
# surrogates (text that was never valid).
_BAD = re.compile(
    "[\x00-\x1c\x1e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
    "\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]"
)
_ESCAPE = frozenset("\x1b\x9b")
ENVELOPE_HEADER = "[)>\x1e"
_ENVELOPE_CONTROLS = str.maketrans("", "", "\x1e\x04")
# Rich / Textual markup tags ("[bold]", "[/]", "[@click=...]", a dangling "[/") and HTML tags.
_MARKUP = re.compile(r"\[[^\[\]]*\]|\[/|</?[A-Za-z!?][^<>]*>")


@dataclass(frozen=True, slots=True)
class Normalised:
    """The trimmed code, or (``reason`` set) why the payload is rejected.

    A rejected payload's code is cut to the length cap; undecodable bytes appear escaped.
    """

    code: str
    reason: str | None = None

    @property
    def rejected(self) -> bool:
        return self.reason is not None


def too_long(max_length: int) -> str:
    return f"longer than {max_length} characters"


def normalise(payload: str | bytes, max_length: int = 256, gs_substitute: str = "") -> Normalised:
    """Trim the suffix, decode bytes, enforce the length cap and reject unsafe text."""
    # Anything far beyond the cap is refused before it is decoded or stripped.
    hard_cap = 4 * max_length + 16
    if isinstance(payload, bytes | bytearray | memoryview):
        raw = bytes(payload)
        if len(raw) > hard_cap:
            return Normalised(_show_bytes(raw, max_length), too_long(max_length))
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return Normalised(_show_bytes(raw, max_length), "contains bytes that are not text")
    elif isinstance(payload, str):
        text = payload
    else:
        return Normalised("", "is not text")
    if len(text) > hard_cap:
        return Normalised(text[:max_length], too_long(max_length))
    code = text.rstrip(SUFFIX).lstrip(" ")
    if len(code) > max_length:
        return Normalised(code[:max_length], too_long(max_length))
    if gs_substitute:
        code = code.replace(gs_substitute, GS)
    header = _envelope_end(code)
    probe = code[header:].translate(_ENVELOPE_CONTROLS) if header else code
    bad = _BAD.search(probe)
    if bad is not None:
        return Normalised(code, _control_reason(code, bad.group()))
    if ("[" in probe or "<" in probe) and _MARKUP.search(probe):
        return Normalised(code, "looks like markup, not a barcode")
    return Normalised(code)


def _envelope_end(code: str) -> int:
    """Where the data after an ISO/IEC 15434 header starts (0: not an envelope)."""
    if code.startswith(ENVELOPE_HEADER):
        return len(ENVELOPE_HEADER)
    if code.startswith("]") and code.startswith(ENVELOPE_HEADER, 3):
        return 3 + len(ENVELOPE_HEADER)
    return 0


def _control_reason(code: str, first: str) -> str:
    if any(ch in _ESCAPE for ch in code):
        return "contains a terminal escape sequence"
    point = ord(first)
    if point < 0x20 or 0x7F <= point <= 0x9F:
        return "contains control characters"
    if 0xD800 <= point <= 0xDFFF:
        return "contains characters that are not valid text"
    return f"contains invisible formatting characters ({char_name(first)})"


def _show_bytes(raw: bytes, max_length: int) -> str:
    """Bytes as text with undecodable ones escaped (``\\xff``), cut to ``max_length``."""
    return raw[:max_length].decode("utf-8", "backslashreplace")[:max_length]
