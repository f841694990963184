"""Store faults told truly (issue 12 item 6): busy, read-only, disk full, server gone.

Each case makes the real fault (another process holding the lock, a file the process may not
write, a store that has no room, a PostgreSQL server that was stopped) and checks the worker is
told what is wrong and what to do, never a driver's name, and that a read-only command works
on a store it may not write.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import event
from typer.testing import CliRunner

from scanner_tui.cli import app as cli_app
from scanner_tui.inventory.db import make_engine, open_store
from scanner_tui.inventory.faults import Fault, fault_of, store_fault
from scanner_tui.inventory.journal import read_journal
from scanner_tui.scanning.result import Scan, Source
from scanner_tui.scanning.rules import DEFAULT_RULES
from scanner_tui.ui.pipeline import NOT_JOURNALED, EchoHandler, ScanPipeline

DRIVER_WORDS = ("OperationalError", "sqlite3", "psycopg", "database is locked", "Error")


def _scan_through(engine, payload: str = "A04-B-12\r"):
    pipeline = ScanPipeline(engine, DEFAULT_RULES, reply=lambda _h: None, terminal="T1")
    return pipeline.process(Scan(payload, Source.WEDGE), EchoHandler())


def _floor_words(message: str) -> None:
    assert not any(word in message for word in DRIVER_WORDS), message
    assert message.startswith(f"{NOT_JOURNALED}: the store"), message


def _config(tmp_path: Path, url: str, busy: float = 0.3) -> str:
    path = tmp_path / "c.toml"
    path.write_text(f'[database]\nurl = "{url}"\nbusy_timeout_seconds = {busy}\n'
                    '[terminal]\nid = "T1"\n', encoding="utf-8")
    return str(path)


@pytest.fixture
def lock_holder(tmp_path, engine, db_url):
    """Another process holding the store's SQLite write lock until the test ends."""
    path = db_url.removeprefix("sqlite:///")
    code = textwrap.dedent(f"""
        import sqlite3, sys, time
        c = sqlite3.connect({path!r}, isolation_level=None)
        c.execute("BEGIN IMMEDIATE")
        c.execute("INSERT INTO tagsequence (name, next_value) VALUES ('lock-test', 1)")
        print("locked", flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        yield proc
    finally:
        proc.kill()
        proc.wait()


def test_busy_store_says_wait_and_try_again(tmp_path, db_url, lock_holder):
    engine = make_engine(db_url, busy_timeout=0.3)
    try:
        handled = _scan_through(engine)
    finally:
        engine.dispose()
    assert not handled.outcome.accepted and not handled.journaled
    _floor_words(handled.outcome.message)
    assert "busy" in handled.outcome.message
    assert "wait a moment and try again" in handled.outcome.message


def test_read_only_commands_do_not_wait_for_a_writer(tmp_path, db_url, lock_holder):
    """verify, history, export and journal read while another process holds the write lock
    (opening the store used to take the write lock for its migration check)."""
    cfg = _config(tmp_path, db_url)
    runner = CliRunner()
    for args in (["verify"], ["journal"], ["export", "stock"], ["history", "A04-B-12"]):
        out = runner.invoke(cli_app, ["--config", cfg, *args])
        assert "busy" not in out.output and out.exit_code in (0, 1), (args, out.output)
        if args[0] != "history":  # an unknown code exits 1 with its own sentence
            assert out.exit_code == 0, (args, out.output)


COUNTS_READS = (["counts", "list", "--all"], ["counts", "report"])


def test_read_only_counts_commands_do_not_wait_for_a_writer(tmp_path, db_url, lock_holder):
    """``counts list`` and ``counts report`` read: another process's write lock does not stop
    them (they opened the store for writing, so they waited and said busy)."""
    cfg = _config(tmp_path, db_url)
    for args in COUNTS_READS:
        out = CliRunner().invoke(cli_app, ["--config", cfg, *args])
        assert out.exit_code == 0 and "busy" not in out.output, (args, out.output)
    out = CliRunner().invoke(cli_app, ["--config", cfg, "counts", "compare", "CC-99999"])
    assert "busy" not in out.output and "CC-99999" in out.output, out.output


def test_a_write_command_on_a_busy_store_says_busy(tmp_path, db_url, lock_holder):
    cfg = _config(tmp_path, db_url)
    csv = tmp_path / "bins.csv"
    csv.write_text("code,zone,kind\nA04-B-12,pick,pick\n", encoding="utf-8")
    out = CliRunner().invoke(cli_app, ["--config", cfg, "import", "bins", str(csv)])
    assert out.exit_code != 0
    assert "busy" in out.output and "OperationalError" not in out.output, out.output


def test_read_only_store_refuses_a_scan_saying_so(engine, db_url):
    path = db_url.removeprefix("sqlite:///")
    ro = make_engine(f"sqlite:///file:{path}?mode=ro&uri=true")  # SQLite's read-only open
    try:
        handled = _scan_through(ro)
    finally:
        ro.dispose()
    _floor_words(handled.outcome.message)
    assert "read-only" in handled.outcome.message
    assert "trying again will not help" in handled.outcome.message
    assert read_journal(engine) == []


def _unprivileged() -> list[str] | None:
    """A command prefix that runs without the power to write other people's files."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"]


def test_read_only_file_verify_history_export_journal(tmp_path):
    """A store file the process may not write, in a folder it may not write (no WAL index):
    the read-only commands still answer; a scan command says read-only."""
    prefix = _unprivileged()
    if prefix is None:
        pytest.skip("running as root without setpriv: cannot make a file read-only")
    folder = tmp_path / "ro"
    folder.mkdir()
    url = f"sqlite:///{folder / 'store.db'}"
    eng = open_store(url)
    eng.dispose()
    cfg = _config(tmp_path, url)
    for extra in folder.glob("store.db-*"):
        extra.unlink()
    (folder / "store.db").chmod(0o444)
    folder.chmod(0o555)
    try:
        cli = [sys.executable, "-c", "from scanner_tui.cli import app; app()", "--config", cfg]
        for args in (["verify"], ["journal"], ["export", "stock"], *COUNTS_READS):
            done = subprocess.run([*prefix, *cli, *args], capture_output=True, text=True,
                                  timeout=60)
            assert done.returncode == 0 and done.stdout, (args, done.stderr)
            assert "Traceback" not in done.stderr
        csv = tmp_path / "bins.csv"
        csv.write_text("code,zone,kind\nA04-B-12,pick,pick\n", encoding="utf-8")
        write = subprocess.run([*prefix, *cli, "import", "bins", str(csv)],
                               capture_output=True, text=True, timeout=60)
        assert write.returncode != 0
        assert "read-only" in write.stderr and "Traceback" not in write.stderr, write.stderr
    finally:
        folder.chmod(0o755)
        (folder / "store.db").chmod(0o644)


def test_full_store_says_disk_full(engine, db_url):
    """SQLite's own SQLITE_FULL, made real by capping the file at its current size."""
    full = make_engine(db_url)

    @event.listens_for(full, "connect")
    def _cap(dbapi_conn, _record) -> None:  # noqa: ANN001
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count={pages}")

    try:
        handled = _scan_through(full, "X" * 20_000 + "\r")
    finally:
        full.dispose()
    _floor_words(handled.outcome.message)
    assert "disk is full" in handled.outcome.message


def test_full_disk_on_a_tiny_tmpfs(tmp_path):
    """The same on a real full file system, when this machine lets the test mount one."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if os.geteuid() != 0 or subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)], capture_output=True
    ).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        url = f"sqlite:///{mnt / 'store.db'}"
        eng = open_store(url)
        filler = mnt / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT)  # unbuffered: no late flush to fail
        try:
            while True:
                os.write(fd, b"\0" * 65536)
        except OSError:
            pass
        finally:
            os.close(fd)
        handled = _scan_through(eng, "Y" * 200_000 + "\r")
        eng.dispose()
        _floor_words(handled.outcome.message)
        assert "disk is full" in handled.outcome.message
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


@pytest.mark.postgres
def test_stopped_postgres_server_is_told_as_unreachable(tmp_path):
    from tests.postgres_server import PostgresServer, find_bin

    if not find_bin("initdb"):
        pytest.skip("PostgreSQL binaries not installed")
    server = PostgresServer()
    server.start()
    try:
        url = server.create_database("faults")
        eng = open_store(url, busy_timeout=2)
        assert _scan_through(eng).outcome.accepted
        server._run(server.pg_ctl, "-D", str(server.data), "-m", "fast", "stop")
        handled = _scan_through(eng)
        eng.dispose()
        _floor_words(handled.outcome.message)
        assert "server cannot be reached" in handled.outcome.message
        out = CliRunner().invoke(cli_app, ["--config", _config(tmp_path, url, 2), "journal"])
        assert out.exit_code == 2, out.output
        assert "server cannot be reached" in out.output and "OperationalError" not in out.output
    finally:
        server.stop()


def test_fault_of_reads_driver_codes():
    """The mapping for the codes the tests above cannot make for real (the driver's own
    exception classes, built directly)."""
    import sqlite3

    import psycopg.errors as pg

    busy = sqlite3.OperationalError("database is locked")
    assert store_fault(busy).kind is Fault.BUSY
    for error, kind in [(pg.DiskFull, Fault.DISK_FULL), (pg.ReadOnlySqlTransaction,
                        Fault.READ_ONLY), (pg.LockNotAvailable, Fault.BUSY),
                        (pg.DeadlockDetected, Fault.BUSY), (pg.AdminShutdown, Fault.UNREACHABLE),
                        (pg.DataCorrupted, Fault.DAMAGED), (pg.OperationalError, Fault.UNREACHABLE),
                        (pg.UndefinedTable, Fault.OTHER)]:
        assert store_fault(error("x")).kind is kind, error
    assert fault_of(ValueError("x")) is None
    assert store_fault(ValueError("x")).kind is Fault.OTHER
    assert store_fault(ValueError("x")).sentence("Nothing was done") == (
        "Nothing was done: the store failed; call a supervisor.")


def test_an_operation_failing_on_the_store_is_told_not_hidden(engine, db_url):
    """The journal takes the scan, then the operation's own write meets a read-only store:
    the answer names the fault, not "something went wrong"."""
    path = db_url.removeprefix("sqlite:///")
    ro = make_engine(f"sqlite:///file:{path}?mode=ro&uri=true")

    class Writer:
        def handle(self, scan, result):  # noqa: ANN001, ANN201
            with ro.begin() as conn:
                conn.exec_driver_sql("INSERT INTO tagsequence (name, next_value) VALUES ('x', 1)")

    pipeline = ScanPipeline(engine, DEFAULT_RULES, reply=lambda _h: None, terminal="T1")
    try:
        handled = pipeline.process(Scan("A04-B-12\r", Source.WEDGE), Writer())
    finally:
        ro.dispose()
    message = handled.outcome.message
    assert message.startswith("Nothing was changed: the store is read-only"), message
    (row,) = read_journal(engine)
    assert row["accepted"] is False and row["reason"] == message


@pytest.mark.postgres
def test_postgres_row_lock_held_elsewhere_is_busy_not_a_driver_error(pg_url):
    """Another session holds the stock rows; the move waits the busy timeout, then is
    refused as busy (PostgreSQL's lock_timeout), and the read-only open still reads."""
    import psycopg

    from tests.test_journal_crash import proof_crash

    proof_crash.prepare(pg_url)
    engine = open_store(pg_url, busy_timeout=0.5)
    holder = psycopg.connect(pg_url.replace("+psycopg", ""))
    try:
        holder.execute("SELECT * FROM stock FOR UPDATE")
        pipeline = ScanPipeline(engine, DEFAULT_RULES, reply=lambda _h: None, terminal="T1")
        handled = pipeline.process(Scan("A01-A-01\r", Source.WEDGE),
                                   proof_crash.MoveHandler(engine))
        message = handled.outcome.message
        assert message.startswith("Nothing was changed: the store is busy"), message
        reader = open_store(pg_url, read_only=True)
        assert read_journal(reader)[-1]["reason"] == message
        with pytest.raises(Exception) as refused, reader.begin() as conn:
            conn.exec_driver_sql("DELETE FROM scanjournal")
        assert store_fault(refused.value).kind is Fault.READ_ONLY
        reader.dispose()
    finally:
        holder.close()
        engine.dispose()


def test_a_task_on_a_damaged_store_says_so_in_floor_words(tmp_path):
    """A task that cannot be opened (or read back) because of the store says what is wrong in
    floor words, never the driver's text (``WorkflowHandler.open`` showed ``{exc}``)."""
    from scanner_tui.ui.floor import WorkflowHandler
    from scanner_tui.workflows.base import Services
    from scanner_tui.workflows.registry import find

    path = tmp_path / "damaged.db"
    path.write_bytes(b"this is not a store " * 300)
    broken = make_engine(f"sqlite:///{path}")
    try:
        services = Services(engine=broken, badge="OP-0001", terminal="T1", role="picker")
        handler = WorkflowHandler(find("pick"), services)
        error = handler.open().error
        assert error.startswith("Pick could not be opened: the store file is damaged"), error
        handler = WorkflowHandler(find("pick"), services)
        error = handler.reopen({"task": "pick", "version": 1, "state": {}}).error
        assert "damaged" in error, error
    finally:
        broken.dispose()
    for word in DRIVER_WORDS + ("not a database",):
        assert word not in error, error


def test_labels_on_a_busy_store(tmp_path, engine, db_url, lock_holder):
    """``labels bins`` only reads, so another process's write lock does not stop it; ``labels
    assets --new`` must write, and says the store is busy in one sentence (it was a
    traceback)."""
    cfg = _config(tmp_path, db_url)
    out = CliRunner().invoke(cli_app, ["--config", cfg, "labels", "assets", "--new", "2",
                                       "--badge", "OP-0001", "--output", str(tmp_path / "t")])
    assert out.exit_code == 1 and "busy" in out.output, out.output
    assert "Traceback" not in out.output and "OperationalError" not in out.output
    out = CliRunner().invoke(cli_app, ["--config", cfg, "labels", "bins", "A04-B-12",
                                       "--output", str(tmp_path / "b")])
    assert "store is busy" not in out.output and "A04-B-12" in out.output, out.output


def test_a_served_terminal_on_a_damaged_store_says_so(tmp_path, capsys):
    """A served terminal whose store cannot be opened prints one floor sentence, not the
    driver's text."""
    from scanner_tui.serve.child import main

    assert main(["--terminal", "T1", "--config", _config(tmp_path, "nosuchdb://host/x")]) == 1
    err = capsys.readouterr().err
    assert err == "scanner-tui: This terminal cannot start: the store failed; call a supervisor.\n"


def _drop_connections(url: str) -> int:
    """End every other session on the test database (as a server restart or a cut link would
    for the app's pooled connections); how many were ended."""
    import psycopg

    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as admin:
        return admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()[0]


@pytest.mark.postgres
def test_a_connection_dropped_between_scans_costs_no_scan(pg_url):
    """The pool pings only a connection idle for a while (``db.PING_AFTER_IDLE_S``), so the
    scan after a dropped link meets the dead connection: it is renewed and the scan is
    journaled, applied and answered once; the books still equal the ledger."""
    from tests.test_journal_crash import proof_crash

    proof_crash.prepare(pg_url)
    engine = open_store(pg_url)
    pipeline = ScanPipeline(engine, DEFAULT_RULES, reply=lambda _h: None,
                            terminal=proof_crash.TERMINAL)
    handler = proof_crash.MoveHandler(engine)
    try:
        assert pipeline.process(Scan("A01-A-01\r", Source.WEDGE), handler).outcome.accepted
        assert _drop_connections(pg_url) >= 1
        handled = pipeline.process(Scan("A01-A-02\r", Source.WEDGE), handler)
        journal = read_journal(engine)
    finally:
        engine.dispose()
    assert handled.outcome.accepted, handled.outcome.message
    assert [r["accepted"] for r in journal] == [True, True]
    found = proof_crash.check(pg_url)
    assert found["failures"] == 0 and found["operations"] == 2, found


@pytest.mark.postgres
def test_an_idle_pooled_connection_is_pinged_before_use(pg_url, monkeypatch):
    """Idle longer than ``PING_AFTER_IDLE_S``: the dead connection is found at checkout and
    replaced (any caller, not only the journal); idle less: it is used as it is."""
    from sqlalchemy.exc import DBAPIError

    from scanner_tui.inventory import db

    engine = open_store(pg_url)
    try:
        monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 3600.0)
        _drop_connections(pg_url)
        with pytest.raises(DBAPIError) as dead, engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        assert dead.value.connection_invalidated
        with engine.connect() as conn:  # the pool renewed its connections
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
        monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)
        assert _drop_connections(pg_url) >= 1
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        engine.dispose()
