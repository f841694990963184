"""Rolls of pre-printed own asset tags: registering them makes their tags issued.

An own tag (the ``asset`` tag rule) is taken at receive only once the store issued it: printed
from the tag sequence, imported, on a ship notice, or inside a roll registered here
(``scanner-tui tags register AT00001000 AT00001999 --badge OP-0009``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, and_, func, insert, select

from scanner_tui import codes
from scanner_tui.inventory.actor import actor_for
from scanner_tui.inventory.errors import DomainError
from scanner_tui.inventory.identity import Policy, policy_for, valid
from scanner_tui.inventory.models import TagRoll, TagSequence, utcnow

T_ROLL = TagRoll.__table__
T_SEQ = TagSequence.__table__
MAX_ROLL = 1_000_000
REGISTERS = ("supervisor", "admin")


class RollRefused(DomainError):
    code = "roll_refused"


@dataclass(frozen=True, slots=True)
class Roll:
    prefix: str
    first: int
    last: int

    @property
    def size(self) -> int:
        return self.last - self.first + 1


def parse_roll(first: str, last: str, policy: Policy) -> Roll:
    """The roll from its first and last tag (both of the site's printed form)."""
    ends = []
    for tag in (first, last):
        tag = valid(codes.check_code, tag, "tag")
        number = policy.tag_number(tag)
        if number is None or not policy.is_own_tag(tag):
            raise RollRefused(f"{tag} is not an own asset tag of this site (like "
                              f"{policy.tag_prefix}{1:0{policy.tag_digits}d}).", tag=tag)
        ends.append(number)
    if ends[1] < ends[0]:
        raise RollRefused(f"The roll ends ({last}) before it starts ({first}).")
    if ends[1] - ends[0] + 1 > MAX_ROLL:
        raise RollRefused(f"A roll holds at most {MAX_ROLL:,} tags; register it in parts.")
    return Roll(policy.tag_prefix, ends[0], ends[1])


def register_roll(engine: Engine, first: str, last: str, *, operator: str,
                  terminal: str = "desk") -> Roll:
    """Register the pre-printed tags ``first``..``last`` as issued. A supervisor or admin
    does it (their badge is checked in the store); a roll overlapping one registered is
    refused (the same tag printed twice is how duplicates start)."""
    policy = policy_for(engine)
    roll = parse_roll(first, last, policy)
    actor = actor_for(engine, operator, terminal)
    if actor.role not in REGISTERS:
        raise RollRefused(f"{actor.badge} is a {actor.role}; registering a roll of tags needs "
                          "a supervisor or an admin.", badge=actor.badge)
    with engine.begin() as conn:
        clash = conn.execute(select(T_ROLL.c.first, T_ROLL.c.last).where(and_(
            T_ROLL.c.prefix == roll.prefix, T_ROLL.c.first <= roll.last,
            T_ROLL.c.last >= roll.first))).first()
        issued = conn.execute(select(func.max(T_SEQ.c.next_value)).where(
            T_SEQ.c.name.in_((f"asset:{roll.prefix}", "asset")))).scalar()
        if issued is not None and roll.first < issued:
            d = policy.tag_digits
            raise RollRefused(f"Tags up to {roll.prefix}{issued - 1:0{d}d} were printed here "
                              "from the tag sequence; a pre-printed roll must start after them.")
        if clash is not None:
            d = policy.tag_digits
            raise RollRefused(f"Tags {roll.prefix}{clash.first:0{d}d}..{roll.prefix}"
                              f"{clash.last:0{d}d} are registered already; a tag is issued "
                              "once.")
        conn.execute(insert(T_ROLL).values(prefix=roll.prefix, first=roll.first,
                                           last=roll.last, registered_by=actor.badge,
                                           registered_at=utcnow()))
    return roll
