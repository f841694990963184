"""Claims (issue 11 item 13, issue 13): one terminal per badge, one person per document,
race-safe on SQLite and PostgreSQL; terminal sessions; migration 0006."""

from __future__ import annotations

import shutil
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from scanner_tui.inventory import claims
from scanner_tui.inventory.claims import ClaimHeld, TakeOverRefused
from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.models import Operator
from scanner_tui.inventory.sessions import load_session, save_session
from tests.conftest import REPO

T0 = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


def _operators(engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.insert(Operator.__table__), [
            {"badge": "OP-0001", "name": "Ana", "role": "picker", "active": True},
            {"badge": "OP-0002", "name": "Ben", "role": "picker", "active": True},
            {"badge": "OP-0009", "name": "Sue", "role": "supervisor", "active": True},
        ])


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    engine = open_store(url)
    _operators(engine)
    yield engine
    engine.dispose()


def test_a_badge_signs_in_on_one_terminal_at_a_time(store):
    claims.claim(store, "badge", "OP-0001", terminal="T1", badge="OP-0001", now=T0)
    claims.claim(store, "badge", "OP-0001", terminal="T1", badge="OP-0001")  # again: fine
    with pytest.raises(ClaimHeld) as held:
        claims.claim(store, "badge", "OP-0001", terminal="T2", badge="OP-0001")
    assert str(held.value) == ("OP-0001 is signed in on T1; sign in here and end it there? y/n")
    taken = claims.take_over(store, "badge", "OP-0001", terminal="T2", badge="OP-0001")
    assert taken is not None and taken.terminal == "T1"
    assert claims.holder(store, "badge", "OP-0001").terminal == "T2"
    with pytest.raises(TakeOverRefused):  # another badge cannot take a badge
        claims.take_over(store, "badge", "OP-0001", terminal="T3", badge="OP-0002")


def test_an_order_is_worked_by_one_person_and_a_supervisor_takes_it_over(store):
    claims.claim(store, "order", "SO-5004", terminal="T1", badge="OP-0001", now=T0)
    with pytest.raises(ClaimHeld) as held:
        claims.claim(store, "order", "SO-5004", terminal="T2", badge="OP-0002")
    assert "SO-5004 is being worked by OP-0001 on T1" in str(held.value)
    # the same person on another terminal keeps their order
    moved = claims.claim(store, "order", "SO-5004", terminal="T3", badge="OP-0001")
    assert moved.terminal == "T3"
    with pytest.raises(TakeOverRefused, match="Only a supervisor"):
        claims.take_over(store, "order", "SO-5004", terminal="T2", badge="OP-0002")
    taken = claims.take_over(store, "order", "SO-5004", terminal="T9", badge="OP-0009")
    assert taken.badge == "OP-0001"
    assert claims.holder(store, "order", "SO-5004").badge == "OP-0009"
    assert not claims.release(store, "order", "SO-5004", terminal="T3")  # not T3's any more
    assert claims.release(store, "order", "SO-5004", terminal="T9")
    assert claims.holder(store, "order", "SO-5004") is None


def test_release_terminal_lets_go_of_everything_it_holds(store):
    claims.claim(store, "badge", "OP-0001", terminal="T1", badge="OP-0001")
    claims.claim(store, "receipt", "R-1001", terminal="T1", badge="OP-0001")
    claims.claim(store, "count-bin", "A01-A-01", terminal="T2", badge="OP-0002")
    assert claims.release_terminal(store, "T1") == 2
    assert [c.code for c in claims.claims_of(store)] == ["A01-A-01"]


def test_many_terminals_racing_for_one_order_one_wins(store):
    winners, losers = [], []
    start = threading.Barrier(8)

    def race(n: int) -> None:
        start.wait()
        try:
            claims.claim(store, "order", "SO-1", terminal=f"T{n}", badge=f"OP-{n:04d}")
            winners.append(n)
        except ClaimHeld as exc:
            losers.append(exc.holder.terminal)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1
    assert set(losers) == {f"T{winners[0]}"} and len(losers) == 7


def test_two_supervisors_taking_over_at_once_one_wins(store):
    with store.begin() as conn:
        conn.execute(sa.insert(Operator.__table__),
                     [{"badge": "OP-0008", "name": "Sam", "role": "admin", "active": True}])
    claims.claim(store, "order", "SO-2", terminal="T1", badge="OP-0001")
    results = []
    start = threading.Barrier(2)

    def take(badge: str, terminal: str) -> None:
        start.wait()
        results.append(claims.take_over(store, "order", "SO-2", terminal=terminal, badge=badge))

    threads = [threading.Thread(target=take, args=a) for a in (("OP-0009", "T9"),
                                                                ("OP-0008", "T8"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = claims.holder(store, "order", "SO-2")
    # both calls end with a holder, each took it from whoever held it just before: a chain
    froms = sorted(r.badge for r in results)
    assert final.badge in ("OP-0008", "OP-0009")
    assert "OP-0001" in froms and len(results) == 2


def test_session_keeps_badge_task_state_and_last_scan(store):
    save_session(store, "DOCK-1", badge="OP-0001", task="pick", state={"order": "SO-1"},
                 scan="SO-1\r", now=T0)
    later = T0 + timedelta(minutes=3)
    save_session(store, "DOCK-1", badge="OP-0001", task="pick", state={"order": "SO-1"},
                 now=later)
    kept = load_session(store, "DOCK-1")
    assert (kept.badge, kept.task, kept.state) == ("OP-0001", "pick", {"order": "SO-1"})
    assert kept.signed_in_at == T0 and kept.updated_at == later
    assert (kept.last_scan, kept.last_scan_at) == ("SO-1", T0)
    assert kept.resumable(later + timedelta(minutes=15), 15)
    assert not kept.resumable(later + timedelta(minutes=16), 15)
    save_session(store, "DOCK-1", badge="", task="pick", state={"x": 1},
                 scan="\x1b[2J", now=later)
    out = load_session(store, "DOCK-1")
    assert (out.badge, out.task, out.state, out.signed_in_at) == ("", "", {}, None)
    assert out.last_scan == "?[2J"  # escaped: a scan is data, never sent raw to a terminal
    assert not out.resumable(later, 15)
    assert load_session(store, "NEVER") is None


def test_release_0_1_store_upgrades_to_0006_and_loses_nothing(tmp_path):
    fixture = REPO / "tests" / "fixtures" / "store_release_0_1.db"
    if not fixture.exists():
        pytest.skip("tests/fixtures/store_release_0_1.db is not in this checkout")
    copy = tmp_path / "old.db"
    shutil.copy(fixture, copy)
    counts = "SELECT (SELECT count(*) FROM asset), (SELECT sum(qty) FROM stock)"
    before = sa.create_engine(f"sqlite:///{copy}")
    with before.connect() as conn:
        expected = tuple(conn.execute(sa.text(counts)).one())
    before.dispose()
    engine = open_store(f"sqlite:///{copy}")
    from scanner_tui.inventory.verify import verify

    with engine.connect() as conn:
        assert tuple(conn.execute(sa.text(counts)).one()) == expected
        assert conn.execute(sa.text("SELECT count(*) FROM claim")).scalar() == 0
    assert verify(engine) == []
    save_session(engine, "T1", badge="OP-0001", task="pick")
    assert load_session(engine, "T1").task == "pick"
    engine.dispose()


def test_terminals_command_lists_who_what_since_and_holds(tmp_path):
    import json

    from typer.testing import CliRunner

    from scanner_tui.cli import app

    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = open_store(url)
    _operators(engine)
    save_session(engine, "DOCK-1", badge="OP-0001", task="pick", scan="SO-5004\r", now=T0)
    save_session(engine, "DOCK-2", badge="", now=T0)
    claims.claim(engine, "order", "SO-5004", terminal="DOCK-1", badge="OP-0001", now=T0)
    engine.dispose()
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[database]\nurl = "{url}"\n')
    runner = CliRunner()
    text = runner.invoke(app, ["--config", str(cfg), "terminals"])
    assert text.exit_code == 0
    lines = text.output.splitlines()
    assert lines[0].split() == ["TERMINAL", "WHO", "TASK", "SINCE", "LAST", "SCAN"]
    assert lines[1].split()[:11] == ["DOCK-1", "OP-0001", "pick", "2026-12-05", "10:00",
                                     "SO-5004", "at", "10:00:00", "holds", "order", "SO-5004"]
    assert lines[1].split()[11:13] == ["since", "10:00"]  # the claim's since
    assert lines[2].split()[:3] == ["DOCK-2", "-", "-"]
    rows = [json.loads(line) for line in runner.invoke(
        app, ["--config", str(cfg), "terminals", "--json"]).output.splitlines()]
    assert rows[0] == {"terminal": "DOCK-1", "badge": "OP-0001", "task": "pick",
                       "since": "2026-12-05T10:00:00+00:00",
                       "updated": "2026-12-05T10:00:00+00:00", "last_scan": "SO-5004",
                       "last_scan_at": "2026-12-05T10:00:00+00:00", "holds": [
                           {"kind": "order", "code": "SO-5004", "badge": "OP-0001",
                            "since": "2026-12-05T10:00:00+00:00",
                            "abandoned": rows[0]["holds"][0]["abandoned"]}]}
    empty = tmp_path / "e.toml"
    empty.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "e.db"}"\n')
    open_store(f"sqlite:///{tmp_path / 'e.db'}").dispose()  # an empty store, not a missing one
    assert "No terminal has connected" in runner.invoke(app, ["--config", str(empty),
                                                              "terminals"]).output
