"""What every command shares: the loaded config, the store, and one-line error exits."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import typer
from sqlalchemy import Engine

from scanner_tui.config import ENV_VAR, Config, ConfigError, load_config
from scanner_tui.text import hex_escaped


@dataclass
class Context:
    config_path: str | None = None
    interactive: bool = False  # the app: WAL checkpoints run on a background thread
    creates_store: bool = False  # demo, run, import: a SQLite file that is not there is made
    _config: Config | None = None
    _engine: Engine | None = field(default=None, repr=False)
    _read_engine: Engine | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            try:
                self._config = load_config(self.config_path)
            except ConfigError as exc:
                fail(str(exc), code=2)
        return self._config

    @property
    def config_file(self) -> str | None:
        """The configuration file in use (``--config``, else $SCANNER_TUI_CONFIG), or None."""
        return self.config_path or os.environ.get(ENV_VAR) or None

    @property
    def engine(self) -> Engine:
        """The store, migrated to the newest schema (for commands that change it)."""
        if self._engine is None:
            self._engine = self._open(read_only=False)
        return self._engine

    @property
    def read_engine(self) -> Engine:
        """The store opened so that nothing is written (verify, history, export, journal):
        works on a read-only file and never waits for a terminal's write lock."""
        if self._engine is not None:
            return self._engine
        if self._read_engine is None:
            self._read_engine = self._open(read_only=True)
        return self._read_engine

    def _open(self, *, read_only: bool) -> Engine:
        """Only ``demo``, ``run`` and ``import`` (``creates_store``) may make a SQLite file
        that is not there; for the other commands a missing file is a mistyped path, and an
        empty store is said on stderr."""
        from scanner_tui.inventory.db import open_store

        db = self.config.database  # a bad config fails here, once
        missing = missing_sqlite_file(db.url)
        if missing and not self.creates_store:
            fail(clean(f"there is no store at {missing} (nothing was created): check "
                       "database.url in the configuration, or make the store with "
                       "'scanner-tui demo' or 'scanner-tui import'"), code=2)
        try:
            engine = open_store(db.url, autocheckpoint=not self.interactive,
                                busy_timeout=db.busy_timeout_seconds, read_only=read_only)
        except Exception as exc:  # noqa: BLE001  (one line, not a traceback)
            fail(clean(f"cannot open the store {safe_url(db.url)}: {store_problem(exc)}"),
                 code=2)
        from scanner_tui.inventory import identity

        identity.configure(engine, identity.policy_from_config(self.config))
        if not self.creates_store and store_is_empty(engine):
            typer.echo(clean(f"scanner-tui: the store {safe_url(db.url)} is empty (no bins, "
                             "SKUs, units, operators, ledger rows or scans yet)"), err=True)
        return engine


def missing_sqlite_file(url: str) -> str | None:
    """The path of a SQLite store file that does not exist (None: there, or not a file)."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001  (open_store says what is wrong with it)
        return None
    database = parsed.database or ""
    if not parsed.get_backend_name() == "sqlite" or database in ("", ":memory:"):
        return None
    if database.startswith("file:") or parsed.query.get("mode") == "memory":
        return None
    return None if Path(database).exists() else database


def store_is_empty(engine: Engine) -> bool:
    """No bins, SKUs, units, operators, ledger rows or scans."""
    from sqlalchemy import select

    from scanner_tui.inventory.demo import store_is_empty as empty
    from scanner_tui.inventory.models import ScanJournal

    with engine.connect() as conn:
        scans = conn.execute(select(ScanJournal.__table__).limit(1)).first()
        return scans is None and empty(conn)


def safe_url(url: str) -> str:
    """The database URL with any password hidden."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001
        return "(unparseable database URL)"


def first_line(exc: BaseException) -> str:
    """An exception as one line (SQLAlchemy appends SQL and links on later lines)."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one line to stderr and exit."""
    typer.echo(f"scanner-tui: {message}", err=True)
    raise typer.Exit(code)


def clean(text: str) -> str:
    """Make control characters (ESC and friends) visible instead of sending them raw."""
    return hex_escaped(text)


def say(line: str) -> None:
    """One line of human output on stdout, control characters made visible."""
    typer.echo(clean(line))


DATA_KEYS = frozenset({"payload"})  # "" there is what was read (an empty scan), not absent


def absent_as_null(value: object) -> object:
    """One spelling of an absent value in JSON: ``null`` (never ``""``), at any depth; a
    scan's ``payload`` is data and stays as read."""
    if value == "":
        return None
    if isinstance(value, dict):
        return {k: v if k in DATA_KEYS else absent_as_null(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [absent_as_null(v) for v in value]
    return value


def json_line(value: object) -> str:
    """The one JSON shape of every ``--json``: one object on one line (a document command
    prints one line, a stream such as ``journal`` one line per record: JSON Lines), absent
    values ``null``, non-ASCII escaped so a terminal never receives raw control text."""
    return json.dumps(absent_as_null(value), ensure_ascii=True, default=str)


def store_problem(exc: BaseException) -> str:
    """What went wrong with the store and what to do (inventory.faults), else its first line."""
    from scanner_tui.inventory.faults import fault_of

    fault = fault_of(exc)
    return f"{fault.what}; {fault.todo}" if fault else first_line(exc)


def fail_store(exc: BaseException) -> NoReturn:
    """A database failure (busy, read-only, disk full, server gone) as one sentence, exit 1."""
    fail(clean(f"the store could not do that: {store_problem(exc)}"))


def context(ctx: typer.Context) -> Context:
    obj = ctx.find_root().obj
    if not isinstance(obj, Context):
        obj = Context()
        ctx.find_root().obj = obj
    return obj
