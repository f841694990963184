"""``scanner-tui report authenticity|quality``: what a supervisor checks before a recall does.

``authenticity`` lists the events kept when a scan smelled of counterfeit or mislabelling (a
GTIN that is not the unit's product, a unit received again, an own tag never issued);
``quality`` shows per operator and per terminal the scans, the share typed, refusals by reason,
authenticity events and undos. ``--since DATE`` (YYYY-MM-DD or an ISO time, UTC) limits both;
``--json`` prints one JSON object.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import typer

from scanner_tui.commands.common import context, fail, say

report_app = typer.Typer(help="Reports for supervisors: authenticity events, data quality.",
                         no_args_is_help=True)
SINCE_HELP = "Only from this date (YYYY-MM-DD) or time (ISO 8601, UTC)."


def parse_since(text: str | None) -> datetime | None:
    """``--since``: a date or an ISO time (UTC when no zone is given); exit 2 otherwise."""
    if text is None:
        return None
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        fail(f"--since {text!r} is not a date (write YYYY-MM-DD)", code=2)
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


@report_app.command("authenticity")
def authenticity_report(
    ctx: typer.Context,
    since: str | None = typer.Option(None, "--since", help=SINCE_HELP),
    as_json: bool = typer.Option(False, "--json", help="One JSON object instead of text."),
) -> None:
    """Refusals that smell of counterfeit or mislabelling, oldest first."""
    from scanner_tui.inventory.authenticity import events

    at = parse_since(since)
    found = events(context(ctx).engine, at)
    if as_json:
        typer.echo(json.dumps({"since": at.isoformat() if at else None, "events": [
            {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in e.items()}
            for e in found]}, ensure_ascii=False))
        return
    if not found:
        say("No authenticity events" + (f" since {since}." if since else "."))
        return
    for e in found:
        what = "warned" if not e["refused"] else "refused"
        say(f"{str(e['at'])[:16]}  {e['mismatch']:<20} {e['serial']} ({e['sku'] or '-'})  "
            f"{e['operator'] or '-'} on {e['terminal'] or '-'}  {what}: {e['message']}")


@report_app.command("quality")
def quality(
    ctx: typer.Context,
    since: str | None = typer.Option(None, "--since", help=SINCE_HELP),
    as_json: bool = typer.Option(False, "--json", help="One JSON object instead of text."),
) -> None:
    """Per operator and terminal: scans, share typed, refusals by reason, events, undos."""
    from scanner_tui.inventory.quality import quality_report, render

    report = quality_report(context(ctx).engine, parse_since(since))
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
        return
    for line in render(report):
        say(line)


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
