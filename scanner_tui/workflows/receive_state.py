"""The receiving workflow's records, and its state as data (``Workflow.snapshot``).

``Current`` is the product in hand with the lot/expiry captured for it, ``Pending`` the open
question with what waits for its answer, ``Tagged`` what a tag printed here was printed for,
``Record`` one receive this session did. ``save_state`` / ``load_state`` turn them into JSON
and back; the receipt is kept by its code and read from the store again.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import NamedTuple, Protocol

from scanner_tui.inventory.receipt_doc import ReceiptDoc, find_receipt
from scanner_tui.scanning.result import Scan
from scanner_tui.workflows.base import Question, Services, scan_from_dict, scan_to_dict


@dataclass
class Current:
    """The product being received, with the lot/expiry captured for it."""

    sku_id: int
    code: str
    tracking: str
    capture_lot: bool
    capture_expiry: bool
    lot: str | None = None  # None: not captured yet
    expiry: date | None = None
    expiry_known: bool = False

    @property
    def serial(self) -> bool:
        return self.tracking == "serial"


@dataclass
class Pending:
    """An open question (``question.action`` is its kind) and what answering it needs."""

    kind: str  # lot | expiry | quantity | over | print | bin (the question's action)
    question: Question
    then: str = ""  # lot/expiry: what waits for the answer: qty | serial | unit
    scan: Scan | None = None  # over, lot/expiry: the scan that would receive
    qty: int = 0  # quantity: the run's count; over: how many would be received; print: tags
    fits: int = 0  # over: the part the receipt still expects
    serial: str | None = None  # over: the unit that would be received
    bin: str | None = None  # bin: the bin asked about (receive into it from now on?)


class Tagged(NamedTuple):
    """What a tag printed here was printed for: the unit it goes on gets these."""

    sku_id: int
    lot: str | None
    expiry: date | None


@dataclass
class Record:
    """One receive this session did (for the blind view and the summary)."""

    scan_id: str
    sku: str
    qty: int
    serial: str | None = None
    over: bool = False


class Receiving(Protocol):
    """What the receive helpers (state, view, tags) read and write of the workflow
    (``receive.ReceiveWorkflow``), without importing it."""

    services: Services
    title: str
    receipt: ReceiptDoc | None
    blind: bool
    bin: str | None
    notice: str
    current: Current | None
    pending: Pending | None
    records: list[Record]
    unexpected: list[str]
    not_on_receipt: list[str]
    finished: list[str] | None
    printed: dict[str, Tagged]
    awaiting: dict[str, Tagged]

    @property
    def choosing(self) -> bool: ...

    def open_receipts(self) -> list[ReceiptDoc]: ...

    def receipt_lines(self) -> list: ...

    def missing_serials(self) -> list[str]: ...

    def _has_notice(self, sku_id: int) -> bool: ...

    def _instruction(self) -> str: ...

    def _ask(self, kind: str, question: Question, **data: object) -> Question: ...


def save_state(wf: Receiving) -> dict:
    p, cur = wf.pending, wf.current
    return {
        "receipt": wf.receipt.code if wf.receipt is not None else None,
        "blind": wf.blind, "bin": wf.bin, "notice": wf.notice,
        "current": None if cur is None else {
            **asdict(cur), "expiry": cur.expiry.isoformat() if cur.expiry else None},
        "pending": None if p is None else {
            "kind": p.kind, "question": p.question.to_dict(), "then": p.then,
            "scan": scan_to_dict(p.scan), "qty": p.qty, "fits": p.fits,
            "serial": p.serial, "bin": p.bin},
        "records": [asdict(r) for r in wf.records],
        "unexpected": list(wf.unexpected), "not_on_receipt": list(wf.not_on_receipt),
        "finished": wf.finished,
        "printed": {t: _tag_to_list(v) for t, v in wf.printed.items()},
        "awaiting": sorted(wf.awaiting)}


def load_state(wf: Receiving, state: dict) -> None:
    code = state["receipt"]  # the receipt is read from the store again
    row = find_receipt(wf.services.engine, code) if code else None
    wf.receipt = (ReceiptDoc(wf.services.engine, row.id, row.code, row.supplier)
                    if row is not None else None)
    wf.blind, wf.bin, wf.notice = state["blind"], state["bin"], state["notice"]
    cur = state["current"]
    wf.current = None if cur is None else Current(**{
        **cur, "expiry": date.fromisoformat(cur["expiry"]) if cur["expiry"] else None})
    p = state["pending"]
    wf.pending = None if p is None else Pending(
        p["kind"], Question.from_dict(p["question"]), p["then"], scan_from_dict(p["scan"]),
        p["qty"], p["fits"], p["serial"], p.get("bin"))
    wf.records = [Record(**r) for r in state["records"]]
    wf.unexpected = list(state["unexpected"])
    wf.not_on_receipt = list(state["not_on_receipt"])
    wf.finished = state["finished"]
    wf.printed = {t: _tag_from_list(v) for t, v in state["printed"].items()}
    wf.awaiting = {t: wf.printed[t] for t in state["awaiting"]}


def _tag_to_list(tag: Tagged) -> list:
    return [tag.sku_id, tag.lot, tag.expiry.isoformat() if tag.expiry else None]


def _tag_from_list(data: list) -> Tagged:
    sku_id, lot, expiry = data
    return Tagged(sku_id, lot, date.fromisoformat(expiry) if expiry else None)
