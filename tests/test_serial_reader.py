"""The serial scanner path, through a real pseudo-terminal acting as the scanner (and loop://)."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner_tui.scanning.result import Source
from scanner_tui.scanning.serial_reader import (
    LineFramer,
    ScannerState,
    ScannerStatus,
    SerialScanner,
)
from tests.pty_scanner import PtyScanner, wait_for


class Sink:
    """What the reader hands over, as the app would receive it."""

    def __init__(self) -> None:
        self.scans = []
        self.statuses: list[ScannerStatus] = []

    @property
    def payloads(self) -> list[str]:
        return [scan.payload for scan in self.scans]

    def states(self) -> list[ScannerState]:
        return [status.state for status in self.statuses]


@pytest.fixture
def make_reader():
    readers: list[SerialScanner] = []

    def make(port: str, **options) -> tuple[SerialScanner, Sink]:
        sink = Sink()
        options = {"read_timeout": 0.05, "reconnect_seconds": 0.2} | options
        reader = SerialScanner(port, on_scan=sink.scans.append, on_status=sink.statuses.append,
                               **options)
        readers.append(reader)
        reader.start()
        return reader, sink

    yield make
    for reader in readers:
        reader.stop()
        assert not reader.running


@pytest.fixture
def scanner(tmp_path: Path):
    with PtyScanner(link=tmp_path / "ttyScanner") as pty:
        yield pty


def connected(reader: SerialScanner) -> None:
    wait_for(lambda: reader.status.connected, what=f"{reader.port} to connect")


def got(sink: Sink, count: int, timeout: float = 5.0) -> list[str]:
    wait_for(lambda: len(sink.scans) >= count, timeout, f"{count} scans (have {sink.payloads})")
    return sink.payloads


# -- framing, without a port --------------------------------------------------------------------


def test_framer_keeps_partial_lines_and_suffixes():
    framer = LineFramer("CR")
    assert framer.feed(b"A04-") == []
    assert framer.feed(b"B-12") == []
    assert framer.idle() == []
    assert framer.feed(b"\rOP-0001\r\nCMD:DONE\n") == [b"A04-B-12\r", b"OP-0001\r\n", b"CMD:DONE\n"]
    assert framer.pending == 0


@pytest.mark.parametrize("terminator", ["CR", "LF", "CRLF"])
def test_framer_crlf_split_over_two_reads_is_one_frame(terminator):
    framer = LineFramer(terminator)
    frames = framer.feed(b"AT00000042\r") + framer.feed(b"\nAT00000043\r\n")
    assert [f.rstrip(b"\r\n") for f in frames] == [b"AT00000042", b"AT00000043"]
    if terminator != "CR":  # held back until the LF showed up: the suffix is kept whole
        assert frames[0] == b"AT00000042\r\n"


def test_framer_held_cr_completes_on_idle():
    framer = LineFramer("CRLF")
    assert framer.feed(b"X1\r") == []
    assert framer.idle() == [b"X1\r"]
    assert framer.feed(b"\nX2\r\n") == [b"X2\r\n"]  # the late LF is not an empty scan


def test_framer_learns_that_the_scanner_sends_cr_alone():
    framer = LineFramer("CRLF")
    assert framer.feed(b"A\r") == []
    assert framer.idle() == [b"A\r"]  # one read timeout lost, once
    assert framer.feed(b"B\r") == [b"B\r"]  # from now on at once
    assert framer.feed(b"C\r") == [b"C\r"]
    assert framer.feed(b"\nD\r") == []  # a LF after all (C's, dropped): CRs are held again
    assert framer.feed(b"\n") == [b"D\r\n"]


def test_framer_tab_terminator_only_splits_on_tab():
    framer = LineFramer("TAB")
    assert framer.feed(b"A\rB\tC\nD\t") == [b"A\rB\t", b"C\nD\t"]


def test_framer_empty_scans_are_frames():
    assert LineFramer("CR").feed(b"\r\r\n\n") == [b"\r", b"\r\n", b"\n"]


def test_framer_caps_an_overlong_line():
    framer = LineFramer("CR", max_length=16)
    frames = []
    for _ in range(100):
        frames += framer.feed(b"0123456789")
        assert framer.pending <= 17
    frames += framer.feed(b"tail\rOK\r")
    assert frames == [b"0123456789012345", b"OK\r"]
    # overlong inside one read, terminator included
    assert framer.feed(b"x" * 40 + b"\r\nNEXT\r") == [b"x" * 16, b"NEXT\r"]


def test_framer_overlong_line_ending_in_held_cr():
    framer = LineFramer("CRLF", max_length=4)
    assert framer.feed(b"abcdefgh\r") == [b"abcd"]
    assert framer.feed(b"\nok\r\n") == [b"ok\r\n"]
    assert framer.feed(b"abcdefgh\r") == [b"abcd"]
    assert framer.idle() == []
    assert framer.feed(b"ok\r\n") == [b"ok\r\n"]


payload_text = st.text(
    alphabet=st.characters(blacklist_characters="\r\n\t", blacklist_categories=("Cs",)),
    min_size=1, max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(
    terminator=st.sampled_from(["CR", "LF", "CRLF"]),
    payloads=st.lists(payload_text, max_size=20),
    suffixes=st.lists(st.sampled_from(["\r", "\n", "\r\n"]), min_size=20, max_size=20),
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=30),
    idles=st.lists(st.booleans(), min_size=31, max_size=31),
)
def test_framer_any_chunking_gives_the_same_scans(terminator, payloads, suffixes, cuts, idles):
    stream = "".join(p + s for p, s in zip(payloads, suffixes, strict=False)).encode()
    framer = LineFramer(terminator)
    frames = []
    bounds = sorted({0, len(stream), *(c for c in cuts if c < len(stream))})
    for i, (lo, hi) in enumerate(zip(bounds, bounds[1:], strict=False)):
        frames += framer.feed(stream[lo:hi])
        if idles[i]:  # a pause longer than the read timeout
            frames += framer.idle()
    frames += framer.idle()
    assert [f.decode().rstrip("\r\n") for f in frames] == payloads
    assert framer.pending == 0


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=3000), cut=st.integers(min_value=0, max_value=3000))
def test_framer_never_fails_and_stays_bounded(data, cut):
    framer = LineFramer("CRLF", max_length=64)
    frames = framer.feed(data[:cut]) + framer.feed(data[cut:]) + framer.idle()
    assert all(len(f) <= 66 for f in frames)
    assert framer.pending <= 65


def test_framer_rejects_unknown_terminator():
    with pytest.raises(ValueError):
        LineFramer("ETX")


# -- through a real pty -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("terminator", "suffix"),
    [("CR", "\r"), ("LF", "\n"), ("CRLF", "\r\n"), ("CR", "\r\n"), ("LF", "\r\n"), ("CRLF", "\r")],
)
def test_single_scan(make_reader, scanner, terminator, suffix):
    reader, sink = make_reader(scanner.path, terminator=terminator)
    connected(reader)
    before = time.time()
    scanner.scan("A04-B-12", suffix)
    assert got(sink, 1) == ["A04-B-12" + suffix]
    scan = sink.scans[0]
    assert scan.source is Source.SERIAL
    assert len(scan.id) == 32
    assert scan.at.timestamp() >= before - 1
    scanner.scan("OP-0001", suffix)
    assert got(sink, 2) == ["A04-B-12" + suffix, "OP-0001" + suffix]
    time.sleep(0.15)  # longer than the read timeout: a held CR or a stray LF would show now
    assert len(sink.scans) == 2


def test_two_scans_in_one_write(make_reader, scanner):
    reader, sink = make_reader(scanner.path)
    connected(reader)
    scanner.write(b"AT00000042\rAT00000043\r")
    assert got(sink, 2) == ["AT00000042\r", "AT00000043\r"]
    assert sink.scans[0].id != sink.scans[1].id


def test_one_scan_split_over_slow_writes(make_reader, scanner):
    reader, sink = make_reader(scanner.path, terminator="CRLF", read_timeout=0.03)
    connected(reader)
    for piece in (b"]d201", b"09501101", b"020917", b"21SN0001"):
        scanner.write(piece)
        time.sleep(0.08)  # longer than the read timeout: the partial scan is kept, not emitted
        assert sink.scans == []
    scanner.write(b"\r\n")
    assert got(sink, 1) == ["]d2010950110102091721SN0001\r\n"]


def test_crlf_torn_by_a_pause_is_still_one_scan(make_reader, scanner):
    reader, sink = make_reader(scanner.path, terminator="CRLF", read_timeout=0.03)
    connected(reader)
    scanner.write(b"AT00000042\r")
    assert got(sink, 1) == ["AT00000042\r"]  # the LF did not come within a read timeout
    scanner.write(b"\nAT00000043\r\n")
    assert got(sink, 2) == ["AT00000042\r", "AT00000043\r\n"]
    time.sleep(0.1)
    assert len(sink.scans) == 2  # the late LF was not an empty scan


def test_undecodable_bytes_and_escapes_arrive_as_a_scan(make_reader, scanner):
    reader, sink = make_reader(scanner.path)
    connected(reader)
    scanner.write(b"\xff\xfeAB\x1b[31mC\x00\x07[@click=app.quit]\xc3\r")
    scanner.write("Zoë\r".encode())
    payloads = got(sink, 2)
    assert payloads[0] == "\\xff\\xfeAB\x1b[31mC\x00\x07[@click=app.quit]\\xc3\r"
    assert payloads[1] == "Zoë\r"
    payloads[0].encode("utf-8")  # storable as text: no lone surrogates
    assert reader.status.connected and reader.running


def test_overlong_line_is_cut_not_grown(make_reader, scanner):
    reader, sink = make_reader(scanner.path, max_length=100)
    connected(reader)
    scanner.write(b"9" * 5000)
    scanner.write(b"\rOK\r")
    assert got(sink, 2) == ["9" * 100, "OK\r"]


def test_burst_of_500_scans(make_reader, scanner):
    reader, sink = make_reader(scanner.path, terminator="CRLF")
    connected(reader)
    expected = [f"AT{n:08d}" for n in range(500)]
    scanner.write(b"".join(f"{p}\r\n".encode() for p in expected))
    got(sink, 500, timeout=15)
    time.sleep(0.1)
    assert [p.removesuffix("\r\n") for p in sink.payloads] == expected
    assert len({scan.id for scan in sink.scans}) == 500


def test_unplug_and_replug_at_the_same_path(make_reader, scanner):
    reader, sink = make_reader(scanner.path)
    connected(reader)
    scanner.scan("A04-B-12")
    got(sink, 1)
    scanner.write(b"HALF-A-SC")  # an unfinished scan when the cable goes
    time.sleep(0.1)
    scanner.unplug()
    wait_for(lambda: reader.status.state is ScannerState.DISCONNECTED, what="disconnected")
    assert reader.status.message == (
        f"Scanner on {scanner.path} is unplugged; waiting for it to come back")
    assert reader.running
    time.sleep(0.5)  # several failed reopen attempts
    assert reader.running and not reader.status.connected
    scanner.plug()
    connected(reader)
    scanner.scan("C11-A-03")
    assert got(sink, 2) == ["A04-B-12\r", "C11-A-03\r"]
    assert sink.states() == [ScannerState.CONNECTING, ScannerState.CONNECTED,
                             ScannerState.DISCONNECTED, ScannerState.CONNECTED]


def test_unplug_while_reading_from_the_device_path(make_reader):
    """No symlink: the reader holds /dev/pts/N itself, and the master side goes away."""
    with PtyScanner() as pty:
        reader, sink = make_reader(pty.path, reconnect_seconds=5.0)
        connected(reader)
        pty.scan("OP-0001")
        got(sink, 1)
        pty.unplug()
        wait_for(lambda: reader.status.state is ScannerState.DISCONNECTED, what="disconnected")
        assert "unplugged" in reader.status.message
        assert reader.running
        started = time.monotonic()
        reader.stop()  # in the middle of a backoff wait: still quick
        assert not reader.running
        assert time.monotonic() - started < 2.0
        assert reader.status.state is ScannerState.STOPPED


def test_port_missing_at_start_then_appears(make_reader, tmp_path):
    link = tmp_path / "ttyLater"
    reader, sink = make_reader(str(link))
    wait_for(lambda: reader.status.state is ScannerState.DISCONNECTED, what="disconnected")
    assert reader.status.message == f"No scanner on {link}; waiting for it to be plugged in"
    with PtyScanner(link=link) as pty:
        connected(reader)
        pty.scan("CMD:DONE", "\n")
        assert got(sink, 1) == ["CMD:DONE\n"]


def test_stop_returns_promptly_and_leaves_no_thread(scanner):
    sink = Sink()
    reader = SerialScanner(scanner.path, on_scan=sink.scans.append,
                           on_status=sink.statuses.append)  # the default 0.1 s read timeout
    reader.start()
    connected(reader)
    thread = reader._thread
    reader.stop()
    assert not thread.is_alive()
    assert reader.status.state is ScannerState.STOPPED
    assert not any(t.name == f"serial-scanner {scanner.path}" for t in threading.enumerate())
    # the port was closed: the pty can be opened again by a new reader
    reader.start()
    connected(reader)
    reader.stop()
    assert not reader.running


def test_a_second_reader_on_the_same_device_is_refused(make_reader, scanner):
    first, first_sink = make_reader(scanner.path)
    connected(first)
    second, second_sink = make_reader(scanner.path)
    wait_for(lambda: second.status.state is ScannerState.DISCONNECTED, what="refused")
    assert second.status.message == (
        f"The scanner on {scanner.path} is in use by another program; trying again")
    scanner.write(b"".join(f"AT{n:08d}\r".encode() for n in range(50)))
    assert len(got(first_sink, 50)) == 50 and second_sink.scans == []


def test_a_failing_callback_does_not_kill_the_reader(make_reader, scanner):
    seen = []

    def on_scan(scan):
        seen.append(scan.payload)
        if len(seen) == 1:
            raise RuntimeError("the app had a bad moment")

    reader = SerialScanner(scanner.path, on_scan=on_scan, read_timeout=0.05)
    reader.start()
    try:
        connected(reader)
        scanner.write(b"ONE\rTWO\r")
        wait_for(lambda: len(seen) == 2, what="two scans")
        assert seen == ["ONE\r", "TWO\r"] and reader.running
    finally:
        reader.stop()


def test_a_bad_port_name_is_a_sentence_not_a_crash(make_reader):
    reader, _ = make_reader("nosuchscheme://x")
    wait_for(lambda: reader.status.state is ScannerState.DISCONNECTED, what="disconnected")
    assert "check [scanner] port" in reader.status.message
    assert reader.running
    empty, _ = make_reader("")
    wait_for(lambda: empty.status.state is ScannerState.DISCONNECTED, what="disconnected")
    assert empty.status.message == (
        "No scanner port is configured; set [scanner] port in the configuration")


# -- pyserial URLs ------------------------------------------------------------------------------


def test_loop_url_carries_scans(make_reader):
    reader, sink = make_reader("loop://", terminator="CRLF")
    connected(reader)
    assert reader.send(b"]C100009501101530000038\r\n4006381333931\r")
    assert reader.send(b"\n")
    assert got(sink, 2) == ["]C100009501101530000038\r\n", "4006381333931\r\n"]


def test_socket_url_reconnects_when_the_scanner_server_comes_back(make_reader):
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(5)
    host, port = server.getsockname()
    try:
        reader, sink = make_reader(f"socket://{host}:{port}")
        conn, _ = server.accept()
        connected(reader)
        conn.sendall(b"A04-B-12\r")
        got(sink, 1)
        conn.close()  # the network scanner drops off
        wait_for(lambda: reader.status.state is ScannerState.DISCONNECTED, what="disconnected")
        conn, _ = server.accept()  # it reconnects by itself
        connected(reader)
        conn.sendall(b"C11-A-03\r")
        assert got(sink, 2) == ["A04-B-12\r", "C11-A-03\r"]
        conn.close()
    finally:
        server.close()
