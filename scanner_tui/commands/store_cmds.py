"""Subcommands (placeholder module: owned by its issue's work)."""

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
