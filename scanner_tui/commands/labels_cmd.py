"""``scanner-tui labels bins|assets|skus``: print tags to a folder, stdout or a network printer.

Data goes to stdout only with ``--output -``; every message goes to stderr. Asset tags that
were printed are recorded in the ledger (who, which tags, which terminal) only once the output
succeeded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated

import typer
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from scanner_tui.commands.common import clean, context, fail, fail_store
from scanner_tui.config import Config, LabelsConfig
from scanner_tui.inventory.errors import DomainError
from scanner_tui.labels import Label, LabelError, bin_labels, print_labels, sku_labels
from scanner_tui.labels.jobs import NotRecorded, print_asset_tags
from scanner_tui.labels.record import compress
from scanner_tui.labels.sequence import format_tag

labels_app = typer.Typer(help="Print bin tags, asset tags and SKU labels.", no_args_is_help=True)

FORMAT_HELP = "svg | png | pdf | zpl (default: zpl to a printer, else pdf)."
OUTPUT_HELP = "Folder to write the labels into, or - for standard output."
PRINTER_HELP = "Send ZPL to a network printer, e.g. tcp://10.0.0.9:9100 (default: labels.printer)."
SHEET_HELP = "PDF paper: thermal (one label a page), a4 or letter (a grid). Default: config."

# The options every labels command takes (where the labels go, how they look).
FormatOpt = Annotated[str | None, typer.Option("--format", "-f", help=FORMAT_HELP)]
SheetOpt = Annotated[str | None, typer.Option("--sheet", help=SHEET_HELP)]
OutputOpt = Annotated[str | None, typer.Option("--output", "-o", help=OUTPUT_HELP)]
PrinterOpt = Annotated[str | None, typer.Option("--printer", help=PRINTER_HELP)]
DpiOpt = Annotated[int | None, typer.Option("--dpi", help="203 or 300 (default: config).")]
SizeOpt = Annotated[str | None,
                    typer.Option("--size", help="Label WIDTHxHEIGHT in mm, e.g. 57x32.")]


def _settings(config: Config, dpi: int | None, size: str | None = None) -> LabelsConfig:
    """The [labels] settings with --dpi and --size (WIDTHxHEIGHT in mm) applied."""
    update: dict = {}
    if dpi is not None:
        if dpi not in (203, 300):
            fail("--dpi must be 203 or 300", code=2)
        update["dpi"] = dpi
    if size is not None:
        m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*[xX]\s*([0-9]+(?:\.[0-9]+)?)\s*", size)
        if not m or not all(10 < float(v) <= 500 for v in m.groups()):
            fail("--size takes WIDTHxHEIGHT in millimetres, each 10-500, e.g. 57x32", code=2)
        update["width_mm"], update["height_mm"] = float(m.group(1)), float(m.group(2))
    return config.labels.model_copy(update=update) if update else config.labels


def _destination(config: Config, output: str | None, printer: str | None,
                 fmt: str | None) -> tuple[str, str]:
    if output and printer:
        fail("choose one of --output and --printer", code=2)
    if not (output or printer):
        printer = config.labels.printer or None
    if not (output or printer):
        fail("say where the labels go: --output DIR, --output - (standard output) or "
             "--printer tcp://HOST:9100 (or set labels.printer)", code=2)
    fmt = (fmt or ("zpl" if printer else "pdf")).lower()
    if fmt not in ("svg", "png", "pdf", "zpl"):
        fail(f"unknown format {fmt!r}: use svg, png, pdf or zpl", code=2)
    if printer and fmt != "zpl":
        fail("a network label printer takes ZPL: use --format zpl (or --output)", code=2)
    return (printer or output or ""), fmt


def _deliver(labels: list[Label], settings: LabelsConfig, destination: str, fmt: str,
             sheet: str | None) -> list[str]:
    try:
        return print_labels(labels, settings, destination, fmt=fmt, sheet=sheet)
    except LabelError as exc:
        fail(f"{exc}; nothing was recorded as printed")


def _where(written: list[str]) -> str:
    if written == ["-"]:
        return "standard output"
    return written[0] if len(written) == 1 else f"{len(written)} files in the folder"


def _print_unrecorded(ctx: typer.Context, noun: str, build: Callable[[Engine], list[Label]],
                      fmt: str | None, sheet: str | None, output: str | None,
                      printer: str | None, dpi: int | None, size: str | None) -> None:
    """Labels the ledger does not record (bin tags, SKU labels): build, deliver, say where."""
    c = context(ctx)
    destination, fmt = _destination(c.config, output, printer, fmt)
    try:
        labels = build(c.read_engine)  # nothing is written: a busy or read-only store will do
    except (LabelError, DomainError) as exc:
        fail(clean(str(exc)))
    except SQLAlchemyError as exc:
        fail_store(exc)
    written = _deliver(labels, _settings(c.config, dpi, size), destination, fmt, sheet)
    typer.echo(f"{len(labels)} {noun} to {_where(written)}", err=True)


@labels_app.command("bins")
def bins_cmd(
    ctx: typer.Context,
    codes: list[str] = typer.Argument(None, help="Bin codes, e.g. A04-B-12."),
    zone: str | None = typer.Option(None, "--zone", help="Every active bin of this zone."),
    all_bins: bool = typer.Option(False, "--all", help="Every active bin."),
    fmt: FormatOpt = None,
    sheet: SheetOpt = None,
    output: OutputOpt = None,
    printer: PrinterOpt = None,
    dpi: DpiOpt = None,
    size: SizeOpt = None,
) -> None:
    """Bin tags: the bin name large enough to read from a forklift, Code 128 under it."""
    _print_unrecorded(ctx, "bin tag(s)",
                      lambda engine: bin_labels(engine, codes or [], zone=zone, all_bins=all_bins),
                      fmt, sheet, output, printer, dpi, size)


@labels_app.command("skus")
def skus_cmd(
    ctx: typer.Context,
    codes: list[str] = typer.Argument(None, help="SKU codes."),
    receipt: str | None = typer.Option(None, "--receipt", help="The SKUs of this receipt."),
    all_skus: bool = typer.Option(False, "--all", help="Every SKU."),
    fmt: FormatOpt = None,
    sheet: SheetOpt = None,
    output: OutputOpt = None,
    printer: PrinterOpt = None,
    dpi: DpiOpt = None,
    size: SizeOpt = None,
) -> None:
    """SKU labels: the GTIN as EAN-13 / EAN-8 / GS1-128, else the SKU code as Code 128."""
    _print_unrecorded(ctx, "SKU label(s)",
                      lambda engine: sku_labels(engine, codes or [], all_skus=all_skus,
                                                receipt=receipt),
                      fmt, sheet, output, printer, dpi, size)


@labels_app.command("assets")
def assets_cmd(
    ctx: typer.Context,
    serials: list[str] = typer.Argument(None, help="Asset tags or serials to (re)print."),
    receipt: str | None = typer.Option(
        None, "--receipt", help="The units of this receipt (expected and received serials)."),
    new: int | None = typer.Option(
        None, "--new", min=1, max=10_000, help="Allocate and print the next N new asset tags."),
    badge: str | None = typer.Option(
        None, "--badge", envvar=["SCANNER_TUI_BADGE", "SCANNER_TUI_OPERATOR"],
        help="Your badge (recorded in the ledger with the tags printed)."),
    operator: str | None = typer.Option(None, "--operator", hidden=True),  # old name of --badge
    fmt: FormatOpt = None,
    sheet: SheetOpt = None,
    output: OutputOpt = None,
    printer: PrinterOpt = None,
    dpi: DpiOpt = None,
    size: SizeOpt = None,
) -> None:
    """Asset tags: new ones from the tag sequence, or reprints of units' tags."""
    c = context(ctx)
    destination, fmt = _destination(c.config, output, printer, fmt)
    operator = badge or operator
    if not operator:
        fail("asset tags are recorded in the ledger: give your badge with --badge", code=2)
    if new is not None and (serials or receipt):
        fail("--new prints fresh tags only: leave out serials and --receipt", code=2)
    settings = _settings(c.config, dpi, size)
    asset_rule = c.config.tags.asset
    if new is not None:
        sample = format_tag(settings.asset_prefix, settings.asset_digits, 1)
        if not re.fullmatch(asset_rule, sample, flags=re.ASCII):
            fail(f"new tags would look like {sample}, which tags.asset ({asset_rule}) does "
                 "not accept: make labels.asset_prefix/asset_digits match it", code=2)
    try:
        job = print_asset_tags(c.engine, settings, destination, actor_badge=operator,
                               terminal=c.config.terminal.id, new=new, serials=serials or [],
                               receipt=receipt, asset_rule=asset_rule, fmt=fmt, sheet=sheet,
                               doc_type="receipt" if receipt else "", doc_code=receipt or "")
    except NotRecorded as exc:
        fail(f"the labels were printed to {_where(list(exc.written))} but could not be "
             f"recorded in the ledger: {exc}")
    except LabelError as exc:
        fail(f"{exc}; nothing was recorded as printed")
    except DomainError as exc:  # an unknown or inactive badge, a unit not in the store
        fail(clean(str(exc)))
    except SQLAlchemyError as exc:  # nothing was printed: the numbers were not taken
        fail_store(exc)
    tags, reprints = list(job.tags), job.reprints
    listed = ", ".join(compress(tags))
    if len(listed) > 120:
        listed = listed[:117] + "..."
    again = f" ({len(reprints)} reprint(s))" if reprints else ""
    typer.echo(f"{len(tags)} asset tag(s) to {_where(list(job.written))}{again}: {listed}; "
               f"recorded in the ledger for {operator}", err=True)


def register(app: typer.Typer) -> None:
    """Add ``labels`` and its subcommands to the app."""
    app.add_typer(labels_app, name="labels")
