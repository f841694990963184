"""Issue 10, the workflow side: dock labels' counts confirmed (never typed), container labels,
a lost separator asked about, caps lock said once a shift, GS1 place labels, part numbers.

Each scenario runs on the demo warehouse and ends with ``verify`` green.
"""

from __future__ import annotations

import pytest

from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.verify import verify
from scanner_tui.scanning.result import Source
from scanner_tui.scanning.rules import DEFAULT_RULES, TagRules
from scanner_tui.workflows.move import MoveWorkflow
from scanner_tui.workflows.pick import PickWorkflow
from scanner_tui.workflows.putaway import PutawayWorkflow
from scanner_tui.workflows.receive import ReceiveWorkflow
from scanner_tui.workflows.registry import restore
from tests.workflow_helpers import add_barcode, ledger_rows, qty, scan, services

TIES = "05901234100281"  # CABLE-TIE-100's GTIN (demo)
SSCC = "009501101530000038"
LOST = "]d20105901234100281" + "10ABC12321SN0001"  # lot ABC123 + serial SN0001, no GS


@pytest.fixture
def demo(engine):
    build_demo(engine)
    yield engine
    assert verify(engine) == []


def blind(engine) -> ReceiveWorkflow:
    return ReceiveWorkflow(services(engine, "OP-0002"), blind=True)


# -- 1. a label's count is the quantity, confirmed -------------------------------------------

def test_a_case_count_is_confirmed_with_enter_not_typed(demo):
    wf = blind(demo)
    before = ledger_rows(demo)
    out = scan(wf, f"(01){TIES}(37)24")
    assert out.accepted and not out.changed
    assert out.question.kind == "quantity" and out.question.default == 24
    assert "24" in out.message and ledger_rows(demo) == before  # nothing until confirmed
    assert wf.view().instruction == "Receive 24? Enter, or type qty"
    out = wf.answer("")  # Enter: the label's count
    assert out.accepted and out.changed and "24" in out.message
    assert qty(demo, "CABLE-TIE-100", "DK01-A-01") == 24


def test_a_count_is_confirmed_with_cmd_yes_or_corrected_by_typing(demo):
    wf = blind(demo)
    scan(wf, f"(01){TIES}(30)12")
    out = scan(wf, "CMD:YES")
    assert out.accepted and qty(demo, "CABLE-TIE-100", "DK01-A-01") == 12
    scan(wf, f"(01){TIES}(30)12")
    out = wf.answer("10")  # two were missing from the case
    assert out.accepted and qty(demo, "CABLE-TIE-100", "DK01-A-01") == 22
    scan(wf, f"(01){TIES}(30)12")
    out = scan(wf, "CMD:NO")
    assert out.accepted and "not received" in out.message
    assert qty(demo, "CABLE-TIE-100", "DK01-A-01") == 22


def test_another_scan_does_not_answer_the_count_question(demo):
    wf = blind(demo)
    scan(wf, f"(01){TIES}(37)24")
    out = scan(wf, "A01-A-01")
    assert not out.accepted and "does not answer" in out.message and out.question
    assert qty(demo, "CABLE-TIE-100", "DK01-A-01") == 0


def test_a_container_label_receives_its_content_gtin_and_count(demo):
    wf = blind(demo)
    out = scan(wf, f"(00){SSCC}(02){TIES}(37)12")
    assert out.accepted and out.question.default == 12 and "CABLE-TIE-100" in out.message
    scan(wf, "CMD:YES")
    assert qty(demo, "CABLE-TIE-100", "DK01-A-01") == 12


def test_a_count_on_the_receipt_above_what_it_expects_asks_the_over_question(demo):
    wf = ReceiveWorkflow(services(demo, "OP-0002"), receipt="R-1001")
    out = scan(wf, f"(01){TIES}(37)60")  # R-1001 expects 50 cable ties
    assert out.question.default == 60
    out = wf.answer("")
    assert out.warning and out.question.kind == "yesno" and "over" in out.question.text


def test_a_count_on_a_serial_sku_does_not_replace_the_units_scans(demo):
    add_barcode(demo, "PHONE-X5", "09501101020917")
    wf = blind(demo)
    out = scan(wf, "(01)09501101020917(37)10")
    assert out.accepted and not out.changed
    assert "count 10 is not taken" in out.message and "scan each unit" in out.message
    assert wf.question is None or wf.question.kind != "quantity"


def test_putaway_takes_the_label_count_as_the_default(demo):
    dock = blind(demo)
    scan(dock, f"(01){TIES}(37)48")
    dock.answer("")  # 48 received into DK01-A-01
    wf = PutawayWorkflow(services(demo, "OP-0002"))
    scan(wf, "DK01-A-01")
    out = scan(wf, f"(01){TIES}(37)24")
    assert out.question.kind == "quantity" and out.question.default == 24
    scan(wf, "CMD:YES")
    scan(wf, "A01-A-01")
    assert qty(demo, "CABLE-TIE-100", "A01-A-01") == 144
    assert qty(demo, "CABLE-TIE-100", "DK01-A-01") == 24


def test_move_takes_the_label_count_as_the_default(demo):
    wf = MoveWorkflow(services(demo, "OP-0001"))
    scan(wf, "R01-A-01")
    out = scan(wf, f"(01){TIES}(37)24")
    assert out.accepted and out.question.default == 24 and "24" in out.message
    scan(wf, "A01-A-01")
    assert qty(demo, "CABLE-TIE-100", "A01-A-01") == 144


def test_pick_takes_the_label_count_as_the_default(demo):
    wf = PickWorkflow(services(demo, "OP-0001"))
    before = qty(demo, "MUG-01", "A01-A-02")
    wf.answer("QC-1003")  # 4 MUG-01 from A01-A-02
    scan(wf, "A01-A-02")
    out = scan(wf, "(01)05901234100359(30)4")
    assert out.question.kind == "quantity" and out.question.default == 4
    scan(wf, "CMD:YES")
    assert qty(demo, "MUG-01", "A01-A-02") == before - 4


def test_pick_does_not_offer_more_than_the_order_needs(demo):
    wf = PickWorkflow(services(demo, "OP-0001"))
    wf.answer("SO-1001")  # 1 CABLE-TIE-100 from A01-A-01
    scan(wf, "A01-A-01")
    out = scan(wf, f"(01){TIES}(30)5")
    assert out.question.default == 1 and "label says 5" in out.message
    scan(wf, "CMD:YES")
    assert qty(demo, "CABLE-TIE-100", "A01-A-01") == 119


# -- 2. a lost separator ---------------------------------------------------------------------

def test_receive_asks_which_reading_is_right_and_receives_the_chosen_one(demo):
    wf = blind(demo)
    before = ledger_rows(demo)
    out = scan(wf, LOST)
    assert out.accepted and not out.changed and ledger_rows(demo) == before
    q = out.question
    assert q.kind == "choice" and len(q.choices) == 2
    assert q.choices[0] == "lot ABC12321SN0001" and "SN0001" in q.choices[1]
    assert all(len(c) <= 30 for c in q.choices)
    assert wf.view().instruction == "Which reading? Choose 1 or 2"
    out = wf.answer("1")  # the whole lot: a quantity product with that lot
    assert out.accepted and out.changed
    assert qty(demo, "CABLE-TIE-100", "DK01-A-01") == 1


def test_receive_the_second_reading_a_serial_on_a_quantity_sku_is_refused(demo):
    wf = blind(demo)
    scan(wf, LOST)
    out = wf.answer("2")  # serial SN0001 of a SKU counted by quantity
    assert not out.accepted and "counted by quantity" in out.message
    assert qty(demo, "CABLE-TIE-100", "DK01-A-01") == 0


def test_the_reading_question_survives_a_snapshot(demo):
    wf = blind(demo)
    scan(wf, LOST)
    again = restore(services(demo, "OP-0002"), wf.snapshot())
    assert again.question.kind == "choice"
    out = again.answer("lot")
    assert out.accepted and qty(demo, "CABLE-TIE-100", "DK01-A-01") == 1


def test_other_workflows_refuse_a_label_that_reads_two_ways(demo):
    wf = MoveWorkflow(services(demo, "OP-0001"))
    scan(wf, "R01-A-01")
    out = scan(wf, LOST)
    assert not out.accepted and "reads two ways" in out.message
    assert "lot ABC12321SN0001" in out.message and "serial SN0001" in out.message


# -- 3. caps lock ----------------------------------------------------------------------------

def test_caps_lock_is_said_once_a_shift_and_kept_in_the_snapshot(demo):
    svc = services(demo, "OP-0001")
    wf = MoveWorkflow(svc)
    out = scan(wf, "r01-a-01")
    assert out.accepted and out.message.startswith("Caps lock is on")
    out = scan(wf, "a01-a-01")
    assert "Caps lock" not in out.message
    other = PutawayWorkflow(svc)  # the same shift, another task
    assert "Caps lock" not in scan(other, "r01-a-01").message
    fresh = services(demo, "OP-0001")  # a restored task on a new terminal session
    back = restore(fresh, wf.snapshot())
    assert "Caps lock" not in scan(back, "r01-a-02").message and fresh.shift.caps_told


# -- 4. GS1 place labels ---------------------------------------------------------------------

def test_a_place_label_is_the_bin_its_extension_names_when_the_site_says_so(demo):
    rules = TagRules.from_patterns(gln_extension_is_bin=True)
    wf = MoveWorkflow(services(demo, "OP-0001"))
    out = scan(wf, "(414)0950110153007(254)R01-A-01", rules=rules)
    assert out.accepted and "R01-A-01" in wf.view().context[0]


def test_an_unmapped_place_label_is_refused_naming_the_gln_and_the_setting(demo):
    wf = MoveWorkflow(services(demo, "OP-0001"))
    out = scan(wf, "(414)0950110153007(254)R01-A-01", rules=DEFAULT_RULES)
    assert not out.accepted
    assert "0950110153007" in out.message and "gln_extension_is_bin" in out.message


# -- 5. part numbers -------------------------------------------------------------------------

def test_an_iso15434_part_and_serial_is_received_as_a_unit_of_the_alias_sku(demo):
    wf = blind(demo)
    out = scan(wf, "[)>\x1e06\x1d1PLAPTOP14\x1dSSN-X-0001\x1d1TLT2609A\x1e\x04",
               Source.WEDGE)
    assert out.accepted and out.changed, out.message
    assert "SN-X-0001" in out.message


def test_an_unknown_part_number_is_refused_saying_how_to_map_it(demo):
    wf = blind(demo)
    out = scan(wf, "[)>\x1e06\x1d1PNOPE-77\x1dQ5\x1e\x04")
    assert not out.accepted and "NOPE-77" in out.message and "alias" in out.message


def test_a_hibc_product_is_received_as_the_sku_its_part_is_an_alias_of(demo):
    add_barcode(demo, "MUG-01", "A123BJC5D6E71", kind="alias")  # HIBC LIC + product + UOM
    wf = blind(demo)
    out = scan(wf, "+A123BJC5D6E71G")
    assert out.accepted and out.changed, out.message
    assert qty(demo, "MUG-01", "DK01-A-01") == 1


def test_pick_a_second_case_label_adds_its_count(demo):
    wf = PickWorkflow(services(demo, "OP-0001"))
    before = qty(demo, "MUG-01", "A01-A-02")
    wf.answer("QC-1003")  # 4 MUG-01 from A01-A-02
    scan(wf, "A01-A-02")
    scan(wf, "(01)05901234100359(30)2")
    out = scan(wf, "(01)05901234100359(30)2")  # the second case of two: 4, all planned
    assert out.accepted and out.changed, out.message
    assert qty(demo, "MUG-01", "A01-A-02") == before - 4


def test_the_count_question_survives_a_snapshot(demo):
    wf = blind(demo)
    scan(wf, f"(01){TIES}(37)24")
    again = restore(services(demo, "OP-0002"), wf.snapshot())
    assert again.question.kind == "quantity" and again.question.default == 24
    out = again.answer("")
    assert out.accepted and qty(demo, "CABLE-TIE-100", "DK01-A-01") == 24


def test_a_pallet_label_without_contents_asks_for_the_goods_labels(demo):
    wf = blind(demo)
    out = scan(wf, f"(00){SSCC}")
    assert not out.accepted and SSCC in out.message and "labels of the goods" in out.message
