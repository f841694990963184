"""Rights come from the store at the moment of the operation, never from what a caller claims
(issue 12, item 3), on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlmodel import Session

from scanner_tui.inventory import errors as E
from scanner_tui.inventory import operations as ops
from scanner_tui.inventory.actor import Actor, actor_for
from scanner_tui.inventory.counting import approve
from scanner_tui.inventory.importer import ImportFailed, import_csv
from scanner_tui.inventory.models import Operator, Stock
from scanner_tui.inventory.verify import verify
from tests.ledger_helpers import ENGINES, badge_scan, mugs_store

_ids = itertools.count()


def sid() -> str:
    return f"trust-{next(_ids)}"


@pytest.fixture(params=ENGINES)
def store(request, tmp_path):
    engine = mugs_store(request, tmp_path, 10, sid())
    yield engine
    engine.dispose()


def _mugs(engine) -> int:
    with Session(engine) as s:
        return sum(st.qty for st in s.execute(select(Stock)).scalars())


def _set(engine, badge: str, **values) -> None:
    with Session(engine) as s:
        s.execute(update(Operator).where(Operator.badge == badge).values(**values))
        s.commit()


def test_a_claimed_role_is_ignored(store):
    picker_claims = Actor("OP-0001", "T1", role="supervisor")
    with pytest.raises(E.NotAllowed, match="OP-0001 is a picker"):
        ops.adjust(store, actor=picker_claims, scan_id=sid(), bin="A01-A-01", sku="MUG-01",
                   delta=100)
    with pytest.raises(E.NotAllowed, match="OP-0001 is a picker"):
        ops.scrap(store, actor=picker_claims, scan_id=sid(), sku="MUG-01", bin="A01-A-01")
    # what the store says counts, also the other way: a stale "picker" that is a supervisor
    res = ops.adjust(store, actor=Actor("OP-0003", "T3", role="picker"), scan_id=sid(),
                     bin="A01-A-01", sku="MUG-01", delta=1)
    assert "approved by OP-0003" in res.message
    assert _mugs(store) == 11


def test_a_badge_not_in_the_store_can_do_nothing(store):
    ghost = Actor("OP-7777", "T7", role="admin")
    with pytest.raises(E.NotFound, match="OP-7777"):
        ops.receive(store, actor=ghost, scan_id=sid(), bin="A01-A-01", sku="MUG-01", qty=5)
    with pytest.raises(E.NotFound, match="OP-7777"):
        approve(store, actor=ghost, count_code="CC-00001", scan_id=sid())
    assert _mugs(store) == 10


def test_deactivated_or_demoted_after_sign_in_loses_the_rights(store):
    boss = actor_for(store, "OP-0003", "T3")
    assert boss.role == "supervisor"
    _set(store, "OP-0003", role="picker")
    with pytest.raises(E.NotAllowed, match="OP-0003 is a picker"):
        ops.scrap(store, actor=boss, scan_id=sid(), sku="MUG-01", bin="A01-A-01")
    picker = actor_for(store, "OP-0001", "T1")
    _set(store, "OP-0001", active=False)
    with pytest.raises(E.Inactive, match="OP-0001"):
        ops.move(store, actor=picker, scan_id=sid(), to_bin="A01-A-02", sku="MUG-01", qty=1,
                 from_bin="A01-A-01")
    assert _mugs(store) == 10 and verify(store) == []


def test_an_approval_is_the_approvers_own_scan_not_a_name(store):
    receiver = Actor("OP-0002", "T2")
    kwargs = {"bin": "A01-A-01", "sku": "MUG-01", "delta": -2}
    with pytest.raises(E.DomainError, match="scan their own badge at this terminal"):
        ops.adjust(store, actor=receiver, scan_id=sid(), approved_by="OP-0003", **kwargs)
    with pytest.raises(E.DomainError, match="another terminal"):
        ops.adjust(store, actor=receiver, scan_id=sid(),
                   approved_by=badge_scan(store, "OP-0003", "T9"), **kwargs)
    with pytest.raises(E.NotAllowed, match="OP-0001 is a picker and may not approve"):
        ops.adjust(store, actor=receiver, scan_id=sid(),
                   approved_by=badge_scan(store, "OP-0001", "T2"), **kwargs)
    assert _mugs(store) == 10
    res = ops.adjust(store, actor=receiver, scan_id=sid(),
                     approved_by=badge_scan(store, "OP-0003", "T2"), **kwargs)
    assert "approved by OP-0003" in res.message and _mugs(store) == 8


def test_importing_operators_needs_an_admins_badge(store, tmp_path: Path):
    csv = tmp_path / "operators.csv"
    csv.write_text("badge,name,role\nOP-0001,Ana,admin\n", encoding="utf-8")
    for badge in ("", "OP-0001", "OP-0003", "OP-7777"):
        with pytest.raises(ImportFailed, match="needs an admin's badge"):
            import_csv(store, "operators", csv, operator=badge)
    assert actor_for(store, "OP-0001", "T1").role == "picker"
    _set(store, "OP-0004", active=False)
    with pytest.raises(ImportFailed, match="needs an admin's badge"):
        import_csv(store, "operators", csv, operator="OP-0004")
    _set(store, "OP-0004", active=True)
    import_csv(store, "operators", csv, operator="OP-0004")
    assert actor_for(store, "OP-0001", "T1").role == "admin"


def test_a_new_store_takes_its_first_operators_without_a_badge(tmp_path: Path):
    from scanner_tui.inventory.db import open_store

    engine = open_store(f"sqlite:///{tmp_path / 'new.db'}")
    csv = tmp_path / "operators.csv"
    csv.write_text("badge,name,role\nOP-0009,Site Admin,admin\n", encoding="utf-8")
    import_csv(engine, "operators", csv)
    assert actor_for(engine, "OP-0009", "T1").role == "admin"


def test_one_approval_scan_approves_one_change(store):
    receiver = Actor("OP-0002", "T2")
    proof = badge_scan(store, "OP-0003", "T2")
    ops.adjust(store, actor=receiver, scan_id=sid(), bin="A01-A-01", sku="MUG-01", delta=-1,
               approved_by=proof)
    with pytest.raises(E.DomainError, match="already approved a change"):
        ops.adjust(store, actor=receiver, scan_id=sid(), bin="A01-A-01", sku="MUG-01",
                   delta=-1, approved_by=proof)
    assert _mugs(store) == 9


def test_counting_needs_an_active_operator_in_the_store(store):
    from scanner_tui.inventory import counting as c

    c.plan_count(store, actor=Actor("OP-0003", "T3", role="picker"), bins=["A01-A-01"])
    with pytest.raises(E.NotAllowed, match="OP-0001 is a picker"):
        c.plan_count(store, actor=Actor("OP-0001", "T1", role="admin"), bins=["A01-A-02"])
    with pytest.raises(E.NotFound, match="OP-7777"):
        c.start_bin(store, actor=Actor("OP-7777", "T7", role="admin"), bin_code="A01-A-01")
    counter = Actor("OP-0001", "T1")
    started = c.start_bin(store, actor=counter, bin_code="A01-A-01")
    _set(store, "OP-0001", active=False)
    with pytest.raises(E.Inactive, match="OP-0001"):
        c.count_qty(store, actor=counter, count_bin_id=started.count_bin_id, sku="MUG-01",
                    qty=10, scan_id=sid())


def test_a_badge_scan_the_app_refused_approves_nothing(store):
    from scanner_tui.inventory.journal import record_outcome

    proof = badge_scan(store, "OP-0003", "T2")
    record_outcome(store, proof.scan_id, accepted=False, reason="not signed in")
    with pytest.raises(E.DomainError, match="not a badge scan at this terminal"):
        ops.adjust(store, actor=Actor("OP-0002", "T2"), scan_id=sid(), bin="A01-A-01",
                   sku="MUG-01", delta=-1, approved_by=proof)
