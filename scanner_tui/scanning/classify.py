"""Classification: from a payload to what it is (bin, asset, product, container, badge,
command, empty or unknown with a reason). Pure, total, no UI and no database.

Order: normalise (suffix, cap, control characters, markup) -> symbology identifier split ->
an ISO/IEC 15434 envelope (``[)>``) -> the site's tag rules (command, badge, bin, asset; each
must match the whole code) -> HIBC (``+``) -> GS1 (GTIN, UPC-E, variable measure, element
strings, printed form, Digital Link) -> caps lock (the code upper-cased matches a tag rule)
-> the store's known codes (only for what is still unknown and not rejected as unsafe).

A symbology identifier is recorded and split off before the rules, so a bin tag read with the
scanner's AIM prefix on (``]C0A04-B-12``) is still a bin. Data behind a non-GS1 identifier
(``]C0``, ``]Q1``...) is read like data without one (plain GTIN, element strings, Digital Link).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Protocol

from scanner_tui.linear_regex import LinearPattern
from scanner_tui.scanning import gs1, hibc, iso15434
from scanner_tui.scanning.normalise import normalise
from scanner_tui.scanning.result import Kind, ScanResult
from scanner_tui.scanning.rules import DEFAULT_RULES, TagRules

log = logging.getLogger(__name__)

NO_RULE = "matches no tag rule"
NOTHING = "nothing was scanned"
LOOKUP_FAILED = "could not be looked up in the store"
INTERNAL = "could not be classified (internal error)"


class KnownCodes(Protocol):
    """Codes the store knows: a bin code, an asset serial, or a SKU code / barcode alias."""

    def known_kind(self, code: str) -> Kind | None:
        """``Kind.BIN``, ``Kind.ASSET`` or ``Kind.PRODUCT`` when the store knows ``code``."""
        ...


def classify(
    payload: str | bytes, rules: TagRules = DEFAULT_RULES, known: KnownCodes | None = None
) -> ScanResult:
    """What the app makes of one payload. Never raises."""
    try:
        return _classify(payload, rules, known)
    except Exception:  # noqa: BLE001  (a scan must always get an answer)
        log.exception("classification failed")
        code = payload if isinstance(payload, str) else ""
        return ScanResult(Kind.UNKNOWN, code=code[: rules.max_length], reason=INTERNAL)


def _classify(payload: str | bytes, rules: TagRules, known: KnownCodes | None) -> ScanResult:
    normal = normalise(payload, rules.max_length, rules.gs_substitute)
    code = normal.code
    if normal.reason is not None:
        return ScanResult(Kind.UNKNOWN, code=code, reason=normal.reason)
    if not code:
        return ScanResult(Kind.EMPTY, code="", reason=NOTHING)

    identifier, data, bad_identifier = gs1.split_symbology(code)
    symbology = identifier.value if identifier is not None else None
    if bad_identifier is not None:
        result = ScanResult(Kind.UNKNOWN, code=code, reason=bad_identifier)
    elif not data:
        result = ScanResult(
            Kind.UNKNOWN, code=code, symbology=symbology,
            reason="no data after the symbology identifier",
        )
    elif iso15434.is_envelope(data):
        result = iso15434.interpret_cached(data, code, symbology, rules.gs1)
    else:
        result = (
            match_rules(data, rules, code, symbology)
            or (hibc.interpret_cached(data, code, symbology) if hibc.looks_like_hibc(data)
                else None)
            or gs1.interpret_cached(data, identifier, code, rules.gs1)
            or ScanResult(Kind.UNKNOWN, code=code, symbology=symbology, reason=NO_RULE)
        )
        if result.kind is Kind.UNKNOWN and rules.caps_lock and _has_lower(data):
            upper = data.upper()
            found = match_rules(upper, rules, code[: len(code) - len(data)] + upper, symbology)
            if found is not None:
                return replace(found, caps_lock=True)
    if known is None:
        return result
    if result.kind is Kind.UNKNOWN:
        return _look_up(known, data, result)
    if result.part is not None and result.sku is None:
        return _part_as_sku(known, result)
    return result


def _part_as_sku(known: KnownCodes, result: ScanResult) -> ScanResult:
    """A maker's part number (HIBC, ISO 15434) that the store knows as a SKU code or alias."""
    try:
        kind = known.known_kind(result.part or "")
    except Exception:  # noqa: BLE001  (the store failing must not lose the scan's answer)
        log.exception("known-code lookup failed")
        return result
    return replace(result, sku=result.part) if kind is Kind.PRODUCT else result


def _has_lower(text: str) -> bool:
    return text != text.upper()


def match_rules(
    data: str, rules: TagRules, code: str | None = None, symbology: str | None = None
) -> ScanResult | None:
    """The site's own tag rules, in order command, badge, bin, asset; None when none match."""
    code = data if code is None else code
    index = rules.first_rule.index(data)  # 0 command, 1 badge, 2 bin, 3 asset
    if index is None:
        return None
    if index == 0:
        return ScanResult(Kind.COMMAND, code=code, command=_command_word(rules.command, data),
                          symbology=symbology)
    if index == 1:
        return ScanResult(Kind.BADGE, code=code, badge=data, symbology=symbology)
    if index == 2:
        return ScanResult(Kind.BIN, code=code, bin=data, symbology=symbology)
    return ScanResult(Kind.ASSET, code=code, serial=data, symbology=symbology)


def _command_word(rule: LinearPattern, data: str) -> str:
    """The group named ``command``, else the first group, else the text after the first ':'."""
    if rule.groups:
        found = rule.fullmatch(data)
        if found is not None:
            named = found.groupdict().get("command")
            if named:
                return named
            if found.group(1):
                return found.group(1)
    head, colon, tail = data.partition(":")
    return tail if colon and tail else data


def _look_up(known: KnownCodes, data: str, result: ScanResult) -> ScanResult:
    try:
        kind = known.known_kind(data)
    except Exception:  # noqa: BLE001  (the store failing must not lose the scan's answer)
        log.exception("known-code lookup failed")
        return ScanResult(Kind.UNKNOWN, code=result.code, symbology=result.symbology,
                          reason=LOOKUP_FAILED)
    common = {"code": result.code, "symbology": result.symbology}
    if kind is Kind.BIN:
        return ScanResult(Kind.BIN, bin=data, **common)
    if kind is Kind.ASSET:
        return ScanResult(Kind.ASSET, serial=data, **common)
    if kind is Kind.PRODUCT:
        return ScanResult(Kind.PRODUCT, sku=data, **common)
    return result
