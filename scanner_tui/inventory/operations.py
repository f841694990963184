"""Stock operations: one function per operation, each ONE transaction.

Every operation takes keyword arguments: ``actor`` (an ``Actor``: badge and terminal; the
operator's role and active flag are read from the store inside the operation's transaction,
never taken from the ``Actor``),
``scan_id`` (the id of the scan that caused it: the idempotency key), ``entry`` (``"scanned"``
or ``"typed"``: recorded on every ledger row, and on a unit received from a typed serial), and
codes as strings (bin codes, serials, SKU code / GTIN / alias). It checks the rules, changes
state AND writes its ledger row(s) in one transaction, then returns an ``OpResult``
(``.message`` is one short confirmation sentence, ``.ledger_ids``, ``.data``); or it changes
nothing and raises a ``DomainError`` whose ``str()`` is a sentence for the floor.

Idempotency: the scan id is written to ``AppliedScan`` in the same transaction. The same scan
applied again (retry, replay after a crash, two terminals at once) changes nothing and returns
the first result with ``replayed=True`` (whatever operation it is offered to). A refused scan
leaves no trace, so the same scan id may be applied again once the problem is fixed.
``applied(engine, scan_id)`` tells whether a scan has been applied; ``allowed(role, op)`` reads
the role matrix for menus. Races lost on a guarded update or a unique key (another terminal was
first) are retried in a fresh transaction, which then answers with the proper refusal; so are
a deadlock and a serialization failure (PostgreSQL), with the same scan id, a bounded number
of times, then ``StoreBusy`` (a sentence). Every ledger row is sealed into the ledger's hash
chain (``inventory/chain.py``); the chain's head is the first lock each operation takes, so
changes on PostgreSQL never wait on each other in opposite orders.

The transaction is one ``engine.connect()`` / ``begin()`` (SQLite: ``BEGIN IMMEDIATE``); the
hot statements are fixed, bound SQL on its DB-API cursor (see ``ops/base.py``; no ORM unit of
work), which is what keeps an operation near 0.2 ms (docs/BENCHMARKS.md, Operations).

Operations and their rules
--------------------------
``receive(bin, sku | serial, qty, lot, expiry, receipt, line)``
    Into a dock, pick, reserve or quarantine bin. A serial-tracked SKU needs ``serial`` (the
    SKU may come from the receipt's ship notice); a serial is received once (a unit that
    exists is refused). A quantity SKU needs ``qty > 0``. A SKU that captures lot / expiry
    needs them here (``CaptureRequired``). With a receipt: it must be open, the
    SKU on it, never more than expected; the line's ``qty_received`` rises; if the line lists
    expected serials the unit must be one of them (``ExpectedSerial.received`` is set).
``putaway(to_bin, serial | sku+qty+from_bin, lot)``
    Like move, but only into pick or reserve bins.
``move(to_bin, serial [from_bin] | sku+qty+from_bin, lot)``
    Not into staging (that is ``stage``). A unit must be in stock, returned or quarantined and
    is where the store says (``from_bin`` checked); moving into quarantine makes it
    quarantined, into pick/reserve/dock in stock. Quantity never goes negative; a missing
    ``lot`` takes the first-expiring lot that has enough.
``pick(order, line?, serial [bin] | sku+qty+bin, lot)``
    The order must be open. A unit must be in stock (picked says for which order, by whom and
    when; shipped says so); it stays in its bin, status ``picked``, ``order_line_id`` set. A
    quantity pick takes stock out of the bin (the bin with stock is named if the scanned one
    has none). The order line's ``qty_picked`` never exceeds its ``qty``.
``stage(order, bin, serial?)``
    Picked units of the order (or one) move to a staging bin; without a serial the order
    becomes ``staged``.
``ship(order)``
    Every picked unit ships (status ``shipped``, no bin; one ledger row per unit with the order
    and line = serials per order line); quantity lines get a ``ship`` row with their picked
    quantity. ``qty_shipped`` is set, the order becomes ``shipped``.
``return_unit(bin, serial | sku+qty+order, reason)``
    Into a returns or quarantine bin. Only a unit that shipped from here comes back (status
    ``returned``); anything else is refused with what the store knows about it. A quantity
    return cannot exceed what the order shipped minus what came back already.
``adjust(bin, sku, delta | counted, lot, reason, approved_by)``
    Quantity SKUs only (units are counted by their tags). Supervisors and admins adjust on
    their own authority; a receiver needs ``approved_by`` = an ``Approval``: the scan id of an
    active supervisor's or admin's own badge scan at the same terminal in the last 10 minutes
    (a badge given as a string is refused; the reason records the approver); a picker may not
    adjust.
``mark_lost(serial, reason, approved_by)`` / ``found(serial, bin, reason, approved_by)``
    Unit counts: a unit not found becomes ``lost`` (no bin); a lost unit that turns up comes
    back in stock in the scanned bin (a unit in stock elsewhere is a move: WrongBin says where
    it should be). Adjustments: same roles and approval as ``adjust``.
``scrap(serial [bin] | sku+bin+qty, lot, reason)``
    Supervisors and admins only. The unit leaves the store (status ``scrapped``).
``undo_last()``
    Reverses the operator's own newest change (all rows of its scan) with ``undo`` rows
    (``reverses_id``), never by deleting; also gives back receipt / order line counts. Refused
    when the unit or stock has moved on since, and for shipments. An undone receipt of a unit
    leaves it with status ``void`` and no bin; it may be received again.

Everywhere: a serial-tracked SKU never moves by bare quantity (``SerialRequired``); unknown
codes, inactive bins and bins of the wrong kind are refused.

Role matrix (``ROLE_MATRIX``)
-----------------------------
==========  ======  ========  ==========  =====
operation   picker  receiver  supervisor  admin
==========  ======  ========  ==========  =====
receive     -       yes       yes         yes
putaway     yes     yes       yes         yes
move        yes     yes       yes         yes
pick        yes     -         yes         yes
stage       yes     -         yes         yes
ship        yes     yes       yes         yes
return      -       yes       yes         yes
adjust      -       approved  yes         yes
lost/found  -       approved  yes         yes
scrap       -       -         yes         yes
undo        own     own       own         own
==========  ======  ========  ==========  =====

``hold_lot(lot, sku)`` / ``release_lot(lot, sku)``
    A supervisor or admin puts a lot (of every product, or of one) on hold for a recall, or
    lifts it. Held stock is never planned, picked, staged or shipped, and leaves its bin only
    into quarantine or by a supervisor; expired stock is never planned or picked. One rule for
    all: ``inventory/lot_rules.py``. Each writes a note row per unit and stock line of the lot.

Ledger rows follow the replay rule: quantity rows move ``qty`` out of ``from_bin`` into
``to_bin`` (a quantity pick has only ``from_bin``, a quantity ship neither); asset rows set the
unit's bin to ``to_bin`` and its status to ``status_after``.
"""

from __future__ import annotations

from scanner_tui.inventory.ops.base import ROLE_MATRIX, OpResult, allowed, applied, check_role
from scanner_tui.inventory.ops.holds import hold_lot, release_lot
from scanner_tui.inventory.ops.movement import adjust, found, mark_lost, move, putaway, scrap
from scanner_tui.inventory.ops.orders import pick, ship, stage
from scanner_tui.inventory.ops.receiving import receive, return_unit
from scanner_tui.inventory.ops.undo import last_change, undo_last

__all__ = [
    "ROLE_MATRIX", "OpResult", "allowed", "applied", "check_role", "receive", "putaway",
    "move", "pick", "stage", "ship", "return_unit", "adjust", "scrap", "mark_lost", "found",
    "last_change", "undo_last", "hold_lot", "release_lot",
]
