"""Untrusted text (scanned or typed payloads) made safe to show on a terminal.

The function lives in ``scanner_tui.text`` (the commands use it too, and they need no UI);
this name stays for the screens. Render the result as plain text, never as markup.
"""

from scanner_tui.text import visible

__all__ = ["visible"]
