"""Where things go on a label, in printer dots: one geometry for every output format.

Bars are whole dots wide (a module is an integer number of dots at the printer's dpi), so a
thermal printer reproduces them exactly. Text is measured as DejaVu Sans Mono (every glyph
0.602 em wide), the font python-barcode ships, so it is sized to fit before any backend draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scanner_tui.config import LabelsConfig
from scanner_tui.labels.label import Label, LabelError, LabelKind, modules

MM_PER_INCH = 25.4
GLYPH_ADVANCE = 0.602  # DejaVu Sans Mono advance width, in em
LINE = 1.2  # line box height, in em
ASCENT = 0.93  # baseline below the top of the line box, in em
MAX_MODULE_MM = 0.66  # 200 % of the nominal 0.33 mm: wider bars add nothing
MIN_BAR_MM = 6.0


def mm_to_dots(mm: float, dpi: int) -> int:
    return round(mm / MM_PER_INCH * dpi)


@dataclass(frozen=True, slots=True)
class Box:
    """A filled rectangle (one bar), in dots from the label's top-left corner."""

    x: int
    y: int
    w: int
    h: int


@dataclass(frozen=True, slots=True)
class TextLine:
    """One centred line of text: ``top`` of its line box and ``size`` (em) in dots."""

    text: str
    center_x: int
    top: int
    size: int
    role: str  # "title" | "text" | "caption"

    @property
    def baseline(self) -> int:
        return self.top + round(self.size * ASCENT)


@dataclass(frozen=True, slots=True)
class Layout:
    label: Label
    width: int  # dots
    height: int
    dpi: int
    module: int  # dots per module
    bar_x: int
    bar_y: int
    bar_h: int
    pattern: str  # the modules, '1' = bar
    bars: list[Box] = field(default_factory=list)
    texts: list[TextLine] = field(default_factory=list)

    @property
    def bar_w(self) -> int:
        return len(self.pattern) * self.module

    @property
    def width_mm(self) -> float:
        return self.width / self.dpi * MM_PER_INCH

    @property
    def height_mm(self) -> float:
        return self.height / self.dpi * MM_PER_INCH


def fit_size(text: str, wanted: float, max_width: int) -> int:
    """The largest em size (dots) not above ``wanted`` at which ``text`` fits ``max_width``."""
    if not text:
        return 0
    return max(1, int(min(wanted, max_width / (GLYPH_ADVANCE * len(text)))))


def runs(pattern: str) -> list[tuple[int, int]]:
    """(start module, length) of every bar in a module pattern."""
    out: list[tuple[int, int]] = []
    start = None
    for i, bit in enumerate(pattern + "0"):
        if bit == "1" and start is None:
            start = i
        elif bit != "1" and start is not None:
            out.append((start, i - start))
            start = None
    return out


def layout(label: Label, cfg: LabelsConfig, *, width_mm: float | None = None,
           height_mm: float | None = None) -> Layout:
    """Place title, bars, text and caption on a label of the configured (or given) size."""
    dpi = cfg.dpi
    width = mm_to_dots(width_mm or cfg.width_mm, dpi)
    height = mm_to_dots(height_mm or cfg.height_mm, dpi)
    quiet = mm_to_dots(cfg.quiet_zone_mm, dpi)
    pad = mm_to_dots(1.5, dpi)
    usable_w = width - 2 * pad
    pattern = modules(label)

    module = min((width - 2 * quiet) // len(pattern), max(1, mm_to_dots(MAX_MODULE_MM, dpi)))
    if module < 1:
        raise LabelError(
            f"{label.code} needs {len(pattern)} bar widths plus quiet zones: it does not fit a "
            f"{width_mm or cfg.width_mm:g} mm wide label at {dpi} dpi"
        )

    text_size = fit_size(label.text, cfg.font_size / 72 * dpi, usable_w) if cfg.human_readable \
        else 0
    caption_size = fit_size(label.caption, cfg.font_size / 72 * dpi * 0.85, usable_w)
    below = round(text_size * LINE) + round(caption_size * LINE)
    gap = mm_to_dots(1.0, dpi)
    min_bar = mm_to_dots(MIN_BAR_MM, dpi)
    title_share = 0.42 if label.kind is LabelKind.BIN else 0.18
    title_box = round((height - 2 * pad) * title_share) if label.title else 0
    # On a small label the title gives way first: the bars must stay scannable.
    title_box = max(0, min(title_box, height - 2 * pad - below - gap - min_bar))
    title_size = fit_size(label.title, title_box / LINE, usable_w) if title_box else 0
    bar_h = height - 2 * pad - round(title_size * LINE) - below - (gap if title_size else 0)
    if bar_h < min_bar:
        raise LabelError(
            f"a {width_mm or cfg.width_mm:g} x {height_mm or cfg.height_mm:g} mm label is too "
            f"small for {label.code} with its text: use a larger label or a smaller font"
        )
    # Bin labels: the forklift line gets what the bars do not need (bars capped at 25 mm).
    if label.kind is LabelKind.BIN and title_size:
        spare = bar_h - mm_to_dots(25.0, dpi)
        if spare > 0:
            bar_h -= spare
            title_size = fit_size(label.title, (title_size * LINE + spare) / LINE, usable_w)
            bar_h = height - 2 * pad - round(title_size * LINE) - below - gap

    center = width // 2
    bar_x = (width - len(pattern) * module) // 2
    texts: list[TextLine] = []
    y = pad
    if title_size:
        texts.append(TextLine(label.title, center, y, title_size, "title"))
        y += round(title_size * LINE) + gap
    bar_y = y
    bars = [Box(bar_x + start * module, bar_y, length * module, bar_h)
            for start, length in runs(pattern)]
    y += bar_h
    if text_size:
        texts.append(TextLine(label.text, center, y, text_size, "text"))
        y += round(text_size * LINE)
    if caption_size:
        texts.append(TextLine(label.caption, center, y, caption_size, "caption"))
    return Layout(label, width, height, dpi, module, bar_x, bar_y, bar_h, pattern, bars, texts)
