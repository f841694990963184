"""Claims: a badge is signed in on one terminal at a time; an order, receipt or count bin is
worked by one person at a time.

A claim is a row unique on (kind, code): whoever inserts it first holds it, on SQLite and
PostgreSQL alike (a read-then-write check would let two terminals both win). A badge claim
belongs to a terminal; a document claim belongs to a person (the same badge moving to another
terminal keeps it). Taking over is a compare-and-set on the holder, so two takers cannot both
succeed either; taking someone else's document needs a supervisor's (or admin's) badge, as the
store says at that moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from scanner_tui.inventory.actor import actor_for
from scanner_tui.inventory.errors import DomainError, hhmm, shown
from scanner_tui.inventory.models import as_aware, utcnow
from scanner_tui.inventory.terminal_tables import claim as C

KINDS = ("badge", "order", "receipt", "count-bin")
TAKE_OVER_ROLES = ("supervisor", "admin")
WHAT = {"badge": "", "order": "order", "receipt": "receipt", "count-bin": "bin"}


@dataclass(frozen=True, slots=True)
class Claim:
    kind: str
    code: str
    terminal: str
    badge: str
    since: datetime

    def mine(self, terminal: str, badge: str) -> bool:
        """Held by this terminal (a badge) or this person (a document)?"""
        return self.terminal == terminal if self.kind == "badge" else self.badge == badge


class ClaimHeld(DomainError):
    """Someone else holds it; ``holder`` is their claim."""

    code = "claimed"

    def __init__(self, holder: Claim) -> None:
        code = shown(holder.code)
        if holder.kind == "badge":
            text = (f"{code} is signed in on {shown(holder.terminal)}; sign in here and end "
                    "it there? y/n")
        else:
            text = (f"{WHAT[holder.kind].capitalize()} {code} is being worked by "
                    f"{shown(holder.badge)} on {shown(holder.terminal)} since "
                    f"{hhmm(holder.since)}; a supervisor can take it over.")
        super().__init__(text, holder=holder)


class TakeOverRefused(DomainError):
    code = "not_allowed"


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown claim kind {kind!r}")


def _row(row: sa.Row) -> Claim:
    return Claim(row.kind, row.code, row.terminal, row.badge, as_aware(row.since))


def holder(engine: Engine, kind: str, code: str) -> Claim | None:
    """Who holds (kind, code) now, or None."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(C).where(C.c.kind == kind, C.c.code == code)).first()
    return None if row is None else _row(row)


def claim(engine: Engine, kind: str, code: str, *, terminal: str, badge: str,
          now: datetime | None = None) -> Claim:
    """Take (kind, code) for this terminal and badge, or raise :class:`ClaimHeld` naming the
    holder. Taking it again is harmless (a document follows its person to another terminal)."""
    _check_kind(kind)
    now = now or utcnow()
    for _ in range(3):
        current = holder(engine, kind, code)
        if current is not None:
            if not current.mine(terminal, badge):
                raise ClaimHeld(current)
            if (current.terminal, current.badge) == (terminal, badge):
                return current
            if _swap(engine, current, terminal, badge, now):
                return Claim(kind, code, terminal, badge, now)
            continue  # it changed hands meanwhile: look again
        try:
            with engine.begin() as conn:
                conn.execute(sa.insert(C).values(kind=kind, code=code, terminal=terminal,
                                                 badge=badge, since=now))
            return Claim(kind, code, terminal, badge, now)
        except IntegrityError:
            continue  # another terminal inserted it first: look again
    current = holder(engine, kind, code)
    raise ClaimHeld(current) if current is not None else RuntimeError("claim kept changing")


def _swap(engine: Engine, old: Claim, terminal: str, badge: str, now: datetime) -> bool:
    """Move ``old`` to (terminal, badge) only if it is still held as read (compare-and-set)."""
    with engine.begin() as conn:
        done = conn.execute(
            sa.update(C).where(C.c.kind == old.kind, C.c.code == old.code,
                               C.c.terminal == old.terminal, C.c.badge == old.badge)
            .values(terminal=terminal, badge=badge, since=now))
    return done.rowcount == 1


def take_over(engine: Engine, kind: str, code: str, *, terminal: str, badge: str,
              now: datetime | None = None) -> Claim | None:
    """Take (kind, code) from whoever holds it; returns the claim taken from (None: it was
    free). A badge may be taken by its own holder from another terminal; a document only by a
    supervisor or admin (or the person who holds it)."""
    _check_kind(kind)
    now = now or utcnow()
    for _ in range(3):
        current = holder(engine, kind, code)
        if current is None:
            try:
                claim(engine, kind, code, terminal=terminal, badge=badge, now=now)
                return None
            except ClaimHeld:
                continue
        if kind == "badge" and badge != code:
            raise TakeOverRefused(f"Only {shown(code)} can sign in as {shown(code)}.")
        if kind != "badge" and current.badge != badge:
            role = actor_for(engine, badge, terminal).role
            if role not in TAKE_OVER_ROLES:
                raise TakeOverRefused(
                    f"Only a supervisor can take over {WHAT[kind]} {shown(code)} from "
                    f"{shown(current.badge)}.")
        if _swap(engine, current, terminal, badge, now):
            return current
    raise TakeOverRefused(f"{shown(code)} keeps changing hands; try again.")


def release(engine: Engine, kind: str, code: str, *, terminal: str) -> bool:
    """Let go of (kind, code) if this terminal holds it; True if a claim was released."""
    with engine.begin() as conn:
        done = conn.execute(sa.delete(C).where(C.c.kind == kind, C.c.code == code,
                                               C.c.terminal == terminal))
    return done.rowcount > 0


def release_terminal(engine: Engine, terminal: str, *, kinds: tuple[str, ...] = KINDS) -> int:
    """Let go of everything this terminal holds (a sign-out); the number released."""
    with engine.begin() as conn:
        done = conn.execute(sa.delete(C).where(C.c.terminal == terminal, C.c.kind.in_(kinds)))
    return done.rowcount


def claims_of(engine: Engine, terminal: str | None = None) -> list[Claim]:
    """Every claim (of one terminal), oldest first."""
    query = sa.select(C).order_by(C.c.since, C.c.id)
    if terminal is not None:
        query = query.where(C.c.terminal == terminal)
    with engine.connect() as conn:
        return [_row(r) for r in conn.execute(query).all()]
