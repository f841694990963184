"""Data quality per operator and per terminal (``scanner-tui report quality``).

From the scan journal: scans, how many were typed rather than scanned, refusals by reason.
From the ledger: unit moves (``serials``: ledger rows of a serialised unit) and how many of them
were entered from a typed serial (``serials_typed``), undos (one per undone scan). From the
authenticity events: how many each one raised. A supervisor sees who needs help before a recall
does.

A refusal's reason is a sentence with codes in it; ``reason_key`` blanks the codes out
(``AT00000003 is in A01-B-04, not in A01-B-03`` -> ``… is in …, not in …``) so that the same
refusal groups together whatever was scanned.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import datetime

from sqlalchemy import Engine, func, select

from scanner_tui.inventory.models import AuthenticityEvent, LedgerEntry, ScanJournal
from scanner_tui.text import counted

T_JOURNAL = ScanJournal.__table__
T_LEDGER = LedgerEntry.__table__
T_EVENT = AuthenticityEvent.__table__
TYPED_SOURCES = ("keyboard",)
_CODE_TOKEN = re.compile(r"[^\s,;:()]*[0-9][^\s,;:()]*|\b[A-Z][A-Z0-9_-]*-[A-Z0-9_-]+\b")
_KEY_LIMIT = 80


def reason_key(reason: str) -> str:
    """A refusal's sentence with its codes blanked out: the reason it stands for."""
    text = (reason or "").split(". ")[0].split("; ")[0].strip().rstrip(".")
    text = _CODE_TOKEN.sub("…", text)
    return (text[:_KEY_LIMIT] + "…") if len(text) > _KEY_LIMIT else (text or "(no reason)")


def _blank() -> dict:
    return {"scans": 0, "typed": 0, "typed_share": 0.0, "serials": 0, "serials_typed": 0,
            "serials_typed_share": 0.0, "refused": 0, "refusals": Counter(),
            "authenticity_events": 0, "undos": 0}


def quality_report(engine: Engine, since: datetime | None = None) -> dict:
    """{"since", "operators": [...], "terminals": [...]}: one row per badge and per terminal."""
    people: dict[str, dict] = defaultdict(_blank)
    places: dict[str, dict] = defaultdict(_blank)
    j, led, ev = T_JOURNAL.c, T_LEDGER.c, T_EVENT.c
    with engine.connect() as conn:
        q = (select(j.operator, j.terminal, j.source, j.accepted, j.reason, func.count())
             .group_by(j.operator, j.terminal, j.source, j.accepted, j.reason))
        if since is not None:
            q = q.where(j.at >= since)
        for badge, terminal, source, accepted, reason, n in conn.execute(q):
            for row in (people[badge or ""], places[terminal or ""]):
                row["scans"] += n
                row["typed"] += n if source in TYPED_SOURCES else 0
                if accepted is False:
                    row["refused"] += n
                    row["refusals"][reason_key(reason)] += n
        q = (select(led.operator, led.terminal, led.entry, func.count())
             .where(led.asset_id.is_not(None), led.action != "undo")
             .group_by(led.operator, led.terminal, led.entry))
        if since is not None:
            q = q.where(led.at >= since)
        for badge, terminal, entry, n in conn.execute(q):
            for row in (people[badge or ""], places[terminal or ""]):
                row["serials"] += n
                row["serials_typed"] += n if entry == "typed" else 0
        q = (select(led.operator, led.terminal, func.count(func.distinct(led.scan_id)))
             .where(led.action == "undo").group_by(led.operator, led.terminal))
        if since is not None:
            q = q.where(led.at >= since)
        for badge, terminal, n in conn.execute(q):
            people[badge or ""]["undos"] += n
            places[terminal or ""]["undos"] += n
        q = select(ev.operator, ev.terminal, func.count()).group_by(ev.operator, ev.terminal)
        if since is not None:
            q = q.where(ev.at >= since)
        for badge, terminal, n in conn.execute(q):
            people[badge or ""]["authenticity_events"] += n
            places[terminal or ""]["authenticity_events"] += n
    return {"since": since.isoformat() if since else None,
            "operators": _rows("operator", people), "terminals": _rows("terminal", places)}


def _rows(key: str, table: dict[str, dict]) -> list[dict]:
    out = []
    for name in sorted(table):
        row = table[name]
        row["typed_share"] = round(row["typed"] / row["scans"], 3) if row["scans"] else 0.0
        row["serials_typed_share"] = (round(row["serials_typed"] / row["serials"], 3)
                                      if row["serials"] else 0.0)
        row["refusals"] = dict(row["refusals"].most_common())
        out.append({key: name, **row})
    return out


def render(report: dict) -> list[str]:
    """Lines for a supervisor: one block per operator, then per terminal."""
    out = [f"Data quality since {report['since'] or 'the start'}"]
    for key, title in (("operators", "operator"), ("terminals", "terminal")):
        out.append(f"By {title}:")
        if not report[key]:
            out.append("  nothing recorded")
        for row in report[key]:
            name = row[title] or "(none)"
            out.append(f"  {name}: {counted(row['scans'], 'scan')}, "
                       f"{row['typed_share']:.0%} typed; {counted(row['serials'], 'unit move')}, "
                       f"{row['serials_typed_share']:.0%} of serials typed; "
                       f"{row['refused']} refused, "
                       f"{counted(row['authenticity_events'], 'authenticity event')}, "
                       f"{counted(row['undos'], 'undo')}")
            for reason, n in list(row["refusals"].items())[:5]:
                out.append(f"      {n:>5} x {reason}")
    return out
