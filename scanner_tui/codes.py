"""The one validator for codes and numbers, whatever the door (scan, typed answer, import, API,
config). Pure: no store, no UI; every layer may import it.

* Serials and lots: GS1's 82-character set (ISO 646 letters, digits and ``!"%&'()*+,-./:;<=>?_``),
  at most 20 characters when they came in GS1 data (AI 21 / AI 10), at most ``MAX_SERIAL`` /
  ``MAX_LOT`` otherwise; a manufacturer serial may also have to match its SKU's
  ``serial_pattern``.
* SKU, bin, badge and document codes: printable ASCII without spaces, at most ``MAX_CODE``.
* Quantities: ASCII digits only (no sign, no ``_``, no exponent, no Arabic-Indic or full-width
  digits), 1..``MAX_QUANTITY`` per operation by default; no stock line past ``STOCK_LIMIT``.
* Unit values: a finite decimal, at most 4 decimal places and ``MAX_UNIT_VALUE``.

Anything else raises ``CodeRefused``: one sentence that names the first bad character as
``U+200B ZERO WIDTH SPACE``. Validators never touch the store, so nothing refused is stored.
"""

from __future__ import annotations

import functools
import re
import string
import unicodedata
from decimal import Decimal, InvalidOperation

from scanner_tui.linear_regex import LinearPattern, LinearRegexError, compile_linear

GS1_CHARSET = frozenset(string.ascii_letters + string.digits + "!\"%&'()*+,-./:;<=>?_")
ASCII_CODE = frozenset(chr(c) for c in range(0x21, 0x7F))  # printable ASCII, no space
GS1_MAX = 20  # AI (21) serial and AI (10) lot: X..20
MAX_SERIAL = 64
MAX_LOT = 64
MAX_CODE = 64
MAX_QUANTITY = 1_000_000
STOCK_LIMIT = 2**53 - 1  # a stock line stays exact in JSON and in every client's doubles
MAX_UNIT_VALUE = Decimal("1000000000")
_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_DECIMAL = re.compile(r"[0-9]{1,10}(\.[0-9]{1,4})?", re.ASCII)
_C0_NAMES = ("NULL", "START OF HEADING", "START OF TEXT", "END OF TEXT", "END OF TRANSMISSION",
             "ENQUIRY", "ACKNOWLEDGE", "BELL", "BACKSPACE", "CHARACTER TABULATION",
             "LINE FEED", "LINE TABULATION", "FORM FEED", "CARRIAGE RETURN", "SHIFT OUT",
             "SHIFT IN", "DATA LINK ESCAPE", "DEVICE CONTROL ONE", "DEVICE CONTROL TWO",
             "DEVICE CONTROL THREE", "DEVICE CONTROL FOUR", "NEGATIVE ACKNOWLEDGE",
             "SYNCHRONOUS IDLE", "END OF TRANSMISSION BLOCK", "CANCEL", "END OF MEDIUM",
             "SUBSTITUTE", "ESCAPE", "FILE SEPARATOR", "GROUP SEPARATOR", "RECORD SEPARATOR",
             "UNIT SEPARATOR")


class CodeRefused(ValueError):
    """A code or number that may not enter the store; ``str()`` is the sentence to show."""

    def __init__(self, message: str, *, what: str, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.what = what
        self.reason = reason  # a stable machine word: empty, too_long, character, ...

    def __str__(self) -> str:
        return self.message


def char_name(ch: str) -> str:
    """``U+200B ZERO WIDTH SPACE``: how a refusal names one character (never the raw one)."""
    cp = ord(ch)
    if cp < 0x20:
        name = _C0_NAMES[cp]
    elif cp == 0x7F:
        name = "DELETE"
    elif 0x80 <= cp <= 0x9F:
        name = "CONTROL CHARACTER"
    elif 0xD800 <= cp <= 0xDFFF:
        name = "LONE SURROGATE (not text)"
    else:
        name = unicodedata.name(ch, "") or f"{unicodedata.category(ch)} CHARACTER"
    return f"U+{cp:04X} {name}"


def _shown(value: str, limit: int = 24) -> str:
    """The part of a refused value that is safe to quote: plain ASCII only, cut short."""
    safe = "".join(c if c in ASCII_CODE else "?" for c in value[:limit])
    return safe + ("…" if len(value) > limit else "")


def _text(value: object, what: str) -> str:
    if value is None:
        raise CodeRefused(f"No {what} was given.", what=what, reason="missing")
    if not isinstance(value, str):
        raise CodeRefused(f"The {what} must be text, not {type(value).__name__}.",
                          what=what, reason="type")
    value = value.strip(" \r\n\t")
    if not value:
        raise CodeRefused(f"The {what} is empty.", what=what, reason="empty")
    return value


def _check_chars(value: str, allowed: frozenset[str], what: str, rule: str) -> None:
    for ch in value:
        if ch not in allowed:
            raise CodeRefused(
                f"The {what} {_shown(value)} has a character that is not allowed "
                f"({char_name(ch)}); {rule}.", what=what, reason="character")


def _check_length(value: str, limit: int, what: str, why: str = "") -> None:
    if len(value) > limit:
        raise CodeRefused(f"The {what} {_shown(value)} is {len(value)} characters long; at "
                          f"most {limit} are allowed{why}.", what=what, reason="too_long")


def length_refusal(value: str, what: str = "scan", *, limit: int = MAX_CODE) -> str | None:
    """The sentence refusing ``value`` as longer than any code may be, or None: what an
    over-long scan or typed line is told, whatever screen it reached."""
    try:
        _check_length(value.strip(" \r\n\t"), limit, what)
    except CodeRefused as exc:
        return str(exc)
    return None


def check_serial(value: object, *, gs1: bool = False, pattern: str = "",
                 what: str = "serial") -> str:
    """A unit's serial, trimmed, or CodeRefused. ``gs1``: it came as GS1 AI (21) data (at
    most 20 characters); ``pattern``: the SKU's ``serial_pattern`` it must match."""
    text = _text(value, what)
    _check_chars(text, GS1_CHARSET, what,
                 "serials use letters, digits and !\"%&'()*+,-./:;<=>?_ only")
    _check_length(text, GS1_MAX if gs1 else MAX_SERIAL, what, " in GS1 data" if gs1 else "")
    if pattern and not _matches(pattern, text):
        raise CodeRefused(f"The {what} {_shown(text)} does not look like this product's serials "
                          f"(they match {_shown(pattern, 40)}).", what=what, reason="pattern")
    return text


def check_lot(value: object, *, gs1: bool = False) -> str:
    """A lot or batch, trimmed; ``""`` (no lot) stays ``""``. Same characters as serials."""
    if value is None or (isinstance(value, str) and not value.strip(" \r\n\t")):
        return ""
    text = _text(value, "lot")
    _check_chars(text, GS1_CHARSET, "lot",
                 "lots use letters, digits and !\"%&'()*+,-./:;<=>?_ only")
    _check_length(text, GS1_MAX if gs1 else MAX_LOT, "lot", " in GS1 data" if gs1 else "")
    return text


def check_code(value: object, what: str = "code", *, limit: int = MAX_CODE) -> str:
    """A SKU, bin, badge or document code: printable ASCII, no spaces, at most ``limit``."""
    text = _text(value, what)
    _check_chars(text, ASCII_CODE, what, "codes use printable ASCII letters, digits and signs")
    _check_length(text, limit, what)
    return text


def check_text(value: object, what: str = "text", *, limit: int = 200) -> str:
    """Free text kept beside a change (a reason, a note): no control characters, no lone
    surrogates, at most ``limit`` characters. Other Unicode is fine here: it is never a key."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise CodeRefused(f"The {what} must be text, not {type(value).__name__}.",
                          what=what, reason="type")
    for ch in value:
        cp = ord(ch)
        if cp < 0x20 or 0x7F <= cp <= 0x9F or 0xD800 <= cp <= 0xDFFF:
            raise CodeRefused(f"The {what} has a character that is not allowed "
                              f"({char_name(ch)}).", what=what, reason="character")
    _check_length(value, limit, what)
    return value.strip()


_NUMBER_LIKE = re.compile(r"[+-]?[\d_]+([.,][\d_]+)?([eE][+-]?[\d_]+)?")  # any script's digits


def number_like(text: str) -> bool:
    """Does typed text look like a number in any form (``٥٠``, ``1e3``, ``+7``, ``1_000``,
    ``7.0``)? A prompt then answers with ``parse_quantity``: a quantity or its refusal."""
    return _NUMBER_LIKE.fullmatch(text.strip()) is not None


def parse_quantity(value: object, *, limit: int = MAX_QUANTITY, minimum: int = 1,
                   what: str = "quantity") -> int:
    """A quantity typed, imported or passed to the API: ASCII digits (or an int) in
    ``minimum..limit``. ``٥٠``, ``1e3``, ``+7``, ``1_000``, ``7.0`` and floats are refused."""
    if isinstance(value, bool) or value is None:
        raise CodeRefused(f"The {what} must be a whole number.", what=what, reason="type")
    if isinstance(value, str):
        text = value.strip(" \r\n\t")
        if not _DIGITS.fullmatch(text):
            bad = next((c for c in text if not ("0" <= c <= "9")), None)
            detail = f" ({char_name(bad)})" if bad is not None else ""
            raise CodeRefused(f"{_shown(text) or 'Nothing'} is not a {what}{detail}; type "
                              "digits 0-9 only.", what=what, reason="character")
        if len(text) > 16:
            raise CodeRefused(f"{_shown(text)} is too large a {what}; at most {limit:,} at "
                              "a time.", what=what, reason="too_large")
        number = int(text)
    elif isinstance(value, int):
        number = value
    else:
        raise CodeRefused(f"The {what} must be a whole number, not {type(value).__name__}.",
                          what=what, reason="type")
    if number < minimum:
        raise CodeRefused(f"{number} is not a {what} that can be used here; at least "
                          f"{minimum}.", what=what, reason="too_small")
    if number > limit:
        raise CodeRefused(f"{number:,} is too large a {what}; at most {limit:,} at a time.",
                          what=what, reason="too_large")
    return number


def check_stock_total(total: int) -> None:
    """A stock line or document total may not pass ``STOCK_LIMIT`` (2^53 - 1)."""
    if total > STOCK_LIMIT:
        raise CodeRefused(f"That would put {total:,} on one stock line; at most {STOCK_LIMIT:,}"
                          " can be held.", what="quantity", reason="too_large")


def parse_unit_value(value: object) -> Decimal:
    """A unit value: a finite decimal 0..``MAX_UNIT_VALUE`` with at most 4 decimal places
    (``inf``, ``nan``, ``1e308`` and ``-1`` are refused)."""
    if isinstance(value, bool) or value is None:
        raise CodeRefused("The unit value must be a number.", what="unit value", reason="type")
    if isinstance(value, float):
        value = repr(value)
    text = str(value).strip() if isinstance(value, (str, int, Decimal)) else None
    if text is None or not _DECIMAL.fullmatch(text):
        raise CodeRefused(f"{_shown(str(value)) or 'Nothing'} is not a unit value; write it "
                          "like 12.50 (digits, at most 4 decimals).", what="unit value",
                          reason="character")
    try:
        number = Decimal(text)
    except InvalidOperation:  # pragma: no cover  (the pattern admits only decimals)
        raise CodeRefused("That is not a unit value.", what="unit value",
                          reason="character") from None
    if number > MAX_UNIT_VALUE:
        raise CodeRefused(f"{text} is too large a unit value; at most {MAX_UNIT_VALUE:,}.",
                          what="unit value", reason="too_large")
    return number


def check_pattern(pattern: str) -> str:
    """A SKU's ``serial_pattern``: a regular expression the linear-time engine runs (RE2, like
    the tag rules), so no crafted serial can keep it busy."""
    if not isinstance(pattern, str):
        raise CodeRefused("The serial pattern must be text.", what="serial pattern",
                          reason="type")
    if not pattern:
        return ""
    _check_chars(pattern, ASCII_CODE | {" "}, "serial pattern",
                 "patterns are written in printable ASCII")
    _check_length(pattern, 200, "serial pattern")
    try:
        re.compile(pattern, re.ASCII)
    except (re.error, RecursionError, OverflowError) as exc:
        raise CodeRefused(f"The serial pattern is not a valid regular expression ({exc}).",
                          what="serial pattern", reason="pattern") from None
    try:
        compile_linear(pattern)
    except LinearRegexError as exc:
        raise CodeRefused(f"The serial pattern uses {exc}, which the linear-time engine cannot "
                          "run; write it without it.", what="serial pattern",
                          reason="pattern") from None
    return pattern


@functools.lru_cache(maxsize=256)
def _linear(pattern: str) -> LinearPattern:
    return compile_linear(pattern)


def _matches(pattern: str, text: str) -> bool:
    return _linear(pattern).matches(text)
