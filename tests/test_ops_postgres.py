"""The key operation scenarios once more, against a real PostgreSQL server."""

from __future__ import annotations

import pytest

from scanner_tui.inventory.db import open_store
from tests import test_operations as t
from tests.test_ops_store import seed

CASES = [
    t.test_receive_serial_against_ship_notice_records_typed_entry,
    t.test_receive_refusals_change_nothing,
    t.test_same_scan_twice_changes_stock_once,
    t.test_same_scan_from_two_threads_at_once_applies_once,
    t.test_putaway_and_move_rules,
    t.test_pick_serial_then_again_says_who_and_when,
    t.test_quantity_pick_points_to_the_right_bin_and_never_overpicks,
    t.test_stage_ship_records_serials_per_line_and_shipped_unit_cannot_be_picked,
    t.test_returns_only_what_shipped_from_here,
    t.test_adjust_needs_a_supervisor,
    t.test_undo_reverses_own_last_change_with_compensating_rows,
    t.test_undo_pick_and_receive_give_back_document_counts,
]


@pytest.mark.postgres
@pytest.mark.parametrize("case", CASES, ids=[c.__name__[5:] for c in CASES])
def test_operation_on_postgres(pg_url, case):
    engine = open_store(pg_url)
    try:
        seed(engine)
        case(engine)
    finally:
        engine.dispose()
