"""Labels: bin tags, asset tags and SKU labels that scan back exactly. No UI, no Textual.

What the rest of the app calls (all errors are ``LabelError``, one sentence for the person).
Asset tags are printed one way, by the screens, the ``labels assets`` command and the tests
alike (print, then record only if printing worked; ``labels.jobs``)::

    job = print_asset_tags(engine, config.labels, printer_url, actor_badge="OP-0001",
                           terminal="DOCK-1", new=3, doc_type="receipt", doc_code="R-1001",
                           scan_id=scan.id)                      # job.tags: the new tags
    print_asset_tags(engine, config.labels, printer_url, actor_badge="OP-0001",
                     terminal="DOCK-1", serials=["AT00000042"], reprint=True)
    reprint_bin_tag(engine, config.labels, "A04-B-12", printer_url)   # no ledger row

The steps inside (for tests and tools, not for new callers)::

    from scanner_tui.labels import (
        allocate_asset_tags, asset_labels, bin_labels, new_tag_labels, print_labels,
        record_printed, render_label, sku_labels,
    )

    # "print next asset tags" while receiving a serial SKU whose units carry no serial:
    tags = allocate_asset_tags(engine, 3, actor_badge="OP-0001", terminal="DOCK-1",
                               prefix=cfg.labels.asset_prefix, digits=cfg.labels.asset_digits)
    print_labels(new_tag_labels(tags), cfg.labels, "tcp://10.0.0.9:9100", fmt="zpl")
    record_printed(engine, tags, actor_badge="OP-0001", terminal="DOCK-1",
                   doc_type="receipt", doc_code="R-1001")   # only after print_labels returned

    # "reprint this bin tag / this unit's tag" from look-up:
    print_labels(bin_labels(engine, ["A04-B-12"]), cfg.labels, "tcp://10.0.0.9:9100")
    print_labels(asset_labels(engine, ["AT00000042"]), cfg.labels, printer_url)
    record_printed(engine, ["AT00000042"], actor_badge=..., terminal=..., reprint=True)

- ``allocate_asset_tags(engine, n, actor_badge, terminal, *, prefix="AT", digits=8)
  -> list[str]``: the next n tags from ``TagSequence``, never issued twice (several terminals,
  SQLite or PostgreSQL).
- ``bin_labels(engine, codes=(), *, zone=None, all_bins=False)``,
  ``asset_labels(engine, serials=(), *, receipt=None, asset_rule=...)``,
  ``sku_labels(engine, codes=(), *, all_skus=False, receipt=None)``, ``new_tag_labels(tags)``
  -> ``list[Label]``: what to print.
- ``render_label(label, fmt, cfg) -> bytes`` with ``fmt`` in svg, png, pdf, zpl;
  ``to_pdf(labels, cfg, sheet="thermal"|"a4"|"letter")``, ``to_zpl(labels, cfg)``.
- ``print_labels(labels, cfg, destination, *, fmt="zpl", sheet=None) -> list[str]``:
  destination is a folder, ``-`` (stdout) or ``tcp://HOST:9100``; raises ``PrinterError``
  when the printer does not answer, is out of paper, paused... and then nothing is printed.
- ``record_printed(engine, tags, *, actor_badge, terminal, reprint=False, doc_type="",
  doc_code="", entry="typed", scan_id=None) -> list[int]``: the ledger rows
  (``action="label"``); ``already_issued(engine, tags)`` tells which would be reprints.

``cfg`` is ``Config.labels`` (``LabelsConfig``: size, dpi, quiet zone, text, sheet grid).
"""

from scanner_tui.labels.jobs import NotRecorded, TagsPrinted, print_asset_tags, reprint_bin_tag
from scanner_tui.labels.label import Label, LabelError, LabelKind, Symbology
from scanner_tui.labels.output import print_labels, render_job
from scanner_tui.labels.pdf import to_pdf
from scanner_tui.labels.printer import PrinterError, send_raw
from scanner_tui.labels.record import already_issued, record_printed
from scanner_tui.labels.render import render_label
from scanner_tui.labels.select import asset_labels, bin_labels, new_tag_labels, sku_labels
from scanner_tui.labels.sequence import allocate_asset_tags
from scanner_tui.labels.zpl import to_zpl

__all__ = [
    "Label", "LabelError", "LabelKind", "NotRecorded", "PrinterError", "Symbology",
    "TagsPrinted", "allocate_asset_tags", "already_issued", "asset_labels", "bin_labels",
    "new_tag_labels", "print_asset_tags", "print_labels", "record_printed", "render_job",
    "render_label", "reprint_bin_tag", "send_raw", "sku_labels", "to_pdf", "to_zpl",
]
