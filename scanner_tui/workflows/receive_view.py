"""What the receive screen shows: the view, the next instruction, and the discrepancy summary
(read from the receipt in the store each time: other terminals receive too)."""

from __future__ import annotations

from collections import defaultdict

from scanner_tui.labels.record import compress
from scanner_tui.scanning.result import Kind
from scanner_tui.text import counted
from scanner_tui.workflows.base import Line, View
from scanner_tui.workflows.receive_state import Receiving

MISSING_SHOWN = 20  # missing serials listed one by one in the summary, then a count


def receive_view(wf: Receiving) -> View:
    title = ("Receive blind" if wf.receipt is None and wf.blind
             else f"Receive {wf.receipt.code}" if wf.receipt else wf.title)
    context = [f"Into {wf.bin}" if wf.bin else "No dock bin yet"]
    if wf.receipt is not None and wf.receipt.supplier:
        context.append(wf.receipt.supplier[:38])
    cur = wf.current
    if cur is not None:
        extra = f" lot {cur.lot}" if cur.lot else ""
        extra += f" exp {cur.expiry.isoformat()}" if cur.expiry else ""
        context.append(f"Now: {cur.code}{extra}")
    if wf.awaiting:
        context.append(f"{counted(len(wf.awaiting), 'printed tag')} to stick on")
    if wf.notice:
        context.append(wf.notice)
    if wf.finished is not None:
        return View(title, "Receiving finished", tuple(context), ("Summary",),
                    tuple(Line((s,)) for s in wf.finished), ())
    if wf.choosing:
        rows = tuple(Line((str(n), r.code, r.supplier[:20]))
                     for n, r in enumerate(wf.open_receipts(), start=1))
        return View(title, instruction(wf), tuple(context), ("#", "Receipt", "From"),
                    rows, accepts(wf))
    if wf.receipt is not None:
        return View(title, instruction(wf), tuple(context), ("Ln", "SKU", "Exp", "In"),
                    receipt_rows(wf), accepts(wf), narrow=("Ln",))
    totals: dict[str, int] = defaultdict(int)
    for r in wf.records:
        totals[r.sku] += r.qty
    rows = tuple(Line((sku, str(n)), "current" if cur and cur.code == sku else "")
                 for sku, n in totals.items())
    return View(title, instruction(wf), tuple(context), ("SKU", "In"), rows,
                accepts(wf))


def receipt_rows(wf: Receiving) -> tuple[Line, ...]:
    over = over_by_sku(wf)
    rows = []
    for ln in wf.receipt_lines():
        state = ("current" if wf.current and wf.current.sku_id == ln.sku_id
                 else "done" if ln.qty_received >= ln.qty_expected else "")
        got = str(ln.qty_received)
        if over.get(ln.code):
            state, got = "warn", f"{got}+{over[ln.code]}"
        rows.append(Line((str(ln.line_no), ln.code, str(ln.qty_expected), got), state))
    return tuple(rows)


def instruction(wf: Receiving) -> str:
    p, cur = wf.pending, wf.current
    if wf.choosing:
        return "Scan receipt, or CMD:SKIP (blind)"
    if wf.bin is None:
        return "Scan the dock bin"
    if p is not None and p.kind == "reading":
        return "Which reading? Choose 1 or 2"
    if p is not None and p.kind == "bin":
        return f"Into {p.bin}? CMD:YES/NO"
    if p is not None and cur is not None:
        if p.kind == "count":
            return f"Receive {p.qty}? Enter, or type qty"
        if p.kind == "lot":
            return f"Lot of {cur.code}? Scan or type"
        if p.kind == "expiry":
            return f"Expiry of {cur.code}? YYYY-MM-DD"
        if p.kind == "quantity":
            return f"Type qty of {cur.code}, or scan"
        if p.kind == "over":
            return f"Receive {p.qty - p.fits} over? CMD:YES/NO"  # the excess, not the total
        if p.kind == "print":
            return f"Print {counted(p.qty, 'tag')}? CMD:PRINT/NO"
    if wf.awaiting and (cur is None or cur.serial):
        return f"Stick on + scan tags ({len(wf.awaiting)} left)"
    if cur is not None and cur.serial:
        return f"Scan each {cur.code} unit"
    return "Scan a product"


def accepts(wf: Receiving) -> tuple[Kind, ...]:
    if wf.choosing:
        return (Kind.UNKNOWN, Kind.BIN)
    if wf.current is not None and wf.current.serial:
        return (Kind.ASSET, Kind.PRODUCT, Kind.BIN)
    return (Kind.PRODUCT, Kind.ASSET, Kind.BIN)



# -- the end -----------------------------------------------------------------------------
def over_by_sku(wf: Receiving) -> dict[str, int]:
    over: dict[str, int] = defaultdict(int)
    for r in wf.records:
        if r.over:
            over[r.sku] += r.qty
    return over


def summary(wf: Receiving) -> list[str]:
    """The discrepancy summary: short lines, over lines, missing/unexpected serials."""
    if wf.receipt is None:
        totals: dict[str, int] = defaultdict(int)
        for r in wf.records:
            totals[r.sku] += r.qty
        out = [f"Received {n} {sku}" for sku, n in totals.items()] + unused_tags(wf)
        return out or ["Nothing received."]
    out = []
    for ln in wf.receipt_lines():
        if ln.qty_received < ln.qty_expected:
            out.append(f"Short: {ln.code} {ln.qty_received}/{ln.qty_expected}")
    for sku, n in over_by_sku(wf).items():
        out.append(f"Over: {sku} +{n} (off receipt)")
    out += unused_tags(wf)
    missing = wf.missing_serials()
    out += [f"Missing: {s}" for s in missing[:MISSING_SHOWN]]
    if len(missing) > MISSING_SHOWN:
        out.append(f"Missing: {counted(len(missing) - MISSING_SHOWN, 'more serial')}")
    out += [f"Unexpected: {s}" for s in wf.unexpected]
    out += [f"Not on receipt: {s}" for s in wf.not_on_receipt]
    return out or [f"{wf.receipt.code} received complete."]


def unused_tags(wf: Receiving) -> list[str]:
    """Tags printed here and never scanned back onto a unit (a supervisor voids them)."""
    return [f"Tag unused: {part}" for part in compress(list(wf.awaiting))]
