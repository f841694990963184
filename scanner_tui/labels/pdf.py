"""PDF label sheets with fpdf2: one label per page (thermal rolls) or a grid on A4 / Letter.

The bars are embedded as a 1-bit image at the printer's dpi (one pixel per dot, so a printer
at that resolution reproduces every bar exactly; A4/Letter sheets use 300 dpi, which office
printers scale by whole numbers); the text is real PDF text in DejaVu Sans Mono.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from scanner_tui.config import LabelsConfig
from scanner_tui.labels.font import font_path
from scanner_tui.labels.label import Label, LabelError
from scanner_tui.labels.layout import MM_PER_INCH, Layout, layout

PAGES_MM = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}
SHEETS = ("thermal", "a4", "letter")
FIXED_DATE = datetime(2000, 1, 1, tzinfo=UTC)  # reproducible output: no "now" in the file


def bars_image(lay: Layout):  # noqa: ANN201  (PIL.Image.Image)
    """Only the bars of a layout, as a 1-bit image one pixel per dot."""
    from PIL import Image, ImageDraw

    image = Image.new("1", (lay.bar_w, lay.bar_h), 1)
    draw = ImageDraw.Draw(image)
    for b in lay.bars:
        x = b.x - lay.bar_x
        draw.rectangle((x, 0, x + b.w - 1, b.h - 1), fill=0)
    return image


def _draw(pdf, lay: Layout, ox: float, oy: float) -> None:  # noqa: ANN001  (fpdf.FPDF)
    mm = MM_PER_INCH / lay.dpi
    pdf.image(bars_image(lay), x=ox + lay.bar_x * mm, y=oy + lay.bar_y * mm,
              w=lay.bar_w * mm, h=lay.bar_h * mm)
    for line in lay.texts:
        pdf.set_font("labelfont", size=line.size * 72 / lay.dpi)
        width = pdf.get_string_width(line.text)
        pdf.text(ox + line.center_x * mm - width / 2, oy + line.baseline * mm, line.text)


def _new_pdf(width_mm: float, height_mm: float):  # noqa: ANN202
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format=(width_mm, height_mm))
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_creator("scanner-tui")
    pdf.add_font("labelfont", fname=str(font_path()))
    return pdf


def to_pdf(labels: Sequence[Label], cfg: LabelsConfig, *, sheet: str | None = None) -> bytes:
    """A PDF of ``labels``: ``thermal`` = one label-sized page each; ``a4``/``letter`` = grid."""
    sheet = sheet or cfg.sheet
    if sheet not in SHEETS:
        raise LabelError(f"unknown sheet {sheet!r}: use one of {', '.join(SHEETS)}")
    if not labels:
        raise LabelError("nothing to print")
    if sheet == "thermal":
        pdf = _new_pdf(cfg.width_mm, cfg.height_mm)
        for label in labels:
            pdf.add_page()
            _draw(pdf, layout(label, cfg), 0.0, 0.0)
        return bytes(pdf.output())

    # Office printers run at 300/600/1200 dpi: bars drawn at 300 dpi scale by whole numbers.
    cfg = cfg.model_copy(update={"dpi": 300})
    page_w, page_h = PAGES_MM[sheet]
    margin = cfg.sheet_margin_mm
    cell_w = (page_w - 2 * margin) / cfg.sheet_columns
    cell_h = (page_h - 2 * margin) / cfg.sheet_rows
    if cell_w <= 10 or cell_h <= 10:
        raise LabelError(f"a {cfg.sheet_columns} x {cfg.sheet_rows} grid leaves no room on {sheet}")
    pdf = _new_pdf(page_w, page_h)
    per_page = cfg.sheet_columns * cfg.sheet_rows
    for i, label in enumerate(labels):
        slot = i % per_page
        if slot == 0:
            pdf.add_page()
        col, row = slot % cfg.sheet_columns, slot // cfg.sheet_columns
        lay = layout(label, cfg, width_mm=cell_w, height_mm=cell_h)
        # The layout is in whole dots: centre it in its cell.
        ox = margin + col * cell_w + (cell_w - lay.width_mm) / 2
        oy = margin + row * cell_h + (cell_h - lay.height_mm) / 2
        _draw(pdf, lay, ox, oy)
    return bytes(pdf.output())
