"""ZPL II for Zebra printers, built by hand from the same ``Layout`` as the other formats.

Every data field goes through ``^FH_`` so ``^`` ``~`` ``_`` (and any other byte the printer
could mistake for a command) travel as ``_5E`` ``_7E`` ``_5F`` hex escapes; ``^CI28`` makes
the printer read UTF-8. Inside a ``^BC`` field ``>`` starts an invocation code, so a literal
``>`` is sent as ``><``; FNC1 in GS1-128 is ``>8``. Text is centred with ``^FB``, whose own
escape character ``\\`` is doubled.
"""

from __future__ import annotations

from collections.abc import Iterable

from scanner_tui.config import LabelsConfig
from scanner_tui.labels.label import FNC1, Label, LabelError, Symbology
from scanner_tui.labels.layout import Layout, layout, mm_to_dots

_HEX_ESCAPED = {"^", "~", "_"}


def fh_escape(value: str) -> str:
    """Field data for ``^FH_``: ``^ ~ _`` and control characters as ``_XX`` hex escapes."""
    out: list[str] = []
    for ch in value:
        if ch in _HEX_ESCAPED or ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"_{ord(ch):02X}")
        else:
            out.append(ch)
    return "".join(out)


def _text_block(value: str) -> str:
    """``^FB`` treats ``\\`` as its escape: double it, then hex-escape for ``^FH``."""
    return fh_escape(value.replace("\\", "\\\\"))


def _code128_field(data: str) -> str:
    """``^BC`` field data: ``>`` doubled as ``><``, FNC1 as ``>8``."""
    return data.replace(">", "><").replace(FNC1, ">8")


def _zpl_modules(label: Label, pattern_len: int) -> int:
    """How many modules the printer's own encoding of ``label`` takes (for centring)."""
    if label.symbology is Symbology.CODE128:  # mode N, subset B: start, data, check, stop
        return 11 * (len(label.data) + 2) + 13
    return pattern_len


def _barcode(lay: Layout, cfg: LabelsConfig) -> str:
    label = lay.label
    n = _zpl_modules(label, len(lay.pattern))
    module = min(lay.module, (lay.width - 2 * mm_to_dots(cfg.quiet_zone_mm, cfg.dpi)) // n)
    if module < 1:
        raise LabelError(f"{label.code} does not fit a {cfg.width_mm:g} mm wide label in ZPL")
    x = max(0, (lay.width - n * module) // 2)
    head = f"^FO{x},{lay.bar_y}^BY{module},3,{lay.bar_h}"
    if label.symbology is Symbology.CODE128:
        body = f"^BCN,{lay.bar_h},N,N,N^FH_^FD{fh_escape(_code128_field(label.data))}^FS"
    elif label.symbology is Symbology.GS1_128:
        field = ">;>8" + _code128_field(label.data)
        body = f"^BCN,{lay.bar_h},N,N,N,A^FH_^FD{fh_escape(field)}^FS"
    elif label.symbology is Symbology.EAN13:
        body = f"^BEN,{lay.bar_h},N,N^FD{label.data[:12]}^FS"
    else:
        body = f"^B8N,{lay.bar_h},N,N^FD{label.data[:7]}^FS"
    return head + body


def label_zpl(lay: Layout, cfg: LabelsConfig) -> str:
    """One ``^XA ... ^XZ`` format for a laid-out label."""
    parts = ["^XA", "^CI28", f"^PW{lay.width}", f"^LL{lay.height}", "^LH0,0"]
    for line in lay.texts:
        parts.append(
            f"^FO0,{line.top}^FB{lay.width},1,0,C,0^A0N,{line.size},{line.size}"
            f"^FH_^FD{_text_block(line.text)}^FS"
        )
    parts.append(_barcode(lay, cfg))
    parts += ["^PQ1", "^XZ"]
    return "".join(parts) + "\n"


def to_zpl(labels: Iterable[Label], cfg: LabelsConfig) -> bytes:
    """All labels as one ZPL job (UTF-8 bytes), one format per label."""
    return "".join(label_zpl(layout(label, cfg), cfg) for label in labels).encode("utf-8")
