"""``scanner-tui labels``: what gets chosen, where it goes, and what the ledger says after."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session
from typer.testing import CliRunner

from scanner_tui.cli import app, hoist_config_option
from scanner_tui.config import LabelsConfig
from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.models import LedgerEntry
from scanner_tui.labels import PrinterError, bin_labels, print_labels
from scanner_tui.labels.printer import parse_host_status, parse_printer_url, send_raw
from scanner_tui.scanning.classify import classify
from tests.labels_fakes import PAPER_OUT, READY, FakePrinter, closed_port_url, seed

zxingcpp = pytest.importorskip("zxingcpp")
from PIL import Image  # noqa: E402

runner = CliRunner()


@pytest.fixture
def store(tmp_path: Path, db_url: str):
    engine = open_store(db_url)
    ids = seed(engine)
    config = tmp_path / "scanner-tui.toml"
    config.write_text(
        f'[database]\nurl = "{db_url}"\n[terminal]\nid = "DOCK-1"\n'
        "[labels]\nprinter_timeout_s = 0.5\n"
    )
    yield engine, str(config), ids
    engine.dispose()


def run(config: str, *args: str):  # noqa: ANN201
    return runner.invoke(app, hoist_config_option(["labels", *args, "--config", config]))


def label_rows(engine) -> list[LedgerEntry]:  # noqa: ANN001
    with Session(engine) as s:
        return list(s.execute(select(LedgerEntry).where(LedgerEntry.action == "label")
                              .order_by(LedgerEntry.id)).scalars())


def decode_file(path: Path) -> str:
    found = zxingcpp.read_barcodes(Image.open(path).convert("L"),
                                   text_mode=zxingcpp.TextMode.Plain)
    assert len(found) == 1
    return found[0].symbology_identifier + found[0].text


def test_bins_by_zone_to_png_folder_scan_back(store, tmp_path: Path) -> None:
    engine, config, _ = store
    out = tmp_path / "out"
    result = run(config, "bins", "--zone", "A", "--format", "png", "--output", str(out))
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in out.iterdir())
    assert files == ["bin-A04-B-12.png", "bin-A04-B-13.png"]  # the inactive bin is left out
    for name in files:
        scanned = classify(decode_file(out / name))
        assert scanned.kind == "bin" and scanned.bin == name[4:-4]
    assert label_rows(engine) == []  # bin tags are not ledger events


def test_unknown_bin_is_one_line_error(store) -> None:
    _, config, _ = store
    result = run(config, "bins", "A04-B-12", "Z99-Z-99", "--output", "-")
    assert result.exit_code == 1
    assert result.output.strip() == "scanner-tui: not in this store (bins): Z99-Z-99"


def test_where_to_is_required(store) -> None:
    _, config, _ = store
    result = run(config, "bins", "--all")
    assert result.exit_code == 2
    assert "--output DIR" in result.output


def test_skus_all_to_svg(store, tmp_path: Path) -> None:
    _, config, _ = store
    result = run(config, "skus", "--all", "-f", "svg", "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.glob("*.svg")) == [
        "sku-04006381333931.svg", "sku-09501101020917.svg", "sku-TIES-100.svg"]


def test_new_asset_tags_to_printer_are_recorded(store) -> None:
    engine, config, _ = store
    with FakePrinter() as printer:
        result = run(config, "assets", "--new", "3", "--operator", "OP-0001",
                     "--printer", printer.url)
    assert result.exit_code == 0, result.output
    # AT00000007 already exists in the store: the sequence starts after it.
    assert "AT00000008-AT00000010" in result.output
    assert printer.status_queries == 1
    job = printer.jobs[-1].decode()
    assert job.count("^XA") == 3 and job.count("^XZ") == 3
    for tag in ("AT00000008", "AT00000009", "AT00000010"):
        assert re.search(rf"\^BCN,\d+,N,N,N\^FH_\^FD{tag}\^FS", job), tag
    rows = label_rows(engine)
    assert [(r.reason, r.operator, r.terminal, r.entry, r.sku_id) for r in rows] == [
        ("printed AT00000008-AT00000010", "OP-0001", "DOCK-1", "typed", None)]


def test_printer_that_does_not_answer_records_nothing(store) -> None:
    engine, config, _ = store
    with FakePrinter(mode="silent") as printer:
        result = run(config, "assets", "--new", "2", "--operator", "OP-0001",
                     "--printer", printer.url)
    assert result.exit_code == 1
    line = result.output.strip()
    assert "\n" not in line and "does not answer" in line and "nothing was recorded" in line
    assert printer.jobs == [b"~HS\r\n"]  # the labels themselves were never sent
    assert label_rows(engine) == []


def test_unreachable_printer_records_nothing(store) -> None:
    engine, config, _ = store
    result = run(config, "assets", "AT00000007", "--operator", "OP-0001",
                 "--printer", closed_port_url())
    assert result.exit_code == 1
    assert "cannot reach the printer" in result.output
    assert label_rows(engine) == []


def test_paper_out_is_refused_before_sending(store) -> None:
    engine, config, _ = store
    with FakePrinter(mode="paper_out") as printer:
        result = run(config, "bins", "A04-B-12", "--printer", printer.url)
    assert result.exit_code == 1
    assert "is out of paper" in result.output
    assert printer.jobs == []


def test_reprint_of_units_is_recorded_as_reprint(store, tmp_path: Path) -> None:
    engine, config, ids = store
    result = run(config, "assets", "SN0001", "AT00000007", "--operator", "OP-0001",
                 "-f", "png", "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    gs1 = classify(decode_file(tmp_path / "asset-SN0001.png"))
    assert (gs1.kind, gs1.serial, gs1.gtin, gs1.lot) == ("asset", "SN0001", "09501101020917",
                                                         "L7")
    own = classify(decode_file(tmp_path / "asset-AT00000007.png"))
    assert (own.kind, own.serial) == ("asset", "AT00000007")
    # Never printed by us before: a first print. The same again: reprints.
    assert run(config, "assets", "SN0001", "AT00000007", "--operator", "OP-0001",
               "-f", "zpl", "-o", "-").exit_code == 0
    rows = label_rows(engine)
    assert [(r.asset_id, r.reason, r.status_after) for r in rows] == [
        (ids["unit"], "printed SN0001", None), (ids["own"], "printed AT00000007", None),
        (ids["unit"], "reprinted SN0001", None), (ids["own"], "reprinted AT00000007", None)]


def test_receipt_units_expected_and_received(store) -> None:
    engine, config, _ = store
    result = run(config, "assets", "--receipt", "R-1001", "--operator", "OP-0001",
                 "-f", "zpl", "-o", "-")
    assert result.exit_code == 0, result.output
    zpl = result.stdout_bytes.decode()
    assert zpl.count("^XA") == 3
    for serial in ("SN0002", "SN0003", "SN0001"):
        assert f"21{serial}^FS" in zpl
    rows = label_rows(engine)
    assert {r.reason for r in rows} == {"printed SN0001", "printed SN0002-SN0003"}
    assert all(r.doc_type == "receipt" and r.doc_code == "R-1001" for r in rows)
    again = run(config, "assets", "SN0003", "--operator", "OP-0001", "-f", "zpl", "-o", "-")
    assert again.exit_code == 0 and "1 reprint)" in again.output
    assert label_rows(engine)[-1].reason == "reprinted SN0003"


def test_assets_need_an_active_operator(store, tmp_path: Path) -> None:
    engine, config, _ = store
    assert run(config, "assets", "--new", "1", "-o", str(tmp_path)).exit_code == 2
    result = run(config, "assets", "--new", "1", "--operator", "OP-0002", "-o", str(tmp_path))
    assert result.exit_code == 1 and "not active" in result.output
    assert list(tmp_path.glob("*.pdf")) == [] and label_rows(engine) == []


def test_pdf_to_stdout_in_a_real_process(store, tmp_path: Path) -> None:
    _, config, _ = store
    proc = subprocess.run(
        [sys.executable, "-c", "from scanner_tui.cli import main; main()",
         "labels", "bins", "--all", "--sheet", "a4", "-o", "-", "--config", config],
        capture_output=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(b"%PDF-")
    assert b"4 bin tags to standard output" in proc.stderr


# --- the printer module on its own ------------------------------------------------------------


def test_send_raw_delivers_exact_bytes() -> None:
    data = b"^XA^FDhello^FS^XZ\n" * 500
    with FakePrinter() as printer:
        send_raw(printer.url, data, timeout=2)
    assert printer.jobs == [data]


def test_send_raw_without_status_check() -> None:
    with FakePrinter(mode="silent") as printer:
        send_raw(printer.url, b"^XA^XZ", timeout=2, status_check=False)
    assert printer.jobs == [b"^XA^XZ"]


def test_print_labels_to_printer_needs_zpl() -> None:
    with pytest.raises(Exception, match="takes ZPL"):
        print_labels([], LabelsConfig(), "tcp://127.0.0.1:9100", fmt="pdf")


def test_printer_url_and_status_parsing() -> None:
    assert str(parse_printer_url("tcp://zebra-3")) == "zebra-3:9100"
    assert str(parse_printer_url("tcp://10.0.0.9:6101")) == "10.0.0.9:6101"
    for bad in ("http://x:9100", "tcp://", "zebra:9100", "tcp://x:99999"):
        with pytest.raises(PrinterError):
            parse_printer_url(bad)
    assert parse_host_status(READY) == []
    assert parse_host_status(PAPER_OUT) == ["is out of paper"]
    with pytest.raises(PrinterError):
        parse_host_status(b"garbage")


def test_stdout_stream_for_library_callers(engine) -> None:
    seed(engine)
    buffer = io.BytesIO()
    assert print_labels(bin_labels(engine, ["C11-A-03"]), LabelsConfig(), "-", fmt="zpl",
                        stdout=buffer) == ["-"]
    assert b"^FDC11-A-03^FS" in buffer.getvalue()


# --- the jobs the screens call ----------------------------------------------------------------


def _config(db_url: str):  # noqa: ANN202
    from scanner_tui.config import parse_config

    return parse_config({"database": {"url": db_url}, "terminal": {"id": "LOOKUP-2"},
                         "labels": {"printer_timeout_s": 3.0}})


def test_print_new_asset_tags_job(engine, db_url: str) -> None:
    from scanner_tui.labels import LabelError, print_asset_tags

    seed(engine)
    config = _config(db_url)
    who = dict(actor_badge="OP-0001", terminal=config.terminal.id)
    with FakePrinter() as printer:
        job = print_asset_tags(engine, config.labels, printer.url, new=2, doc_type="receipt",
                               doc_code="R-1001", scan_id="scan-1", **who)
    assert job.tags == ("AT00000008", "AT00000009") and not job.reprints
    assert [(r.reason, r.entry, r.scan_id, r.terminal) for r in label_rows(engine)] == [
        ("printed AT00000008-AT00000009", "scanned", "scan-1", "LOOKUP-2")]
    with FakePrinter(mode="silent") as printer, pytest.raises(LabelError) as err:
        print_asset_tags(engine, config.labels, printer.url, new=2, **who)
    assert "AT00000010-AT00000011 were not printed" in str(err.value)
    assert len(label_rows(engine)) == 1


def test_reprint_jobs(engine, db_url: str) -> None:
    from scanner_tui.labels import LabelError, print_asset_tags, reprint_bin_tag

    ids = seed(engine)
    config = _config(db_url)
    terminal = config.terminal.id
    with FakePrinter() as printer:
        print_asset_tags(engine, config.labels, printer.url, serials=["AT00000007"],
                         reprint=True, actor_badge="OP-0001", terminal=terminal)
        reprint_bin_tag(engine, config.labels, "A04-B-12", printer.url)
        with pytest.raises(LabelError, match="not active"):
            print_asset_tags(engine, config.labels, printer.url, serials=["SN0001"],
                             reprint=True, actor_badge="OP-0002", terminal=terminal)
    assert printer.status_queries == 2
    assert len(printer.jobs) == 2  # the refused badge printed nothing
    assert b"^FDA04-B-12^FS" in printer.jobs[1]
    assert [(r.asset_id, r.reason) for r in label_rows(engine)] == [
        (ids["own"], "reprinted AT00000007")]


def test_reprint_with_unknown_badge_prints_nothing(store, tmp_path: Path) -> None:
    engine, config, _ = store
    out = tmp_path / "out"
    result = run(config, "assets", "SN0001", "--operator", "OP-7777", "-f", "png",
                 "-o", str(out))
    assert result.exit_code == 1 and "OP-7777 is not an operator" in result.output
    assert not out.exists()


def test_error_messages_never_carry_raw_escapes(store) -> None:
    _, config, _ = store
    result = run(config, "bins", "A04\x1b[2J", "--output", "-")
    assert result.exit_code == 1 and "\x1b" not in result.output


def test_configured_printer_is_the_default_destination(store, tmp_path: Path) -> None:
    _, config, _ = store
    with FakePrinter() as printer:
        with open(config, "a", encoding="utf-8") as f:
            f.write(f'printer = "{printer.url}"\n')
        result = run(config, "bins", "C11-A-03")
    assert result.exit_code == 0, result.output
    assert b"^FDC11-A-03^FS" in printer.jobs[0]


def test_size_and_dpi_options(store, tmp_path: Path) -> None:
    _, config, _ = store
    result = run(config, "bins", "A04-B-12", "--size", "57x32", "--dpi", "300", "-f", "png",
                 "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    image = Image.open(tmp_path / "bin-A04-B-12.png")
    assert image.size == (673, 378)  # 57 x 32 mm at 300 dpi
    assert classify(decode_file(tmp_path / "bin-A04-B-12.png")).bin == "A04-B-12"
    assert run(config, "bins", "A04-B-12", "--size", "5x3", "-o", "-").exit_code == 2
    assert run(config, "bins", "A04-B-12", "--dpi", "600", "-o", "-").exit_code == 2


def test_wrong_format_for_printer_allocates_nothing(store) -> None:
    engine, config, _ = store
    result = run(config, "assets", "--new", "2", "--operator", "OP-0001", "-f", "pdf",
                 "--printer", "tcp://127.0.0.1:9")
    assert result.exit_code == 2 and "takes ZPL" in result.output
    from scanner_tui.labels.sequence import issued_up_to

    assert issued_up_to(engine) == 0
