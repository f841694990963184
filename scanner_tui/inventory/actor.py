"""Who is doing an operation: an operator's badge, role and the terminal in their hand."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlmodel import Session

from scanner_tui.inventory.errors import Inactive, NotFound
from scanner_tui.inventory.models import Operator


@dataclass(frozen=True, slots=True)
class Actor:
    badge: str
    terminal: str
    role: str


def _lookup(session: Session, badge: str) -> tuple[str, bool] | None:
    row = session.execute(
        select(Operator.role, Operator.active).where(Operator.badge == badge)
    ).first()
    return None if row is None else (row[0], bool(row[1]))


def actor_for(session_or_engine: Session | Engine, badge: str, terminal: str) -> Actor:
    """The Actor for a scanned badge; an unknown or inactive badge raises a DomainError."""
    badge = badge.strip()
    if isinstance(session_or_engine, Engine):
        with Session(session_or_engine) as session:
            found = _lookup(session, badge)
    else:
        found = _lookup(session_or_engine, badge)
    if found is None:
        raise NotFound("badge", badge, "ask a supervisor to add you as an operator.")
    role, active = found
    if not active:
        raise Inactive("badge", badge)
    return Actor(badge=badge, terminal=terminal, role=role)
