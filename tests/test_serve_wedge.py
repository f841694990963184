"""A scanner typing over a network (SSH, the browser): a code ends at its terminator, never at
a pause. Bursts split by a network pause, and many scans in one packet, are framed right."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scanner_tui.scanning.result import Source
from scanner_tui.scanning.wedge import WedgeAssembler
from tests.test_wedge import HUMAN, SCANNER, released, run, scans, strokes

NET = 1500.0  # ms a split burst waits for its terminator (the [serve] default)
PAUSE = 0.4  # a Wi-Fi hiccup between two packets of one scan


def split(text: str, at: int, start: float = 1.0) -> list:
    first = strokes(text[:at], start, 0.0)  # one packet: the same read time
    return first + strokes(text[at:], start + PAUSE, 0.0)


def test_a_burst_split_by_a_network_pause_is_one_scan():
    for to_field in (False, True):
        asm = WedgeAssembler(split_wait_ms=NET)
        actions = run(asm, split("AT00000013\r", 6), to_field=to_field)
        assert scans(actions) == [("AT00000013\r", Source.WEDGE)]
        assert released(actions) == "" and asm.typed == ""


def test_without_the_split_wait_the_pause_cuts_the_code_in_two():
    asm = WedgeAssembler()  # local framing: the remainder alone became a scan
    assert scans(run(asm, split("AT00000013\r", 6))) == [("0013\r", Source.WEDGE)]


def test_the_remainder_may_be_short_and_the_pause_may_come_before_the_terminator():
    asm = WedgeAssembler(split_wait_ms=NET)
    assert scans(run(asm, split("AT00000013\r", 9))) == [("AT00000013\r", Source.WEDGE)]
    asm = WedgeAssembler(split_wait_ms=NET)
    assert scans(run(asm, split("AT00000013\r", 10))) == [("AT00000013\r", Source.WEDGE)]


def test_many_scans_in_one_packet_are_each_one_scan():
    asm = WedgeAssembler(split_wait_ms=NET)
    payload = "AT00000013\rA01-B-02\rCMD:DONE\r"
    assert scans(run(asm, strokes(payload, 1.0, 0.0))) == [
        ("AT00000013\r", Source.WEDGE), ("A01-B-02\r", Source.WEDGE), ("CMD:DONE\r", Source.WEDGE)]


def test_a_fragment_never_ended_becomes_typing_after_the_wait():
    asm = WedgeAssembler(split_wait_ms=NET)
    actions = run(asm, strokes("1250", 1.0, 0.0), to_field=True)
    assert asm.deadline is not None
    actions += asm.tick(1.0 + 0.06, to_field=True)
    assert released(actions) == ""  # still waiting for the rest of the burst
    actions += asm.tick(1.0 + NET / 1000 + 0.01, to_field=True)
    assert released(actions) == "1250" and not asm.busy


def test_a_non_text_key_ends_the_fragment_as_typing_in_order():
    asm = WedgeAssembler(split_wait_ms=NET)
    keys = strokes("1250", 1.0, 0.0)
    actions = run(asm, keys, to_field=True) + asm.tick(1.1, to_field=True)
    from scanner_tui.scanning.wedge import KeyStroke

    actions += asm.feed(KeyStroke("backspace", None, 1.2), to_field=True)
    assert released(actions) == "1250<backspace>"


def test_a_person_typing_is_still_typing():
    asm = WedgeAssembler(split_wait_ms=NET)
    actions = run(asm, strokes("OP-0001\r", 1.0, HUMAN))
    assert scans(actions) == [("OP-0001\r", Source.KEYBOARD)]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.text(st.sampled_from(list("AZ09-:/")), min_size=4, max_size=20),
                          st.one_of(st.just(0), st.integers(min_value=4, max_value=20)),
                          st.floats(min_value=0.06, max_value=1.2)), max_size=15),
       st.booleans())
def test_random_splits_never_lose_merge_or_cut_a_scan(codes, to_field):
    asm = WedgeAssembler(split_wait_ms=NET)
    t, actions = 0.0, []
    for code, at, pause in codes:
        text = code + "\r"
        at = min(at, len(text) - 1)
        keys = strokes(text[:at], t, SCANNER) + strokes(text[at:], t + pause, SCANNER)
        t = keys[-1].time + 0.3
        actions += run(asm, keys, to_field=to_field)
        actions += asm.tick(t, to_field=to_field)
    # (a first packet of fewer than min_burst keys looks like a person: that limit stays)
    assert scans(actions) == [(c + "\r", Source.WEDGE) for c, _, _ in codes]
    assert released(actions) == "" and asm.typed == ""
