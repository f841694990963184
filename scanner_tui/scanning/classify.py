"""Classification: from a payload to what it is (bin, asset, product, container, badge,
command, empty or unknown with a reason). Pure, total, no UI and no database.

Order: normalise (suffix, cap, control characters, markup) -> symbology identifier split ->
the site's tag rules (command, badge, bin, asset; each must match the whole code) -> GS1 ->
the store's known codes (only for what is still unknown and not rejected as unsafe).

A symbology identifier is recorded and split off before the rules, so a bin tag read with the
scanner's AIM prefix on (``]C0A04-B-12``) is still a bin. Data behind a non-GS1 identifier
(``]C0``, ``]Q1``...) is read like data without one (plain GTIN, element strings, Digital Link).
"""

from __future__ import annotations

import logging
from typing import Protocol

from scanner_tui.scanning import gs1
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
    else:
        result = match_rules(data, rules, code, symbology) or gs1.interpret_cached(
            data, identifier, code, rules.separators
        ) or ScanResult(Kind.UNKNOWN, code=code, symbology=symbology, reason=NO_RULE)
    if result.kind is Kind.UNKNOWN and known is not None:
        return _look_up(known, data, result)
    return result


def match_rules(
    data: str, rules: TagRules, code: str | None = None, symbology: str | None = None
) -> ScanResult | None:
    """The site's own tag rules, in order command, badge, bin, asset; None when none match."""
    code = data if code is None else code
    found = rules.command.fullmatch(data)
    if found is not None:
        return ScanResult(Kind.COMMAND, code=code, command=_command_word(found, data),
                          symbology=symbology)
    if rules.badge.fullmatch(data):
        return ScanResult(Kind.BADGE, code=code, badge=data, symbology=symbology)
    if rules.bin.fullmatch(data):
        return ScanResult(Kind.BIN, code=code, bin=data, symbology=symbology)
    if rules.asset.fullmatch(data):
        return ScanResult(Kind.ASSET, code=code, serial=data, symbology=symbology)
    return None


def _command_word(found, data: str) -> str:
    """The group named ``command``, else the first group, else the text after the first ':'."""
    groups = found.groupdict()
    if groups.get("command"):
        return groups["command"]
    if found.re.groups and found.group(1):
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
