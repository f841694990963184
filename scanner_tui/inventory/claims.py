"""Claims: a badge is signed in on one terminal at a time; an order, receipt or count bin is
worked by one person at a time.

A claim is a row unique on (kind, code): whoever inserts it first holds it, on SQLite and
PostgreSQL alike (a read-then-write check would let two terminals both win). A badge claim
belongs to a terminal; a document claim belongs to a person (the same badge moving to another
terminal keeps it). Taking over is a compare-and-set on the holder, so two takers cannot both
succeed either; taking someone else's document needs a supervisor's (or admin's) badge, as the
store says at that moment: the taker's own, or an ``Approval`` (a supervisor's own badge scan
at the taker's terminal, used once, as for adjustments). A claim whose terminal has been gone
longer than it could resume (``[serve] resume_minutes``: its session row, else the claim, is
older) is abandoned: anyone may take it.

A document let go is not forgotten at once: its row stays as "let go" (kind ``was-order``...,
the last holder and when they let go; no schema change) until the document is claimed again,
so an old holder whose document was taken over hears of it on their next scan even when the
taker has already finished (``last_holder``). Rows let go more than a day ago are pruned.

Workflows reach claims through ``ClaimDesk`` (in their ``Services``): bound to the terminal,
the badge and the resume window, so a workflow never handles the store itself.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from scanner_tui.inventory.actor import Actor, Approval, actor_for, approver_badge, signed_in
from scanner_tui.inventory.errors import DomainError, hhmm, shown
from scanner_tui.inventory.models import as_aware, utcnow
from scanner_tui.inventory.ops.base import _Sql
from scanner_tui.inventory.sessions import load_session
from scanner_tui.inventory.terminal_tables import claim as C

KINDS = ("badge", "order", "receipt", "count-bin")
LET_GO = "was-"  # kind prefix of a document's row after its last holder let it go
KEEP_LET_GO = timedelta(days=1)
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
                    f"{hhmm(holder.since)}; a supervisor can take it over (their badge, "
                    "scanned here).")
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


def last_holder(engine: Engine, kind: str, code: str) -> Claim | None:
    """Who let go of document (kind, code) last (``since``: when), if nobody claimed it
    since; None when it is held, or was never let go (or too long ago)."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(C).where(C.c.kind == LET_GO + kind,
                                              C.c.code == code)).first()
    return None if row is None else replace(_row(row), kind=kind)


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
                conn.execute(sa.delete(C).where(C.c.kind == LET_GO + kind, C.c.code == code))
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
        done = conn.execute(_swap_statement(old, terminal, badge, now))
    return done.rowcount == 1


def _swap_statement(old: Claim, terminal: str, badge: str, now: datetime) -> sa.Update:
    return (sa.update(C).where(C.c.kind == old.kind, C.c.code == old.code,
                               C.c.terminal == old.terminal, C.c.badge == old.badge)
            .values(terminal=terminal, badge=badge, since=now))


def take_over(engine: Engine, kind: str, code: str, *, terminal: str, badge: str,
              now: datetime | None = None, approval: Approval | None = None,
              stale_minutes: float | None = None) -> Claim | None:
    """Take (kind, code) from whoever holds it; returns the claim taken from (None: it was
    free). A badge may be taken by its own holder from another terminal; a document by the
    person who holds it, a supervisor or admin, anyone a supervisor approves (``approval``:
    their own badge scan at ``terminal``, used up here), or anyone when the holder's terminal
    has been gone longer than ``stale_minutes`` (abandoned)."""
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
        free = (kind == "badge" or current.badge == badge or (
            stale_minutes is not None and abandoned(engine, current, now, stale_minutes)))
        if not free and approval is not None:
            if _approved_swap(engine, current, terminal, badge, now, approval):
                return current
            continue
        if not free:
            role = actor_for(engine, badge, terminal).role
            if role not in TAKE_OVER_ROLES:
                raise TakeOverRefused(
                    f"Only a supervisor can take over {WHAT[kind]} {shown(code)} from "
                    f"{shown(current.badge)}.")
        if _swap(engine, current, terminal, badge, now):
            return current
    raise TakeOverRefused(f"{shown(code)} keeps changing hands; try again.")


class _Lost(Exception):
    """The claim changed hands while an approval was being used: roll the use back."""


def _approved_swap(engine: Engine, old: Claim, terminal: str, badge: str, now: datetime,
                   approval: Approval) -> bool:
    """Move ``old`` to (terminal, badge) on a supervisor's badge scan at this terminal, in
    one transaction with the scan's use (refused: a DomainError saying why)."""
    try:
        with engine.begin() as conn:
            sql = _Sql(conn)
            approver = approver_badge(sql, Actor(badge, terminal), approval, now,
                                      f"take over {old.kind} {old.code}")
            role = signed_in(sql, Actor(approver, terminal)).role
            if role not in TAKE_OVER_ROLES:
                raise TakeOverRefused(
                    f"{shown(approver)} is not a supervisor; only a supervisor can hand "
                    f"{WHAT[old.kind]} {shown(old.code)} over.")
            done = conn.execute(_swap_statement(old, terminal, badge, now))
            if done.rowcount != 1:
                raise _Lost
    except _Lost:
        return False
    return True


def abandoned(engine: Engine, held: Claim, now: datetime, minutes: float) -> bool:
    """Has the holding terminal been gone longer than it could resume? Last seen: its
    session row, else when it took the claim."""
    other = load_session(engine, held.terminal)
    seen = other.updated_at if other is not None and other.updated_at else held.since
    return now - seen > timedelta(minutes=minutes)


def release(engine: Engine, kind: str, code: str, *, terminal: str,
            badge: str | None = None, now: datetime | None = None) -> bool:
    """Let go of (kind, code) if this terminal (and ``badge``, given) holds it; True if a
    claim was released. A document's row is kept as let go (see ``last_holder``)."""
    where = [C.c.kind == kind, C.c.code == code, C.c.terminal == terminal]
    if badge is not None:
        where.append(C.c.badge == badge)
    with engine.begin() as conn:
        return _let_go(conn, sa.and_(*where), now or utcnow()) > 0


def release_terminal(engine: Engine, terminal: str, *, kinds: tuple[str, ...] = KINDS,
                     now: datetime | None = None) -> int:
    """Let go of everything this terminal holds (a sign-out); the number released."""
    with engine.begin() as conn:
        return _let_go(conn, sa.and_(C.c.terminal == terminal, C.c.kind.in_(kinds)),
                       now or utcnow())


def _let_go(conn: sa.Connection, where: sa.ColumnElement[bool], now: datetime) -> int:
    """Release the claims ``where`` selects: a badge's row goes, a document's stays as let go
    (replacing the one let go before it); rows let go long ago are pruned."""
    rows = conn.execute(sa.select(C.c.id, C.c.kind, C.c.code).where(where)).all()
    for row in rows:
        if row.kind == "badge":
            conn.execute(sa.delete(C).where(C.c.id == row.id))
            continue
        conn.execute(sa.delete(C).where(C.c.kind == LET_GO + row.kind, C.c.code == row.code))
        conn.execute(sa.update(C).where(C.c.id == row.id)
                     .values(kind=LET_GO + row.kind, since=now))
    if rows:
        conn.execute(sa.delete(C).where(C.c.kind.startswith(LET_GO),
                                        C.c.since < now - KEEP_LET_GO))
    return len(rows)


def claims_of(engine: Engine, terminal: str | None = None) -> list[Claim]:
    """Every claim (of one terminal), oldest first."""
    query = sa.select(C).where(C.c.kind.in_(KINDS)).order_by(C.c.since, C.c.id)
    if terminal is not None:
        query = query.where(C.c.terminal == terminal)
    with engine.connect() as conn:
        return [_row(r) for r in conn.execute(query).all()]


@dataclass(frozen=True, slots=True)
class ClaimDesk:
    """Document claims for one person at one terminal: what a workflow's ``Services`` hold
    (workflows never touch the store themselves). ``resume_minutes``: how long a terminal
    that went away may come back (``[serve] resume_minutes``); after that its claims are
    abandoned and taken without a supervisor."""

    engine: Engine
    terminal: str
    badge: str
    resume_minutes: float = 15.0

    def claim(self, kind: str, code: str) -> Claim | None:
        """Take (kind, code), or raise :class:`ClaimHeld` naming the holder. A claim an
        abandoned terminal left is taken: returned (None: it was free or this person's)."""
        try:
            claim(self.engine, kind, code, terminal=self.terminal, badge=self.badge)
            return None
        except ClaimHeld as held:
            if not abandoned(self.engine, held.holder, utcnow(), self.resume_minutes):
                raise
        return self.take_over(kind, code)

    def take_over(self, kind: str, code: str, approval: Approval | None = None
                  ) -> Claim | None:
        """Take it from its holder (see :func:`take_over`); the claim taken from, or None."""
        return take_over(self.engine, kind, code, terminal=self.terminal, badge=self.badge,
                         approval=approval, stale_minutes=self.resume_minutes)

    def holder(self, kind: str, code: str) -> Claim | None:
        return holder(self.engine, kind, code)

    def last_holder(self, kind: str, code: str) -> Claim | None:
        return last_holder(self.engine, kind, code)

    def release(self, kind: str, code: str) -> bool:
        """Let go of it if this person holds it here."""
        return release(self.engine, kind, code, terminal=self.terminal, badge=self.badge)
