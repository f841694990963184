"""Issue 11 item 19/20 sibling: desk messages about labels and imports are sentences about the
user's files and codes (which file, which line, what to do), never the barcode library's, the
OS's or Python's csv module's own text."""

from __future__ import annotations

import io
import socket
from pathlib import Path

import pytest

from scanner_tui.config import LabelsConfig
from scanner_tui.inventory.importer import ImportFailed, import_csv
from scanner_tui.labels.label import Label, LabelError, LabelKind, Symbology, bin_label, modules
from scanner_tui.labels.output import print_labels
from scanner_tui.labels.printer import PrinterError, send_raw


def test_a_code_the_barcode_cannot_hold_is_told_in_our_words():
    label = Label(kind=LabelKind.SKU, code="4006381X33931", symbology=Symbology.EAN13,
                  data="4006381X33931", text="4006381X33931")
    with pytest.raises(LabelError) as err:
        modules(label)
    assert str(err.value) == (
        "cannot print '4006381X33931': an EAN-13 barcode holds 12 digits and a check digit; "
        "correct the code where it is kept and print again")


def test_a_file_in_the_way_of_the_label_folder_is_named(tmp_path: Path):
    in_the_way = tmp_path / "labels"
    in_the_way.write_text("not a folder", encoding="utf-8")
    with pytest.raises(LabelError) as err:
        print_labels([bin_label("A01-A-01")], LabelsConfig(), str(in_the_way), fmt="zpl")
    assert str(err.value) == (
        f"could not write labels to {in_the_way}: a file of that name is in the way of the "
        "folder; choose another --output folder")


class ClosedPipe(io.BytesIO):
    def write(self, data) -> int:  # noqa: ANN001
        raise BrokenPipeError(32, "Broken pipe")


def test_a_reader_that_stops_is_told_as_such():
    with pytest.raises(LabelError) as err:
        print_labels([bin_label("A01-A-01")], LabelsConfig(), "-", fmt="zpl",
                     stdout=ClosedPipe())
    assert str(err.value) == (
        "could not write the labels to standard output: the program reading them stopped "
        "before they were all written; nothing was printed")
    assert "Errno" not in str(err.value)


def test_an_unclosed_quote_names_its_line_and_what_to_do(engine, tmp_path: Path):
    path = tmp_path / "bins.csv"
    path.write_text('code,zone,kind\nA01-A-09,K,pick\nA01-A-10,"K,pick\n'
                    + "A01-A-11,K,pick\n" * 12000, encoding="utf-8")  # the rest is one value
    with pytest.raises(ImportFailed) as err:
        import_csv(engine, "bins", path)
    assert [str(p) for p in err.value.problems] == [
        "line 3: a value starting on this line of bins.csv runs on for more than 131072 "
        "characters: most likely a quote (\") that is never closed; close or remove it and "
        "import the file again"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_printer_nobody_answers_for_is_told_in_our_words():
    port = free_port()  # closed again: the connection is refused
    with pytest.raises(PrinterError) as err:
        send_raw(f"tcp://127.0.0.1:{port}", b"^XA^XZ", timeout=2)
    assert str(err.value) == (
        f"cannot reach the printer at 127.0.0.1:{port}: nothing there takes print jobs on "
        "that port; check the printer is on and the port (9100 for most label printers)")
