"""The two label jobs the floor screens start: "print the next asset tags" (receiving) and
"reprint this tag" (look-up). Each prints first and writes the ledger only when that worked.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine
from sqlmodel import Session

from scanner_tui.config import Config
from scanner_tui.labels.label import LabelError
from scanner_tui.labels.output import print_labels
from scanner_tui.labels.record import compress, record_printed
from scanner_tui.labels.select import asset_labels, bin_labels, new_tag_labels
from scanner_tui.labels.sequence import allocate_asset_tags, check_operator


def require_operator(engine: Engine, badge: str) -> None:
    """Refuse an unknown or inactive badge before anything is printed."""
    with Session(engine) as session:
        check_operator(session, badge)


def print_new_asset_tags(engine: Engine, config: Config, n: int, destination: str, *,
                         actor_badge: str, fmt: str = "zpl", doc_type: str = "",
                         doc_code: str = "", scan_id: str | None = None) -> list[str]:
    """Allocate, print and record the next ``n`` asset tags; returns them.

    When printing fails the ``LabelError`` says which numbers were allocated: they are never
    issued again (the ledger only holds what was printed).
    """
    labels_cfg, terminal = config.labels, config.terminal.id
    tags = allocate_asset_tags(engine, n, actor_badge, terminal,
                               prefix=labels_cfg.asset_prefix, digits=labels_cfg.asset_digits)
    try:
        print_labels(new_tag_labels(tags), labels_cfg, destination, fmt=fmt)
    except LabelError as exc:
        raise LabelError(f"{exc} (tags {', '.join(compress(tags))} were not printed and will "
                         "not be issued again)") from None
    record_printed(engine, tags, actor_badge=actor_badge, terminal=terminal,
                   doc_type=doc_type, doc_code=doc_code, scan_id=scan_id,
                   entry="scanned" if scan_id else "typed")
    return tags


def reprint_asset_tags(engine: Engine, config: Config, serials: Sequence[str],
                       destination: str, *, actor_badge: str, fmt: str = "zpl",
                       scan_id: str | None = None) -> list[str]:
    """Reprint the tags of units (a damaged tag, from look-up): print, then record each as
    a reprint (the person asked for a reprint: the unit carries, or carried, this tag)."""
    require_operator(engine, actor_badge)
    labels = asset_labels(engine, serials, asset_rule=config.tags.asset)
    tags = [label.code for label in labels]
    print_labels(labels, config.labels, destination, fmt=fmt)
    record_printed(engine, tags, actor_badge=actor_badge, terminal=config.terminal.id,
                   reprint=True, scan_id=scan_id, entry="scanned" if scan_id else "typed")
    return tags


def reprint_bin_tag(engine: Engine, config: Config, code: str, destination: str, *,
                    fmt: str = "zpl") -> None:
    """Reprint one damaged bin tag (bin tags are places: nothing goes in the ledger)."""
    print_labels(bin_labels(engine, [code]), config.labels, destination, fmt=fmt)
