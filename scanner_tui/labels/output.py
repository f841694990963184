"""Deliver rendered labels: to a folder, to standard output, or to a network printer.

Everything is rendered before anything is written, so a label that cannot be made stops the
job before a single file or byte goes out. Files are written under a temporary name and
renamed, so a folder never holds half a label.
"""

from __future__ import annotations

import errno
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from scanner_tui.config import LabelsConfig
from scanner_tui.labels.label import Label, LabelError
from scanner_tui.labels.pdf import to_pdf
from scanner_tui.labels.printer import send_raw
from scanner_tui.labels.render import FORMATS, render_label
from scanner_tui.labels.zpl import to_zpl


def _file_part(code: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", code).strip(".") or "label"


def render_job(labels: Sequence[Label], fmt: str, cfg: LabelsConfig, *,
               sheet: str | None = None) -> list[tuple[str, bytes]]:
    """(file name, bytes) for the job: one file per label for SVG/PNG, one for PDF/ZPL."""
    if fmt not in FORMATS:
        raise LabelError(f"unknown label format {fmt!r}: use one of {', '.join(FORMATS)}")
    if not labels:
        raise LabelError("nothing to print")
    kind = labels[0].kind.value
    if fmt in ("pdf", "zpl"):
        first, last = _file_part(labels[0].code), _file_part(labels[-1].code)
        name = f"{kind}-{first}" + (f"-{last}" if len(labels) > 1 else "") + f".{fmt}"
        data = to_pdf(labels, cfg, sheet=sheet) if fmt == "pdf" else to_zpl(labels, cfg)
        return [(name, data)]
    out: list[tuple[str, bytes]] = []
    used: set[str] = set()
    for label in labels:
        stem = f"{label.kind.value}-{_file_part(label.code)}"
        name, n = f"{stem}.{fmt}", 1
        while name in used:
            n += 1
            name = f"{stem}-{n}.{fmt}"
        used.add(name)
        out.append((name, render_label(label, fmt, cfg)))
    return out


def print_labels(labels: Sequence[Label], cfg: LabelsConfig, destination: str, *,
                 fmt: str = "zpl", sheet: str | None = None,
                 stdout: BinaryIO | None = None) -> list[str]:
    """Render ``labels`` and deliver them; returns where they went (paths or the printer).

    ``destination``: a folder, ``-`` for standard output, or ``tcp://HOST:9100`` (ZPL only).
    Raises ``LabelError`` (``PrinterError`` for the printer) with a one-line reason; when it
    raises, treat nothing as printed.
    """
    if destination.startswith("tcp://"):
        if fmt != "zpl":
            raise LabelError("a network label printer takes ZPL: use --format zpl")
        job = render_job(labels, fmt, cfg, sheet=sheet)
        send_raw(destination, job[0][1], timeout=cfg.printer_timeout_s,
                 status_check=cfg.printer_status_check)
        return [destination]
    job = render_job(labels, fmt, cfg, sheet=sheet)
    if destination == "-":
        if len(job) > 1:
            raise LabelError(
                f"{len(job)} {fmt.upper()} labels cannot share standard output: "
                "use --output DIR, or --format pdf / zpl"
            )
        stream = stdout or sys.stdout.buffer
        try:
            stream.write(job[0][1])
            stream.flush()
        except OSError as exc:
            raise LabelError("could not write the labels to standard output: "
                             f"{not_written(exc)}; nothing was printed") from None
        return ["-"]
    folder = Path(destination)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        written: list[str] = []
        for name, data in job:
            path = folder / name
            tmp = folder / f".{name}.part"
            tmp.write_bytes(data)
            os.replace(tmp, path)
            written.append(str(path))
    except OSError as exc:
        raise LabelError(f"could not write labels to {folder}: {not_written(exc)}; "
                         "choose another --output folder") from None
    return written


# why a write failed, in the words of the person printing (not the OS's)
NOT_WRITTEN = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "your disk quota is used up",
    errno.EACCES: "you may not write there",
    errno.EPERM: "you may not write there",
    errno.EROFS: "that disk is read-only",
    errno.EEXIST: "a file of that name is in the way of the folder",
    errno.ENOTDIR: "a file is in the way of the folder",
    errno.EISDIR: "a folder is in the way of a label file",
    errno.ENOENT: "the folder could not be made there",
    errno.EPIPE: "the program reading them stopped before they were all written",
}


def not_written(exc: OSError) -> str:
    """A sentence for why labels could not be written (``exc`` from a write or mkdir)."""
    return NOT_WRITTEN.get(exc.errno or 0, "the system refused to write them")
