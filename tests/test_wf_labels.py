"""Labels from the app: new asset tags while receiving, reprints from look-up.

A fake Zebra printer listens on 127.0.0.1 (``tests.labels_fakes``); every test checks the
bytes it received, the ledger rows, and ends with ``verify`` green.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from scanner_tui.config import Config, LabelsConfig
from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.models import (
    Asset,
    LedgerEntry,
    Receipt,
    ReceiptLine,
    Sku,
    TagSequence,
)
from scanner_tui.inventory.verify import verify
from scanner_tui.labels.record import expand
from scanner_tui.scanning.result import Scan, Source
from scanner_tui.workflows.lookup import LookupWorkflow
from scanner_tui.workflows.receive import ReceiveWorkflow
from scanner_tui.workflows.tag_printing import print_new_tags, reprint_tag
from tests.labels_fakes import FakePrinter, closed_port_url
from tests.workflow_helpers import classified, gtin, ledger_rows, scan, services

L, A = LedgerEntry.__table__, Asset.__table__


@pytest.fixture
def demo(engine):
    """The demo warehouse, with a LAPTOP-16 line (no ship notice) added to receipt R-1001."""
    build_demo(engine)
    with engine.begin() as conn:
        rid = conn.execute(select(Receipt.id).where(Receipt.code == "R-1001")).scalar_one()
        sku = conn.execute(select(Sku.id).where(Sku.code == "LAPTOP-16")).scalar_one()
        conn.execute(ReceiptLine.__table__.insert().values(
            receipt_id=rid, line_no=9, sku_id=sku, qty_expected=3, qty_received=0))
    yield engine
    assert verify(engine) == []


@pytest.fixture
def printer():
    with FakePrinter() as fake:
        yield fake


def jobs(printer: FakePrinter, n: int) -> list[bytes]:
    """The printer's jobs once ``n`` complete ones arrived (its thread reads after we send)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        got = printer.jobs
        if len(got) >= n and all(j.rstrip().endswith(b"^XZ") for j in got):
            return got
        time.sleep(0.01)
    return printer.jobs


def config(url: str = "", timeout: float = 2.0) -> Config:
    return Config(labels=LabelsConfig(printer=url, printer_timeout_s=timeout))


def receiver(engine, url: str = "", **options) -> ReceiveWorkflow:
    svc = services(engine, "OP-0002")
    svc.config = config(url)
    return ReceiveWorkflow(svc, **options)


def label_rows(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(select(L).where(L.c.action == "label").order_by(L.c.id)).all()


def unit_of(engine, serial: str):
    with engine.connect() as conn:
        return conn.execute(select(A.c.status, Sku.code, A.c.entry, A.c.lot)
                            .join(Sku, Sku.id == A.c.sku_id)
                            .where(A.c.serial == serial)).first()


def received(engine, sku: str, receipt: str = "R-1001") -> int:
    with engine.connect() as conn:
        return conn.execute(select(ReceiptLine.qty_received).join(Sku).join(Receipt)
                            .where(Sku.code == sku, Receipt.code == receipt)).scalar_one()


def laptop16_ready(engine, url: str, **options) -> ReceiveWorkflow:
    """Receiving R-1001 with LAPTOP-16 current and its lot given."""
    wf = receiver(engine, url, receipt="R-1001", **options)
    assert scan(wf, gtin(engine, "LAPTOP-16")).question.kind == "text"
    assert wf.answer("LT16A").accepted
    assert wf.view().instruction == "Scan each LAPTOP-16 unit"
    return wf


# -- receiving: print, record, scan back ---------------------------------------------------

def test_print_command_prints_one_tag_records_it_and_expects_it_back(demo, printer):
    wf = laptop16_ready(demo, printer.url)
    card, result = classified(demo, "CMD:PRINT")
    out = wf.handle(card, result)
    assert out.accepted and out.changed, out
    (tag,) = wf.awaiting
    assert out.message == f"Printed {tag}. Stick it on a unit of LAPTOP-16 and scan it."
    assert len(jobs(printer, 1)) == 1 and tag.encode() in printer.jobs[0]
    assert printer.jobs[0].startswith(b"^XA") and printer.status_queries == 1
    (row,) = label_rows(demo)
    assert (row.reason, row.doc_type, row.doc_code, row.operator, row.terminal, row.entry,
            row.scan_id, row.qty, row.asset_id) == \
        (f"printed {tag}", "receipt", "R-1001", "OP-0002", "T1", "scanned", card.id, 0, None)
    v = wf.view()
    assert "1 printed tag to stick on" in v.context
    assert v.instruction == "Stick on + scan tags (1 left)"

    assert wf.handle(card, result).changed is False  # the same card read again: nothing
    assert len(printer.jobs) == 1 and len(label_rows(demo)) == 1

    out = scan(wf, tag)  # stuck on the laptop, scanned back
    assert out.accepted and out.changed
    assert out.message == f"Received {tag} (LAPTOP-16) into DK01-A-01."
    assert unit_of(demo, tag) == ("in_stock", "LAPTOP-16", "scanned", "LT16A")
    assert received(demo, "LAPTOP-16") == 1
    assert wf.awaiting == {} and wf.view().instruction == "Scan each LAPTOP-16 unit"
    assert all("to stick on" not in c for c in wf.view().context)


def test_typed_number_then_print_prints_that_many_in_one_job(demo, printer):
    wf = laptop16_ready(demo, printer.url)
    before = ledger_rows(demo)
    out = wf.answer("3")
    assert out.accepted and not out.changed and out.question.kind == "yesno"
    assert out.message == "3 new asset tags for LAPTOP-16: CMD:PRINT prints them, CMD:NO " \
        "does not."
    assert wf.view().instruction == "Print 3 tags? CMD:PRINT/NO"
    assert printer.jobs == [] and ledger_rows(demo) == before
    assert wf.answer("2").question.text == "Print 2 new tags for LAPTOP-16?"  # changed my mind
    out = scan(wf, "CMD:PRINT")
    assert out.accepted and out.changed and wf.question is None
    tags = list(wf.awaiting)
    assert len(tags) == 2 and int(tags[1][2:]) == int(tags[0][2:]) + 1
    assert out.message == f"Printed {tags[0]}-{tags[1]}. Stick one on each unit of LAPTOP-16 " \
        "and scan it."
    assert len(jobs(printer, 1)) == 1 and all(t.encode() in printer.jobs[0] for t in tags)
    assert printer.jobs[0].count(b"^XA") == 2
    (row,) = label_rows(demo)  # consecutive tags: one row naming the range
    assert row.reason == f"printed {tags[0]}-{tags[1]}"
    assert "2 printed tags to stick on" in wf.view().context

    # the receiver turns to the cable ties, then sticks the second laptop tag on
    ties = gtin(demo, "CABLE-TIE-100")
    assert scan(wf, ties).changed and wf.current.code == "CABLE-TIE-100"
    out = scan(wf, tags[1])  # a LAPTOP-16 of the lot it was printed for, no question
    assert out.accepted and out.changed, out
    assert unit_of(demo, tags[1]) == ("in_stock", "LAPTOP-16", "scanned", "LT16A")
    assert wf.current.code == "LAPTOP-16" and list(wf.awaiting) == [tags[0]]
    assert scan(wf, tags[0]).changed
    assert received(demo, "LAPTOP-16") == 2 and wf.awaiting == {}


def test_typed_print_words_and_yes_key(demo, printer):
    wf = laptop16_ready(demo, printer.url)
    out = wf.answer("p")  # typed on the terminal: one tag
    assert out.changed and len(wf.awaiting) == 1
    out = wf.answer("print 2")
    assert out.changed and len(wf.awaiting) == 3
    assert wf.answer("1").question is not None  # a count, not a yes
    out = wf.answer("n")
    assert out.accepted and not out.changed and out.message.startswith("No tags printed.")
    assert wf.answer("1").question is not None
    out = scan(wf, "CMD:YES")  # the y key on the screen
    assert out.changed and len(wf.awaiting) == 4 and len(jobs(printer, 3)) == 3
    assert [r.entry for r in label_rows(demo)] == ["typed", "typed", "scanned"]
    assert [r.reason.split()[0] for r in label_rows(demo)] == ["printed"] * 3


def test_unused_tags_are_in_the_summary_and_undo_awaits_a_tag_again(demo, printer):
    wf = laptop16_ready(demo, printer.url)
    wf.answer("2")
    scan(wf, "CMD:PRINT")
    first, second = wf.awaiting
    assert scan(wf, first).changed
    out = scan(wf, "CMD:UNDO")  # the unit is taken back: its tag waits again
    assert out.accepted and out.changed, out
    assert unit_of(demo, first)[0] == "void" and list(wf.awaiting) == [second, first]
    assert scan(wf, first).changed and list(wf.awaiting) == [second]
    out = scan(wf, "CMD:DONE")
    assert out.done and f"Tag unused: {second}" in wf.summary()
    assert "Short: LAPTOP-16 1/3" in wf.summary()


def test_blind_receiving_prints_without_a_receipt(demo, printer):
    wf = receiver(demo, printer.url, blind=True)
    scan(wf, gtin(demo, "PHONE-X5"))
    wf.answer("PX1")
    assert scan(wf, "CMD:PRINT").changed
    (tag,) = wf.awaiting
    (row,) = label_rows(demo)
    assert (row.doc_type, row.doc_code) == ("", "")
    assert scan(wf, tag).changed and unit_of(demo, tag)[1] == "PHONE-X5"
    scan(wf, "R58N0000042")  # a maker's serial, not printed here: handled as before
    assert unit_of(demo, "R58N0000042")[:2] == ("in_stock", "PHONE-X5")
    assert scan(wf, "CMD:DONE").message == "Receiving done: Received 2 PHONE-X5."


# -- refusals: nothing printed, nothing recorded, nothing expected --------------------------

def sequence_state(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(select(TagSequence.name, TagSequence.next_value)).all()


def test_no_printer_configured_says_how_to_set_one(demo):
    wf = laptop16_ready(demo, "")
    before, sequences = ledger_rows(demo), sequence_state(demo)
    out = scan(wf, "CMD:PRINT")
    assert not out.accepted
    assert out.message == ('No label printer is set for this terminal: add printer = '
                           '"tcp://HOST:9100" under [labels] in its config file.')
    out = wf.answer("3")  # without a printer a number is still no quantity for a serial SKU
    assert out.message == "LAPTOP-16 is tracked by serial: scan each unit's tag, not a quantity."
    assert ledger_rows(demo) == before and wf.awaiting == {}
    assert sequence_state(demo) == sequences  # no number allocated
    bare = ReceiveWorkflow(services(demo, "OP-0002"), receipt="R-1001")  # no config at all
    scan(bare, gtin(demo, "LAPTOP-16"))
    bare.answer("LT1")
    assert "[labels]" in scan(bare, "CMD:PRINT").message


@pytest.mark.parametrize("where", ["silent", "closed"])
def test_printer_that_does_not_answer_records_and_expects_nothing(demo, where):
    with FakePrinter("silent") as silent:
        url = silent.url if where == "silent" else closed_port_url()
        wf = receiver(demo, "", receipt="R-1001")
        wf.services.config = config(url, timeout=0.3)
        scan(wf, gtin(demo, "LAPTOP-16"))
        wf.answer("LT1")
        wf.answer("2")
        before = ledger_rows(demo)
        out = scan(wf, "CMD:PRINT")
        assert not out.accepted and not out.changed
        assert out.message.startswith("Nothing printed: ")
        assert ("does not answer" if where == "silent" else "cannot reach") in out.message
        assert out.message.endswith(".") and "\x1b" not in out.message
        assert ledger_rows(demo) == before and label_rows(demo) == []
        assert wf.awaiting == {} and wf.printed == {}
        assert wf.question is not None and wf.pending.qty == 2  # CMD:PRINT again retries
        assert silent.jobs == [] or b"^XA" not in b"".join(silent.jobs)


def test_paper_out_is_a_refusal(demo):
    with FakePrinter("paper_out") as fake:
        wf = laptop16_ready(demo, fake.url)
        out = scan(wf, "CMD:PRINT")
        assert not out.accepted and "out of paper" in out.message
        assert label_rows(demo) == [] and wf.awaiting == {}


def test_print_refused_where_units_bring_their_own_serials(demo, printer):
    wf = receiver(demo, printer.url, receipt="R-1001")
    out = scan(wf, "CMD:PRINT")
    assert not out.accepted and out.message.startswith("Scan a serial-tracked product first")
    scan(wf, gtin(demo, "LAPTOP-16"))
    out = scan(wf, "CMD:PRINT")  # the open question comes first
    assert out.message == "CMD:PRINT does not answer the question. Lot of LAPTOP-16? Scan or " \
        "type it."
    scan(wf, "CMD:CANCEL")  # LAPTOP-16 put down
    scan(wf, gtin(demo, "LAPTOP-14"))  # its ship notice lists the serials
    wf.answer("LT1")
    out = scan(wf, "CMD:PRINT")
    assert not out.accepted
    assert out.message == "LAPTOP-14 units on R-1001 carry the serials of its ship notice: " \
        "scan those, no new tags."
    assert wf.answer("3").message.startswith("LAPTOP-14 is tracked by serial")
    scan(wf, gtin(demo, "CABLE-TIE-100"))
    assert scan(wf, "CMD:PRINT").message.startswith("Scan a serial-tracked product first")
    chooser = receiver(demo, printer.url)
    assert scan(chooser, "CMD:PRINT").message.startswith("Choose the receipt first")
    assert printer.jobs == [] and label_rows(demo) == []


def test_another_scan_does_not_answer_the_print_question(demo, printer):
    wf = laptop16_ready(demo, printer.url)
    wf.answer("4")
    out = scan(wf, gtin(demo, "CABLE-TIE-100"))
    assert not out.accepted and "does not answer the question. Print 4 new tags" in out.message
    assert scan(wf, "CMD:NO").message.startswith("No tags printed.")
    out = scan(wf, gtin(demo, "CABLE-TIE-100"))
    assert out.accepted
    assert wf.question is not None and wf.question.kind == "quantity"
    assert printer.jobs == [] and label_rows(demo) == []
    scan(wf, gtin(demo, "LAPTOP-16"))
    wf.answer("LT16B")
    assert not wf.answer("101").accepted  # at most 100 at a time
    assert wf.answer("4").accepted
    assert scan(wf, "CMD:CANCEL").message.startswith("No tags printed.")
    assert wf.current.code == "LAPTOP-16" and printer.jobs == []


# -- look-up: reprint the tag of what was looked up ----------------------------------------

def lookup_services(engine, url: str):
    svc = services(engine, "OP-0003")
    svc.config = config(url)
    return svc


def test_reprint_of_a_unit_tag_is_recorded_as_a_reprint(demo, printer):
    svc = lookup_services(demo, printer.url)
    card = Scan("CMD:REPRINT", Source.WEDGE)
    out = reprint_tag(svc, {"type": "asset", "serial": "AT00000001"}, card)
    assert out.accepted and out.changed
    assert out.message == "Tag AT00000001 reprinted: stick it over the damaged one."
    assert len(jobs(printer, 1)) == 1 and b"AT00000001" in printer.jobs[0]
    (row,) = label_rows(demo)
    with demo.connect() as conn:
        unit_id = conn.execute(select(A.c.id).where(A.c.serial == "AT00000001")).scalar_one()
    assert (row.reason, row.asset_id, row.operator, row.scan_id, row.status_after) == \
        ("reprinted AT00000001", unit_id, "OP-0003", card.id, None)


def test_reprint_of_a_bin_tag_writes_no_ledger_row(demo, printer):
    before = ledger_rows(demo)
    out = reprint_tag(lookup_services(demo, printer.url), {"type": "bin", "code": "A01-B-02"},
                      Scan("CMD:REPRINT", Source.WEDGE))
    assert out.accepted and not out.changed
    assert b"A01-B-02" in jobs(printer, 1)[0] and ledger_rows(demo) == before


def test_reprint_refusals(demo, printer):
    svc = lookup_services(demo, printer.url)
    card = Scan("CMD:REPRINT", Source.WEDGE)
    assert reprint_tag(svc, None, card).message == \
        "Scan a bin or a unit first; CMD:REPRINT then reprints its tag."
    assert not reprint_tag(svc, {"type": "sku", "code": "MUG-01"}, card).accepted
    out = reprint_tag(lookup_services(demo, ""), {"type": "bin", "code": "A01-B-02"}, card)
    assert not out.accepted and "[labels]" in out.message
    svc.config = config(closed_port_url())
    out = reprint_tag(svc, {"type": "asset", "serial": "AT00000001"}, card)
    assert not out.accepted and out.message.startswith("Nothing printed: cannot reach")
    assert printer.jobs == [] and label_rows(demo) == []


def test_new_tags_helper_bounds(demo, printer):
    svc = lookup_services(demo, printer.url)
    out = print_new_tags(svc, 0, Scan("p", Source.KEYBOARD))
    assert not out.outcome.accepted and out.tags == () and printer.jobs == []


@pytest.mark.postgres
def test_print_and_scan_back_on_postgres(pg_url):
    engine = open_store(pg_url)
    try:
        build_demo(engine)
        with FakePrinter() as fake:
            wf = receiver(engine, fake.url, blind=True)
            scan(wf, gtin(engine, "PHONE-X5"))
            wf.answer("PX1")
            wf.answer("2")
            assert scan(wf, "CMD:PRINT").changed
            tags = list(wf.awaiting)
            assert all(t.encode() in jobs(fake, 1)[0] for t in tags)
        assert all(scan(wf, t).changed for t in tags)
        assert [unit_of(engine, t)[1] for t in tags] == ["PHONE-X5", "PHONE-X5"]
        assert len(label_rows(engine)) == 1 and verify(engine) == []
    finally:
        engine.dispose()


def test_undo_after_printing_takes_back_the_last_receive(demo, printer):
    wf = receiver(demo, printer.url, blind=True)
    scan(wf, gtin(demo, "PHONE-X5"))
    wf.answer("PX1")
    assert scan(wf, "R58N0000042").changed
    assert scan(wf, "CMD:PRINT").changed
    out = scan(wf, "CMD:UNDO")
    assert out.accepted and unit_of(demo, "R58N0000042")[0] == "void", out


# -- look-up: CMD:REPRINT after a bin or a unit ---------------------------------------------

def looker(engine, url: str) -> LookupWorkflow:
    return LookupWorkflow(lookup_services(engine, url))


def test_lookup_reprints_the_unit_or_bin_it_shows(demo, printer):
    wf = looker(demo, printer.url)
    out = scan(wf, "CMD:REPRINT")
    assert not out.accepted and out.message.startswith("Scan a bin or a unit first")
    assert scan(wf, "AT00000001").accepted  # a unit: its tag, recorded as a reprint
    card, result = classified(demo, "CMD:REPRINT")
    out = wf.handle(card, result)
    assert out.accepted and out.changed and "AT00000001 reprinted" in out.message
    assert b"AT00000001" in jobs(printer, 1)[0]
    (row,) = label_rows(demo)
    assert (row.reason, row.scan_id, row.operator) == ("reprinted AT00000001", card.id,
                                                       "OP-0003")
    assert wf.view().context[0].startswith("Unit AT00000001")  # still showing the unit

    assert scan(wf, "A01-B-02").accepted  # a bin: its tag, no ledger row
    out = scan(wf, "CMD:REPRINT")
    assert out.accepted and not out.changed and "A01-B-02 reprinted" in out.message
    assert b"A01-B-02" in jobs(printer, 2)[1] and len(label_rows(demo)) == 1

    assert scan(wf, gtin(demo, "MUG-01")).accepted  # a product has no tag of its own here
    assert not scan(wf, "CMD:REPRINT").accepted
    assert len(jobs(printer, 2)) == 2


def test_lookup_reprint_without_a_printer(demo):
    wf = looker(demo, "")
    scan(wf, "A01-B-02")
    out = scan(wf, "CMD:REPRINT")
    assert not out.accepted and "[labels]" in out.message


# -- any sequence of scans with printing: sentences, ledger rows iff "changed", books kept -----

STEPS = ["gtin:LAPTOP-16", "gtin:PHONE-X5", "gtin:CABLE-TIE-100", "gtin:LAPTOP-14", "CMD:PRINT",
         "CMD:YES", "CMD:NO", "CMD:CANCEL", "CMD:UNDO", "CMD:DONE", "type:p", "type:print 2",
         "type:2", "type:LT1", "type:y", "tag:first", "tag:last", "R58N0000077", "AT00000099"]
LIKELY = ["gtin:LAPTOP-16", "type:LT1", "CMD:PRINT", "type:2", "tag:first", "tag:last"]


@pytest.mark.parametrize("seed", range(6))
def test_random_sessions_with_printing_keep_the_books(demo, printer, seed):
    import random

    rng = random.Random(seed)
    wf = receiver(demo, printer.url, receipt="R-1001")
    printed: set[str] = set()
    for _ in range(40):
        step = rng.choice(STEPS + LIKELY)
        before = ledger_rows(demo)
        if step.startswith("type:"):
            out = wf.answer(step[5:])
        elif step.startswith("tag:"):
            if not wf.awaiting:
                continue
            tags = list(wf.awaiting)
            out = scan(wf, tags[0] if step == "tag:first" else tags[-1])
        else:
            out = scan(wf, gtin(demo, step[5:]) if step.startswith("gtin:") else step)
        after = ledger_rows(demo)
        assert out.message and out.message[-1] in ".!?", (step, out)
        assert (after > before) == out.changed, (step, out)
        assert len(wf.view().instruction) <= 38, wf.view()
        printed |= set(wf.printed)
        assert set(wf.awaiting) <= printed
        assert all(unit_of(demo, t) is None or unit_of(demo, t)[0] == "void"
                   for t in wf.awaiting)
        if out.done:
            wf = receiver(demo, printer.url, blind=rng.random() < 0.5)
    deadline = time.monotonic() + 10  # the fake printer's thread may still be reading
    while True:
        jobs_text = b"".join(printer.jobs)
        if all(t.encode() in jobs_text for t in printed) or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert all(t.encode() in jobs_text for t in printed)
    recorded = set().union(*(expand(r.reason) for r in label_rows(demo)))
    assert recorded == printed, (sorted(recorded), sorted(printed))



# -- through the real app (Pilot, 40x16): the config's printer reaches the workflows --------

def app_on(engine, db_url: str, url: str):
    from datetime import UTC

    from scanner_tui.config import DatabaseConfig, TerminalConfig
    from scanner_tui.ui.app import ScannerApp
    from tests.test_ui_support import FIXED

    cfg = Config(database=DatabaseConfig(url=db_url), terminal=TerminalConfig(id="HH-07"),
                 labels=LabelsConfig(printer=url, printer_timeout_s=2.0))
    return ScannerApp(cfg, engine, clock=lambda: FIXED, tz=UTC)


async def test_print_count_and_scan_back_in_the_app(demo, db_url, printer):
    from tests.test_ui_support import last, press, screen_text
    from tests.test_ui_support import scan as burst_scan

    app = app_on(demo, db_url, printer.url)
    async with app.run_test(size=(40, 16)) as pilot:
        await burst_scan(app, pilot, "OP-0002", "CMD:RECEIVE")
        await press(app, pilot, "1")  # R-1001
        await burst_scan(app, pilot, gtin(demo, "LAPTOP-16"))
        await press(app, pilot, *"LT16A", "enter")
        await burst_scan(app, pilot, "CMD:PRINT")
        assert last(app).accepted and "Printed AT" in last(app).text, last(app)
        assert "Stick on + scan tags (1 left)" in screen_text(app)
        await press(app, pilot, "p", "enter")  # typed: one more
        assert last(app).accepted and "Stick on + scan tags (2 left)" in screen_text(app)
        await press(app, pilot, "2", "enter")  # a typed count ...
        assert "Print 2 tags? CMD:PRINT/NO" in screen_text(app)
        await press(app, pilot, "y")  # ... and the yes key prints them
        assert last(app).accepted and "Stick one on each unit" in last(app).text
        assert len(jobs(printer, 3)) == 3
        tags = sorted(set().union(*(expand(r.reason) for r in label_rows(demo))))
        assert len(tags) == 4 and [r.terminal for r in label_rows(demo)] == ["HH-07"] * 3
        for tag in tags[:3]:  # the receipt expects 3
            await burst_scan(app, pilot, tag)
            assert last(app).accepted, last(app)
        assert [unit_of(demo, t)[:2] for t in tags[:3]] == [("in_stock", "LAPTOP-16")] * 3
        assert received(demo, "LAPTOP-16") == 3
        assert "Stick on + scan tags (1 left)" in screen_text(app)
        await press(app, pilot, "d")
        assert "1 tag unused" in last(app).text, last(app)
        assert f"Tag unused: {tags[3]}" in screen_text(app)

        await press(app, pilot, "escape")
        await burst_scan(app, pilot, "CMD:LOOKUP", tags[0], "CMD:REPRINT")
        assert last(app).accepted and f"Tag {tags[0]} reprinted" in last(app).text, last(app)
        assert tags[0].encode() in jobs(printer, 4)[3]
        await press(app, pilot, "r", "enter")  # typed: the same again
        assert last(app).accepted and f"Tag {tags[0]} reprinted" in last(app).text, last(app)
        assert [r.reason for r in label_rows(demo)][-2:] == [f"reprinted {tags[0]}"] * 2
