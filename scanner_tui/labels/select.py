"""Choose what to print from the store: bins, units (asset tags) and SKUs, as ``Label`` lists.

Every function reads only; an unknown code is a ``LabelError`` naming it. Asset labels:
own tags (matching the site's asset rule) print as Code 128; a manufacturer serial of a SKU
with a GTIN prints as GS1-128 ``(01)(10)(21)``; any other serial as Code 128.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sqlalchemy import Engine, select
from sqlmodel import Session

from scanner_tui.inventory.models import (
    Asset,
    Barcode,
    Bin,
    ExpectedSerial,
    LedgerEntry,
    Receipt,
    ReceiptLine,
    Sku,
)
from scanner_tui.labels.label import (
    Label,
    LabelError,
    LabelKind,
    bin_label,
    code128_label,
    gs1_asset_label,
    gtin_label,
    serial_fits_gs1,
)
from scanner_tui.text import masked

DEFAULT_ASSET_RULE = r"^AT[0-9]{8}$"


def _clean(text: str) -> str:
    """Descriptions are free text from imports: no control characters on a label."""
    return masked(text, " ").strip()


def _missing(what: str, codes: Iterable[str]) -> LabelError:
    names = ", ".join(masked(c) for c in sorted(codes))  # never raw escapes
    return LabelError(f"not in this store ({what}): {names}")


def _dedupe(codes: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(c.strip() for c in codes if c.strip()))


def bin_labels(engine: Engine, codes: Sequence[str] = (), *, zone: str | None = None,
               all_bins: bool = False) -> list[Label]:
    """Bin tags for the given codes, a zone, or every active bin (in code order)."""
    wanted = _dedupe(codes)
    if not (wanted or zone or all_bins):
        raise LabelError("say which bins: give bin codes, --zone ZONE or --all")
    with Session(engine) as session:
        rows: list[Bin] = []
        if wanted:
            found = {b.code: b for b in session.execute(
                select(Bin).where(Bin.code.in_(wanted))).scalars()}  # type: ignore[attr-defined]
            if missing := set(wanted) - set(found):
                raise _missing("bins", missing)
            rows += [found[c] for c in wanted]
        if zone or all_bins:
            stmt = select(Bin).where(Bin.active).order_by(Bin.code)
            if zone:
                stmt = stmt.where(Bin.zone == zone)
            more = list(session.execute(stmt).scalars())
            if zone and not more:
                raise LabelError(f"zone {zone} has no active bins")
            rows += [b for b in more if b.code not in set(wanted)]
    return [bin_label(b.code, b.zone) for b in rows]


def _gtins(session: Session, sku_ids: Iterable[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    stmt = (select(Barcode).where(Barcode.sku_id.in_(set(sku_ids)), Barcode.kind == "gtin")  # type: ignore[attr-defined]
            .order_by(Barcode.id))
    for row in session.execute(stmt).scalars():
        out.setdefault(row.sku_id, row.code)
    return out


def asset_label(serial: str, sku: Sku | None, gtin: str | None, *, lot: str = "",
                asset_rule: str = DEFAULT_ASSET_RULE) -> Label:
    """The label of one unit (see module docstring for the symbology chosen)."""
    title = _clean(sku.description or sku.code) if sku else ""
    caption = sku.code if sku else ""
    if re.fullmatch(asset_rule, serial, flags=re.ASCII):
        return code128_label(LabelKind.ASSET, serial, title=title, caption=caption)
    if gtin and serial_fits_gs1(serial) and (not lot or serial_fits_gs1(lot)):
        return gs1_asset_label(gtin, serial, lot=lot, title=title, caption=caption)
    return code128_label(LabelKind.ASSET, serial, title=title, caption=caption)


def asset_labels(engine: Engine, serials: Sequence[str] = (), *, receipt: str | None = None,
                 asset_rule: str = DEFAULT_ASSET_RULE) -> list[Label]:
    """Labels for units given by serial and/or the units of a receipt.

    A serial that is not a unit may still be printed when a receipt expects it, or when it is
    an own tag (a tag reprinted before it was stuck on a unit); anything else is refused.
    A receipt's units are its expected serials (advance ship notice) and the units received
    against it, in line order.
    """
    wanted = _dedupe(serials)
    if not (wanted or receipt):
        raise LabelError("say which units: give serials, --receipt RECEIPT or --new N")
    with Session(engine) as session:
        units: list[tuple[str, int | None, str]] = []  # serial, sku_id, lot
        if wanted:
            found = {a.serial: a for a in session.execute(
                select(Asset).where(Asset.serial.in_(wanted))).scalars()}  # type: ignore[attr-defined]
            notice = dict(session.execute(  # serials announced on a receipt, not yet received
                select(ExpectedSerial.serial, ReceiptLine.sku_id)
                .join(ReceiptLine, ReceiptLine.id == ExpectedSerial.line_id)
                .where(ExpectedSerial.serial.in_([s for s in wanted if s not in found]))  # type: ignore[attr-defined]
            ).all())
            missing = [s for s in wanted if s not in found and s not in notice
                       and not re.fullmatch(asset_rule, s, flags=re.ASCII)]
            if missing:
                raise _missing("units", missing)
            units += [(s, found[s].sku_id, found[s].lot) if s in found
                      else (s, notice.get(s), "") for s in wanted]
        if receipt:
            units += _receipt_units(session, receipt)
        seen: set[str] = set()
        units = [u for u in units if not (u[0] in seen or seen.add(u[0]))]
        sku_ids = {u[1] for u in units if u[1] is not None}
        skus = {s.id: s for s in session.execute(
            select(Sku).where(Sku.id.in_(sku_ids))).scalars()}  # type: ignore[union-attr]
        gtins = _gtins(session, sku_ids)
    return [asset_label(serial, skus.get(sku_id), gtins.get(sku_id), lot=lot,
                        asset_rule=asset_rule)
            for serial, sku_id, lot in units]


def _receipt_units(session: Session, code: str) -> list[tuple[str, int | None, str]]:
    rec = session.execute(select(Receipt).where(Receipt.code == code)).scalars().first()
    if rec is None:
        raise LabelError(f"receipt {code} is not in this store")
    expected = session.execute(
        select(ExpectedSerial.serial, ReceiptLine.sku_id, ReceiptLine.line_no)
        .join(ReceiptLine, ReceiptLine.id == ExpectedSerial.line_id)
        .where(ExpectedSerial.receipt_id == rec.id)
        .order_by(ReceiptLine.line_no, ExpectedSerial.id)
    ).all()
    received = session.execute(
        select(Asset.serial, Asset.sku_id, Asset.lot, LedgerEntry.doc_line)
        .join(LedgerEntry, LedgerEntry.asset_id == Asset.id)
        .where(LedgerEntry.action == "receive", LedgerEntry.doc_type == "receipt",
               LedgerEntry.doc_code == code)
        .order_by(LedgerEntry.doc_line, LedgerEntry.id)
    ).all()
    lots = {serial: lot for serial, _sku, lot, _line in received}
    units = [(serial, sku_id, lots.get(serial, "")) for serial, sku_id, _line in expected]
    units += [(serial, sku_id, lot) for serial, sku_id, lot, _line in received]
    if not units:
        raise LabelError(f"receipt {code} has no expected or received units to label")
    return units


def sku_labels(engine: Engine, codes: Sequence[str] = (), *, all_skus: bool = False,
               receipt: str | None = None) -> list[Label]:
    """SKU labels (the GTIN as EAN-13/EAN-8/GS1-128, else the SKU code as Code 128)."""
    wanted = _dedupe(codes)
    if not (wanted or all_skus or receipt):
        raise LabelError("say which SKUs: give SKU codes, --receipt RECEIPT or --all")
    with Session(engine) as session:
        rows: list[Sku] = []
        if wanted:
            found = {s.code: s for s in session.execute(
                select(Sku).where(Sku.code.in_(wanted))).scalars()}  # type: ignore[attr-defined]
            if missing := set(wanted) - set(found):
                raise _missing("SKUs", missing)
            rows += [found[c] for c in wanted]
        if receipt:
            rec = session.execute(select(Receipt).where(Receipt.code == receipt)).scalars().first()
            if rec is None:
                raise LabelError(f"receipt {receipt} is not in this store")
            rows += list(session.execute(
                select(Sku).join(ReceiptLine, ReceiptLine.sku_id == Sku.id)
                .where(ReceiptLine.receipt_id == rec.id).order_by(ReceiptLine.line_no)
            ).scalars())
        if all_skus:
            rows += list(session.execute(select(Sku).order_by(Sku.code)).scalars())
        seen: set[str] = set()
        rows = [r for r in rows if not (r.code in seen or seen.add(r.code))]
        gtins = _gtins(session, [r.id for r in rows if r.id is not None])
    out: list[Label] = []
    for sku in rows:
        title = _clean(sku.description)
        gtin = gtins.get(sku.id) if sku.id is not None else None
        if gtin:
            out.append(gtin_label(gtin, sku_code=sku.code, title=title))
        else:
            out.append(code128_label(LabelKind.SKU, sku.code, title=title))
    return out


def new_tag_labels(tags: Sequence[str]) -> list[Label]:
    """Labels for freshly allocated own asset tags (no unit yet)."""
    return [code128_label(LabelKind.ASSET, tag) for tag in tags]
