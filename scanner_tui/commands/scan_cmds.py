"""Subcommands (placeholder module: owned by its issue's work)."""

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""


def run_app(ctx) -> None:  # noqa: ANN001
    """Open the Textual app (filled in by the input/UI work)."""
    raise typer.Exit(0)
