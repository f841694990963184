"""Shared helpers for workflow tests: build services, classify a payload and hand it over.

``scan(wf, "A01-A-03")`` classifies the payload the way a terminal does (default tag rules plus
the store's known codes: manufacturer serials, SKU codes, aliases) and returns the ``Outcome``.
``ledger_rows``, ``last_row``, ``qty`` and ``gtin`` read the store back for assertions.
"""

from __future__ import annotations

import dataclasses
import enum

from sqlalchemy import Engine, Row, func, insert, select

from scanner_tui.inventory.actor import actor_for
from scanner_tui.inventory.lookup import StoreKnownCodes
from scanner_tui.inventory.models import Barcode, Bin, LedgerEntry, Sku, Stock
from scanner_tui.scanning.classify import classify
from scanner_tui.scanning.result import Scan, ScanResult, Source
from scanner_tui.scanning.rules import DEFAULT_RULES, TagRules
from scanner_tui.workflows.base import SAVED_ANSWERS, Outcome, Services, Workflow
from scanner_tui.workflows.shift import Shift


def services(engine: Engine, badge: str = "OP-0001", terminal: str = "T1",
             *, shift: bool = True) -> Services:
    """Services for an operator of the store (role read from the Operator table)."""
    actor = actor_for(engine, badge, terminal)
    return Services(engine=engine, badge=actor.badge, terminal=terminal, role=actor.role,
                    shift=Shift(actor.badge, actor.badge, actor.role) if shift else None)


def classified(engine: Engine, payload: str, source: Source = Source.WEDGE,
               rules: TagRules = DEFAULT_RULES) -> tuple[Scan, ScanResult]:
    """A fresh ``Scan`` (new id) and its classification against the store's known codes."""
    known = StoreKnownCodes(engine)
    try:
        return Scan(payload=payload, source=source), classify(payload, rules, known)
    finally:
        known.close()


def scan(wf: Workflow, payload: str, source: Source = Source.WEDGE,
         rules: TagRules = DEFAULT_RULES) -> Outcome:
    """Classify ``payload`` as a terminal would and hand it to the workflow."""
    s, result = classified(wf.services.engine, payload, source, rules)
    return wf.handle(s, result)


def scans(wf: Workflow, *payloads: str) -> list[Outcome]:
    """Several scans in a row; the outcomes in order."""
    return [scan(wf, p) for p in payloads]


def ledger_rows(engine: Engine) -> int:
    """How many ledger rows the store holds."""
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(LedgerEntry)).scalar_one()


def last_row(engine: Engine) -> Row | None:
    """The newest ledger row."""
    with engine.connect() as conn:
        return conn.execute(select(LedgerEntry).order_by(LedgerEntry.id.desc()).limit(1)).first()


def qty(engine: Engine, sku: str, bin_code: str) -> int:
    """Units of ``sku`` (all lots) in ``bin_code`` by the stock table."""
    with engine.connect() as conn:
        return int(conn.execute(
            select(func.coalesce(func.sum(Stock.qty), 0)).join(Sku, Sku.id == Stock.sku_id)
            .join(Bin, Bin.id == Stock.bin_id)
            .where(Sku.code == sku, Bin.code == bin_code)).scalar())


def gtin(engine: Engine, sku: str) -> str:
    """The product's GTIN-13 as printed on the box (the stored 14 digits less the leading 0)."""
    with engine.connect() as conn:
        code = conn.execute(select(Barcode.code).join(Sku, Sku.id == Barcode.sku_id)
                            .where(Sku.code == sku, Barcode.kind == "gtin")).scalar_one()
    return code[1:]


def add_barcode(engine: Engine, sku: str, code: str, kind: str = "gtin") -> None:
    """Give ``sku`` one more barcode (a GTIN as 14 digits, or an alias as printed)."""
    with engine.begin() as conn:
        sku_id = conn.execute(select(Sku.id).where(Sku.code == sku)).scalar_one()
        conn.execute(insert(Barcode).values(code=code, sku_id=sku_id, kind=kind))


def floor_state(wf: Workflow) -> object:
    """All a workflow holds, as comparable data: every attribute but its services (store
    objects by value, a scan without its arrival time), the answers a retry gets back."""
    unset = object()
    held = {k: v for k, v in vars(wf).items()  # a class's default set again is not held
            if k not in ("services", "_handled", "restore_notice")
            and getattr(type(wf), k, unset) != v}
    held["answered"] = list(wf._handled.items())[-SAVED_ANSWERS:]
    return _plain(held)


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, {f.name: _plain(getattr(value, f.name))
                                       for f in dataclasses.fields(value)
                                       if f.name not in ("engine", "at")})
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(repr(_plain(v)) for v in value)
    if value is None or isinstance(value, (str, int, float, enum.Enum)):
        return value
    if hasattr(value, "__dict__"):
        return (type(value).__name__, {k: _plain(v) for k, v in vars(value).items()
                                       if k not in ("engine", "services")})
    return repr(value)
