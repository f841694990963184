"""Random sequences of operations: whatever is accepted or refused, the books equal the ledger.

Hypothesis drives every operation (receive, move, pick, ship, return, adjust, scrap, lost, found,
undo) with random (often wrong) arguments and replayed scan ids; after every step stock is never
negative, every refusal is a DomainError sentence, and stock and unit state equal the replay.
"""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner_tui.inventory import operations as ops
from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.errors import DomainError
from tests.test_ops_store import ADMIN, PICKER, RECEIVER, SUPERVISOR, assert_books_agree, seed

BINS = ["D01-A-01", "A01-A-01", "A01-A-02", "R01-A-01", "S01-A-01", "T01-A-01", "Q01-A-01"]
SERIALS = ["SN0001", "SN0002", "SN0003", "AT00000001", "AT00000002"]
ORDERS = ["1007", "1008"]
ACTORS = [PICKER, RECEIVER, SUPERVISOR, ADMIN, ADMIN, ADMIN]  # mostly allowed

step = st.one_of(
    st.tuples(st.just("receive_unit"), st.sampled_from(BINS), st.sampled_from(SERIALS)),
    st.tuples(st.just("receive_qty"), st.sampled_from(BINS), st.integers(1, 6)),
    st.tuples(st.just("move_unit"), st.sampled_from(BINS), st.sampled_from(SERIALS)),
    st.tuples(st.just("move_qty"), st.sampled_from(BINS), st.sampled_from(BINS),
              st.integers(1, 6)),
    st.tuples(st.just("pick_unit"), st.sampled_from(ORDERS), st.sampled_from(SERIALS)),
    st.tuples(st.just("pick_qty"), st.sampled_from(ORDERS), st.sampled_from(BINS),
              st.integers(1, 4)),
    st.tuples(st.just("stage"), st.sampled_from(ORDERS)),
    st.tuples(st.just("ship"), st.sampled_from(ORDERS)),
    st.tuples(st.just("return_unit"), st.sampled_from(SERIALS)),
    st.tuples(st.just("adjust"), st.sampled_from(BINS), st.integers(-5, 5)),
    st.tuples(st.just("scrap_unit"), st.sampled_from(SERIALS)),
    st.tuples(st.just("lost"), st.sampled_from(SERIALS)),
    st.tuples(st.just("found"), st.sampled_from(SERIALS), st.sampled_from(BINS)),
    st.tuples(st.just("undo"),),
)


def apply(engine, actor, scan_id: str, s: tuple) -> None:
    kw = {"actor": actor, "scan_id": scan_id}
    name = s[0]
    if name == "receive_unit":
        ops.receive(engine, bin=s[1], sku="LAPTOP-15", serial=s[2], **kw)
    elif name == "receive_qty":
        ops.receive(engine, bin=s[1], sku="MUG-01", qty=s[2], **kw)
    elif name == "move_unit":
        ops.move(engine, to_bin=s[1], serial=s[2], **kw)
    elif name == "move_qty":
        ops.move(engine, from_bin=s[1], to_bin=s[2], sku="MUG-01", qty=s[3], **kw)
    elif name == "pick_unit":
        ops.pick(engine, order=s[1], serial=s[2], **kw)
    elif name == "pick_qty":
        ops.pick(engine, order=s[1], bin=s[2], sku="MUG-01", qty=s[3], **kw)
    elif name == "stage":
        ops.stage(engine, order=s[1], bin="S01-A-01", **kw)
    elif name == "ship":
        ops.ship(engine, order=s[1], **kw)
    elif name == "return_unit":
        ops.return_unit(engine, bin="T01-A-01", serial=s[1], **kw)
    elif name == "adjust":
        ops.adjust(engine, bin=s[1], sku="MUG-01", delta=s[2], **kw)
    elif name == "scrap_unit":
        ops.scrap(engine, serial=s[1], **kw)
    elif name == "lost":
        ops.mark_lost(engine, serial=s[1], **kw)
    elif name == "found":
        ops.found(engine, serial=s[1], bin=s[2], **kw)
    else:
        ops.undo_last(engine, **kw)


def test_random_operations_keep_the_books(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path / 'random.db'}")
    seed(engine)
    ids = itertools.count()
    for serial in ("SN0001", "SN0002"):
        ops.receive(engine, actor=ADMIN, scan_id=f"init-{serial}", bin="A01-A-01",
                    sku="LAPTOP-15", serial=serial)
    ops.receive(engine, actor=ADMIN, scan_id="init-mugs", bin="A01-A-01", sku="MUG-01", qty=20)

    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(st.tuples(step, st.sampled_from(ACTORS), st.booleans()),
                    min_size=1, max_size=20))
    def run(steps) -> None:
        last_scan = None
        for s, actor, replay in steps:
            scan_id = last_scan if (replay and last_scan) else f"r{next(ids)}"
            try:
                apply(engine, actor, scan_id, s)
            except DomainError as exc:
                assert str(exc) and "Traceback" not in str(exc)
            last_scan = scan_id
            assert_books_agree(engine)

    try:
        run()
    finally:
        engine.dispose()
