"""Small text helpers every layer shares: control characters, the article before a noun.

A control character here is C0 (``\\x00``-``\\x1f``), DEL or C1 (``\\x7f``-``\\x9f``): what a
terminal or a label printer may act on. Pure (no Textual, no DB): every layer may use it.
``visible`` is wider: it also escapes format characters (bidi overrides) and odd spaces, for
untrusted text shown on a screen or printed by a command.
"""

from __future__ import annotations

import re

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def masked(text: str, mark: str = "?") -> str:
    """``text`` with every control character replaced by ``mark``."""
    return CONTROL.sub(mark, text)


def hex_escaped(text: str, keep: str = "") -> str:
    """``text`` with every control character not in ``keep`` written as ``\\xNN``."""

    def escape(m: re.Match[str]) -> str:
        ch = m.group()
        return ch if ch in keep else f"\\x{ord(ch):02x}"

    return CONTROL.sub(escape, text)


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
    """``text`` with every non-printable character escaped (``\\r``, ``\\x1b``, ``\\u202e``);
    cut to ``limit`` chars with '…'. Still plain text: never render it as markup."""
    if text.isprintable():
        out = text
    else:
        out = "".join(ch if ch.isprintable() else _escape(ch) for ch in text)
    if limit is not None and len(out) > limit:
        out = out[: max(0, limit - 1)] + "…"
    return out


def with_article(noun: str) -> str:
    """``a bin``, ``an asset``, ``an Admin`` (by the first letter only)."""
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def counted(n: int, noun: str, plural: str | None = None, *, signed: bool = False) -> str:
    """``1 unit``, ``2 units``, ``0 units``, ``1,200 units``; ``signed``: ``+1 unit``,
    ``-3 units`` (a variance). ``plural`` for nouns that do not take an s."""
    number = f"{n:+,d}" if signed else f"{n:,d}"
    return f"{number} {noun if abs(n) == 1 else plural or noun + 's'}"


def sentence(text: str) -> str:
    """``text`` ended as a sentence: a full stop unless it ends with one already (or with
    ``?``, ``!``, ``:``), so a question shown after a message never reads "short?."."""
    text = text.rstrip()
    return text if not text or text[-1] in ".?!:…" else text + "."
