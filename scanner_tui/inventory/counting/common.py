"""What the count modules share: tables, role checks, look-ups and refusals."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from scanner_tui.inventory.actor import Actor, signed_in
from scanner_tui.inventory.errors import DomainError, NotAllowed, NotFound
from scanner_tui.inventory.models import (
    Count,
    CountBin,
    CountLine,
    CountResult,
    CountSnapshot,
)
from scanner_tui.inventory.ops.base import (  # noqa: F401  (re-exported to count modules)
    APPROVERS,
    T_ASSET,
    T_BIN,
    T_LEDGER,
    T_OPERATOR,
    T_SKU,
    T_STOCK,
    _Sql,
)

T_COUNT = Count.__table__
T_CBIN = CountBin.__table__
T_SNAP = CountSnapshot.__table__
T_CLINE = CountLine.__table__
T_RESULT = CountResult.__table__

# Unit statuses a counter finds on a shelf (a picked unit stays in its bin until staged).
COUNTABLE = ("in_stock", "returned", "quarantined", "picked")
OPEN_BIN = ("pending", "counting", "recount")
CLOSED_BIN = ("counted", "approved")


class CountRefused(DomainError):
    """A count step that is not allowed; ``str()`` says why, in the floor's words."""

    code = "count_refused"


def signed_in_on(conn: Connection, actor: Actor) -> Actor:
    """The operator as the store has them in ``conn``'s transaction: unknown or inactive
    badges are refused (anyone active may count)."""
    return signed_in(_Sql(conn), actor)


def require_supervisor(conn: Connection, actor: Actor, what: str) -> Actor:
    """Only supervisors and admins plan, send back and approve counts: the role and active
    flag are read from the store in ``conn``'s transaction, never taken from ``actor``."""
    trusted = signed_in_on(conn, actor)
    if trusted.role not in APPROVERS:
        raise NotAllowed(trusted.badge, trusted.role, what, APPROVERS)
    return trusted


def count_row(conn: Connection, code: str) -> Any:
    row = conn.execute(select(T_COUNT).where(T_COUNT.c.code == code.strip())).first()
    if row is None:
        raise NotFound("count", code.strip(), "see `scanner-tui counts list`.")
    return row


def bin_row(conn: Connection, code: str) -> Any:
    row = conn.execute(select(T_BIN).where(T_BIN.c.code == code.strip())).first()
    if row is None:
        raise NotFound("bin", code.strip(), "scan the bin tag on the shelf.")
    return row


def operator_badge(conn: Connection, badge: str) -> str:
    """An active operator's badge (to assign a count to), else a refusal."""
    row = conn.execute(select(T_OPERATOR).where(T_OPERATOR.c.badge == badge.strip())).first()
    if row is None:
        raise NotFound("badge", badge.strip(), "assign the count to an operator of this store.")
    if not row.active:
        raise CountRefused(f"Badge {row.badge} is not in use any more; assign someone else.")
    return row.badge


def newest_ledger_id(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(T_LEDGER.c.id), 0))).scalar())


def badges(text: str) -> set[str]:
    return {b for b in text.split(",") if b}


def listed(items: list[str], limit: int = 4) -> str:
    """``A, B and 3 more``."""
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"
