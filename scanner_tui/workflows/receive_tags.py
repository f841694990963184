"""New asset tags while receiving: printed for the serial product in hand, expected back.

A tag printed here and scanned back onto a unit receives one unit of the SKU it was printed
for (``ReceiveWorkflow.awaiting``); the printing itself is ``tag_printing.print_new_tags``.
"""

from __future__ import annotations

from scanner_tui.scanning.result import Scan
from scanner_tui.text import counted
from scanner_tui.workflows.base import Outcome, Question
from scanner_tui.workflows.receive_state import Receiving, Tagged
from scanner_tui.workflows.tag_printing import count_refusal, print_new_tags


def print_refusal(wf: Receiving) -> str | None:
    """Why new asset tags cannot be printed now (None: they can)."""
    cur, p = wf.current, wf.pending
    if wf.choosing:
        return "Choose the receipt first; then scan the product its new tags are for."
    if cur is None or not cur.serial:
        return "Scan a serial-tracked product first; CMD:PRINT then prints tags for its units."
    if wf._has_notice(cur.sku_id):
        return (f"{cur.code} units on {wf.receipt.code} carry the serials of its ship "
                "notice: scan those, no new tags.")
    if p is not None and p.kind != "print":
        return f"Answer first: {wf._instruction()}."
    return None


def ask_print(wf: Receiving, n: int) -> Outcome:
    """A typed number while tags may be printed: how many CMD:PRINT will print."""
    refused = count_refusal(n)
    if refused is not None:
        return refused
    code = wf.current.code
    q = wf._ask("print", Question(f"Print {counted(n, 'new tag')} for {code}?"), qty=n)
    return Outcome.ok(f"{counted(n, 'new asset tag')} for {code}: CMD:PRINT prints them, CMD:NO "
                      "does not.", question=q)


def print_tags(wf: Receiving, scan: Scan, n: int) -> Outcome:
    """Print ``n`` new asset tags for the current SKU; expect them scanned back."""
    refusal = print_refusal(wf)
    if refusal is not None:
        return Outcome.refuse(refusal)
    cur = wf.current
    doc = ("receipt", wf.receipt.code) if wf.receipt is not None else ("", "")
    done = print_new_tags(wf.services, n, scan, doc_type=doc[0], doc_code=doc[1])
    if not done.tags:  # refused: the open question (if any) stays as it was
        return done.outcome
    wf.pending = None
    for tag in done.tags:
        wf.printed[tag] = wf.awaiting[tag] = Tagged(cur.sku_id, cur.lot, cur.expiry)
    what = ("Stick it on a unit" if len(done.tags) == 1
            else "Stick one on each unit")
    return Outcome.ok(f"{done.outcome.message} {what} of {cur.code} and scan it.",
                      changed=True)
