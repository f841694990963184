"""The store's commands: demo, import, export, history, recall, verify.

Human output is plain text with control characters made visible (codes are untrusted data);
``--json`` output is JSON. Problems are one-line sentences, never tracebacks.
"""

from __future__ import annotations

import functools
import shlex
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from scanner_tui.commands.common import clean, context, fail, fail_store, json_line, say
from scanner_tui.text import hex_escaped


class _TerminalSafe:
    """A stream for a terminal: control characters in the data are shown, never sent raw."""

    def __init__(self, stream) -> None:  # noqa: ANN001
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(hex_escaped(text, keep="\n"))


@contextmanager
def _progress_bar(label: str) -> Iterator:
    """A rich progress bar on stderr (only on a terminal); yields ``progress(task, done, n)``."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    console = Console(stderr=True)
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=console, transient=True,
                   disable=not console.is_terminal)
    tasks: dict[str, int] = {}

    def progress(task: str, done: int, total: int) -> None:
        if task not in tasks:
            tasks[task] = bar.add_task(f"{label} {task}", total=total)
        bar.update(tasks[task], completed=done, total=total)

    with bar:
        yield progress


def demo(
    ctx: typer.Context,
    size: str = typer.Option("small", "--size", help="small | medium | large (20k bins, 50k "
                             "SKUs, 1M units)."),
    bins: int | None = typer.Option(None, "--bins", help="Bulk bins to add (overrides --size)."),
    skus: int | None = typer.Option(None, "--skus", help="Bulk SKUs to add."),
    assets: int | None = typer.Option(None, "--assets", help="Bulk serialised units to add."),
) -> None:
    """Fill an empty store with a demo warehouse and say what it made."""
    from scanner_tui.inventory.demo import SIZES, StoreNotEmpty, build_demo

    if size not in SIZES:
        fail(f"unknown size {size!r}: choose {', '.join(SIZES)}", code=2)
    c = context(ctx)
    c.creates_store = True
    try:
        with _progress_bar("demo") as progress:
            summary = build_demo(c.engine, size, progress, bins=bins, skus=skus, assets=assets)
    except StoreNotEmpty:
        from sqlalchemy.engine import make_url

        where = make_url(c.config.database.url).render_as_string(hide_password=True)
        fail(f"the store {where} already holds data; the demo only fills an empty store "
             f"(point --config at a new database file)")
    except ValueError as exc:
        fail(str(exc), code=2)
    for line in summary.lines():
        say(line)
    _say_how_to_reach(c.config_file)


def _say_how_to_reach(config_file: str | None) -> None:
    """After the demo: the one line that points the next commands at this store (without it,
    they open the per-user default store)."""
    if config_file is None:
        return  # the default store: every command without --config reaches it
    path = shlex.quote(str(Path(config_file).resolve()))
    for line in (f"Other commands reach this store with --config {path}, or after:",
                 f"  export SCANNER_TUI_CONFIG={path}"):
        typer.echo(clean(line), err=True)


def import_(
    ctx: typer.Context,
    kind: str = typer.Argument(..., help="bins | skus | operators | assets | stock | receipts "
                               "| orders"),
    file: Path = typer.Argument(..., help="The CSV file (columns: docs/IMPORT.md)."),
    badge: str = typer.Option("", "--badge", help="Your badge: recorded on opening rows; "
                              "an admin's to import operators."),
    operator: str = typer.Option("", "--operator", hidden=True),  # the old name of --badge
    check: bool = typer.Option(False, "--check", help="Check the file only; write nothing."),
) -> None:
    """Import a CSV file: all of it, or nothing and every problem with its line."""
    from scanner_tui.inventory.importer import KINDS, ImportFailed, import_csv

    if kind not in KINDS:
        fail(f"unknown kind {kind!r}: choose {', '.join(KINDS)}", code=2)
    operator = badge or operator
    c = context(ctx)
    c.creates_store = True
    try:
        with _progress_bar("import") as progress:
            result = import_csv(c.engine, kind, file, progress=progress, tags=c.config.tags,
                                operator=operator, check_only=check)
    except ImportFailed as exc:
        typer.echo(clean(f"scanner-tui: {file.name} was not imported (nothing changed):"),
                   err=True)
        for problem in exc.problems:
            typer.echo(clean(f"  {problem}"), err=True)
        if exc.more:
            typer.echo("  ... and more problems", err=True)
        raise typer.Exit(1) from None
    if check:
        say(f"{file.name}: {result.rows:,} {kind} rows checked, no problems (nothing written)")
        return
    say(f"{file.name}: {result.summary()} in {result.seconds:.1f} s")


def export(
    ctx: typer.Context,
    kind: str = typer.Argument(..., help="stock | assets | ledger | shipments | counts"),
    fmt: str = typer.Option("csv", "--format", "-f", help="csv | json (one array)"),
    output: Path | None = typer.Option(None, "--output", "-o", help="File (default stdout)."),
    order: str | None = typer.Option(None, "--order", help="shipments: only this order."),
) -> None:
    """Export stock, units, the ledger, or shipped serials per order line (e-invoicing)."""
    from scanner_tui.inventory.export import EXPORT_KINDS, FORMATS, write_export

    if kind not in EXPORT_KINDS:
        fail(f"unknown export {kind!r}: choose {', '.join(EXPORT_KINDS)}", code=2)
    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}: choose csv or json", code=2)
    engine = context(ctx).read_engine
    if output is None:
        out = _TerminalSafe(sys.stdout) if sys.stdout.isatty() else sys.stdout
        write_export(engine, kind, fmt, out, order=order)
        return
    try:
        with output.open("w", encoding="utf-8", newline="") as out:
            n = write_export(engine, kind, fmt, out, order=order)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}")
    typer.echo(f"wrote {n:,} {kind} rows to {output}", err=True)


def history(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="A bin, unit serial, SKU code, GTIN, alias, order or "
                               "receipt."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object instead of text."),
    recent: int = typer.Option(50, "--recent", help="Bins and SKUs: how many recent moves."),
) -> None:
    """The life of a unit, what a bin holds and saw, where a SKU is, or an order's units."""
    from scanner_tui.inventory.history import UnknownCode, render
    from scanner_tui.inventory.history import history as get_history

    try:
        h = get_history(context(ctx).read_engine, code, recent=recent)
    except UnknownCode:
        fail(clean(f"{code!r} is not a bin, unit, SKU, barcode, order or receipt in this store"))
    if as_json:
        typer.echo(json_line(h))
        return
    for line in render(h):
        say(line)


def recall(
    ctx: typer.Context,
    lot: str | None = typer.Argument(None, help="The lot being recalled.", show_default=False),
    lot_option: str | None = typer.Option(None, "--lot", hidden=True),  # the old spelling
    sku: str | None = typer.Option(None, "--sku", help="Only this SKU's units of the lot."),
    hold: bool = typer.Option(False, "--hold", help="Put the lot on hold: none of it is "
                              "picked, shipped or moved out (a supervisor or admin)."),
    release: bool = typer.Option(False, "--release", help="Lift the lot's hold."),
    badge: str | None = typer.Option(None, "--badge", help="Your badge, for --hold or "
                                     "--release (a supervisor or admin)."),
    reason: str = typer.Option("", "--reason", help="Why, kept on the hold's ledger rows."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object instead of text."),
) -> None:
    """Every unit and quantity of a lot, where it is now (bin, or order and customer) and
    whether it is on hold; --hold / --release put it on hold or lift the hold."""
    from scanner_tui.inventory.recall import UnknownSku, render
    from scanner_tui.inventory.recall import recall as get_recall

    lot = lot or lot_option
    if not lot:
        fail("say which lot: scanner-tui recall LOT", code=2)
    if hold and release:
        fail("--hold or --release, not both", code=2)
    c = context(ctx)
    changed = None
    if hold or release:
        changed = _hold_or_release(c, lot, sku, badge, reason, hold)
    try:
        r = get_recall(c.engine if changed else c.read_engine, lot, sku)
    except UnknownSku:
        fail(clean(f"SKU {sku!r} is not in this store"))
    if not (r["units"] or r["stock"] or r["orders"] or r["hold"] or changed):
        fail(clean(f"lot {lot!r} is not in this store" + (f" for {sku}" if sku else "")))
    if as_json:
        typer.echo(json_line(r))
        return
    if changed:
        say(changed)
    for line in render(r):
        say(line)


def _hold_or_release(c, lot: str, sku: str | None, badge: str | None, reason: str,  # noqa: ANN001
                     hold: bool) -> str:
    """Run ``hold_lot`` / ``release_lot`` as ``badge`` (role read from the store); the
    sentence it answers, or one line and exit 1 when refused."""
    import uuid

    from scanner_tui.inventory.actor import Actor
    from scanner_tui.inventory.errors import DomainError
    from scanner_tui.inventory.operations import hold_lot, release_lot

    if not badge:
        fail(f"say who {'holds' if hold else 'releases'} the lot: --badge BADGE "
             "(a supervisor or admin)", code=2)
    operation = hold_lot if hold else release_lot
    try:
        done = operation(c.engine, actor=Actor(badge.strip(), c.config.terminal.id),
                         scan_id=f"desk-{uuid.uuid4().hex}", lot=lot, sku=sku, reason=reason)
    except DomainError as err:
        fail(clean(str(err)))
    return done.message


def verify(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="One JSON object: ok, summary, "
                                 "mismatches."),
    anchor: bool = typer.Option(False, "--anchor", help="Print the ledger's head hash "
                                "(keep it elsewhere: a printout, another system)."),
    against: str = typer.Option("", "--against", metavar="ANCHOR", help="Also check that the "
                                "ledger still passes through an anchor printed earlier."),
) -> None:
    """Replay the ledger and compare it with stock and units, and check the ledger's hash
    chain; exit 1 on any mismatch."""
    from scanner_tui.inventory.verify import verify_report

    try:
        report = verify_report(context(ctx).read_engine, anchor=against or None)
    except ValueError as exc:
        fail(str(exc), code=2)
    if as_json:
        chain = report.chain.anchor if anchor and report.chain is not None else None
        typer.echo(json_line({"ok": report.ok, "summary": report.summary(), "anchor": chain,
                              "mismatches": [
            {"kind": m.kind, "code": m.code, "message": m.message, **m.details}
            for m in report.mismatches]}))
    else:
        for m in report.mismatches:
            say(m.message)
        say(report.summary())
    if anchor and report.chain is not None and not as_json:
        say(f"ledger anchor: {report.chain.anchor}")
    if not report.ok:
        raise typer.Exit(1)


def _one_line_errors(command: Callable) -> Callable:
    """A database failure (locked, server gone) becomes one sentence, not a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        from sqlalchemy.exc import SQLAlchemyError

        try:
            return command(*args, **kwargs)
        except SQLAlchemyError as exc:
            fail_store(exc)

    return wrapper


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    for name, command in (("demo", demo), ("import", import_), ("export", export),
                          ("history", history), ("recall", recall), ("verify", verify)):
        app.command(name)(_one_line_errors(command))
