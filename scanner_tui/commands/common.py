"""What every command shares: the loaded config, the store, and one-line error exits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NoReturn

import typer
from sqlalchemy import Engine

from scanner_tui.config import Config, ConfigError, load_config
from scanner_tui.text import hex_escaped


@dataclass
class Context:
    config_path: str | None = None
    interactive: bool = False  # the app: WAL checkpoints run on a background thread
    _config: Config | None = None
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            try:
                self._config = load_config(self.config_path)
            except ConfigError as exc:
                fail(str(exc), code=2)
        return self._config

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from scanner_tui.inventory.db import open_store

            try:
                self._engine = open_store(
                    self.config.database.url, autocheckpoint=not self.interactive
                )
            except Exception as exc:  # noqa: BLE001  (one line, not a traceback)
                fail(f"cannot open the store {safe_url(self.config.database.url)}: "
                     f"{first_line(exc)}", code=2)
            from scanner_tui.inventory import identity

            identity.configure(self._engine, identity.policy_from_config(self.config))
        return self._engine


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


def fail_store(exc: BaseException) -> NoReturn:
    """A database failure (locked, server gone) as one sentence on stderr, exit 1."""
    fail(clean(f"the store could not do that: {first_line(exc)}"))


def context(ctx: typer.Context) -> Context:
    obj = ctx.find_root().obj
    if not isinstance(obj, Context):
        obj = Context()
        ctx.find_root().obj = obj
    return obj
