"""Allocate asset tag numbers from ``TagSequence``: never the same number twice.

One transaction per allocation: ``UPDATE tagsequence SET next_value = next_value + n`` (the
row lock on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite serialise terminals), then read the new
value back. On first use the row is inserted, starting after the highest tag of that form
already in the store (units, advance ship notices, registered rolls of pre-printed tags);
numbers that came in by import or a registered roll since are skipped. Two terminals inserting
the row at once lose nothing: the loser retries.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, func, select, union, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from scanner_tui.inventory.models import Asset, ExpectedSerial, Operator, TagRoll, TagSequence
from scanner_tui.labels.label import LabelError

MAX_BATCH = 10_000
_RETRIES = 5


def sequence_name(prefix: str) -> str:
    return f"asset:{prefix}"


def format_tag(prefix: str, digits: int, number: int) -> str:
    return f"{prefix}{number:0{digits}d}"


def tag_number(tag: str, prefix: str, digits: int) -> int | None:
    """The number of an own tag of this form (``AT00000042`` -> 42), else None."""
    m = re.fullmatch(rf"{re.escape(prefix)}([0-9]{{{digits}}})", tag)
    return int(m.group(1)) if m else None


def _in_use(session: Session, prefix: str, digits: int, first: int | None = None,
            last: int | None = None) -> list[int]:
    """Numbers of own tags already in the store (units, or serials a receipt announces),
    all of them or those between ``first`` and ``last``: tags that came in by import."""
    if first is not None and last is not None:
        candidates = [format_tag(prefix, digits, k) for k in range(first, last + 1)]
        conds = (Asset.serial.in_(candidates), ExpectedSerial.serial.in_(candidates))  # type: ignore[attr-defined]
    else:
        like = prefix.replace("%", r"\%").replace("_", r"\_") + "_" * digits
        conds = (Asset.serial.like(like, escape="\\"),  # type: ignore[attr-defined]
                 ExpectedSerial.serial.like(like, escape="\\"))  # type: ignore[attr-defined]
    serials = session.execute(
        union(select(Asset.serial).where(conds[0]),
              select(ExpectedSerial.serial).where(conds[1]))
    ).scalars().all()
    rolls = select(TagRoll.last).where(TagRoll.prefix == prefix)  # pre-printed, registered
    if first is not None and last is not None:
        rolls = rolls.where(TagRoll.first <= last, TagRoll.last >= first)
    return ([n for s in serials if (n := tag_number(s, prefix, digits)) is not None]
            + list(session.execute(rolls).scalars()))


def check_operator(session: Session, badge: str) -> Operator:
    """The active operator with this badge, or a LabelError a person understands."""
    operator = session.execute(select(Operator).where(Operator.badge == badge)).scalars().first()
    if operator is None:
        raise LabelError(f"{badge or 'no badge'} is not an operator in this store")
    if not operator.active:
        raise LabelError(f"operator {badge} is not active")
    return operator


def _allocate_once(engine: Engine, name: str, n: int, prefix: str, digits: int,
                   actor_badge: str) -> int:
    with Session(engine, expire_on_commit=False) as session:
        check_operator(session, actor_badge)
        stmt = (
            update(TagSequence)
            .where(TagSequence.name == name)
            .values(next_value=TagSequence.next_value + n)
        )
        if session.execute(stmt).rowcount == 0:
            start = max(_in_use(session, prefix, digits), default=0) + 1
            session.add(TagSequence(name=name, next_value=start + n))
            session.flush()
        end = session.execute(
            select(TagSequence.next_value).where(TagSequence.name == name)
        ).scalar_one()
        # Tags imported since (units, advance ship notices) are never issued again: skip past.
        while end - 1 < 10**digits and (taken := _in_use(session, prefix, digits, end - n,
                                                           end - 1)):
            end = max(taken) + 1 + n
            session.execute(update(TagSequence).where(TagSequence.name == name)
                            .values(next_value=end))
        if end - 1 >= 10**digits:
            session.rollback()
            raise LabelError(
                f"the {prefix} asset tag numbers are used up ({digits} digits): "
                "change labels.asset_prefix or labels.asset_digits"
            )
        session.commit()
        return end - n


def allocate_asset_tags(engine: Engine, n: int, actor_badge: str, terminal: str, *,
                        prefix: str = "AT", digits: int = 8) -> list[str]:
    """The next ``n`` asset tags (``AT00000001``...), issued to nobody else, ever.

    ``actor_badge`` must be an active operator; ``terminal`` is kept for the caller's record
    (allocation itself writes no ledger row: ``record_printed`` does, once tags are printed).
    Numbers allocated and never printed are simply skipped, never reissued.
    """
    del terminal  # part of the signature the workflows call; printing records it
    if not 1 <= n <= MAX_BATCH:
        raise LabelError(f"ask for between 1 and {MAX_BATCH} new asset tags, not {n}")
    name = sequence_name(prefix)
    for attempt in range(_RETRIES):
        try:
            first = _allocate_once(engine, name, n, prefix, digits, actor_badge)
        except IntegrityError:  # another terminal created the sequence row first
            if attempt == _RETRIES - 1:
                raise LabelError("could not allocate asset tags: the store is too busy") from None
            continue
        return [format_tag(prefix, digits, first + i) for i in range(n)]
    raise AssertionError("unreachable")


def issued_up_to(engine: Engine, prefix: str = "AT") -> int:
    """The highest number the sequence has issued (0 when none)."""
    with Session(engine) as session:
        value = session.execute(
            select(func.max(TagSequence.next_value)).where(
                TagSequence.name == sequence_name(prefix)
            )
        ).scalar_one()
    return (value or 1) - 1
