"""``scanner-tui run`` (also bare ``scanner-tui``) opens the app; ``journal`` prints scans."""

from __future__ import annotations

import json
import sys

import typer

from scanner_tui.commands.common import Context, context, fail


def register(app: typer.Typer) -> None:
    """Add ``run`` and ``journal`` to the app."""
    app.command("run")(run_command)
    app.command("journal")(journal_command)


def run_app(ctx: Context) -> None:
    """Open the Textual scan app on the configured store (blocks until the user quits)."""
    from scanner_tui.inventory.db import Checkpointer

    config = ctx.config
    ctx.interactive = True
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
) -> None:
    """Print the scan journal, oldest first: every scan read, what it was, and its outcome."""
    from scanner_tui.inventory.journal import read_journal

    try:
        rows = read_journal(context(ctx).engine, last)
    except Exception as exc:  # noqa: BLE001  (one line, not a traceback)
        fail(f"cannot read the scan journal: {exc}")
    out = sys.stdout
    if not rows and not as_json:
        out.write("No scans in the journal yet.\n")
        return
    for row in rows:
        out.write((json.dumps(row, ensure_ascii=True) if as_json else describe(row)) + "\n")
    out.flush()


def _outcome(row: dict) -> str:
    if row["accepted"] is None:
        return "pending"
    return "accepted" if row["accepted"] else "rejected"


def describe(row: dict) -> str:
    """One journal row for a person: time, source, kind, outcome, payload (escaped), reason."""
    from scanner_tui.ui.safe_text import visible

    at = row["at"].replace("T", " ")[:19]
    who = " ".join(x for x in (visible(row["terminal"]), visible(row["operator"])) if x)
    parts = [at, f"{row['source']:<8}", f"{row['kind']:<9}", f"{_outcome(row):<8}",
             visible(row["payload"])]
    if who:
        parts.insert(1, who)
    if row["reason"]:
        parts.append(f"({visible(row['reason'])})")
    return "  ".join(parts)
