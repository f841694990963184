"""The scan journal: written before acting, outcome after, read back oldest first."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from typer.testing import CliRunner

from scanner_tui.cli import app as cli_app
from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.journal import read_journal, record_outcome, record_scan
from scanner_tui.scanning.classify import classify
from scanner_tui.scanning.result import Kind, Scan, ScanResult, Source


def _scan(payload: str, source: Source = Source.WEDGE, **kw) -> Scan:
    return Scan(payload, source, **kw)


def test_round_trip_with_fields_and_outcome(engine):
    scan = _scan("]d2010950110102091721SN0001\r")
    result = classify(scan.payload)
    record_scan(engine, scan, result, terminal="T1", operator="OP-0001")
    (row,) = read_journal(engine)
    assert row["scan_id"] == scan.id
    assert row["payload"] == scan.payload  # as received, suffix and all
    assert row["source"] == "wedge" and row["terminal"] == "T1" and row["operator"] == "OP-0001"
    assert row["kind"] == "asset"
    assert row["fields"]["serial"] == "SN0001" and row["fields"]["gtin"] == "09501101020917"
    assert row["accepted"] is None and row["reason"] == ""  # written before it is acted on
    record_outcome(engine, scan.id, False, "not expected here")
    (row,) = read_journal(engine)
    assert row["accepted"] is False and row["reason"] == "not expected here"


def test_time_is_stored_as_utc(engine):
    local = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone(timedelta(hours=2)))
    record_scan(engine, _scan("A04-B-12\r", at=local), ScanResult(Kind.BIN, "A04-B-12"),
                terminal="T")
    (row,) = read_journal(engine)
    assert datetime.fromisoformat(row["at"]) == local
    assert row["at"].endswith("+00:00")


def test_last_n_is_the_newest_n_oldest_first(engine):
    for i in range(10):
        record_scan(engine, _scan(f"P{i}\r"), ScanResult(Kind.UNKNOWN, f"P{i}", reason="x"),
                    terminal="T")
    assert [r["payload"] for r in read_journal(engine, 3)] == ["P7\r", "P8\r", "P9\r"]
    assert len(read_journal(engine)) == 10
    assert read_journal(engine, 0) == []


def test_untrusted_payload_is_stored_verbatim(engine):
    nasty = "[@click=app.quit]\x1b[2J'; DROP TABLE scanjournal;--\x00\udcff\r"
    scan = _scan(nasty, Source.SERIAL)
    record_scan(engine, scan, classify(nasty), terminal="T")
    (row,) = read_journal(engine)
    # kept verbatim except what no store can hold (lone surrogate, NUL): escaped visibly
    assert row["payload"] == nasty.replace("\x00", "\\x00").replace("\udcff", "\\udcff")
    assert row["kind"] == "unknown"


@pytest.mark.postgres
def test_postgres_takes_nul_and_surrogates_escaped(pg_url):
    engine = open_store(pg_url)
    try:
        record_scan(engine, _scan("A\x00B\udcff\r"), ScanResult(Kind.UNKNOWN, "x", reason="r"),
                    terminal="T")
        assert read_journal(engine)[0]["payload"] == "A\\x00B\\udcff\r"
    finally:
        engine.dispose()


def test_duplicate_scan_id_is_refused(engine):
    scan = _scan("A04-B-12\r")
    record_scan(engine, scan, ScanResult(Kind.BIN, "A04-B-12"), terminal="T")
    with pytest.raises(Exception):  # noqa: B017  (unique key: a scan is journaled once)
        record_scan(engine, scan, ScanResult(Kind.BIN, "A04-B-12"), terminal="T")
    assert len(read_journal(engine)) == 1


@pytest.mark.postgres
def test_postgres_round_trip(pg_url):
    engine = open_store(pg_url)
    try:
        at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        for i in range(3):
            scan = _scan(f"AT0000000{i}\r", at=at)
            record_scan(engine, scan, classify(scan.payload), terminal="PG")
            record_outcome(engine, scan.id, True, "")
        rows = read_journal(engine, 2)
        assert [r["payload"] for r in rows] == ["AT00000001\r", "AT00000002\r"]
        assert rows[0]["at"] == at.isoformat() and rows[0]["accepted"] is True
    finally:
        engine.dispose()


def _config(tmp_path, db_url: str) -> str:
    path = tmp_path / "c.toml"
    path.write_text(f'[database]\nurl = "{db_url}"\n[terminal]\nid = "T9"\n', encoding="utf-8")
    return str(path)


def test_cli_journal_json_and_human(tmp_path, db_url, engine):
    payloads = ["A04-B-12\r", "bad\x1b[31m\r", "[bold]x[/\r"]
    for p in payloads:
        scan = _scan(p, Source.KEYBOARD)
        result = classify(p)
        record_scan(engine, scan, result, terminal="T9", operator="OP-0002")
        record_outcome(engine, scan.id, result.accepted, result.reason or "")
    cfg = _config(tmp_path, db_url)
    runner = CliRunner()
    out = runner.invoke(cli_app, ["--config", cfg, "journal", "--json"])
    assert out.exit_code == 0, out.output
    rows = [json.loads(line) for line in out.output.splitlines()]
    assert [r["payload"] for r in rows] == payloads
    for r in rows:
        assert {"payload", "source", "kind", "accepted", "reason", "at", "scan_id", "terminal",
                "operator"} <= r.keys()
    assert rows[0]["accepted"] is True and rows[1]["accepted"] is False and rows[1]["reason"]
    last = runner.invoke(cli_app, ["--config", cfg, "journal", "--json", "--last", "1"])
    assert [json.loads(x)["payload"] for x in last.output.splitlines()] == [payloads[-1]]
    human = runner.invoke(cli_app, ["--config", cfg, "journal"])
    assert human.exit_code == 0
    assert "\x1b" not in human.output and "\r" not in human.output
    assert "\\x1b[31m" in human.output and "[bold]x[/" in human.output
    assert "A04-B-12" in human.output and "rejected" in human.output


def test_cli_journal_empty_store(tmp_path, db_url, engine):
    out = CliRunner().invoke(cli_app, ["--config", _config(tmp_path, db_url), "journal"])
    assert out.exit_code == 0
    assert "no scans" in out.output.lower()
