"""Bin flags set from the floor: "count this bin" (``Bin.needs_count``).

A flag is not stock, so it has no ledger row; it is one guarded UPDATE in one transaction.
"""

from __future__ import annotations

from sqlalchemy import Engine, select, update

from scanner_tui.inventory.db import session_scope
from scanner_tui.inventory.errors import NotFound
from scanner_tui.inventory.models import Bin

T_BIN = Bin.__table__


def flag_for_count(engine: Engine, bin_code: str, flagged: bool = True) -> bool:
    """Set (or clear) a bin's "needs a count" flag; True when it changed, NotFound if unknown."""
    code = bin_code.strip()
    with session_scope(engine) as session:
        found = session.execute(update(T_BIN).where(T_BIN.c.code == code,
                                                    T_BIN.c.needs_count == (not flagged))
                                .values(needs_count=flagged))
        if found.rowcount == 1:
            return True
        if session.execute(select(T_BIN.c.id).where(T_BIN.c.code == code)).first() is None:
            raise NotFound("bin", code, "scan the bin tag on the shelf.")
        return False


def needs_count(engine: Engine, bin_code: str) -> bool:
    """Whether a bin is flagged for a count (False for an unknown bin)."""
    with engine.connect() as conn:
        found = conn.execute(select(T_BIN.c.needs_count)
                             .where(T_BIN.c.code == bin_code.strip())).scalar()
    return bool(found)
