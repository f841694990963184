"""Old journal rows out of the store: into a gzip JSON Lines file ``journal --from`` reads.

Every scan costs a journal row and an applied-scan id (about 360 bytes); a year of 20
terminals is about a gigabyte. ``archive`` moves the journal rows older than a date into a
file (one row a line, the JSON shape ``journal --json`` prints) and deletes the applied-scan
ids older than that date, so a scan id that old can no longer be replayed (answered with its
first result): it is fresh for every read and only comes back when a terminal re-sends a scan
moments later. The date must be at least :data:`RETENTION_DAYS` ago.

The file is complete and synced to disk before any row is deleted; rows still pending are
first given their outcome (:func:`~scanner_tui.inventory.journal.settle_pending`: nothing
that old is still being worked on).
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, delete, select

from scanner_tui.inventory.db import READ_ONLY
from scanner_tui.inventory.journal import as_row, settle_pending
from scanner_tui.inventory.models import AppliedScan, ScanJournal

RETENTION_DAYS = 30
BATCH = 5_000
_TABLE = ScanJournal.__table__
_APPLIED = AppliedScan.__table__
_KEYS = frozenset(("scan_id", "at", "source", "terminal", "operator", "payload", "kind",
                   "fields", "accepted", "reason"))


class ArchiveRefused(Exception):
    """Why an archive was not made (nothing changed), as a sentence."""


class NotAnArchive(Exception):
    """A file ``journal --from`` cannot read, with the line that is wrong."""


@dataclass(frozen=True, slots=True)
class Archived:
    rows: int  # journal rows moved to the file
    applied_ids: int  # applied-scan ids deleted
    settled: int  # pending rows given their outcome first
    path: Path


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def archive_journal(engine: Engine, before: datetime, path: Path, *,
                    now: datetime | None = None) -> Archived:
    """Move the journal rows older than ``before`` into ``path`` (gzip JSON Lines, a new
    file) and delete the applied-scan ids older than ``before``."""
    before = _aware(before)
    now = _aware(now or datetime.now(UTC))
    if before > now - timedelta(days=RETENTION_DAYS):
        raise ArchiveRefused(
            f"the journal keeps at least {RETENTION_DAYS} days: choose a date on or before "
            f"{(now - timedelta(days=RETENTION_DAYS)).date().isoformat()}")
    path = Path(path)
    if path.exists():
        raise ArchiveRefused(f"{path} already exists: archive into a new file")
    if not path.parent.is_dir():
        raise ArchiveRefused(f"the folder {path.parent} does not exist")
    settled = sum(settle_pending(engine, None, before=before).values())
    ids = _write(engine, before, path)
    for start in range(0, len(ids), BATCH):
        with engine.begin() as conn:  # short transactions: terminals keep scanning
            conn.execute(delete(_TABLE).where(_TABLE.c.id.in_(ids[start:start + BATCH])))
    with engine.begin() as conn:
        gone = conn.execute(delete(_APPLIED).where(_APPLIED.c.at < before)).rowcount
    return Archived(len(ids), gone, settled, path)


def _write(engine: Engine, before: datetime, path: Path) -> list[int]:
    """Write the rows to ``path`` (through a temporary file, synced, then renamed); their ids."""
    ids: list[int] = []
    tmp = path.with_name(f".{path.name}.part")
    query = (select(_TABLE).where(_TABLE.c.at < before, _TABLE.c.accepted.is_not(None))
             .order_by(_TABLE.c.id))
    try:
        with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb") as out:
            with engine.connect() as conn:  # a reader: no write lock while the file is made
                reader = conn.execution_options(stream_results=True, yield_per=BATCH,
                                                **{READ_ONLY: True})
                for row in reader.execute(query).mappings():
                    ids.append(row["id"])
                    line = json.dumps(as_row(row), ensure_ascii=True, sort_keys=True)
                    out.write(line.encode("ascii") + b"\n")
            out.flush()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return ids


def read_archive(path: Path) -> Iterator[dict]:
    """The journal rows of an archive file (gzip or plain JSON Lines), in order."""
    path = Path(path)
    with open(path, "rb") as probe:
        zipped = probe.read(2) == b"\x1f\x8b"
    opener = gzip.open if zipped else open
    try:
        with opener(path, "rt", encoding="utf-8") as lines:
            for n, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except ValueError:
                    row = None
                if not isinstance(row, dict) or not _KEYS <= row.keys():
                    raise NotAnArchive(f"{path.name} line {n} is not a journal row")
                yield row
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        why = getattr(exc, "strerror", None) or "it is damaged, or not gzip JSON Lines"
        raise NotAnArchive(f"{path.name} is not a readable journal archive ({why})") from exc
