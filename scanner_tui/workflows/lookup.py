"""Look-up: scan anything and see it, on a 40-column screen.

* a bin: what it holds (quantity lines and units);
* a unit: where it is, its status, its order and customer, and its life from the ledger;
* a product: its stock by bin (quantity SKUs) or its units by bin and status (serial SKUs);
* an order (its code scanned or typed): customer, lines, and which units it got.

Read only: nothing here changes the store, except that ``CMD:REPRINT`` after a bin or a unit
reprints its tag (``tag_printing.reprint_tag``; an asset tag's reprint is a ledger note). The
facts come from ``inventory.history``.
"""

from __future__ import annotations

from scanner_tui.inventory.db import Engine
from scanner_tui.inventory.history import UnknownCode, history, render
from scanner_tui.inventory.models import ROLES
from scanner_tui.inventory.order_queries import order_detail
from scanner_tui.scanning.result import Kind, Scan, ScanResult
from scanner_tui.text import counted
from scanner_tui.workflows.base import Line, Outcome, Services, View, Workflow, expected
from scanner_tui.workflows.dock import look_up
from scanner_tui.workflows.tag_printing import reprint_tag

WIDTH = 40
EVENTS = 20  # ledger rows shown for a unit
ROWS = 30  # lines shown for a bin or a product
ACCEPTS = (Kind.BIN, Kind.ASSET, Kind.PRODUCT)

# what a look-up shows: the answer line, context lines, column names, table lines
Shown = tuple[str, tuple[str, ...], tuple[str, ...], tuple[Line, ...]]


def fit(text: str) -> str:
    """One line: whitespace folded, never cut: the screen wraps context lines and table
    cells between words, so a code in them stays whole."""
    return " ".join(str(text).split())


def short_time(at: str | None) -> str:
    """``2026-11-11T10:00:00+00:00`` -> ``11-11 10:00``."""
    return at[5:16].replace("T", " ") if at else "?"


def event_text(e: dict, width: int = WIDTH - 12) -> str:
    """What one ledger row did to a unit, in a few words (who did it when it fits ``width``,
    one row of the history's "What" column at 40 columns); codes are never cut."""
    parts = [e["action"]]
    if e["action"] in ("pick", "ship") and e["doc_code"]:
        parts.append(e["doc_code"])
    elif e["to_bin"]:
        parts.append(e["to_bin"])
    elif e["from_bin"]:
        parts.append(f"from {e['from_bin']}")
    if e["action"] in ("receive", "return") and e["doc_code"]:
        parts.append(e["doc_code"])
    text = " ".join(parts)
    if e["operator"] and len(text) + 1 + len(e["operator"]) <= width:
        text += " " + e["operator"]
    return fit(text)


def code_of(result: ScanResult) -> str:
    """The most specific code a classified scan carries."""
    return result.serial or result.bin or result.gtin or result.sku or result.code


def lot_shown(stock: dict) -> str:
    """A stock line's lot, and "on hold" when its lot is held (a recall)."""
    lot = stock["lot"] or ""
    return f"{lot} on hold".strip() if stock["held"] else lot


def bin_view(h: dict) -> Shown:
    head = f"Bin {h['code']} ({h['kind']}" + (f", {h['zone']})" if h["zone"] else ")")
    if not h["active"]:
        head += " inactive"
    total = sum(s["qty"] for s in h["stock"])
    if not h["stock"] and not h["unit_count"]:
        summary = "empty"
    else:
        summary = (f"{counted(len(h['stock']), 'stock line')}, {total} pcs; "
                   f"{counted(h['unit_count'], 'unit')}")
    lines = [Line((s["sku"], str(s["qty"]), lot_shown(s))) for s in h["stock"]]
    lines += [Line((u["serial"], "1", u["sku"]), "" if u["status"] == "in_stock" else "warn")
              for u in h["units"]]
    shown = lines[:ROWS]
    if len(lines) > ROWS or h["unit_count"] > len(h["units"]):
        summary += " (first shown)"
    message = f"{h['code']}: {summary}."
    return message, (fit(head), fit(summary)), ("Item", "Qty", "Lot/SKU"), tuple(shown)


def unit_view(h: dict) -> Shown:
    status = h["status"].replace("_", " ")
    where = f"{status} in {h['bin']}" if h["bin"] else status
    context = [fit(f"Unit {h['serial']} {h['sku']}"), fit(where)]
    if h["order"]:
        context.append(fit(f"Order {h['order']} {h['customer'] or ''}"))
    if h["lot"] or h["expiry"]:
        context.append(fit(f"Lot {h['lot'] or '-'} exp {h['expiry'] or '-'}"
                           + (" on hold" if h["held"] else "")))
    if h["entry"] == "typed":
        context.append("Serial was typed, not scanned")
    events = h["events"][::-1][:EVENTS]  # newest first
    lines = tuple(Line((short_time(e["at"]), event_text(e)),
                       "warn" if e["entry"] == "typed" else "") for e in events)
    held = ", on hold (recall)" if h["held"] and h["status"] != "shipped" else ""
    message = f"{h['serial']} ({h['sku']}) is {where}{held}."
    return message, tuple(context), ("When", "What"), lines


def sku_view(h: dict) -> Shown:
    context = [fit(f"{h['code']} {h['description']}")]
    if h["tracking"] == "serial":
        units = sum(h["units_by_status"].values())
        by = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in h["units_by_status"].items())
        context.append(fit(f"{counted(units, 'unit')}: {by}" if units else "no units"))
        lines = [Line((u["bin"], str(u["units"]), u["status"].replace("_", " ")))
                 for u in h["units_by_bin"]]
        message = (f"{h['code']}: {counted(units, 'unit')} in "
                   f"{counted(len(h['units_by_bin']), 'bin line')}.")
        columns = ("Bin", "Units", "Status")
    else:
        total = sum(s["qty"] for s in h["stock"])
        bins = len({s["bin"] for s in h["stock"]})
        context.append(fit(f"{total} pcs in {counted(bins, 'bin')}"))
        lines = [Line((s["bin"], str(s["qty"]), lot_shown(s))) for s in h["stock"]]
        message = f"{h['code']}: {total} in {counted(bins, 'bin')}."
        columns = ("Bin", "Qty", "Lot")
    return message, tuple(context), columns, tuple(lines[:ROWS])


def order_view(engine: Engine, code: str) -> Shown | None:
    """An order's customer, lines (ordered / picked / shipped) and units; None if unknown."""
    found = order_detail(engine, code)
    if found is None:
        return None
    order, lines = found.order, found.lines
    rows: list[Line] = []
    for ln in lines:
        state = "done" if ln.shipped >= ln.qty else ("current" if ln.picked else "")
        rows.append(Line((ln.sku, str(ln.qty), f"{ln.picked} picked {ln.shipped} sent"), state))
        rows += [Line((f" {u.serial}", "1", u.status.replace("_", " ")))
                 for u in found.units if u.line_no == ln.line_no]
    context = (fit(f"Order {order.code} {order.customer}"),
               fit(f"{order.channel}, {order.status}"))
    message = (f"Order {order.code} for {order.customer}: {counted(len(lines), 'line')}, "
               f"{order.status}.")
    return message, context, ("Item", "Qty", "Progress"), tuple(rows[:ROWS])


def receipt_view(h: dict) -> Shown:
    """A receipt: supplier, status, and expected against received per line."""
    context = (fit(f"Receipt {h['code']} {h['supplier']}"), fit(h["status"]))
    lines = tuple(Line((ln["sku"], str(ln["qty_expected"]), str(ln["qty_received"])),
                       "done" if ln["qty_received"] >= ln["qty_expected"] else "")
                  for ln in h["lines"][:ROWS])
    message = f"Receipt {h['code']} from {h['supplier']}: {counted(len(h['lines']), 'line')}, " \
              f"{h['status']}."
    return message, context, ("Item", "Expected", "In"), lines


def other_view(h: dict) -> Shown:
    """Anything else ``history`` learns to answer: its own words, cut to the screen."""
    text = render(h)
    return (fit(text[0]) if text else "Found.", tuple(fit(t) for t in text[:ROWS]), (), ())


VIEWS = {"bin": bin_view, "asset": unit_view, "sku": sku_view, "receipt": receipt_view}


class LookupWorkflow(Workflow):
    key = "lookup"
    title = "Look-up"
    roles = ROLES  # everyone may look

    def __init__(self, services: Services, **options: object) -> None:
        super().__init__(services)
        self.options = options
        self.shown: tuple[tuple[str, ...], tuple[str, ...], tuple[Line, ...]] | None = None
        self.data: dict | None = None  # the last history looked up (for screens that want more)
        self.looked_up: str | None = None  # the code shown (saved; looked up again on restore)

    # -- task state as data (``Workflow.snapshot``): what was looked up is looked up again
    state_version = 1

    def save(self) -> dict:
        return {"code": self.looked_up}

    def load(self, state: dict) -> None:
        self.looked_up = state["code"]
        if self.looked_up:
            self._document(self.looked_up) or self._history(self.looked_up)

    def _history(self, code: str) -> Outcome | None:
        try:
            return self._show(history(self.services.engine, code), code)
        except UnknownCode:
            return None

    def view(self) -> View:
        context, columns, lines = self.shown or ((), (), ())
        return View(self.title, "Scan anything to look it up", context, columns, lines,
                    ACCEPTS)

    def on_unrecognised(self, scan: Scan, result: ScanResult) -> Outcome | None:
        # Order and receipt codes follow no tag rule: an unrecognised code may be one.
        if result.kind is Kind.UNKNOWN and result.code:
            return self._document(result.code)
        return None

    def _document(self, code: str) -> Outcome | None:
        """An order's or a receipt's view, or None when ``code`` is neither."""
        outcome = self._order(code)
        if outcome is None:
            try:
                h = history(self.services.engine, code)
            except UnknownCode:
                return None
            if h.get("type") == "receipt":
                outcome = self._show(h, code)
        return outcome

    def on_text(self, text: str, scan: Scan, result: ScanResult) -> Outcome:
        """A code typed at the keyboard: an order's, or any code the store knows (``r``:
        reprint the tag shown, like CMD:REPRINT)."""
        if text.lower() in ("r", "reprint"):
            return reprint_tag(self.services, self.data, scan)
        outcome = (self._order(text) or self._history(text)) if text else None
        if outcome is None:
            return Outcome.refuse(f"{text[:40]} is not a bin, unit, product or order of this "
                                  "store.")
        return outcome

    def _order(self, code: str) -> Outcome | None:
        shown = order_view(self.services.engine, code)
        if shown is None:
            return None
        message, context, columns, lines = shown
        self.data, self.shown, self.looked_up = None, (context, columns, lines), code
        return Outcome.ok(message)

    def _show(self, h: dict, code: str) -> Outcome:
        message, context, columns, lines = VIEWS.get(h.get("type"), other_view)(h)
        self.data, self.shown, self.looked_up = h, (context, columns, lines), code
        return Outcome.ok(message)

    def on_scan(self, scan: Scan, result: ScanResult) -> Outcome:
        if result.kind not in ACCEPTS:
            return expected(ACCEPTS, result, self.view().instruction)
        if result.kind is Kind.ASSET and result.gtin:  # GTIN and serial must agree
            look_up(self.services.engine, result)  # raises GtinMismatch (base refuses)
        outcome = self._history(code_of(result))
        if outcome is None:
            return Outcome.refuse(f"{result.code} is not a bin, unit or product of this "
                                  "store.")
        return outcome

    def on_command(self, command: str, scan: Scan) -> Outcome:
        if command in ("DONE", "CANCEL", "BACK"):
            return Outcome.ok("Look-up closed.", done=True)
        if command == "REPRINT":  # the tag of the bin or unit shown (a damaged one)
            return reprint_tag(self.services, self.data, scan)
        return super().on_command(command, scan)
