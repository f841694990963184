"""Engine and sessions: SQLite in WAL mode with immediate write transactions, or PostgreSQL.

Every write begins ``BEGIN IMMEDIATE`` on SQLite (FIELD_NOTES: deferred BEGIN loses races to
"database is locked"). The schema is created and upgraded only through alembic migrations.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
BUSY_TIMEOUT_MS = 10_000
READ_ONLY = "scanner_tui_read_only"


def _sqlite_events(engine: Engine, synchronous: str, autocheckpoint: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # noqa: ANN001
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
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
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_engine(
    url: str, *, synchronous: str = "NORMAL", echo: bool = False, autocheckpoint: bool = True
) -> Engine:
    """Build an engine for a database URL; creates the SQLite file's folder if needed.

    ``autocheckpoint=False`` (SQLite) stops commits from running WAL checkpoints themselves;
    pair it with a running :class:`Checkpointer`, as the interactive app does.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        in_memory = database in ("", ":memory:")
        if not in_memory:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs: dict = {"connect_args": {"check_same_thread": False}}
        if in_memory:
            kwargs["poolclass"] = StaticPool
        engine = create_engine(parsed, echo=echo, **kwargs)
        _sqlite_events(engine, synchronous, autocheckpoint)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, echo=echo, pool_pre_ping=True)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` with alembic (creates it on an empty database)."""
    from alembic import command
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def open_store(
    url: str, *, upgrade: bool = True, synchronous: str = "NORMAL", autocheckpoint: bool = True
) -> Engine:
    """The engine for a configured store, migrated to the newest schema."""
    engine = make_engine(url, synchronous=synchronous, autocheckpoint=autocheckpoint)
    if upgrade:
        migrate(engine)
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
