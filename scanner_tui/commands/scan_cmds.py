"""``scanner-tui run`` (also bare ``scanner-tui``) opens the app; ``journal`` prints scans."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import typer

from scanner_tui.commands.common import Context, clean, context, fail, json_line, say, store_problem
from scanner_tui.text import counted


def register(app: typer.Typer) -> None:
    """Add ``run`` and ``journal`` (with ``journal archive``) to the app."""
    app.command("run")(run_command)
    journal = typer.Typer(no_args_is_help=False)
    journal.callback(invoke_without_command=True)(journal_command)
    journal.command("archive")(archive_command)
    app.add_typer(journal, name="journal")


def run_app(ctx: Context) -> None:
    """Open the Textual scan app on the configured store (blocks until the user quits)."""
    from scanner_tui.inventory.db import Checkpointer

    config = ctx.config
    ctx.interactive = True
    ctx.creates_store = True  # the app may start on a new, empty store
    engine = ctx.engine
    from scanner_tui.serve.kept_app import KeptApp  # keeps its place: a restart costs nothing

    checkpointer = Checkpointer(engine).start()
    try:
        KeptApp(config, engine, resume_minutes=config.serve.resume_minutes).run()
    finally:
        checkpointer.stop()
        engine.dispose()


def run_command(ctx: typer.Context) -> None:
    """Open the scanner app on the configured store."""
    run_app(context(ctx))


def journal_command(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="One JSON object a line."),
    last: int | None = typer.Option(
        None, "--last", min=0, metavar="N", help="Only the newest N scans (still oldest first)."
    ),
    from_file: Path | None = typer.Option(
        None, "--from", metavar="FILE", help="Read a file made by `journal archive` instead."
    ),
) -> None:
    """Print the scan journal, oldest first: every scan read, what it was, and its outcome."""
    if ctx.invoked_subcommand is not None:
        return
    if from_file is not None:
        rows = _archived_rows(from_file, last)
    else:
        from scanner_tui.inventory.journal import read_journal

        engine = context(ctx).read_engine
        try:
            rows = read_journal(engine, last)
        except Exception as exc:  # noqa: BLE001  (one line, not a traceback)
            fail(clean(f"cannot read the scan journal: {store_problem(exc)}"))
    out = sys.stdout
    if not rows and not as_json:
        out.write("No scans in the journal yet.\n")
        return
    widths = column_widths(rows)
    for row in rows:
        out.write((json_line(row) if as_json else describe(row, widths)) + "\n")
    out.flush()


def _archived_rows(path: Path, last: int | None) -> list[dict]:
    from collections import deque

    from scanner_tui.inventory.journal_archive import NotAnArchive, read_archive

    if not path.is_file():
        fail(clean(f"{path} is not a file"), code=2)
    try:
        return list(deque(read_archive(path), maxlen=last)) if last is not None else list(
            read_archive(path))
    except NotAnArchive as exc:
        fail(clean(str(exc)))


def archive_command(
    ctx: typer.Context,
    before: datetime = typer.Option(..., "--before", formats=["%Y-%m-%d"], metavar="DATE",
                                    help="Archive the scans read before this day (UTC)."),
    to: Path = typer.Option(..., "--to", metavar="FILE",
                            help="The new archive file (gzip JSON Lines)."),
) -> None:
    """Move the scans read before DATE out of the store into a compressed FILE.

    `journal --from FILE` reads it back. Applied-scan ids before DATE are forgotten: such an
    old scan id can no longer be replayed. DATE must be at least 30 days ago."""
    from scanner_tui.inventory.journal_archive import ArchiveRefused, archive_journal

    engine = context(ctx).engine
    try:
        done = archive_journal(engine, before, to)
    except ArchiveRefused as exc:
        fail(clean(f"journal not archived: {exc}"))
    except OSError as exc:
        fail(clean(f"journal not archived: cannot write {to} ({exc.strerror or exc})"))
    except Exception as exc:  # noqa: BLE001  (one line, not a traceback)
        fail(clean(f"journal not archived: {store_problem(exc)}"))
    say(f"{counted(done.rows, 'scan')} moved to {done.path}; "
        f"{counted(done.applied_ids, 'applied-scan id')} "
        f"before {before.date().isoformat()} forgotten"
        + (f"; {done.settled} left pending were settled first" if done.settled else ""))


def _outcome(row: dict) -> str:
    from scanner_tui.inventory.journal import STOPPED

    if row["accepted"] is None:
        return "pending"
    if not row["accepted"] and row["reason"] == STOPPED:
        return "stopped"  # settled at the next start: the terminal stopped before answering
    return "accepted" if row["accepted"] else "rejected"


WHO_COLUMNS = ("terminal", "operator")


def _who(row: dict, column: str) -> str:
    from scanner_tui.text import visible

    return visible(row[column] or "") or "-"


def column_widths(rows: list[dict]) -> dict[str, int]:
    """The width of the terminal and operator columns over all rows printed (so every row
    keeps its columns, with or without a terminal or operator)."""
    return {c: max((len(_who(r, c)) for r in rows), default=1) for c in WHO_COLUMNS}


def describe(row: dict, widths: dict[str, int] | None = None) -> str:
    """One journal row for a person: time, terminal, operator ("-" when none), source, kind,
    outcome, payload and reason (control characters such as CR shown escaped: ``\\r``)."""
    from scanner_tui.text import visible

    widths = widths or column_widths([row])
    at = row["at"].replace("T", " ")[:19]
    parts = [at, *(f"{_who(row, c):<{widths[c]}}" for c in WHO_COLUMNS),
             f"{row['source']:<8}", f"{row['kind']:<9}", f"{_outcome(row):<8}",
             visible(row["payload"])]
    if row["reason"]:
        parts.append(f"({visible(row['reason'])})")
    return "  ".join(parts)
