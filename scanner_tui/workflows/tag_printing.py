"""Label printing from the floor workflows: new asset tags (receiving) and reprints (look-up).

The workflow side of ``scanner_tui.labels``: the printer is the terminal's ``[labels] printer``
(``services.config``, the app's ``Config``); every ``LabelError`` / ``PrinterError``
becomes a refusal sentence, and the ledger is written only after the printer took the job.

* ``print_new_tags(services, n, scan, *, doc_type, doc_code) -> Printed``: allocate, print and
  record ``n`` new asset tags (``Printed.tags`` empty and ``Printed.outcome`` a refusal when
  nothing was printed).
* ``reprint_tag(services, looked_up, scan) -> Outcome``: reprint the tag of what look-up shows
  (a bin's tag, or a unit's tag, recorded in the ledger as a reprint).
* ``printer_of(services)``, ``no_printer()``: the configured printer, and the sentence that
  says how to set one.
* ``count_refusal(n)``: the refusal of a tag count outside 1..``MAX_TAGS`` (else None).
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner_tui.config import Config, LabelsConfig
from scanner_tui.labels.jobs import NotRecorded, print_asset_tags, reprint_bin_tag
from scanner_tui.labels.label import LabelError
from scanner_tui.labels.record import compress
from scanner_tui.labels.select import DEFAULT_ASSET_RULE
from scanner_tui.scanning.result import Scan
from scanner_tui.workflows.base import Outcome, Services, entry_of

MAX_TAGS = 100  # new asset tags one print command may ask for


@dataclass(frozen=True, slots=True)
class Printed:
    """What a print command did: the tags the printer took (none when refused)."""

    outcome: Outcome
    tags: tuple[str, ...] = ()


def config_of(services: Services) -> Config | None:
    """The app's configuration, when the app handed it to the workflow."""
    config = services.config
    return config if isinstance(config, Config) else None


def labels_config(services: Services) -> LabelsConfig:
    config = config_of(services)
    return config.labels if config is not None else LabelsConfig()


def printer_of(services: Services) -> str:
    """The terminal's label printer (``tcp://HOST:9100``), or "" when none is set."""
    return labels_config(services).printer


def no_printer() -> str:
    return ('No label printer is set for this terminal: add printer = "tcp://HOST:9100" '
            "under [labels] in its config file.")


def tag_list(tags: tuple[str, ...] | list[str]) -> str:
    """``AT00000021-AT00000023, AT00000030``: consecutive tags folded into ranges."""
    return ", ".join(compress(list(tags)))


def count_refusal(n: int) -> Outcome | None:
    """The refusal of a tag count outside 1..MAX_TAGS (None: ``n`` tags may be printed)."""
    if 1 <= n <= MAX_TAGS:
        return None
    return Outcome.refuse(f"Print between 1 and {MAX_TAGS} tags at a time.")


def _refusal(exc: LabelError, lead: str = "Nothing printed") -> Outcome:
    reason = " ".join(str(exc).split()) or "the label could not be made"
    return Outcome.refuse(f"{lead}: {reason.rstrip('.')}.")


def print_new_tags(services: Services, n: int, scan: Scan, *, doc_type: str = "",
                   doc_code: str = "") -> Printed:
    """Allocate ``n`` new asset tags, print them, then record them (ledger ``label`` rows)."""
    printer = printer_of(services)
    if not printer:
        return Printed(Outcome.refuse(no_printer()))
    refused = count_refusal(n)
    if refused is not None:
        return Printed(refused)
    try:
        job = print_asset_tags(services.engine, labels_config(services), printer,
                               actor_badge=services.badge, terminal=services.terminal, new=n,
                               doc_type=doc_type, doc_code=doc_code, scan_id=scan.id,
                               entry=entry_of(scan))
    except NotRecorded as exc:
        return Printed(_refusal(exc, f"Printed {tag_list(exc.tags)} but could not record it"))
    except LabelError as exc:  # numbers allocated but not printed are never issued
        return Printed(_refusal(exc))
    return Printed(Outcome.ok(f"Printed {tag_list(job.tags)}.", changed=True), job.tags)


def reprint_tag(services: Services, looked_up: dict | None, scan: Scan) -> Outcome:
    """Reprint the tag of the bin or unit ``looked_up`` (a ``history`` dict) shows."""
    kind = (looked_up or {}).get("type")
    if kind not in ("bin", "asset"):
        return Outcome.refuse("Scan a bin or a unit first; CMD:REPRINT then reprints its tag.")
    printer = printer_of(services)
    if not printer:
        return Outcome.refuse(no_printer())
    cfg, engine = labels_config(services), services.engine
    if kind == "bin":
        code = str(looked_up["code"])
        try:
            reprint_bin_tag(engine, cfg, code, printer)
        except LabelError as exc:
            return _refusal(exc)
        return Outcome.ok(f"Bin tag {code} reprinted: stick it over the damaged one.")
    serial = str(looked_up["serial"])
    config = config_of(services)
    rule = config.tags.asset if config is not None else DEFAULT_ASSET_RULE
    try:
        print_asset_tags(engine, cfg, printer, actor_badge=services.badge,
                         terminal=services.terminal, serials=[serial], asset_rule=rule,
                         reprint=True, scan_id=scan.id, entry=entry_of(scan))
    except NotRecorded as exc:
        return _refusal(exc, f"Reprinted {serial} but could not record it")
    except LabelError as exc:
        return _refusal(exc)
    return Outcome.ok(f"Tag {serial} reprinted: stick it over the damaged one.", changed=True)
