"""Who is doing an operation: an operator's badge, role and the terminal in their hand.

Rights come from the store at the moment of the operation, never from what a caller claims:
an ``Actor`` says who signed in (badge) and where (terminal); its ``role`` is only what the
screen last knew, for menus. Every operation calls ``signed_in`` inside its own transaction,
which reads the operator's role and active flag and returns the Actor the operation trusts.

An approval (a receiver's adjustment) is proved by the approver's own badge scan at the same
terminal (``Approval``: the scan id the journal recorded), never by a badge typed as a name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlmodel import Session

from scanner_tui.inventory.chain import utc
from scanner_tui.inventory.errors import DomainError, Inactive, NotFound
from scanner_tui.inventory.models import Operator

APPROVAL_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Actor:
    badge: str
    terminal: str = ""
    role: str = ""  # what the caller believes; operations read the store's (``signed_in``)


@dataclass(frozen=True, slots=True)
class Approval:
    """The approver's own badge scan at this terminal: the scan id the journal recorded."""

    scan_id: str


def _lookup(session: Session, badge: str) -> tuple[str, bool] | None:
    row = session.execute(
        select(Operator.role, Operator.active).where(Operator.badge == badge)
    ).first()
    return None if row is None else (row[0], bool(row[1]))


def _checked(badge: str, terminal: str, found: tuple[str, bool] | None) -> Actor:
    if found is None:
        raise NotFound("badge", badge, "ask a supervisor to add you as an operator.")
    role, active = found
    if not active:
        raise Inactive("badge", badge)
    return Actor(badge=badge, terminal=terminal, role=role)


def actor_for(session_or_engine: Session | Engine, badge: str, terminal: str) -> Actor:
    """The Actor for a scanned badge; an unknown or inactive badge raises a DomainError."""
    badge = badge.strip()
    if isinstance(session_or_engine, Engine):
        with Session(session_or_engine) as session:
            found = _lookup(session, badge)
    else:
        found = _lookup(session_or_engine, badge)
    return _checked(badge, terminal, found)


_OPERATOR_SQL = "SELECT role, active FROM operator WHERE badge = ?"
_APPROVAL_SQL = ("SELECT kind, fields, terminal, at, accepted FROM scanjournal"
                 " WHERE scan_id = ?")
# An approval scan is used once: it is claimed in AppliedScan (its primary key) beside the
# operation it approves, so a receiver cannot reuse one supervisor scan for more changes.
_USED_SQL = "SELECT operation FROM appliedscan WHERE scan_id = ?"
_USE_SQL = "INSERT INTO appliedscan (scan_id, operation, summary, at) VALUES (?, ?, ?, ?)"


def signed_in(sql, actor: Actor) -> Actor:  # noqa: ANN001  (ops.base._Sql)
    """The Actor as the store has it now (role, active), read in the caller's transaction."""
    badge = str(actor.badge).strip() if actor.badge is not None else ""
    found = sql.first(_OPERATOR_SQL, (badge,)) if badge else None
    return _checked(badge, actor.terminal,
                    None if found is None else (found[0], bool(found[1])))


def approver_badge(sql, actor: Actor, approval: object, now: datetime,  # noqa: ANN001
                   approves: str = "") -> str:
    """The badge whose own scan at ``actor``'s terminal, moments ago, approves this change
    (``approves``: the scan id of the change); the approval scan is used up by it.

    A typed name or badge (a plain string) is refused: anyone can type a supervisor's badge.
    """
    if not isinstance(approval, Approval):
        raise DomainError("An approval needs the approver to scan their own badge at this "
                          "terminal; a typed badge or name is not enough.")
    found = sql.first(_APPROVAL_SQL, (approval.scan_id,))
    refused = found is not None and found[4] is not None and not found[4]
    if found is None or found[0] != "badge" or refused:
        raise DomainError("That approval is not a badge scan at this terminal; ask the "
                          "supervisor to scan their badge here.")
    kind, fields, terminal, at, _accepted = found
    if terminal != actor.terminal:
        raise DomainError("The approver's badge was scanned at another terminal; ask them to "
                          "scan it at this one.")
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    if now - utc(at) > APPROVAL_WINDOW:
        raise DomainError("The approver's badge scan is more than 10 minutes old; ask them to "
                          "scan it again.")
    try:
        badge = str(json.loads(fields or "{}").get("badge") or "")
    except ValueError:
        badge = ""
    if not badge:
        raise DomainError("That approval is not a badge scan; ask the supervisor to scan "
                          "their badge here.")
    if sql.first(_USED_SQL, (approval.scan_id,)) is not None:
        raise DomainError("That badge scan has already approved a change; ask the supervisor "
                          "to scan their badge again for this one.")
    at_value = sql.at_proc(now) if sql.at_proc is not None else now
    sql.count(_USE_SQL, (approval.scan_id, "approval", f"approves {approves}"[:400], at_value))
    return badge
