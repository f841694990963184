"""Record printed asset tags in the ledger, so a lost roll of tags can be traced.

Call it only after the output succeeded. Rows are ``action="label"`` notes that change no
stock: a unit already in the store gets its own row (``asset_id`` set, ``status_after`` empty,
which ``verify`` reads as a note); tags without a unit yet are recorded as ranges
("printed AT00000001-AT00000010") in as few rows as the reason column allows.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from sqlalchemy import Engine, select
from sqlmodel import Session

from scanner_tui.inventory.models import AppliedScan, Asset, LedgerEntry
from scanner_tui.labels.label import LabelError
from scanner_tui.labels.sequence import check_operator

REASON_MAX = 200


_FOLDABLE = re.compile(r"([A-Z]+)([0-9]+)")
_RANGE = re.compile(r"([A-Z]+)([0-9]+)-\1([0-9]+)")
MAX_RANGE = 100_000


def compress(tags: Sequence[str]) -> list[str]:
    """Consecutive tags folded into ranges: AT..01, AT..02, AT..03 -> AT..01-AT..03.

    Only tags made of capital letters then digits fold (they cannot contain ``-`` or ``,``),
    so ``expand`` reads every list back exactly.
    """
    parts: list[str] = []
    i = 0
    while i < len(tags):
        j = i
        m = _FOLDABLE.fullmatch(tags[i])
        while m and j + 1 < len(tags):
            n = _FOLDABLE.fullmatch(tags[j + 1])
            if not (n and n.group(1) == m.group(1) and len(n.group(2)) == len(m.group(2))
                    and int(n.group(2)) == int(m.group(2)) + (j + 1 - i)):
                break
            j += 1
        parts.append(tags[i] if j == i else f"{tags[i]}-{tags[j]}")
        i = j + 1
    return parts


def expand(reason: str) -> set[str]:
    """The tags named by a label row's reason ("printed AT01-AT03, SN-7" -> 4 tags)."""
    _verb, _, listed = reason.partition(" ")
    out: set[str] = set()
    for item in listed.split(", "):
        m = _RANGE.fullmatch(item)
        if m and len(m.group(2)) == len(m.group(3)):
            first, last = int(m.group(2)), int(m.group(3))
            if 0 <= last - first <= MAX_RANGE:
                width = len(m.group(2))
                out.update(f"{m.group(1)}{k:0{width}d}" for k in range(first, last + 1))
                continue
        out.add(item)
    return out


def _reasons(verb: str, tags: Sequence[str]) -> list[str]:
    """``"printed A-B, C"`` strings, each within the ledger's reason column."""
    out: list[str] = []
    current = ""
    for part in compress(tags):
        candidate = f"{current}, {part}" if current else f"{verb} {part}"
        if len(candidate) > REASON_MAX and current:
            out.append(current)
            candidate = f"{verb} {part}"
        current = candidate[:REASON_MAX]
    if current:
        out.append(current)
    return out


def already_issued(engine: Engine, tags: Sequence[str]) -> set[str]:
    """Tags the ledger records as printed before (its unit's label rows, or named in a label
    row's reason): printing them again is a reprint. Tags allocated but never printed, and
    tags that arrived on units or advance ship notices, are first prints."""
    wanted = set(tags)
    with Session(engine) as session:
        units = dict(session.execute(
            select(Asset.id, Asset.serial).where(Asset.serial.in_(wanted))  # type: ignore[attr-defined]
        ).all())
        rows = session.execute(
            select(LedgerEntry.asset_id, LedgerEntry.reason).where(LedgerEntry.action == "label")
        ).all()
    issued: set[str] = set()
    for asset_id, reason in rows:
        if asset_id in units:
            issued.add(units[asset_id])
        elif asset_id is None:
            issued |= expand(reason) & wanted
    return issued


def record_printed(engine: Engine, tags: Sequence[str], *, actor_badge: str, terminal: str,
                   reprint: bool | Collection[str] = False, doc_type: str = "",
                   doc_code: str = "", entry: str = "typed",
                   scan_id: str | None = None) -> list[int]:
    """Write the ledger rows for asset tags that were printed; returns their ids.

    ``reprint`` is True (all are reprints) or the tags that are. ``scan_id`` (when the print
    was caused by a scan) makes the call idempotent: a second call with it records nothing.
    """
    tags = list(dict.fromkeys(tags))
    if not tags:
        return []
    reprinted = set(tags) if reprint is True else set(reprint or ())
    if entry not in ("scanned", "typed"):
        raise LabelError(f"entry must be 'scanned' or 'typed', not {entry!r}")
    common = dict(action="label", sku_id=None, qty=0, operator=actor_badge, terminal=terminal,
                  entry=entry, doc_type=doc_type[:16], doc_code=doc_code[:64])
    with Session(engine, expire_on_commit=False) as session:
        check_operator(session, actor_badge)
        if scan_id is not None and session.get(AppliedScan, scan_id) is not None:
            return []
        units = {a.serial: a.id for a in session.execute(
            select(Asset).where(Asset.serial.in_(tags))).scalars()}  # type: ignore[attr-defined]
        rows: list[LedgerEntry] = []
        for tag in tags:
            if tag in units:
                verb = "reprinted" if tag in reprinted else "printed"
                rows.append(LedgerEntry(asset_id=units[tag], reason=f"{verb} {tag}"[:REASON_MAX],
                                        scan_id=scan_id, **common))
        loose = [t for t in tags if t not in units]
        for verb, group in (("printed", [t for t in loose if t not in reprinted]),
                            ("reprinted", [t for t in loose if t in reprinted])):
            rows += [LedgerEntry(reason=r, scan_id=scan_id, **common)
                     for r in _reasons(verb, group)]
        session.add_all(rows)
        if scan_id is not None:
            summary = "; ".join(r.reason for r in rows)[:400]
            session.add(AppliedScan(scan_id=scan_id, operation="label", summary=summary))
        session.commit()
        return [r.id for r in rows if r.id is not None]
