"""Authenticity events: refusals that smell of counterfeit or mislabelling, kept for a supervisor.

Recorded (in their own transaction, after the refusal: the refused change is never kept):
a GS1 scan whose GTIN is not the unit's product (``gtin``), a unit received again while the
store has it (``received_again``) or after it shipped without a return
(``shipped_not_returned``), and an own tag the store never issued (``unissued_tag``).
``scanner-tui report authenticity`` lists them (``events``).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Engine, insert, select

from scanner_tui.inventory.errors import AuthenticityError
from scanner_tui.inventory.models import AuthenticityEvent, utcnow

log = logging.getLogger(__name__)
T_EVENT = AuthenticityEvent.__table__
FIELDS = ("id", "at", "scan_id", "terminal", "operator", "mismatch", "serial", "sku",
          "payload", "message", "refused")


def event_values(error: AuthenticityError, *, scan_id: str = "", terminal: str = "",
                 operator: str = "", payload: str = "", refused: bool = True) -> dict:
    """The row an event for ``error`` is kept as."""
    fields = error.fields
    sku = fields.get("sku") or ",".join(fields.get("unit_skus", ())) or ""
    return dict(at=utcnow(), scan_id=(scan_id or "")[:64], terminal=terminal[:64],
                operator=operator[:32], payload=payload[:2000],
                serial=str(fields.get("serial") or "")[:128], sku=str(sku)[:64],
                mismatch=error.mismatch, message=str(error)[:400], refused=refused)


def record(engine: Engine, error: AuthenticityError, **where: str) -> None:
    """Keep one event for ``error`` (``where``: scan_id, terminal, operator, payload) in its
    own transaction; a store that cannot take it now only loses the event (logged)."""
    if getattr(error, "recorded", False):
        return
    values = event_values(error, **where)
    try:
        with engine.begin() as conn:
            conn.execute(insert(T_EVENT).values(**values))
        error.recorded = True  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001  (the refusal stands; the event is logged instead)
        log.exception("authenticity event could not be recorded: %s", values)


def events(engine: Engine, since: datetime | None = None) -> list[dict]:
    """Every event (oldest first), from ``since`` on."""
    q = select(*(T_EVENT.c[name] for name in FIELDS)).order_by(T_EVENT.c.id)
    if since is not None:
        q = q.where(T_EVENT.c.at >= since)
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(q)]
