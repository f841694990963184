"""``scanner-tui counts plan|list|compare|approve|recount|report``: cycle counts from a desk.

The operator is given by ``--badge`` (their role is read from the store: only supervisors and
admins plan, send back and approve). Codes are untrusted data: printed with control characters
made visible, never as markup. Refusals are one sentence on stderr, exit status 1.
"""

from __future__ import annotations

import uuid

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from scanner_tui.commands.common import clean, context, fail, fail_store, json_line, say

counts_app = typer.Typer(help="Cycle counts: plan, list, compare, recount, approve, report.",
                         no_args_is_help=True)

BADGE_HELP = "Your operator badge (e.g. OP-0003)."
BAR = "█"


def _actor(ctx: typer.Context, badge: str):  # noqa: ANN202
    from scanner_tui.inventory.actor import actor_for
    from scanner_tui.inventory.errors import DomainError

    c = context(ctx)
    try:
        return actor_for(c.engine, badge, c.config.terminal.id)
    except DomainError as err:
        fail(clean(str(err)))


def _refusals(fn):  # noqa: ANN001, ANN202
    """A refusal (a DomainError) or a store failure becomes one line on stderr, exit 1."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        from sqlalchemy.exc import SQLAlchemyError

        from scanner_tui.inventory.errors import DomainError

        try:
            return fn(*args, **kwargs)
        except DomainError as err:
            fail(clean(str(err)))
        except SQLAlchemyError as exc:
            fail_store(exc)

    return wrapper


@counts_app.command("plan")
@_refusals
def plan(
    ctx: typer.Context,
    badge: str = typer.Option(..., "--badge", help=BADGE_HELP),
    bins: list[str] = typer.Option([], "--bin", help="A bin to count (repeat)."),
    zone: str | None = typer.Option(None, "--zone", help="Every bin of a zone."),
    sku: str | None = typer.Option(None, "--sku", help="Every bin that holds this SKU."),
    days: int | None = typer.Option(None, "--not-counted-days",
                                    help="Bins not counted for this many days."),
    flagged: bool = typer.Option(False, "--flagged", help="Bins flagged for a count."),
    assign: str | None = typer.Option(None, "--assign", help="Counter's badge (default: "
                                      "anyone)."),
    show_expected: bool = typer.Option(False, "--show-expected",
                                       help="Not blind: counters see the books' quantities."),
) -> None:
    """Plan a count of bins chosen by code, zone, SKU, flag or age of their last count."""
    from scanner_tui.inventory.counting import plan_count

    info = plan_count(context(ctx).engine, actor=_actor(ctx, badge), bins=bins, zone=zone,
                      sku=sku, not_counted_days=days, flagged=flagged, assign_to=assign,
                      blind=not show_expected)
    who = info.assigned_to or "any counter"
    say(f"{info.code}: {info.bins} bin(s) to count ({info.scope}), for {who}.")


@counts_app.command("list")
@_refusals
def list_(
    ctx: typer.Context,
    all_: bool = typer.Option(False, "--all", help="Approved counts too."),
) -> None:
    """Counts, newest first: state and how many bins are counted."""
    from scanner_tui.inventory.counting import list_counts

    found = list_counts(context(ctx).read_engine, include_approved=all_)
    if not found:
        say("No counts." if all_ else "No counts waiting (--all shows approved ones).")
    for c in found:
        who = c.assigned_to or "anyone"
        by = f", approved by {c.approved_by}" if c.approved_by else ""
        say(f"{c.code}  {c.status:<8}  {c.closed}/{c.bins} bins  for {who}  "
             f"planned by {c.created_by}{by}  ({c.scope})")


@counts_app.command("compare")
@_refusals
def compare_(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="The count, e.g. CC-00001."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of text."),
) -> None:
    """Expected, counted and variance per bin and line; missing, unexpected, wrong-bin units."""
    from scanner_tui.inventory.counting import compare

    cmp = compare(context(ctx).read_engine, code)
    if as_json:
        typer.echo(json_line(comparison_json(cmp)))
        return
    say(f"{cmp.code} ({cmp.status}): variance {cmp.variance_units:+d} unit(s), "
         f"{cmp.variance_value:+.2f} in value")
    for b in cmp.bins:
        if not b.closed:
            say(f"{b.bin}: {b.status}")
            continue
        moved = f", {b.moves_during} move(s) during the count" if b.moves_during else ""
        say(f"{b.bin} (zone {b.zone or '-'}, counted by {b.counter}, round {b.round}{moved})")
        if not b.lines:
            say("  empty, as the books say")
        for ln in b.lines:
            lot = f" lot {ln.lot}" if ln.lot else (" all lots" if ln.lots else "")
            mark = "ok" if ln.exact else "!!"
            say(f"  {mark} {ln.sku}{lot}: expected {ln.expected}, counted {ln.counted}, "
                 f"variance {ln.variance:+d} ({ln.value:+.2f})")
            if ln.missing:
                say("     missing: " + " ".join(ln.missing))
            for serial, where in ln.wrong_bin:
                say(f"     {serial} found here; the books had it in {where}")
            for serial, status in ln.unexpected:
                say(f"     {serial} found here; the books say {status.replace('_', ' ')}")


def comparison_json(cmp) -> dict:  # noqa: ANN001
    """A comparison as plain JSON data (codes, not ids)."""
    return {
        "count": cmp.code, "status": cmp.status, "variance_units": cmp.variance_units,
        "variance_value": cmp.variance_value,
        "bins": [{
            "bin": b.bin, "zone": b.zone, "status": b.status, "round": b.round,
            "counter": b.counter, "moves_during": b.moves_during,
            "lines": [{
                "sku": ln.sku, "lot": ln.lot, "all_lots": bool(ln.lots),
                "expected": ln.expected, "counted": ln.counted, "variance": ln.variance,
                "value": ln.value, "missing": list(ln.missing),
                "unexpected": [{"serial": s, "status": st} for s, st in ln.unexpected],
                "wrong_bin": [{"serial": s, "book_bin": w} for s, w in ln.wrong_bin],
            } for ln in b.lines],
        } for b in cmp.bins],
    }


@counts_app.command("approve")
@_refusals
def approve_(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="The count, e.g. CC-00001."),
    badge: str = typer.Option(..., "--badge", help=BADGE_HELP),
) -> None:
    """Approve a finished count: its adjustments are posted to the ledger in one go."""
    from scanner_tui.inventory.counting import approve

    done = approve(context(ctx).engine, actor=_actor(ctx, badge), count_code=code,
                   scan_id=f"desk-{uuid.uuid4().hex}", entry="typed")
    say(done.message)


@counts_app.command("recount")
@_refusals
def recount_(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="The count, e.g. CC-00001."),
    bins: list[str] = typer.Argument(..., help="Bins to count again."),
    badge: str = typer.Option(..., "--badge", help=BADGE_HELP),
    assign: str | None = typer.Option(None, "--assign", help="The recount's counter."),
) -> None:
    """Send counted bins back for a recount by another counter."""
    from scanner_tui.inventory.counting import recount

    say(recount(context(ctx).engine, actor=_actor(ctx, badge), count_code=code, bins=bins,
                 assign_to=assign))


def bar(percent: float, width: int = 20) -> str:
    """A bar of block characters for a percentage (eighths for the last cell)."""
    cells = max(0.0, min(100.0, percent)) / 100 * width
    full = int(cells)
    part = " ▏▎▍▌▋▊▉"[int((cells - full) * 8)] if full < width else ""
    return (BAR * full + part.strip()).ljust(width)


def report_table(report, title: str, width: int) -> Table:  # noqa: ANN001
    """Accuracy rows as bars; on a narrow terminal (a handheld) only label, exact/lines and
    the bar, sized to fit."""
    table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False,
                  box=None if width < 60 else box.HEAVY_HEAD)
    label_w = max([len(a.label) for a in report] + [4])
    narrow = width < 60
    bar_w = max(5, min(20, width - label_w - (9 + 8 if narrow else 40)))
    table.add_column("", no_wrap=True)
    table.add_column("exact" if narrow else "lines", justify="right", no_wrap=True)
    if not narrow:
        table.add_column("exact", justify="right", no_wrap=True)
    table.add_column("accuracy", no_wrap=True)
    if not narrow:
        table.add_column("units off", justify="right", no_wrap=True)
        table.add_column("value off", justify="right", no_wrap=True)
    for acc in report:
        accuracy = Text(f"{bar(acc.percent, bar_w)} {acc.percent:3.0f}%")
        if narrow:
            table.add_row(Text(clean(acc.label)), f"{acc.exact}/{acc.lines}", accuracy)
        else:
            table.add_row(Text(clean(acc.label)), str(acc.lines), str(acc.exact), accuracy,
                          str(acc.units_off), f"{acc.value_off:.2f}")
    return table


@counts_app.command("report")
@_refusals
def report(
    ctx: typer.Context,
    days: int = typer.Option(90, "--days", help="Approved counts of the last N days."),
    by: str = typer.Option("week", "--by", help="day | week"),
    width: int | None = typer.Option(None, "--width", help="Columns (default: terminal)."),
) -> None:
    """Count accuracy per zone and over time (share of lines counted exactly), as bars."""
    from scanner_tui.inventory.counting import accuracy

    if by not in ("day", "week"):
        fail("--by takes day or week", code=2)
    r = accuracy(context(ctx).read_engine, days=days, by=by)
    console = Console(width=width, highlight=False, emoji=False)
    t = r.total
    console.print(Text(f"Count accuracy, last {days} days: {t.exact}/{t.lines} lines exact "
                       f"({t.percent:.1f}%), {t.units_off} unit(s) and {t.value_off:.2f} in "
                       "value off"))
    if not t.lines:
        console.print(Text("No approved counts in that time."))
        return
    console.print(report_table(r.zones, "Per zone", console.width))
    console.print(report_table(r.periods, f"Per {by}", console.width))


def register(app: typer.Typer) -> None:
    """Add ``counts`` and its subcommands to the app."""
    app.add_typer(counts_app, name="counts")
