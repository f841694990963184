"""Engine and sessions: SQLite in WAL mode with immediate write transactions, or PostgreSQL.

Every write begins ``BEGIN IMMEDIATE`` on SQLite (FIELD_NOTES: deferred BEGIN loses races to
"database is locked"). The schema is created and upgraded only through alembic migrations.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event  # Engine: the store handle workflows hold
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
BUSY_TIMEOUT_MS = 10_000
READ_ONLY = "scanner_tui_read_only"
# A pooled PostgreSQL connection idle longer than this is pinged before it is handed out.
PING_AFTER_IDLE_S = 10.0


def _sqlite_events(engine: Engine, synchronous: str, autocheckpoint: bool, busy_ms: int,
                   read_only: bool = False) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # noqa: ANN001
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        if read_only:  # WAL is a property of the file: a reader neither sets nor needs it
            cur.execute("PRAGMA query_only=ON")
            cur.close()
            return
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        if not autocheckpoint:
            cur.execute("PRAGMA wal_autocheckpoint=0")  # a Checkpointer thread does it
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # noqa: ANN001
        # Writes take the lock up front; a read-only transaction (``reading``) stays deferred so
        # look-ups on one terminal never wait for, or block, another terminal's writes.
        deferred = read_only or conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


def _sqlite_file(database: str) -> Path | None:
    """The file of a SQLite database name (plain path or ``file:`` URI); None in memory."""
    if database.startswith("file:"):
        database = database[5:].split("?", 1)[0]
        if database.startswith("//"):
            database = database[2:]
    return None if database in ("", ":memory:") else Path(database).expanduser()


def _read_only_sqlite(path: Path) -> dict[str, str]:
    """URI parameters that open ``path`` without ever writing to it or beside it.

    A WAL database is read through its ``-shm`` index, which a reader must be able to create.
    When it is absent and the folder is not writable, no writer is using the file now (a
    writer needs that index), and SQLite can read it only ``immutable``: as it stands. (A
    writer with more rights that starts during the read is not seen; such a copy is a
    read-only one in practice: a backup, an archive, a mounted snapshot.)
    """
    shm = path.with_name(path.name + "-shm")
    immutable = not shm.exists() and not os.access(path.parent, os.W_OK)
    return {"mode": "ro", "uri": "true", **({"immutable": "1"} if immutable else {})}


def make_engine(
    url: str, *, synchronous: str = "NORMAL", echo: bool = False, autocheckpoint: bool = True,
    busy_timeout: float = BUSY_TIMEOUT_MS / 1000, read_only: bool = False,
) -> Engine:
    """Build an engine for a database URL; creates the SQLite file's folder if needed.

    ``autocheckpoint=False`` (SQLite) stops commits from running WAL checkpoints themselves;
    pair it with a running :class:`Checkpointer`, as the interactive app does.
    ``busy_timeout`` (seconds): how long a write waits for another writer's lock (SQLite busy
    timeout; PostgreSQL lock and connect timeouts). ``read_only``: open the store so that
    nothing is ever written (a read-only file works; every write is refused).
    """
    parsed = make_url(url)
    busy_ms = max(1, int(busy_timeout * 1000))
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_file(parsed.database or "")
        kwargs: dict = {"connect_args": {"check_same_thread": False}}
        if path is None:
            kwargs["poolclass"] = StaticPool
        elif read_only:
            parsed = parsed.set(database=f"file:{path.resolve()}",
                                query={**parsed.query, **_read_only_sqlite(path)})
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, echo=echo, **kwargs)
        _sqlite_events(engine, synchronous, autocheckpoint, busy_ms, read_only)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    options = f"-c lock_timeout={busy_ms}"
    if read_only:
        options += " -c default_transaction_read_only=on"
    if parsed.query.get("options"):  # the site's own server options come first
        options = f"{parsed.query['options']} {options}"
    connect_args = {"connect_timeout": max(2, round(busy_timeout)), "options": options}
    engine = create_engine(parsed, echo=echo, pool_use_lifo=True, connect_args=connect_args)
    _ping_when_idle(engine)
    _keep_prepared_statements(engine)
    return engine


def _keep_prepared_statements(engine: Engine) -> None:
    """End PostgreSQL transactions with a ROLLBACK that keeps the connection's prepared
    statements.

    psycopg prepares a statement once it has run five times on a connection (no parse, and a
    plan PostgreSQL may keep), but its ``rollback()`` forgets every prepared statement of the
    connection and deallocates them: a read (``engine.connect()``: a look-up, a workflow's
    reads) ends with a rollback, so every scan threw them away and no statement of the scan
    path was ever prepared; each was parsed and planned afresh. PostgreSQL itself keeps
    prepared statements across a rollback; psycopg forgets them in case the transaction made
    what they refer to, which the app never does (schema changes are migrations, committed).
    Anything but a plain open or failed transaction goes to psycopg's own ``rollback()``."""
    import psycopg
    from psycopg import pq

    ending = (pq.TransactionStatus.INTRANS, pq.TransactionStatus.INERROR)

    def do_rollback(dbapi_conn) -> None:  # noqa: ANN001
        pgconn = dbapi_conn.pgconn
        if pgconn.transaction_status in ending:
            try:
                with dbapi_conn.lock:  # (libpq's blocking exec: the GIL is released meanwhile)
                    done = pgconn.exec_(b"ROLLBACK").status == pq.ExecStatus.COMMAND_OK
            except psycopg.Error:
                done = False
            if done:
                return
        dbapi_conn.rollback()  # idle, broken or busy: psycopg's own (it raises what is wrong)

    engine.dialect.do_rollback = do_rollback  # type: ignore[method-assign]


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before handing it out only when it sat idle longer than
    ``PING_AFTER_IDLE_S`` (SQLAlchemy's ``pool_pre_ping`` pings at every checkout: a round
    trip on each of a scan's three checkouts). The pool is LIFO, so a scan reuses the
    connection the last one returned. A connection that died sooner fails its first
    statement: SQLAlchemy then renews every pooled connection, and the scan's first write
    (``journal.record_scan``) runs once more; a later step is told as the store's fault."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn, record) -> None:  # noqa: ANN001
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn, record, _proxy) -> None:  # noqa: ANN001
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since <= PING_AFTER_IDLE_S:
            return  # new, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # noqa: BLE001  (the pool renews it and tries again)
            raise DisconnectionError("the pooled connection was lost while idle") from exc


def _alembic_config():  # noqa: ANN202
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def schema_is_current(engine: Engine) -> bool:
    """Is the store at the newest schema? Read in a transaction that takes no write lock."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(_alembic_config()).get_heads())
    with engine.connect() as conn:
        conn = conn.execution_options(**{READ_ONLY: True})
        with conn.begin():
            current = set(MigrationContext.configure(conn).get_current_heads())
    return current == heads


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` with alembic (creates it on an empty database)."""
    from alembic import command

    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def open_store(
    url: str, *, upgrade: bool = True, synchronous: str = "NORMAL", autocheckpoint: bool = True,
    busy_timeout: float = BUSY_TIMEOUT_MS / 1000, read_only: bool = False,
) -> Engine:
    """The engine for a configured store, migrated to the newest schema.

    No write transaction is taken when the schema is already current, so opening never waits
    for, or blocks, a terminal's write. ``read_only`` (verify, history, export, journal): open
    without writing, so a read-only file works; a store that does not exist yet, or needs a
    migration, is opened for writing once to create or upgrade it, as any command does.
    """
    if read_only and make_url(url).get_backend_name() == "sqlite":
        path = _sqlite_file(make_url(url).database or "")
        read_only = path is not None and path.exists()
    engine = make_engine(url, synchronous=synchronous, autocheckpoint=autocheckpoint,
                         busy_timeout=busy_timeout, read_only=read_only)
    try:
        if upgrade and not schema_is_current(engine):
            if read_only:
                engine.dispose()
                return open_store(url, synchronous=synchronous, autocheckpoint=autocheckpoint,
                                  busy_timeout=busy_timeout)
            migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """A read-only session: a deferred transaction on SQLite (no write lock), rolled back."""
    with engine.connect() as conn:
        conn = conn.execution_options(**{READ_ONLY: True})
        with Session(bind=conn, expire_on_commit=False) as session:
            try:
                yield session
            finally:
                session.rollback()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


class Checkpointer:
    """Runs SQLite WAL checkpoints on a background thread, so that no scan's commit pays for one.

    By default SQLite checkpoints inside the commit that grows the WAL past 1,000 pages: that
    commit takes many milliseconds (the p99 tail of an operation). The app turns automatic
    checkpoints off on its own connections and runs a PASSIVE checkpoint (which never blocks
    readers or writers) every ``interval`` seconds instead. Other processes on the same file keep
    their automatic checkpoints. Does nothing for PostgreSQL.
    """

    def __init__(self, engine: Engine, interval: float = 1.0) -> None:
        self.engine = engine
        self.interval = interval
        self.runs = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Checkpointer:
        if self.engine.dialect.name == "sqlite" and self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="wal-checkpoint", daemon=True)
            self._thread.start()
        return self

    def checkpoint(self) -> None:
        raw = self.engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            self.runs += 1
        finally:
            raw.close()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.checkpoint()
            except Exception:  # noqa: BLE001  (busy or closing: the next round tries again)
                log.debug("WAL checkpoint failed", exc_info=True)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self.engine.dialect.name == "sqlite":
            try:
                self.checkpoint()
            except Exception:  # noqa: BLE001
                log.debug("final WAL checkpoint failed", exc_info=True)
