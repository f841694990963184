"""Untrusted text (scanned or typed payloads) made safe to show on a terminal.

No Textual import: the CLI uses this too. Anything Python does not call printable (C0/C1
controls, ESC, DEL, format characters such as bidi overrides, lone surrogates, line and
paragraph separators, odd spaces) becomes a visible escape: ``\\r``, ``\\x1b``, ``\\u202e``.
The result is still *plain text*: render it with ``rich.text.Text`` / ``Content``, never as
markup.
"""

from __future__ import annotations

_SHORT = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}


def _escape(ch: str) -> str:
    if ch in _SHORT:
        return _SHORT[ch]
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def visible(text: str, limit: int | None = None) -> str:
    """``text`` with every non-printable character escaped; cut to ``limit`` chars with '…'."""
    if text.isprintable():
        out = text
    else:
        out = "".join(ch if ch.isprintable() else _escape(ch) for ch in text)
    if limit is not None and len(out) > limit:
        out = out[: max(0, limit - 1)] + "…"
    return out
