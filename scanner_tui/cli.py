"""The ``scanner-tui`` command. Each group of subcommands lives in ``scanner_tui/commands/``."""

from __future__ import annotations

import typer

from scanner_tui.commands import (
    classify_cmd,
    counts_cmd,
    labels_cmd,
    report_cmd,
    scan_cmds,
    serve_cmds,
    store_cmds,
    tags_cmd,
)
from scanner_tui.commands.common import Context

app = typer.Typer(
    name="scanner-tui",
    help="A barcode scanner front end for the warehouse floor.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"scanner-tui {version('scanner-tui')}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    config: str | None = typer.Option(
        None, "--config", "-c", help="TOML configuration file (else $SCANNER_TUI_CONFIG).",
        envvar=None,
    ),
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_version,
                                 help="Print the version and exit."),
) -> None:
    ctx.obj = Context(config_path=config)
    if ctx.invoked_subcommand is None:
        scan_cmds.run_app(ctx.obj)


for module in (classify_cmd, scan_cmds, store_cmds, labels_cmd, counts_cmd, report_cmd,
               tags_cmd, serve_cmds):
    module.register(app)


def hoist_config_option(argv: list[str]) -> list[str]:
    """Let ``--config FILE`` stand anywhere before ``--``: move it in front of the command."""
    out: list[str] = []
    front: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            out.extend(argv[i:])
            break
        if arg in ("--config", "-c") and i + 1 < len(argv):
            front = [arg, argv[i + 1]]
            i += 2
            continue
        if arg.startswith("--config="):
            front = [arg]
        else:
            out.append(arg)
        i += 1
    return front + out


def main() -> None:
    import sys

    stdout = sys.stdout
    try:
        app(args=hoist_config_option(sys.argv[1:]), prog_name="scanner-tui")
    except SystemExit as done:
        code = done.code
    else:
        code = 0
    sys.exit(0 if _reader_went_away(stdout) else code)


def _reader_went_away(stdout: object) -> bool:
    """True when standard output is a pipe whose reader has gone (``... | head -1``): that
    is not an error, and nothing more is said. Click has then replaced ``sys.stdout`` (the
    stream ``stdout`` was) with its quiet wrapper; or the last buffered output fails to
    flush here."""
    import os
    import sys

    if sys.stdout is not stdout:
        return True
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no shutdown noise
        return True
    return False
