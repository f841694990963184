"""Site tag rules run on RE2, a linear-time regular-expression engine.

Python's ``re`` backtracks: ``^(A+)+$`` takes seconds on a few dozen characters, and tag rules
come from a site's configuration and run on every scan. RE2 (the ``google-re2`` package) runs
in time linear in the payload; it has no backreferences or lookaround, so a rule that uses them
is refused when the configuration is loaded. ``\\d``, ``\\w`` and ``\\s`` are ASCII-only in RE2,
as they are for ``re.ASCII``: a full-width digit is not a digit.
"""

from __future__ import annotations

import re

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 would print parse errors on stderr; we raise instead

# What RE2 cannot run, named for the person who wrote the rule.
_FEATURES = (
    (re.compile(r"\(\?<?[=!]"), "a lookahead or lookbehind"),
    (re.compile(r"\\[1-9]|\(\?P=|\\g<"), "a backreference"),
    (re.compile(r"\(\?>|[*+?}]\+"), "an atomic group or possessive quantifier"),
)


class LinearRegexError(ValueError):
    """The pattern needs a backtracking engine; the message names what in it does."""


def compile_linear(pattern: str):  # noqa: ANN201  (an RE2 pattern object)
    """Compile ``pattern`` for RE2, or raise LinearRegexError saying which feature is missing."""
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error:
        for finder, name in _FEATURES:
            if finder.search(pattern):
                raise LinearRegexError(name) from None
        raise LinearRegexError("a construct the linear-time engine does not support") from None
