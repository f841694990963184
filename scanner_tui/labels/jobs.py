"""Printing asset tags, the one way: the floor screens, ``scanner-tui labels assets`` and the
tests all call :func:`print_asset_tags` (new tags from the sequence, or reprints of units'
tags). It prints first and writes the ledger only when the printer took the job.

Bin tags are places, not ledger events: :func:`reprint_bin_tag` only prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session

from scanner_tui.config import LabelsConfig
from scanner_tui.inventory.faults import store_fault
from scanner_tui.labels.label import LabelError
from scanner_tui.labels.output import print_labels
from scanner_tui.labels.record import already_issued, compress, record_printed
from scanner_tui.labels.select import (
    DEFAULT_ASSET_RULE,
    asset_labels,
    bin_labels,
    new_tag_labels,
)
from scanner_tui.labels.sequence import allocate_asset_tags, check_operator


@dataclass(frozen=True, slots=True)
class TagsPrinted:
    """What :func:`print_asset_tags` did: the tags printed and recorded, which of them were
    reprints, and where they went (``print_labels``' answer: files, ``-`` or the printer)."""

    tags: tuple[str, ...]
    reprints: frozenset[str]
    written: tuple[str, ...]


class NotRecorded(LabelError):
    """The printer took the tags but the ledger could not be written (the tags are out)."""

    def __init__(self, reason: str, tags: Sequence[str], written: Sequence[str]) -> None:
        super().__init__(reason)
        self.tags = tuple(tags)
        self.written = tuple(written)


def require_operator(engine: Engine, badge: str) -> None:
    """Refuse an unknown or inactive badge before anything is printed."""
    with Session(engine) as session:
        check_operator(session, badge)


def print_asset_tags(engine: Engine, settings: LabelsConfig, destination: str, *,
                     actor_badge: str, terminal: str, new: int | None = None,
                     serials: Sequence[str] = (), receipt: str | None = None,
                     asset_rule: str = DEFAULT_ASSET_RULE, fmt: str = "zpl",
                     sheet: str | None = None, reprint: bool | None = None,
                     doc_type: str = "", doc_code: str = "", scan_id: str | None = None,
                     entry: str | None = None) -> TagsPrinted:
    """Allocate ``new`` tags (or take the tags of ``serials`` / ``receipt``), print them to
    ``destination``, then record them in the ledger as printed by ``actor_badge``.

    ``reprint``: True records every tag as a reprint (the person asked for one); None asks
    the ledger which were printed before. ``scan_id`` (a print caused by a scan) makes the
    record idempotent; ``entry`` (``scanned`` / ``typed``) defaults to ``scanned`` with a
    ``scan_id``. Raises ``LabelError`` (nothing recorded; new
    numbers allocated but not printed are never issued again, and the sentence says which)
    or :class:`NotRecorded` (printed, not recorded).
    """
    if new is not None:
        tags = allocate_asset_tags(engine, new, actor_badge, terminal,
                                   prefix=settings.asset_prefix, digits=settings.asset_digits)
        labels = new_tag_labels(tags)
        reprints: set[str] = set()
    else:
        require_operator(engine, actor_badge)
        labels = asset_labels(engine, serials, receipt=receipt, asset_rule=asset_rule)
        tags = [label.code for label in labels]
        reprints = set(tags) if reprint else already_issued(engine, tags)
    try:
        written = print_labels(labels, settings, destination, fmt=fmt, sheet=sheet)
    except LabelError as exc:
        if new is None:
            raise
        raise LabelError(f"{exc} (tags {', '.join(compress(tags))} were not printed and will "
                         "not be issued again)") from None
    try:
        record_printed(engine, tags, actor_badge=actor_badge, terminal=terminal,
                       reprint=reprints, doc_type=doc_type, doc_code=doc_code,
                       entry=entry or ("scanned" if scan_id else "typed"), scan_id=scan_id)
    except Exception as exc:  # noqa: BLE001  (the tags are out: say so in one sentence)
        fault = store_fault(exc)  # in floor words, never the driver's text
        reason = str(exc) if isinstance(exc, LabelError) else f"{fault.what}; {fault.todo}"
        raise NotRecorded(reason, tags, written) from exc
    return TagsPrinted(tuple(tags), frozenset(reprints), tuple(written))


def reprint_bin_tag(engine: Engine, settings: LabelsConfig, code: str, destination: str, *,
                    fmt: str = "zpl") -> None:
    """Reprint one damaged bin tag (bin tags are places: nothing goes in the ledger)."""
    print_labels(bin_labels(engine, [code]), settings, destination, fmt=fmt)
