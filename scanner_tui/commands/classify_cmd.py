"""``scanner-tui classify``: what the app makes of payloads (to check a scanner and tag rules).

Uses the configured tag rules only: it never opens (or creates) the store, so codes known only
to the store (manufacturer serials, SKU aliases) show as unknown here. Standard input is read
in bounded pieces: a line far beyond ``[tags] max_length`` is answered "longer than ..." from
its head, the rest is skipped without being held in memory.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator

import typer

from scanner_tui.commands.common import context
from scanner_tui.scanning.classify import classify
from scanner_tui.scanning.result import ScanResult, field_texts
from scanner_tui.scanning.rules import TagRules


def register(app: typer.Typer) -> None:
    """Add ``classify`` to the app."""
    app.command("classify")(classify_command)


def classify_command(
    ctx: typer.Context,
    payloads: list[str] | None = typer.Argument(
        None, metavar="PAYLOAD", show_default=False,
        help="Payloads to classify; none: read standard input, one payload a line.",
    ),
    as_json: bool = typer.Option(
        False, "--json", help="One JSON object a line: kind and the fields that apply."
    ),
) -> None:
    """Show what each scanned payload is: kind and fields, or why it is unknown."""
    rules = TagRules.from_config(context(ctx).config)
    source: Iterable[bytes | str] = (
        (_argument_payload(p) for p in payloads) if payloads
        else stdin_payloads(sys.stdin.buffer, line_cap(rules.max_length))
    )
    out = sys.stdout
    for payload in source:
        result = classify(payload, rules)
        out.write((to_json(result) if as_json else describe(payload, result)) + "\n")
        out.flush()


def _argument_payload(arg: str) -> bytes | str:
    """Arguments the OS could not decode come back as their original bytes."""
    try:
        arg.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(arg)
    return arg


class CutLine(bytes):
    """The head of an overlong line; ``size`` is the whole line's length in bytes."""

    size: int


def line_cap(max_length: int) -> int:
    """Bytes of a line worth reading: past this, classification answers "too long" anyway
    (``normalise`` refuses more than 4 x max_length + 16 before decoding)."""
    return 4 * max_length + 64


CHUNK = 1 << 16


def stdin_payloads(stream, cap: int = line_cap(256)) -> Iterator[bytes]:  # noqa: ANN001
    """One payload a line (binary ``stream``): the LF ends it, a CR before it stays part of the
    payload. Memory stays bounded by ``cap`` + one chunk whatever the line length."""
    while True:
        line = stream.readline(cap + 1)
        if not line:
            return
        if len(line) <= cap or line.endswith(b"\n"):
            yield line[:-1] if line.endswith(b"\n") else line
            continue
        size = len(line)
        while True:  # skip the rest of the line, a chunk at a time
            rest = stream.readline(CHUNK)
            size += len(rest)
            if not rest or rest.endswith(b"\n"):
                size -= rest.endswith(b"\n")
                break
        cut = CutLine(line)
        cut.size = size
        yield cut


def to_json(result: ScanResult) -> str:
    """``ScanResult.to_dict()`` as one line of ASCII JSON (no raw control bytes)."""
    return json.dumps(result.to_dict(), ensure_ascii=True)


SHOWN_MAX = 100  # longer payloads are shown cut, with their length


def shown(text: str | bytes) -> str:
    """Untrusted text made safe for a terminal: repr-like escapes for anything not printable."""
    size = getattr(text, "size", len(text))
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            head = repr(text[:SHOWN_MAX])  # b'...': the undecodable bytes as \xNN
            return head if size <= SHOWN_MAX else f"{head}... ({size} bytes)"
    if len(text) <= SHOWN_MAX and size == len(text):
        return repr(text)
    unit = "bytes" if size != len(text) else "characters"
    return f"{text[:SHOWN_MAX]!r}... ({size} {unit})"


def _escaped(value: str) -> str:
    return repr(value)[1:-1] if not value.isprintable() or "\\" in value else value


def describe(payload: str | bytes, result: ScanResult) -> str:
    """Human form: the payload as received (escaped), its kind, then its fields."""
    parts = [shown(payload), result.kind.value]
    for name, text in field_texts(result.to_dict()):
        parts.append(f"({text})" if name == "reason" else f"{name}={_escaped(text)}")
    return "  ".join(parts)
