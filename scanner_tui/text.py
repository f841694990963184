"""Small text helpers every layer shares: control characters, the article before a noun.

A control character here is C0 (``\\x00``-``\\x1f``), DEL or C1 (``\\x7f``-``\\x9f``): what a
terminal or a label printer may act on. Pure (no Textual, no DB): every layer may use it. The
UI's wider ``ui/safe_text.visible`` also escapes format characters and odd spaces.
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


def with_article(noun: str) -> str:
    """``a bin``, ``an asset``, ``an Admin`` (by the first letter only)."""
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun
