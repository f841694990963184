"""``scanner-tui classify``: what the app makes of payloads (to check a scanner and tag rules).

Uses the configured tag rules only: it never opens (or creates) the store, so codes known only
to the store (manufacturer serials, SKU aliases) show as unknown here.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator

import typer

from scanner_tui.commands.common import context
from scanner_tui.scanning.classify import classify
from scanner_tui.scanning.result import RESULT_FIELDS, ScanResult
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
        (_argument_payload(p) for p in payloads) if payloads else stdin_payloads(sys.stdin.buffer)
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


def stdin_payloads(stream) -> Iterator[bytes]:  # noqa: ANN001  (a binary file object)
    """One payload a line: the LF ends it, a CR before it stays part of the payload."""
    for line in stream:
        yield line[:-1] if line.endswith(b"\n") else line


def to_json(result: ScanResult) -> str:
    """``ScanResult.to_dict()`` as one line of ASCII JSON (no raw control bytes)."""
    return json.dumps(result.to_dict(), ensure_ascii=True)


SHOWN_MAX = 100  # longer payloads are shown cut, with their length


def shown(text: str | bytes) -> str:
    """Untrusted text made safe for a terminal: repr-like escapes for anything not printable."""
    size = len(text)
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            head = repr(text[:SHOWN_MAX])  # b'...': the undecodable bytes as \xNN
            return head if size <= SHOWN_MAX else f"{head}... ({size} bytes)"
    if len(text) <= SHOWN_MAX:
        return repr(text)
    return f"{text[:SHOWN_MAX]!r}... ({len(text)} characters)"


def _escaped(value: str) -> str:
    return repr(value)[1:-1] if not value.isprintable() or "\\" in value else value


def describe(payload: str | bytes, result: ScanResult) -> str:
    """Human form: the payload as received (escaped), its kind, then its fields."""
    parts = [shown(payload), result.kind.value]
    for name, value in result.to_dict().items():
        if name == "kind":
            continue
        if name == "reason":
            parts.append(f"({value})")
        elif name in RESULT_FIELDS:
            parts.append(f"{name}={_escaped(str(value))}")
    return "  ".join(parts)
