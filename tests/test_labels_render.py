"""Round trips: render every label format, decode the image with zxing-cpp, and classify
``symbology_identifier + text`` -- exactly what a scanner would send -- back to the same code."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner_tui.config import LabelsConfig
from scanner_tui.labels.label import (
    FNC1,
    Label,
    LabelError,
    LabelKind,
    Symbology,
    bin_label,
    code128_label,
    gs1_asset_label,
    gs1_element_string,
    gtin_label,
)
from scanner_tui.labels.layout import layout, runs
from scanner_tui.labels.pdf import to_pdf
from scanner_tui.labels.render import render_label
from scanner_tui.labels.zpl import fh_escape, to_zpl
from scanner_tui.scanning.classify import classify
from scanner_tui.scanning.result import Kind

zxingcpp = pytest.importorskip("zxingcpp")
Image = pytest.importorskip("PIL.Image")
pypdf = pytest.importorskip("pypdf")

LABELS = {
    "bin": bin_label("A04-B-12", zone="A"),
    "bin-two-letter": bin_label("AB07-D-40"),
    "own-asset-tag": code128_label(LabelKind.ASSET, "AT00000042", title="Cordless drill 18V",
                                   caption="DRILL-18V"),
    "gs1-asset": gs1_asset_label("09501101020917", "SN0001", title="Drill"),
    "gs1-asset-lot": gs1_asset_label("9501101020917", "SN-77/B", lot="LOT7", caption="DRILL"),
    "sku-ean13": gtin_label("4006381333931", sku_code="MUG-BLUE", title="Mug, blue"),
    "sku-upc": gtin_label("036000291452", sku_code="TIES"),
    "sku-ean8": gtin_label("96385074", sku_code="SCREWS"),
    "sku-gtin14": gtin_label("10614141000415", sku_code="CASE-12", title="Case of 12"),
}
CONFIGS = {
    "100x50@203": LabelsConfig(),
    "57x32@300": LabelsConfig(width_mm=57, height_mm=32, dpi=300),
    "50x25@203": LabelsConfig(width_mm=50, height_mm=25, dpi=203, quiet_zone_mm=3),
}


def expected(label: Label) -> dict:
    """What classify() must say about a scan of this label."""
    if label.kind is LabelKind.BIN:
        return {"kind": "bin", "bin": label.code}
    if label.kind is LabelKind.ASSET:
        out = {"kind": "asset", "serial": label.code}
        return out | ({"gtin": label.gtin} if label.gtin else {})
    return {"kind": "product", "gtin": label.gtin}


def decode(image) -> list[str]:  # noqa: ANN001
    """Every barcode in the image as a scanner sends it: AIM identifier + data."""
    found = zxingcpp.read_barcodes(image.convert("L"), text_mode=zxingcpp.TextMode.Plain)
    return [b.symbology_identifier + b.text for b in found]


def assert_scans_back(payloads: list[str], label: Label) -> None:
    assert len(payloads) == 1, payloads
    result = classify(payloads[0]).to_dict()
    want = expected(label)
    assert {k: result.get(k) for k in want} == want, (payloads[0], result)


def rasterise_svg(svg: bytes):  # noqa: ANN201
    """A minimal SVG rasteriser for our labels: the white page and the bars (filled rects)."""
    root = ET.fromstring(svg)
    ns = {"s": "http://www.w3.org/2000/svg"}
    _, _, w, h = (int(v) for v in root.attrib["viewBox"].split())
    image = Image.new("L", (w, h), 255)
    from PIL import ImageDraw

    draw = ImageDraw.Draw(image)
    for rect in root.iterfind("s:g/s:rect", ns):
        x, y, rw, rh = (int(rect.attrib[k]) for k in ("x", "y", "width", "height"))
        draw.rectangle((x, y, x + rw - 1, y + rh - 1), fill=0)
    return image


@pytest.mark.parametrize("cfg_name", CONFIGS)
@pytest.mark.parametrize("name", LABELS)
def test_png_scans_back(name: str, cfg_name: str) -> None:
    label, cfg = LABELS[name], CONFIGS[cfg_name]
    png = render_label(label, "png", cfg)
    image = Image.open(io.BytesIO(png))
    assert image.size == (layout(label, cfg).width, layout(label, cfg).height)
    assert round(image.info["dpi"][0]) == cfg.dpi
    assert_scans_back(decode(image), label)


@pytest.mark.parametrize("cfg_name", CONFIGS)
@pytest.mark.parametrize("name", LABELS)
def test_svg_scans_back(name: str, cfg_name: str) -> None:
    label, cfg = LABELS[name], CONFIGS[cfg_name]
    svg = render_label(label, "svg", cfg)
    root = ET.fromstring(svg)
    assert abs(float(root.attrib["width"].removesuffix("mm")) - cfg.width_mm) < 0.2
    texts = "".join(root.itertext())
    assert label.text in texts and label.title in texts
    assert_scans_back(decode(rasterise_svg(svg)), label)


@pytest.mark.parametrize("sheet", ["thermal", "a4", "letter"])
def test_pdf_sheet_embeds_bars_that_scan_back(sheet: str) -> None:
    cfg = LabelsConfig(dpi=300, sheet_columns=3, sheet_rows=8)
    labels = list(LABELS.values())
    reader = pypdf.PdfReader(io.BytesIO(to_pdf(labels, cfg, sheet=sheet)))
    if sheet == "thermal":
        assert len(reader.pages) == len(labels)
        box = reader.pages[0].mediabox
        assert round(float(box.width) / 72 * 25.4) == 100
        assert round(float(box.height) / 72 * 25.4) == 50
    else:
        assert len(reader.pages) == 1
        width_mm = round(float(reader.pages[0].mediabox.width) / 72 * 25.4)
        assert width_mm == (210 if sheet == "a4" else 216)
    images = [im.image for page in reader.pages for im in page.images]
    assert len(images) == len(labels)
    for image, label in zip(images, labels, strict=True):
        assert_scans_back(decode(image), label)
    text = "".join(page.extract_text() for page in reader.pages)
    for label in labels:
        assert label.text in text


def test_pdf_grid_pages_overflow_onto_next_sheet() -> None:
    cfg = LabelsConfig(sheet_columns=2, sheet_rows=3)
    labels = [bin_label(f"A0{i}-B-12") for i in range(1, 8)]
    reader = pypdf.PdfReader(io.BytesIO(to_pdf(labels, cfg, sheet="a4")))
    assert len(reader.pages) == 2
    assert [len(p.images) for p in reader.pages] == [6, 1]


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler) not installed")
@pytest.mark.parametrize("sheet", ["thermal", "a4"])
def test_pdf_page_rasterised_by_poppler_scans_back(tmp_path, sheet: str) -> None:
    cfg = LabelsConfig(dpi=300)
    labels = [LABELS["bin"], LABELS["gs1-asset-lot"], LABELS["sku-ean13"]]
    pdf = tmp_path / "labels.pdf"
    pdf.write_bytes(to_pdf(labels, cfg, sheet=sheet))
    subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", str(pdf), str(tmp_path / "p")],
                   check=True, timeout=60)
    pages = sorted(tmp_path.glob("p*.png"))
    found: list[str] = []
    for page in pages:
        found += decode(Image.open(page))
    for label in labels:
        hits = [p for p in found if classify(p).to_dict().get("kind") == expected(label)["kind"]
                and all(classify(p).to_dict().get(k) == v for k, v in expected(label).items())]
        assert hits, (label.code, found)


def test_bin_name_is_forklift_sized() -> None:
    lay = layout(LABELS["bin"], LabelsConfig())
    title = next(t for t in lay.texts if t.role == "title")
    text = next(t for t in lay.texts if t.role == "text")
    em_mm = title.size / 203 * 25.4
    assert em_mm >= 15  # capital letters ~11 mm tall on a 100 x 50 mm tag
    assert title.size > 3 * text.size
    assert lay.bar_h / 203 * 25.4 >= 15


def test_bars_are_whole_dots_inside_the_quiet_zone() -> None:
    for cfg in CONFIGS.values():
        for label in LABELS.values():
            lay = layout(label, cfg)
            quiet = round(cfg.quiet_zone_mm / 25.4 * cfg.dpi)
            assert lay.module >= 1
            assert min(b.x for b in lay.bars) >= quiet
            assert max(b.x + b.w for b in lay.bars) <= lay.width - quiet
            assert all(b.w % lay.module == 0 for b in lay.bars)


def test_text_is_data_in_svg() -> None:
    title = "<script>alert(1)</script> & [@click=app.quit]"
    hostile = code128_label(LabelKind.SKU, "X<&>'\"[b]", title=title)
    svg = render_label(hostile, "svg", LabelsConfig())
    root = ET.fromstring(svg)  # still well-formed XML
    assert "<script>" not in svg.decode()
    assert "<script>alert(1)</script> & [@click=app.quit]" in "".join(root.itertext())


def test_gs1_fnc1_only_after_variable_length_fields() -> None:
    data, text = gs1_element_string([("01", "09501101020917"), ("17", "270531"), ("10", "L7"),
                                     ("21", "SN1")])
    assert data == "0109501101020917" + "17270531" + "10L7" + FNC1 + "21SN1"
    assert text == "(01)09501101020917(17)270531(10)L7(21)SN1"
    with pytest.raises(LabelError):
        gs1_element_string([("21", "has space")])
    with pytest.raises(LabelError):
        gs1_element_string([("01", "123")])


def test_bad_gtin_and_control_characters_are_refused() -> None:
    with pytest.raises(LabelError, match="not a valid GTIN"):
        gtin_label("4006381333932")
    with pytest.raises(LabelError, match="control characters"):
        bin_label("A04-B-12\x1b[2J")
    with pytest.raises(LabelError, match="does not fit"):
        layout(code128_label(LabelKind.ASSET, "X" * 80), LabelsConfig(width_mm=20, height_mm=20))


# --- ZPL -------------------------------------------------------------------------------------

FIELD = re.compile(r"\^FD(.*?)\^FS", re.S)


def unescape_fh(value: str) -> str:
    return re.sub(r"_([0-9A-F]{2})", lambda m: chr(int(m.group(1), 16)), value)


def barcode_data(format_: str) -> str:
    """The data a printer encodes from our ^BC / ^BE / ^B8 field."""
    m = re.search(r"\^B(C|E|8)N,[^^]*(?:\^FH_)?\^FD(.*?)\^FS", format_)
    assert m, format_
    raw = unescape_fh(m.group(2))
    if m.group(1) == "C":
        raw = raw.removeprefix(">;>8")
        return raw.replace(">8", FNC1).replace("><", ">")
    return raw


@pytest.mark.parametrize("dpi", [203, 300])
def test_zpl_carries_each_code_exactly(dpi: int) -> None:
    cfg = LabelsConfig(dpi=dpi)
    job = to_zpl(LABELS.values(), cfg).decode()
    formats = [f for f in job.split("^XZ") if f.strip()]
    assert len(formats) == len(LABELS)
    for fmt, label in zip(formats, LABELS.values(), strict=True):
        assert fmt.lstrip().startswith("^XA^CI28")
        width = round(cfg.width_mm / 25.4 * dpi)
        assert f"^PW{width}" in fmt
        data = barcode_data(fmt)
        if label.symbology is Symbology.EAN13:
            assert data == label.data[:12]
        elif label.symbology is Symbology.EAN8:
            assert data == label.data[:7]
        else:
            assert data == label.data
        texts = [unescape_fh(f).replace("\\\\", "\\") for f in FIELD.findall(fmt)]
        assert label.text in texts


def test_zpl_escapes_caret_tilde_underscore_and_gt() -> None:
    label = code128_label(LabelKind.SKU, "A^B~C_D>E\\F", title="^XZ~JR kill _ me")
    zpl = to_zpl([label], LabelsConfig()).decode()
    for data in FIELD.findall(zpl):
        assert "^" not in data and "~" not in data
    assert barcode_data(zpl) == "A^B~C_D>E\\F"
    assert "^FDA_5EB_7EC_5FD><E\\F^FS" in zpl
    assert "_5EXZ_7EJR kill _5F me" in zpl
    assert zpl.count("^XA") == 1 and zpl.count("^XZ") == 1
    assert fh_escape("\x1d") == "_1D"


def test_zpl_gs1_uses_fnc1_invocations() -> None:
    zpl = to_zpl([LABELS["gs1-asset-lot"]], LabelsConfig()).decode()
    assert "^FD>;>80109501101020917" in zpl
    assert "10LOT7>821SN-77/B^FS" in zpl


# --- property: any code of the shapes we print scans back -----------------------------------



SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-./"


class _Known:
    """KnownCodes stand-in: the store knows exactly this one SKU code."""

    def __init__(self, code: str) -> None:
        self.code = code

    def known_kind(self, code: str) -> Kind | None:
        return Kind.PRODUCT if code == self.code else None


def _gtin13(body: str) -> str:
    from biip.checksums import gs1_standard_check_digit

    return body + str(gs1_standard_check_digit(body))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gtin_body=st.from_regex(r"[1-9][0-9]{11}", fullmatch=True),
       serial=st.text(SAFE, min_size=1, max_size=20),
       lot=st.one_of(st.just(""), st.text(SAFE, min_size=1, max_size=10)),
       fmt=st.sampled_from(["png", "svg"]))
def test_any_gs1_serial_scans_back(gtin_body: str, serial: str, lot: str, fmt: str) -> None:
    label = gs1_asset_label(_gtin13(gtin_body), serial, lot=lot)
    data = render_label(label, fmt, CONFIGS["57x32@300"])
    image = Image.open(io.BytesIO(data)) if fmt == "png" else rasterise_svg(data)
    payloads = decode(image)
    assert len(payloads) == 1
    result = classify(payloads[0])
    assert (result.kind, result.serial, result.gtin) == ("asset", serial, label.gtin)
    assert (result.lot or "") == lot


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(code=st.text(SAFE, min_size=1, max_size=24).filter(lambda c: not c.isdigit()))
def test_any_sku_code_scans_back_as_that_product(code: str) -> None:
    label = code128_label(LabelKind.SKU, code)
    image = Image.open(io.BytesIO(render_label(label, "png", CONFIGS["100x50@203"])))
    payloads = decode(image)
    assert len(payloads) == 1 and payloads[0] == "]C0" + code
    if classify(payloads[0]).kind == "unknown":  # no tag rule or GS1 reading claims it
        result = classify(payloads[0], known=_Known(code))
        assert (result.kind, result.sku) == ("product", code)


def test_human_readable_text_can_be_turned_off() -> None:
    label = LABELS["own-asset-tag"]
    with_text = layout(label, LabelsConfig())
    without = layout(label, LabelsConfig(human_readable=False))
    assert [t.role for t in with_text.texts] == ["title", "text", "caption"]
    assert [t.role for t in without.texts] == ["title", "caption"]
    assert without.bar_h > with_text.bar_h
    assert to_zpl([label], LabelsConfig()).decode().count("AT00000042") == 2
    assert to_zpl([label], LabelsConfig(human_readable=False)).decode().count("AT00000042") == 1


def test_grid_sheets_draw_bars_at_300_dpi() -> None:
    reader = pypdf.PdfReader(io.BytesIO(to_pdf([LABELS["bin"]], LabelsConfig(dpi=203),
                                               sheet="letter")))
    image = reader.pages[0].images[0].image
    lay = layout(LABELS["bin"], LabelsConfig(dpi=300), width_mm=215.9 / 3, height_mm=279.4 / 8)
    assert image.size == (lay.bar_w, lay.bar_h)


# --- ZPL emulated: draw our ^BC / ^BE / ^B8 fields the way the printer does, then scan -------

_ZPL_BAR = re.compile(
    r"\^FO(\d+),(\d+)\^BY(\d+),3,(\d+)\^B(C|E|8)N,(\d+),[^^]*(?:\^FH_)?\^FD(.*?)\^FS")


def emulate_zpl(fmt: str):  # noqa: ANN201
    """A tiny emulator for the barcode of one of our formats: a 1-bit image ^PW x ^LL."""
    from barcode import EAN8, EAN13, Code128
    from barcode.codex import Gs1_128
    from PIL import ImageDraw

    width = int(re.search(r"\^PW(\d+)", fmt).group(1))
    height = int(re.search(r"\^LL(\d+)", fmt).group(1))
    x, y, module, _h, kind, bar_h, raw = _ZPL_BAR.search(fmt).groups()
    x, y, module, bar_h = int(x), int(y), int(module), int(bar_h)
    data = unescape_fh(raw)
    if kind == "E":
        pattern = EAN13(data).build()[0]
    elif kind == "8":
        pattern = EAN8(data).build()[0]
    elif data.startswith(">;>8"):
        pattern = Gs1_128(data[4:].replace(">8", FNC1).replace("><", ">")).build()[0]
    else:
        data = data.replace("><", ">")
        pattern = Code128(data).build()[0]
        # The printer encodes mode N in subset B: at least this many modules wide.
        assert x + (11 * (len(data) + 2) + 13) * module <= width, "bars run off the label"
    assert x + len(pattern) * module <= width and y + bar_h <= height
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    for start, length in runs(pattern):
        draw.rectangle((x + start * module, y, x + (start + length) * module - 1, y + bar_h - 1),
                       fill=0)
    return image


@pytest.mark.parametrize("cfg_name", CONFIGS)
def test_zpl_emulated_scans_back(cfg_name: str) -> None:
    cfg = CONFIGS[cfg_name]
    job = to_zpl(LABELS.values(), cfg).decode()
    formats = [f for f in job.split("^XZ") if f.strip()]
    for fmt, label in zip(formats, LABELS.values(), strict=True):
        assert_scans_back(decode(emulate_zpl(fmt)), label)
