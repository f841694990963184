"""The TrueType font of label text, shared by the image renderer and the PDF sheets."""

from __future__ import annotations

from pathlib import Path


def font_path() -> Path:
    """DejaVu Sans Mono, shipped inside python-barcode."""
    import barcode

    return Path(barcode.__file__).resolve().parent / "fonts" / "DejaVuSansMono.ttf"
