"""The keyboard-wedge key assembler: bursts vs typing, terminators, GS, held keys."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner_tui.config import ScannerConfig
from scanner_tui.scanning.result import Source
from scanner_tui.scanning.wedge import (
    GS,
    Assembled,
    KeyStroke,
    Release,
    TypingChanged,
    WedgeAssembler,
)

SCANNER = 0.004  # seconds between keys of a scanner burst
HUMAN = 0.2  # seconds between keys typed by a person

KEY_OF = {"\r": "enter", "\n": "ctrl+j", "\t": "tab", GS: "ctrl+right_square_bracket", " ": "space"}


def strokes(text: str, start: float, step: float) -> list[KeyStroke]:
    """Keys as Textual reports them for ``text`` typed from ``start`` every ``step`` seconds."""
    out = []
    for i, ch in enumerate(text):
        out.append(KeyStroke(KEY_OF.get(ch, ch), ch, start + i * step))
    return out


def run(asm: WedgeAssembler, keys: list[KeyStroke], *, to_field: bool = False) -> list:
    actions: list = []
    for k in keys:
        actions.extend(asm.feed(k, to_field=to_field))
    return actions


def scans(actions: list) -> list[tuple[str, Source]]:
    return [(a.payload, a.source) for a in actions if isinstance(a, Assembled)]


def released(actions: list) -> str:
    return "".join(k.character if k.character and k.character.isprintable() else f"<{k.key}>"
                   for a in actions if isinstance(a, Release) for k in a.keys)


def test_burst_is_a_wedge_scan_with_terminator_kept():
    asm = WedgeAssembler()
    assert scans(run(asm, strokes("A04-B-12\r", 10.0, SCANNER))) == [("A04-B-12\r", Source.WEDGE)]
    assert not asm.busy and asm.deadline is None


def test_slow_typing_is_a_keyboard_scan_and_shows_typed_text():
    asm = WedgeAssembler()
    actions = run(asm, strokes("OP-0001\r", 10.0, HUMAN))
    assert scans(actions) == [("OP-0001\r", Source.KEYBOARD)]
    typed = [a.text for a in actions if isinstance(a, TypingChanged)]
    assert typed[:3] == ["O", "OP", "OP-"] and typed[-1] == ""


def test_two_bursts_back_to_back_are_two_scans():
    asm = WedgeAssembler()
    keys = strokes("AT00000042\rA04-B-12\r", 5.0, SCANNER)
    assert scans(run(asm, keys)) == [("AT00000042\r", Source.WEDGE), ("A04-B-12\r", Source.WEDGE)]


def test_same_timestamps_as_one_terminal_read_chunk_are_a_burst():
    asm = WedgeAssembler()
    assert scans(run(asm, strokes("CMD:DONE\r", 3.0, 0.0))) == [("CMD:DONE\r", Source.WEDGE)]


def test_gap_setting_decides():
    keys = strokes("A04-B-12\r", 0.0, 0.08)
    assert scans(run(WedgeAssembler(burst_gap_ms=50), keys))[0][1] is Source.KEYBOARD
    assert scans(run(WedgeAssembler(burst_gap_ms=100), keys))[0][1] is Source.WEDGE


def test_burst_while_a_field_has_focus_is_a_scan_and_nothing_reaches_the_field():
    asm = WedgeAssembler()
    actions = run(asm, strokes("AT00000042\r", 1.0, SCANNER), to_field=True)
    assert scans(actions) == [("AT00000042\r", Source.WEDGE)]
    assert released(actions) == ""


def test_typing_into_a_field_is_released_in_order_after_the_gap():
    asm = WedgeAssembler()
    actions = run(asm, strokes("12", 1.0, HUMAN), to_field=True)
    assert released(actions) == "1"  # "2" is still held: a burst could follow
    assert asm.deadline == pytest.approx(1.0 + HUMAN + 0.05)
    assert asm.tick(1.0 + HUMAN + 0.01, to_field=True) == []
    actions = asm.tick(1.0 + HUMAN + 0.06, to_field=True)
    assert released(actions) == "2"
    enter = asm.feed(KeyStroke("enter", "\r", 2.0), to_field=True)
    assert released(enter) == "<enter>" and scans(enter) == []


def test_typing_then_a_burst_in_a_field_are_kept_apart():
    asm = WedgeAssembler()
    keys = strokes("5", 1.0, HUMAN) + strokes("AT00000042\r", 1.5, SCANNER)
    actions = run(asm, keys, to_field=True)
    assert released(actions) == "5"
    assert scans(actions) == [("AT00000042\r", Source.WEDGE)]


def test_typed_text_and_a_burst_do_not_merge():
    asm = WedgeAssembler()
    keys = strokes("A0", 1.0, HUMAN) + strokes("AT00000042\r", 2.0, SCANNER)
    actions = run(asm, keys)
    assert scans(actions) == [("AT00000042\r", Source.WEDGE)]
    assert asm.typed == "A0"


def test_backspace_and_escape_edit_typed_text_else_are_released():
    asm = WedgeAssembler()
    run(asm, strokes("AB", 1.0, HUMAN))
    asm.tick(5.0)
    assert asm.typed == "AB"
    assert asm.feed(KeyStroke("backspace", None, 6.0)) == [TypingChanged("A")]
    assert asm.feed(KeyStroke("escape", None, 7.0)) == [TypingChanged("")]
    assert released(asm.feed(KeyStroke("escape", None, 8.0))) == "<escape>"


def test_non_text_key_releases_immediately_after_closing_the_run():
    asm = WedgeAssembler()
    actions = run(asm, [KeyStroke("x", "x", 1.0), KeyStroke("ctrl+q", None, 1.001)], to_field=True)
    assert released(actions) == "x<ctrl+q>"


def test_lone_terminator_without_a_field_is_an_empty_keyboard_scan():
    asm = WedgeAssembler()
    assert scans(asm.feed(KeyStroke("enter", "\r", 1.0))) == [("\r", Source.KEYBOARD)]


def test_short_fast_run_counts_as_typing():
    asm = WedgeAssembler()
    assert scans(run(asm, strokes("5\r", 1.0, SCANNER))) == [("5\r", Source.KEYBOARD)]
    actions = run(asm, strokes("125\r", 2.0, SCANNER), to_field=True)
    assert released(actions) == "125<enter>"
    assert scans(run(asm, strokes("1250\r", 3.0, SCANNER), to_field=True)) == [
        ("1250\r", Source.WEDGE)]
    assert scans(run(WedgeAssembler(min_burst=1), strokes("5\r", 1.0, SCANNER))) == [
        ("5\r", Source.WEDGE)]


@pytest.mark.parametrize(
    ("terminator", "suffix"), [("CR", "\r"), ("LF", "\n"), ("TAB", "\t")]
)
def test_configured_terminator(terminator, suffix):
    asm = WedgeAssembler(terminator=terminator)
    assert scans(run(asm, strokes("A04-B-12" + suffix, 0.0, SCANNER))) == [
        ("A04-B-12" + suffix, Source.WEDGE)
    ]


def test_other_terminators_are_not_terminators():
    asm = WedgeAssembler(terminator="LF")
    actions = run(asm, strokes("A04-B-12\r", 0.0, SCANNER))
    assert scans(actions) == [] and "<enter>" in released(actions)


def test_crlf_keeps_both_and_swallows_the_lf():
    asm = WedgeAssembler(terminator="CRLF")
    actions = run(asm, strokes("A04-B-12\r\nAT00000042\r\n", 0.0, SCANNER))
    assert scans(actions) == [("A04-B-12\r\n", Source.WEDGE), ("AT00000042\r\n", Source.WEDGE)]
    assert released(actions) == ""


def test_crlf_without_lf_is_emitted_after_one_gap():
    asm = WedgeAssembler(terminator="CRLF")
    assert scans(run(asm, strokes("A04-B-12\r", 0.0, SCANNER))) == []
    assert asm.deadline is not None
    assert scans(asm.tick(asm.deadline + 0.001)) == [("A04-B-12\r", Source.WEDGE)]
    # or when another key comes first, before that key is handled
    asm2 = WedgeAssembler(terminator="CRLF")
    actions = run(asm2, strokes("A04-B-12\rAT00000042\r\n", 0.0, SCANNER))
    assert scans(actions) == [("A04-B-12\r", Source.WEDGE), ("AT00000042\r\n", Source.WEDGE)]


def test_ctrl_bracket_and_gs_substitute_become_gs():
    asm = WedgeAssembler(gs_substitute="|")
    keys = strokes("]C1010950110102091710LOT1", 0.0, SCANNER)
    keys.append(KeyStroke("ctrl+right_square_bracket", "\x1d", 0.2))
    keys += strokes("21SN|17270101\r", 0.204, SCANNER)
    keys = [KeyStroke(k.key, k.character, 0.1 + i * SCANNER) for i, k in enumerate(keys)]
    ((payload, source),) = scans(run(asm, keys))
    assert payload == "]C1010950110102091710LOT1" + GS + "21SN" + GS + "17270101\r"
    assert source is Source.WEDGE


def test_from_config():
    asm = WedgeAssembler.from_config(ScannerConfig(terminator="TAB", burst_gap_ms=80,
                                                   gs_substitute="~"))
    assert asm.terminator_key == "tab" and asm.gap == pytest.approx(0.08)
    assert asm.gs_substitute == "~"


def test_five_hundred_bursts_none_lost_merged_or_doubled():
    asm = WedgeAssembler()
    payloads = [f"AT{i:08d}\r" for i in range(500)]
    keys = strokes("".join(payloads), 100.0, 0.002)
    assert [p for p, _ in scans(run(asm, keys))] == payloads


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "Z", "5", "-", "enter", "ctrl+j", "tab", "backspace", "escape",
                             "ctrl+right_square_bracket", "up", "ctrl+q"]),
            st.floats(min_value=0.0, max_value=0.3),
            st.booleans(),
        ),
        max_size=60,
    )
)
def test_every_key_is_accounted_for(events):
    """Any key sequence: no exception, and each printable key ends up in exactly one place."""
    asm = WedgeAssembler()
    t = 0.0
    actions: list = []
    for key, dt, to_field in events:
        t += dt
        char = {"enter": "\r", "ctrl+j": "\n", "tab": "\t", "ctrl+right_square_bracket": GS}.get(
            key, key if len(key) == 1 else None
        )
        actions.extend(asm.feed(KeyStroke(key, char, t), to_field=to_field))
    actions.extend(asm.tick(t + 1.0))
    assert not asm.busy
    printable = sum(1 for key, _, _ in events if len(key) == 1 or key.startswith("ctrl+r"))
    in_scans = sum(len(p) - 1 for p, _ in scans(actions))
    in_releases = sum(1 for a in actions if isinstance(a, Release) for k in a.keys
                      if k.key not in ("enter", "ctrl+j", "tab", "backspace", "escape", "up",
                                       "ctrl+q"))
    erased = printable - in_scans - in_releases - len(asm.typed)
    assert erased >= 0  # only backspace/escape on typed text may remove keys


CODE_CHARS = st.sampled_from(list("ABCZ0189-:/[]@=$ "))
SESSION = st.lists(
    st.one_of(
        st.tuples(st.just("burst"), st.text(CODE_CHARS, min_size=4, max_size=24),
                  st.floats(min_value=0.0, max_value=0.02)),
        st.tuples(st.just("type"), st.text(CODE_CHARS, min_size=0, max_size=5),
                  st.booleans()),
    ),
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(SESSION, st.booleans())
def test_mixed_sessions_never_lose_merge_or_reorder(session, to_field):
    """Scanner bursts and a person's typing, interleaved: every burst is exactly one wedge
    scan, in order; typing ends up as keyboard scans (no field) or in the field, in order."""
    asm = WedgeAssembler()
    t = 0.0
    actions: list = []
    expected_scans: list[tuple[str, Source]] = []
    expected_field = ""
    typed = ""
    for kind, text, extra in session:
        t += 0.3  # the pause between one thing and the next
        if kind == "burst":
            keys = strokes(text + "\r", t, extra)
            t = keys[-1].time
            expected_scans.append((text + "\r", Source.WEDGE))
        else:
            keys = strokes(text + ("\r" if extra else ""), t, HUMAN)
            t = keys[-1].time if keys else t
            if to_field:
                expected_field += text + ("<enter>" if extra else "")
            else:
                typed += text
                if extra:
                    expected_scans.append((typed + "\r", Source.KEYBOARD))
                    typed = ""
        actions.extend(run(asm, keys, to_field=to_field))
    actions.extend(asm.tick(t + 10, to_field=to_field))
    assert scans(actions) == expected_scans
    assert released(actions) == expected_field
    assert asm.typed == ("" if to_field else typed)


# --- control characters inside a burst (issue 11 item 2) --------------------------------------


def control_strokes(text: str, start: float, step: float) -> list[KeyStroke]:
    """Like ``strokes``, with C0 controls as Textual names them (BEL -> ``ctrl+g``)."""
    out = []
    for i, ch in enumerate(text):
        key = KEY_OF.get(ch) or (f"ctrl+{chr(ord(ch) + 0x60)}" if ord(ch) < 0x20 else ch)
        out.append(KeyStroke(key, ch, start + i * step))
    return out


@pytest.mark.parametrize("to_field", [False, True])
def test_control_key_inside_a_burst_is_part_of_the_scan(to_field):
    asm = WedgeAssembler()
    actions = run(asm, control_strokes("]52;c;aGk=\x07\r", 10.0, SCANNER), to_field=to_field)
    assert scans(actions) == [("]52;c;aGk=\x07\r", Source.WEDGE)]
    assert released(actions) == "" and not asm.typed and not asm.busy


@pytest.mark.parametrize("to_field", [False, True])
def test_burst_with_a_control_key_and_no_suffix_is_still_one_scan(to_field):
    asm = WedgeAssembler()
    actions = run(asm, control_strokes("]0;dy\x07", 10.0, SCANNER), to_field=to_field)
    actions += asm.tick(11.0, to_field=to_field)
    assert scans(actions) == [("]0;dy\x07", Source.WEDGE)]
    assert released(actions) == "" and not asm.typed
    assert scans(run(asm, strokes("A01-A-02\r", 12.0, SCANNER))) == [("A01-A-02\r",
                                                                     Source.WEDGE)]


def test_a_persons_escape_and_backspace_stay_keys():
    asm = WedgeAssembler()
    keys = strokes("1", 10.0, HUMAN) + [KeyStroke("escape", "\x1b", 10.001),
                                        KeyStroke("backspace", "\x7f", 10.002)]
    actions = run(asm, keys, to_field=True) + asm.tick(11.0, to_field=True)
    assert released(actions) == "1<escape><backspace>" and not scans(actions)


def test_a_persons_control_key_alone_is_a_key():
    asm = WedgeAssembler()
    actions = run(asm, [KeyStroke("ctrl+g", "\x07", 10.0)], to_field=True)
    actions += asm.tick(11.0, to_field=True)
    assert released(actions) == "<ctrl+g>" and not scans(actions)
