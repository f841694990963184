"""The ``scanner-tui`` command. Each group of subcommands lives in ``scanner_tui/commands/``."""

from __future__ import annotations

import typer

import scanner_tui.commands.serve_cmds as serve_cmds
from scanner_tui.commands import classify_cmd, counts_cmd, labels_cmd, scan_cmds, store_cmds
from scanner_tui.commands.common import Context

app = typer.Typer(
    name="scanner-tui",
    help="A barcode scanner front end for the warehouse floor.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    config: str | None = typer.Option(
        None, "--config", "-c", help="TOML configuration file (else $SCANNER_TUI_CONFIG).",
        envvar=None,
    ),
) -> None:
    ctx.obj = Context(config_path=config)
    if ctx.invoked_subcommand is None:
        scan_cmds.run_app(ctx.obj)


for module in (classify_cmd, scan_cmds, store_cmds, labels_cmd, counts_cmd):
    module.register(app)
serve_cmds.register(app)  # serve, terminals (issue 13)


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

    app(args=hoist_config_option(sys.argv[1:]), prog_name="scanner-tui")
