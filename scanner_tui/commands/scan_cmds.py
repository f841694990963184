"""``scanner-tui run`` (also bare ``scanner-tui``) opens the app; ``journal`` prints scans."""

from __future__ import annotations

import sys

import typer

from scanner_tui.commands.common import Context, context, fail, json_line


def register(app: typer.Typer) -> None:
    """Add ``run`` and ``journal`` to the app."""
    app.command("run")(run_command)
    app.command("journal")(journal_command)


def run_app(ctx: Context) -> None:
    """Open the Textual scan app on the configured store (blocks until the user quits)."""
    from scanner_tui.inventory.db import Checkpointer

    config = ctx.config
    ctx.interactive = True
    ctx.creates_store = True  # the app may start on a new, empty store
    engine = ctx.engine
    from scanner_tui.ui.app import ScannerApp

    checkpointer = Checkpointer(engine).start()
    try:
        ScannerApp(config, engine).run()
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
) -> None:
    """Print the scan journal, oldest first: every scan read, what it was, and its outcome."""
    from scanner_tui.commands.common import first_line
    from scanner_tui.inventory.journal import read_journal

    engine = context(ctx).engine  # a bad config or a missing store: its own one line
    try:
        rows = read_journal(engine, last)
    except Exception as exc:  # noqa: BLE001  (one line, not a traceback)
        fail(f"cannot read the scan journal: {first_line(exc)}")
    out = sys.stdout
    if not rows and not as_json:
        out.write("No scans in the journal yet.\n")
        return
    widths = column_widths(rows)
    for row in rows:
        out.write((json_line(row) if as_json else describe(row, widths)) + "\n")
    out.flush()


def _outcome(row: dict) -> str:
    if row["accepted"] is None:
        return "pending"
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
