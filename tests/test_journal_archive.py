"""Journal growth (issue 12 item 7): old journal rows move to a gzip JSON Lines file that
``journal --from`` reads; applied-scan ids older than the retention can no longer be replayed.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session
from typer.testing import CliRunner

from scanner_tui.cli import app as cli_app
from scanner_tui.commands.common import absent_as_null
from scanner_tui.inventory import operations as ops
from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.journal import STOPPED, read_journal, record_outcome, record_scan
from scanner_tui.inventory.journal_archive import (
    RETENTION_DAYS,
    ArchiveRefused,
    archive_journal,
)
from scanner_tui.inventory.models import AppliedScan, Bin, Operator, Sku
from scanner_tui.inventory.verify import verify_report
from scanner_tui.scanning.classify import classify
from scanner_tui.scanning.result import Scan, Source

NOW = datetime.now(UTC)
OLD = NOW - timedelta(days=RETENTION_DAYS + 30)
CUTOFF = (NOW - timedelta(days=RETENTION_DAYS + 1)).date()
BOSS = Actor("OP-0003", "T1", "supervisor")


def _journal(engine, payload: str, at: datetime, outcome: bool | None = True) -> str:
    scan = Scan(payload, Source.WEDGE, at=at)
    record_scan(engine, scan, classify(payload), terminal="T1", operator="OP-0003")
    if outcome is not None:
        record_outcome(engine, scan.id, outcome, "" if outcome else "not here")
    return scan.id


def _store(engine) -> None:
    with Session(engine) as s:
        s.add(Bin(code="A01-A-01", zone="A", kind="pick", active=True))
        s.add(Sku(code="MUG-01", description="Mug", tracking="quantity"))
        s.add(Operator(badge="OP-0003", name="Boss", role="supervisor", active=True))
        s.commit()


def _receive(engine, scan_id: str):
    return ops.receive(engine, actor=BOSS, scan_id=scan_id, bin="A01-A-01", sku="MUG-01", qty=1)


def _age(engine, scan_id: str, at: datetime) -> None:
    """Make an applied-scan id as old as ``at`` (the operations stamp it with the clock)."""
    with engine.begin() as conn:
        conn.execute(update(AppliedScan).where(AppliedScan.scan_id == scan_id).values(at=at))


def _config(tmp_path, db_url) -> str:
    path = tmp_path / "c.toml"
    path.write_text(f'[database]\nurl = "{db_url}"\n[terminal]\nid = "T1"\n', encoding="utf-8")
    return str(path)


def test_archive_moves_old_rows_to_a_file_journal_can_read(tmp_path, engine, db_url):
    old = [_journal(engine, f"A01-A-0{i}\r", OLD + timedelta(minutes=i), i % 2 == 0)
           for i in range(1, 6)]
    new = [_journal(engine, "A01-A-09\r", NOW - timedelta(days=1))]
    before = {r["scan_id"]: r for r in read_journal(engine)}
    cfg, target = _config(tmp_path, db_url), tmp_path / "2026-q1.jsonl.gz"
    runner = CliRunner()

    out = runner.invoke(cli_app, ["--config", cfg, "journal", "archive", "--before",
                                  CUTOFF.isoformat(), "--to", str(target)])
    assert out.exit_code == 0, out.output
    assert "5 scans moved" in out.output
    assert [r["scan_id"] for r in read_journal(engine)] == new  # only the recent one stays
    with gzip.open(target, "rt", encoding="utf-8") as f:  # a compressed file
        assert len(f.read().splitlines()) == 5

    as_json = runner.invoke(cli_app, ["--config", cfg, "journal", "--from", str(target),
                                      "--json"])
    assert as_json.exit_code == 0, as_json.output
    rows = [json.loads(x) for x in as_json.output.splitlines()]
    # the same rows in the one JSON shape of every --json (absent values null)
    assert rows == [absent_as_null(before[i]) for i in old]
    last = runner.invoke(cli_app, ["--config", cfg, "journal", "--from", str(target),
                                   "--last", "2"])
    assert last.exit_code == 0 and len(last.output.splitlines()) == 2
    assert "A01-A-05" in last.output and "rejected" in last.output.splitlines()[1]


def test_applied_ids_older_than_the_retention_can_no_longer_be_replayed(tmp_path, engine):
    _store(engine)
    _receive(engine, "old-scan")
    _age(engine, "old-scan", OLD)
    _receive(engine, "new-scan")
    assert _receive(engine, "old-scan").replayed  # still within reach before the archive

    done = archive_journal(engine, datetime.combine(CUTOFF, datetime.min.time()),
                           tmp_path / "a.gz")
    assert done.applied_ids == 1
    assert ops.applied(engine, "old-scan") is None
    assert ops.applied(engine, "new-scan") is not None
    assert _receive(engine, "new-scan").replayed
    assert not _receive(engine, "old-scan").replayed  # no longer a replay: a new receipt
    assert verify_report(engine).ok  # the ledger is untouched


def test_old_pending_rows_are_settled_then_archived(tmp_path, engine):
    stuck = _journal(engine, "A01-A-01\r", OLD, outcome=None)
    done = archive_journal(engine, NOW - timedelta(days=RETENTION_DAYS), tmp_path / "a.gz")
    assert (done.rows, done.settled) == (1, 1)
    with gzip.open(tmp_path / "a.gz", "rt") as f:
        (row,) = [json.loads(x) for x in f]
    assert row["scan_id"] == stuck and row["reason"] == STOPPED and row["accepted"] is False


def test_archive_keeps_the_retention_and_never_overwrites(tmp_path, engine, db_url):
    kept = _journal(engine, "A01-A-01\r", NOW - timedelta(days=RETENTION_DAYS - 1))
    with pytest.raises(ArchiveRefused, match=f"at least {RETENTION_DAYS} days"):
        archive_journal(engine, NOW - timedelta(days=RETENTION_DAYS - 2), tmp_path / "a.gz")
    existing = tmp_path / "exists.gz"
    existing.write_bytes(b"keep me")
    out = CliRunner().invoke(cli_app, ["--config", _config(tmp_path, db_url), "journal",
                                       "archive", "--before", "2000-01-01", "--to",
                                       str(existing)])
    assert out.exit_code == 1 and "already exists" in out.output
    assert existing.read_bytes() == b"keep me"
    assert [r["scan_id"] for r in read_journal(engine)] == [kept]


def test_journal_from_a_file_that_is_not_an_archive(tmp_path, db_url):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"scan_id": "x"}\n', encoding="utf-8")
    out = CliRunner().invoke(cli_app, ["--config", _config(tmp_path, db_url), "journal",
                                       "--from", str(bad)])
    assert out.exit_code == 1
    assert "line 1 is not a journal row" in out.output and "Traceback" not in out.output


def test_a_damaged_archive_is_told_in_words(tmp_path, db_url):
    """A damaged gzip file: one sentence, not the library's text (``Not a gzipped file
    (b'..')``)."""
    for name, data in (("odd.jsonl.gz", b"\x1f\x8b" + b"not gzip at all" * 4),):
        bad = tmp_path / name
        bad.write_bytes(data)
        out = CliRunner().invoke(cli_app, ["--config", _config(tmp_path, db_url), "journal",
                                           "--from", str(bad)])
        assert out.exit_code == 1, out.output
        assert out.output.strip().endswith(f"{name} is not a readable journal archive (it is "
                                           "damaged, or not gzip JSON Lines)"), out.output


@pytest.mark.postgres
def test_archive_and_settle_on_postgres(tmp_path, pg_url):
    from scanner_tui.inventory.db import open_store
    from scanner_tui.inventory.journal import settle_pending

    engine = open_store(pg_url)
    try:
        _store(engine)
        stuck = _journal(engine, "A01-A-01\r", NOW, outcome=None)
        _receive(engine, stuck)  # it committed, then the terminal died before answering
        assert settle_pending(engine, "T1") == {"applied": 1, "stopped": 0}
        old = _journal(engine, "A01-A-02\r", OLD)
        _receive(engine, "old-scan")
        _age(engine, "old-scan", OLD)
        done = archive_journal(engine, NOW - timedelta(days=RETENTION_DAYS), tmp_path / "a.gz")
        assert (done.rows, done.applied_ids) == (1, 1)
        assert [r["scan_id"] for r in read_journal(engine)] == [stuck]
        with gzip.open(tmp_path / "a.gz", "rt") as f:
            assert [json.loads(x)["scan_id"] for x in f] == [old]
        assert ops.applied(engine, "old-scan") is None and ops.applied(engine, stuck)
    finally:
        engine.dispose()
