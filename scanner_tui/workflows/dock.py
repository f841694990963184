"""What the workflows share beyond ``base``: the dock bin, look-ups, plain codes, dates.

* ``default_dock_bin``: the site's default receiving place (first active dock bin by code).
* ``look_up`` / ``find_code``: the bin, unit or product a classified scan / a plain code names
  (every workflow looks codes up through these).
* ``look_up_place_or_item``: a scanned bin, unit or product, or the refusal for anything else.
* ``plain_code``: an unknown scan that may still be a manufacturer serial, a lot or a document
  code (no tag rule matched, or digits that only looked like GS1) — never an unsafe or mis-read
  payload (control characters, markup, a bad check digit).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from scanner_tui.inventory.db import Engine
from scanner_tui.inventory.floor_queries import default_dock_bin, undone_scan_ids
from scanner_tui.inventory.lookup import Resolved
from scanner_tui.inventory.lookup import find_code as find_code  # the workflows' look-ups
from scanner_tui.inventory.lookup import look_up as look_up
from scanner_tui.scanning.classify import NO_RULE
from scanner_tui.scanning.gs1 import NO_KEY
from scanner_tui.scanning.result import Kind, Scan, ScanResult
from scanner_tui.text import sentence
from scanner_tui.workflows.base import Outcome, Workflow, expected

PLAIN_REASONS = (NO_RULE, NO_KEY, "GS1 serial without a GTIN")


def active_bin(engine: Engine, result: ScanResult) -> Resolved | Outcome:
    """The bin a bin scan names, or the refusal: not known, or no longer in use."""
    found = look_up(engine, result)
    if found is None:
        return Outcome.refuse(f"{result.code} is not a known bin; scan the bin tag.")
    if not found.active:
        return Outcome.refuse(f"Bin {found.code} is not in use any more.")
    return found


PLACE_OR_ITEM = (Kind.BIN, Kind.ASSET, Kind.PRODUCT)
_NOUN = {Kind.BIN: "bin", Kind.ASSET: "unit", Kind.PRODUCT: "product"}


def look_up_place_or_item(engine: Engine, result: ScanResult, accepts: tuple[Kind, ...],
                          instruction: str) -> Resolved | Outcome:
    """The bin, unit or product a scan names, or the refusal (another kind of scan, or a code
    the store does not know) that repeats ``instruction``."""
    if result.kind not in PLACE_OR_ITEM:
        return expected(accepts, result, instruction)
    found = look_up(engine, result)
    if found is None:
        return Outcome.refuse(f"{result.code} is not a known {_NOUN[result.kind]}. "
                              f"{sentence(instruction)}")
    return found


class PlaceOrItemWorkflow(Workflow):
    """A workflow whose scans name a bin, a unit or a product (putaway, move): the look-up,
    the refusals (another kind, an unknown code, a bin no longer in use) and the dispatch to
    ``_bin`` / ``_unit`` / ``_product``."""

    def _accepts(self) -> tuple[Kind, ...]:
        return PLACE_OR_ITEM

    def _instruction(self) -> str:
        return self.view().instruction

    def on_scan(self, scan: Scan, result: ScanResult) -> Outcome:
        found = look_up_place_or_item(self.services.engine, result, self._accepts(),
                                      self._instruction())
        if isinstance(found, Outcome):
            return found
        if found.kind is Kind.BIN:
            if not found.active:
                return Outcome.refuse(f"Bin {found.code} is not in use any more. "
                                      f"{sentence(self._instruction())}")
            return self._bin(scan, found)
        if found.kind is Kind.ASSET:
            return self._unit(scan, found)
        return self._product(scan, found, result.lot, result.count)

    def _bin(self, scan: Scan, found: Resolved) -> Outcome:
        raise NotImplementedError

    def _unit(self, scan: Scan, unit: Resolved) -> Outcome:
        raise NotImplementedError

    def _product(self, scan: Scan, sku: Resolved, lot: str | None,
                 count: int | None = None) -> Outcome:
        """``count``: how many the label says it holds (the quantity question's default)."""
        raise NotImplementedError


def plain_code(result: ScanResult) -> str | None:
    """The code of an unknown scan that may be a serial, lot or document code, else None."""
    if result.kind is not Kind.UNKNOWN or result.reason not in PLAIN_REASONS:
        return None
    code = result.code
    if result.symbology and code.startswith(result.symbology):
        code = code[len(result.symbology):]
    return code if is_plain(code, 128) else None


def is_plain(text: str, limit: int) -> bool:
    """Printable, no spaces, not too long: fit to be a serial, lot or document code."""
    return 0 < len(text) <= limit and text.isprintable() and not any(c.isspace() for c in text)


def parse_expiry(text: str) -> date | None:
    """A date typed as YYYY-MM-DD, YYYYMMDD or YYMMDD (GS1; day 00 = end of month)."""
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
        if re.fullmatch(r"\d{8}", text):
            return datetime.strptime(text, "%Y%m%d").date()
        if re.fullmatch(r"\d{6}", text):
            year, month, day = 2000 + int(text[:2]), int(text[2:4]), int(text[4:])
            if day == 0:
                nxt = date(year + month // 12, month % 12 + 1, 1)
                return date.fromordinal(nxt.toordinal() - 1)
            return date(year, month, day)
    except ValueError:
        return None
    return None


__all__ = ["PLACE_OR_ITEM", "PlaceOrItemWorkflow", "active_bin", "default_dock_bin",
           "find_code", "is_plain", "look_up", "look_up_place_or_item", "parse_expiry",
           "plain_code", "undone_scan_ids"]
