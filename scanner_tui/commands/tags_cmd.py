"""``scanner-tui tags register FIRST LAST --badge BADGE``: a roll of pre-printed own tags.

An own asset tag is received only once the store issued it; tags printed elsewhere (a roll
bought pre-printed) are issued by registering the roll. A supervisor or admin does it.
"""

from __future__ import annotations

import typer

from scanner_tui.commands.common import clean, context, fail, say

tags_app = typer.Typer(help="Own asset tags: register rolls of pre-printed tags.",
                       no_args_is_help=True)


@tags_app.command("register")
def register_roll(
    ctx: typer.Context,
    first: str = typer.Argument(..., help="The roll's first tag, e.g. AT00001000."),
    last: str = typer.Argument(..., help="The roll's last tag, e.g. AT00001999."),
    badge: str = typer.Option(..., "--badge", help="Your badge (a supervisor or admin)."),
) -> None:
    """Register a roll of pre-printed own tags as issued, so its tags can be received."""
    from scanner_tui.inventory.errors import DomainError
    from scanner_tui.inventory.tags import register_roll as register

    c = context(ctx)
    try:
        roll = register(c.engine, first, last, operator=badge, terminal=c.config.terminal.id)
    except DomainError as err:
        fail(clean(str(err)))
    say(f"Registered {roll.size:,} tags, {first.strip()} to {last.strip()}: they can be "
        "received now.")


def register(app: typer.Typer) -> None:
    app.add_typer(tags_app, name="tags")
