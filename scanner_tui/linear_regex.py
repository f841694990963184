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


# google-re2's public ``fullmatch`` builds a match object in Python (~6 us a call); a yes/no
# through its compiled RE2 object is ~1 us. Used when this google-re2 has it, else the public way.
_BOTH = getattr(getattr(re2, "_Anchor", None), "ANCHOR_BOTH", None)
_NO_MATCH = (-1, -1)


class LinearPattern:
    """A compiled tag rule: ``matches`` (yes/no, the fast path) and ``fullmatch`` (groups)."""

    __slots__ = ("_compiled", "_raw", "groups", "pattern")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._compiled = re2.compile(pattern, _OPTIONS)
        self.groups: int = self._compiled.groups
        raw = getattr(self._compiled, "_regexp", None)
        self._raw = raw if _BOTH is not None and hasattr(raw, "Match") else None

    def matches(self, text: str) -> bool:
        """Whether the whole of ``text`` matches."""
        if self._raw is None:
            return self._compiled.fullmatch(text) is not None
        encoded = text.encode("utf-8", "surrogatepass")
        return self._raw.Match(_BOTH, encoded, 0, len(encoded))[0] != _NO_MATCH

    def fullmatch(self, text: str):  # noqa: ANN201  (a match object with groups, or None)
        return self._compiled.fullmatch(text) if self.matches(text) else None


class FirstMatch:
    """Which of several rules matches the whole text first (in the order given), in one RE2
    pass over the text (RE2::Set): ~1 us for all the site's tag rules, not ~1 us each."""

    __slots__ = ("_raw", "_rules")

    def __init__(self, rules: list[LinearPattern]) -> None:
        self._rules = rules
        self._raw = None
        try:
            together = re2.Set.FullMatchSet(_OPTIONS)
            for rule in rules:
                together.Add(rule.pattern)
            together.Compile()
            raw = getattr(together, "_set", None)
            self._raw = raw if hasattr(raw, "Match") else None
        except re2.error:  # a set too big for RE2's memory budget: one rule at a time
            self._raw = None

    def index(self, text: str) -> int | None:
        """The position of the first rule matching the whole of ``text``, or None."""
        if self._raw is None:
            return next((i for i, rule in enumerate(self._rules) if rule.matches(text)), None)
        found = self._raw.Match(text.encode("utf-8", "surrogatepass"))
        return min(found) if found else None


def compile_linear(pattern: str) -> LinearPattern:
    """Compile ``pattern`` for RE2, or raise LinearRegexError saying which feature is missing."""
    try:
        return LinearPattern(pattern)
    except re2.error:
        for finder, name in _FEATURES:
            if finder.search(pattern):
                raise LinearRegexError(name) from None
        raise LinearRegexError("a construct the linear-time engine does not support") from None
