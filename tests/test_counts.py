"""Cycle counts, the domain and the desk commands: plan selections, lots, units found or
unexpected, atomic approval, last-counted dates, report, export; one loop on PostgreSQL."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from scanner_tui.cli import app
from scanner_tui.inventory import counting as c
from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.bin_flags import flag_for_count
from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.errors import DomainError
from scanner_tui.inventory.models import Asset, Bin, CountResult, LedgerEntry
from scanner_tui.inventory.operations import mark_lost, move
from scanner_tui.inventory.verify import verify
from scanner_tui.workflows.count import CountWorkflow
from tests.workflow_helpers import scan, services

BOSS = Actor("OP-0003", "T9", "supervisor")
ADMIN = Actor("OP-0009", "T9", "admin")
PICKER = Actor("OP-0001", "T1", "picker")
RECEIVER = Actor("OP-0002", "T2", "receiver")


@pytest.fixture
def demo(engine):
    build_demo(engine, "small")
    yield engine
    assert verify(engine) == []


def rows(engine, table=LedgerEntry) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def unit(engine, serial: str) -> tuple[str | None, str]:
    with engine.connect() as conn:
        return tuple(conn.execute(select(Bin.code, Asset.status)
                                  .outerjoin(Bin, Bin.id == Asset.bin_id)
                                  .where(Asset.serial == serial)).first())


def count_bin(engine, actor: Actor, bin_code: str, *items, close: bool = True) -> None:
    """Count a bin through the domain calls: serials, or (sku, qty[, lot]) tuples."""
    started = c.start_bin(engine, actor=actor, bin_code=bin_code)
    for n, item in enumerate(items):
        sid = f"{bin_code}-{actor.badge}-{n}-{started.round}"
        if isinstance(item, str):
            c.count_unit(engine, actor=actor, count_bin_id=started.count_bin_id, serial=item,
                         scan_id=sid)
        else:
            sku, qty, *lot = item
            c.count_qty(engine, actor=actor, count_bin_id=started.count_bin_id, sku=sku,
                        qty=qty, lot=lot[0] if lot else "", scan_id=sid)
    if close:
        c.close_bin(engine, actor=actor, count_bin_id=started.count_bin_id)


def test_plan_selections(demo):
    engine = demo
    assert c.plan_count(engine, actor=BOSS, zone="reserve").bins == 12
    info = c.plan_count(engine, actor=BOSS, sku="MUG-01")  # R01-A-02 is on the reserve count
    assert info.bins == 1 and info.scope == "bins of MUG-01"
    flag_for_count(engine, "A01-A-03")
    assert c.plan_count(engine, actor=BOSS, flagged=True, assign_to="OP-0002").assigned_to \
        == "OP-0002"
    with pytest.raises(DomainError, match="already on a count"):
        c.plan_count(engine, actor=BOSS, bins=["A01-A-03"])
    with pytest.raises(DomainError, match="Z01-A-01 is not a known bin"):
        c.plan_count(engine, actor=BOSS, bins=["Z01-A-01"])
    with pytest.raises(DomainError, match="OP-0001 is a picker and may not plan counts"):
        c.plan_count(engine, actor=PICKER, bins=["A01-A-01"])
    with pytest.raises(DomainError, match="No bins in use are in zone nowhere"):
        c.plan_count(engine, actor=BOSS, zone="nowhere")
    n_bins = rows(engine, Bin)
    aged = c.plan_count(engine, actor=ADMIN, not_counted_days=30)
    assert aged.bins == n_bins - 12 - 1 - 1  # never counted, less those on open counts
    listed = c.list_counts(engine)
    assert [i.code for i in listed] == ["CC-00004", "CC-00003", "CC-00002", "CC-00001"]
    assert listed[-1].bins == 12 and listed[-1].closed == 0


def test_last_counted_drives_the_not_counted_selection(demo):
    engine = demo
    code = c.plan_count(engine, actor=BOSS, bins=["A01-A-01"]).code
    count_bin(engine, PICKER, "A01-A-01", ("CABLE-TIE-100", 120))
    c.approve(engine, actor=BOSS, count_code=code, scan_id="ap")
    with engine.connect() as conn:
        last = c.last_counted(conn)
    assert len(last) == 1
    again = c.plan_count(engine, actor=BOSS, not_counted_days=1)
    assert again.bins == rows(engine, Bin) - 1


def test_lots_units_found_and_unexpected(demo):
    engine = demo
    mark_lost(engine, actor=BOSS, scan_id="lost-2", serial="AT00000002")
    code = c.plan_count(engine, actor=BOSS, bins=["A02-A-01", "A01-B-04"]).code
    # Lots given: one lot short, the other right.
    count_bin(engine, PICKER, "A02-A-01", "AT00000004", ("BATTERY-AA-4", 50, "B2611"),
              ("BATTERY-AA-4", 12, "B2604"))
    # A lost unit turns up here, a shipped one too; AT00000003 is missing.
    count_bin(engine, PICKER, "A01-B-04", "AT00000002", "AT00000008")
    cmp = c.compare(engine, code)
    lines = {(b.bin, ln.sku, ln.lot): ln for b in cmp.bins for ln in b.lines}
    assert lines[("A02-A-01", "BATTERY-AA-4", "B2611")].variance == -7
    assert lines[("A02-A-01", "BATTERY-AA-4", "B2604")].exact
    laptop = lines[("A01-B-04", "LAPTOP-14", "")]
    assert laptop.missing == ("AT00000003",)
    assert laptop.unexpected == (("AT00000002", "lost"), ("AT00000008", "shipped"))
    assert (laptop.expected, laptop.counted, laptop.value) == (1, 2, 899.0)
    done = c.approve(engine, actor=BOSS, count_code=code, scan_id="ap")
    assert "AT00000008 is shipped by the books; not changed" in done.message
    assert unit(engine, "AT00000002") == ("A01-B-04", "in_stock")
    assert unit(engine, "AT00000003") == (None, "lost")
    assert unit(engine, "AT00000008") == (None, "shipped")
    with engine.connect() as conn:
        actions = sorted(r.action for r in conn.execute(
            select(LedgerEntry).where(LedgerEntry.id.in_(done.ledger_ids))))
    assert actions == ["adjust", "found", "lost"]
    assert rows(engine, CountResult) == 4  # one per line: 2 laptops, 2 battery lots
    again = c.approve(engine, actor=BOSS, count_code=code, scan_id="ap")  # the same scan
    assert again.replayed and again.ledger_ids == done.ledger_ids


def test_approval_is_one_transaction(demo):
    engine = demo
    code = c.plan_count(engine, actor=BOSS, bins=["A01-A-02", "A02-A-03"]).code
    count_bin(engine, PICKER, "A02-A-03", "AT00000006")  # AT00000009 missing: would be lost
    count_bin(engine, PICKER, "A01-A-02", ("MUG-01", 10))  # 22 by the books: 12 to take out
    # After the close, 15 mugs leave the bin: 7 are left, 12 cannot come out any more.
    move(engine, actor=BOSS, scan_id="later", sku="MUG-01", qty=15, from_bin="A01-A-02",
         to_bin="A01-A-03")
    before = rows(engine)
    with pytest.raises(DomainError, match="A01-A-02 holds only 7 of MUG-01"):
        c.approve(engine, actor=ADMIN, count_code=code, scan_id="ap")
    assert rows(engine) == before and rows(engine, CountResult) == 0
    assert unit(engine, "AT00000009") == ("A02-A-03", "in_stock")
    assert c.list_counts(engine)[0].status == "counted"
    c.recount(engine, actor=BOSS, count_code=code, bins=["A01-A-02"], assign_to="OP-0002")
    with pytest.raises(DomainError, match="OP-0001 counted A02-A-03 before; choose another"):
        c.recount(engine, actor=BOSS, count_code=code, bins=["A02-A-03"], assign_to="OP-0001")
    with pytest.raises(DomainError, match="assigned to OP-0002"):
        c.start_bin(engine, actor=PICKER, bin_code="A01-A-02")
    count_bin(engine, RECEIVER, "A01-A-02", ("MUG-01", 7))
    done = c.approve(engine, actor=ADMIN, count_code=code, scan_id="ap")
    assert "variance -1" in done.message
    assert unit(engine, "AT00000009") == (None, "lost")


def test_refusals_need_sentences(demo):
    engine = demo
    with pytest.raises(DomainError, match="CC-09999 is not a known count"):
        c.compare(engine, "CC-09999")
    code = c.plan_count(engine, actor=BOSS, bins=["A01-A-01"]).code
    with pytest.raises(DomainError, match="A01-A-01 is not being counted by OP-0001"):
        c.close_bin(engine, actor=PICKER, count_bin_id=1)
    with pytest.raises(DomainError, match="has not been counted yet"):
        c.recount(engine, actor=BOSS, count_code=code, bins=["A01-A-01"])
    with pytest.raises(DomainError, match="OP-0002 is a receiver and may not approve counts"):
        c.approve(engine, actor=RECEIVER, count_code=code, scan_id="x")
    started = c.start_bin(engine, actor=PICKER, bin_code="A01-A-01")
    with pytest.raises(DomainError, match="AT99999999 is not a known unit; put it aside"):
        c.count_unit(engine, actor=PICKER, count_bin_id=started.count_bin_id,
                     serial="AT99999999", scan_id="u")
    with pytest.raises(DomainError, match="not a quantity"):
        c.count_qty(engine, actor=PICKER, count_bin_id=started.count_bin_id,
                    sku="MUG-01", qty=-1, scan_id="q")
    # The counter walks away half way: a supervisor hands the bin to someone else.
    assert "by OP-0002" in c.recount(engine, actor=BOSS, count_code=code, bins=["A01-A-01"],
                                     assign_to="OP-0002")
    with pytest.raises(DomainError, match="A01-A-01 is not being counted by OP-0001"):
        c.count_qty(engine, actor=PICKER, count_bin_id=started.count_bin_id,
                    sku="MUG-01", qty=1, scan_id="q2")
    with engine.begin() as conn:
        conn.execute(update(Bin).where(Bin.code == "A01-A-01").values(active=False))
    with pytest.raises(DomainError, match="Bin A01-A-01 is not in use any more"):
        c.start_bin(engine, actor=RECEIVER, bin_code="A01-A-01")


def _cli(cfg, *args):
    return CliRunner().invoke(app, ["--config", str(cfg), *args])


def test_desk_commands_report_and_export(demo, db_url, tmp_path):
    engine = demo
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")
    res = _cli(cfg, "counts", "plan", "--badge", "OP-0001", "--bin", "A01-A-01")
    assert res.exit_code == 1
    assert "OP-0001 is a picker and may not plan counts" in res.output
    res = _cli(cfg, "counts", "plan", "--badge", "OP-0003", "--bin", "A01-A-01",
               "--bin", "A01-B-03")
    assert res.exit_code == 0, res.output
    assert res.output.startswith("CC-00001: 2 bins to count")
    count_bin(engine, PICKER, "A01-A-01", ("CABLE-TIE-100", 100))
    res = _cli(cfg, "counts", "approve", "CC-00001", "--badge", "OP-0003")
    assert res.exit_code == 1 and "not finished: A01-B-03 not counted yet" in res.output
    count_bin(engine, PICKER, "A01-B-03", "AT00000002")
    res = _cli(cfg, "counts", "list")
    assert "CC-00001  counted   2/2 bins" in res.output
    res = _cli(cfg, "counts", "compare", "CC-00001")
    assert res.exit_code == 0
    assert "!! CABLE-TIE-100: expected 120, counted 100, variance -20 (-78.00)" in res.output
    assert "ok LAPTOP-14: expected 1, counted 1" in res.output
    data = json.loads(_cli(cfg, "counts", "compare", "CC-00001", "--json").stdout)
    assert data["variance_units"] == -20 and data["bins"][0]["lines"][0] == {
        "sku": "CABLE-TIE-100", "lot": None, "all_lots": False, "expected": 120, "counted": 100,
        "variance": -20, "value": -78.0, "missing": [], "unexpected": [], "wrong_bin": []}
    res = _cli(cfg, "counts", "recount", "CC-00001", "A01-B-03", "--badge", "OP-0003")
    assert "A01-B-03 on CC-00001 will be counted again by another counter." in res.output
    count_bin(engine, RECEIVER, "A01-B-03", "AT00000002")
    res = _cli(cfg, "counts", "approve", "CC-00001", "--badge", "OP-0009")
    assert res.exit_code == 0, res.output
    assert res.output.startswith("CC-00001 approved: 2 bins, 1 ledger row,")
    res = _cli(cfg, "counts", "report", "--by", "day", "--width", "100")
    assert res.exit_code == 0, res.output
    assert "1/2 lines exact (50.0%)" in res.output
    assert "Per zone" in res.output and "█" * 10 + " " * 10 + "  50%" in res.output
    res = _cli(cfg, "counts", "report", "--width", "40")  # a handheld: label, exact, bar
    zone = next(line for line in res.output.splitlines() if line.startswith("pick"))
    assert len(zone) <= 40 and zone.split()[1] == "1/2" and zone.endswith(" 50%")
    assert zone.split()[2] == "█" * 9 + "▌"  # half of a 19-cell bar
    res = _cli(cfg, "export", "counts")
    got = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [(r["count"], r["bin"], r["sku"], r["variance"], r["value"]) for r in got] == [
        ("CC-00001", "A01-A-01", "CABLE-TIE-100", "-20", "-78.0"),
        ("CC-00001", "A01-B-03", "LAPTOP-14", "0", "0.0")]
    assert got[1]["counter"] == "OP-0002" and got[0]["approved_by"] == "OP-0009"


def test_report_bar():
    from scanner_tui.commands.counts_cmd import bar

    assert bar(100, 10) == "█" * 10
    assert bar(0, 10) == " " * 10
    assert bar(55, 10) == "█████▌    "


@pytest.mark.postgres
def test_whole_loop_on_postgres(pg_url):
    engine = open_store(pg_url)
    try:
        build_demo(engine, "small")
        code = c.plan_count(engine, actor=BOSS, bins=["A02-A-03", "A01-A-02"]).code
        wf = CountWorkflow(services(engine, "OP-0001"))
        assert scan(wf, "A02-A-03").accepted
        move(engine, actor=BOSS, scan_id="pg-move", serial="AT00000005", to_bin="A02-A-03")
        for payload in ("AT00000006", "AT00000005", "CMD:DONE", "A01-A-02", "MUG-01"):
            assert scan(wf, payload).accepted, payload
        assert wf.answer("20").accepted
        assert scan(wf, "CMD:DONE").accepted
        done = c.approve(engine, actor=BOSS, count_code=code, scan_id="pg-ap")
        assert "variance -3" in done.message  # AT00000009 missing, 2 mugs short
        assert unit(engine, "AT00000009") == (None, "lost")
        assert unit(engine, "AT00000005") == ("A02-A-03", "in_stock")
        assert verify(engine) == []
    finally:
        engine.dispose()
