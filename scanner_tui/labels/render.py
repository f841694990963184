"""SVG and PNG labels, drawn from one ``Layout`` (bars encoded by python-barcode).

SVG units are printer dots (``viewBox``) on a page sized in millimetres; text is XML-escaped
data, never markup. PNG is drawn with Pillow at the printer's dpi, 1 pixel per dot, with the
DejaVu Sans Mono font that python-barcode ships.
"""

from __future__ import annotations

import io
from functools import lru_cache
from xml.sax.saxutils import escape

from scanner_tui.config import LabelsConfig
from scanner_tui.labels.font import font_path
from scanner_tui.labels.label import Label, LabelError
from scanner_tui.labels.layout import GLYPH_ADVANCE, Layout, layout

FORMATS = ("svg", "png", "pdf", "zpl")


def to_svg(lay: Layout) -> bytes:
    """The label as a standalone SVG document."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{lay.width_mm:.2f}mm" '
        f'height="{lay.height_mm:.2f}mm" viewBox="0 0 {lay.width} {lay.height}" '
        'shape-rendering="crispEdges">\n',
        f"<title>{escape(lay.label.code)}</title>\n",
        f'<rect x="0" y="0" width="{lay.width}" height="{lay.height}" fill="#ffffff"/>\n',
        '<g fill="#000000">\n',
    ]
    parts += [f'<rect x="{b.x}" y="{b.y}" width="{b.w}" height="{b.h}"/>\n' for b in lay.bars]
    parts.append("</g>\n")
    for line in lay.texts:
        length = round(GLYPH_ADVANCE * line.size * len(line.text))
        weight = "bold" if line.role == "title" else "normal"
        parts.append(
            f'<text x="{line.center_x}" y="{line.baseline}" font-family="DejaVu Sans Mono, '
            f'monospace" font-size="{line.size}" font-weight="{weight}" text-anchor="middle" '
            f'textLength="{length}" lengthAdjust="spacingAndGlyphs" xml:space="preserve">'
            f"{escape(line.text)}</text>\n"
        )
    parts.append("</svg>\n")
    return "".join(parts).encode("utf-8")


@lru_cache(maxsize=32)
def _font(size: int):  # noqa: ANN202
    from PIL import ImageFont

    return ImageFont.truetype(str(font_path()), size)


def to_image(lay: Layout):  # noqa: ANN201  (PIL.Image.Image; Pillow is imported lazily)
    """The label as a 1-bit Pillow image, one pixel per printer dot."""
    from PIL import Image, ImageDraw

    image = Image.new("1", (lay.width, lay.height), 1)
    draw = ImageDraw.Draw(image)
    for b in lay.bars:
        draw.rectangle((b.x, b.y, b.x + b.w - 1, b.y + b.h - 1), fill=0)
    for line in lay.texts:
        draw.text((line.center_x, line.baseline), line.text, fill=0, font=_font(line.size),
                  anchor="ms")
    return image


def to_png(lay: Layout) -> bytes:
    buffer = io.BytesIO()
    to_image(lay).save(buffer, format="PNG", dpi=(lay.dpi, lay.dpi))
    return buffer.getvalue()


def render_label(label: Label, fmt: str, cfg: LabelsConfig, *, width_mm: float | None = None,
                 height_mm: float | None = None) -> bytes:
    """One label as ``svg``, ``png``, ``zpl`` or ``pdf`` (a one-page PDF) bytes."""
    if fmt == "zpl":
        from scanner_tui.labels.zpl import to_zpl

        return to_zpl([label], cfg)
    if fmt == "pdf":
        from scanner_tui.labels.pdf import to_pdf

        return to_pdf([label], cfg, sheet="thermal")
    lay = layout(label, cfg, width_mm=width_mm, height_mm=height_mm)
    if fmt == "svg":
        return to_svg(lay)
    if fmt == "png":
        return to_png(lay)
    raise LabelError(f"unknown label format {fmt!r}: use one of {', '.join(FORMATS)}")
