"""The floor workflows the menu offers: key, title, class, roles (what the menu shows).

Role filtering here only decides what a menu lists; the inventory layer still refuses an
operation to a role that may not do it (``inventory.ops.base.check_role``).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scanner_tui.inventory.db import Engine
    from scanner_tui.scanning.result import ScanResult
    from scanner_tui.workflows.base import Services, Workflow

from scanner_tui.inventory.ops.base import APPROVERS, ROLE_MATRIX

EVERYONE = ("picker", "receiver", "supervisor", "admin")


@dataclass(frozen=True, slots=True)
class WorkflowEntry:
    """One menu entry. ``target`` is ``"module:Class"`` of a Workflow (imported on use, so the
    menu never pays for workflows nobody opens), or ``""`` for a screen of the app itself."""

    key: str  # also the command card: CMD:<KEY upper>
    title: str
    target: str
    roles: tuple[str, ...]

    @property
    def command(self) -> str:
        """The command card that opens it (``CMD:PICK``)."""
        return self.key.upper().replace("_", "")

    def load(self) -> type:
        """The Workflow class (ImportError/AttributeError if it is not there)."""
        module, _, name = self.target.partition(":")
        return getattr(import_module(module), name)

    def allows(self, role: str) -> bool:
        return role in self.roles


WORKFLOWS: tuple[WorkflowEntry, ...] = (
    WorkflowEntry("receive", "Receive", "scanner_tui.workflows.receive:ReceiveWorkflow",
                  ROLE_MATRIX["receive"]),
    WorkflowEntry("putaway", "Putaway", "scanner_tui.workflows.putaway:PutawayWorkflow",
                  ROLE_MATRIX["putaway"]),
    WorkflowEntry("pick", "Pick", "scanner_tui.workflows.pick:PickWorkflow", ROLE_MATRIX["pick"]),
    WorkflowEntry("move", "Move", "scanner_tui.workflows.move:MoveWorkflow", ROLE_MATRIX["move"]),
    WorkflowEntry("returns", "Returns", "scanner_tui.workflows.returns:ReturnsWorkflow",
                  ROLE_MATRIX["return"]),
    WorkflowEntry("count", "Count", "scanner_tui.workflows.count:CountWorkflow", EVERYONE),
    WorkflowEntry("counts", "Approve counts",
                  "scanner_tui.workflows.count_supervise:CountSuperviseWorkflow", APPROVERS),
    WorkflowEntry("lookup", "Look-up", "scanner_tui.workflows.lookup:LookupWorkflow", EVERYONE),
    WorkflowEntry("scan", "Scan anything", "", EVERYONE),
)


def for_role(role: str) -> list[WorkflowEntry]:
    """The entries a role's menu lists, in menu order."""
    return [w for w in WORKFLOWS if w.allows(role)]


def find(key_or_command: str) -> WorkflowEntry | None:
    """The entry for a key (``pick``) or a command card's word (``PICK``, ``CMD:PICK``)."""
    word = key_or_command.strip().upper().removeprefix("CMD:")
    for w in WORKFLOWS:
        if w.command == word or w.key.upper() == word:
            return w
    return None


def task_for_scan(engine: Engine, result: ScanResult) -> WorkflowEntry | None:
    """The task a scan on the menu opens (issue 11 item 17): an order's code opens Pick on
    it, a receipt's Receive, a bin, unit or product Look-up; None for anything else."""
    from scanner_tui.inventory.receipt_doc import find_receipt
    from scanner_tui.scanning.result import Kind
    from scanner_tui.workflows.pick_plan import find_order

    if result.accepted and result.kind in (Kind.BIN, Kind.ASSET, Kind.PRODUCT):
        return find("lookup")
    code = (result.code or "").strip()
    if result.kind is not Kind.UNKNOWN or not code or not code.isascii() or len(code) > 64:
        return None
    if find_order(engine, code) is not None:
        return find("pick")
    if find_receipt(engine, code) is not None:
        return find("receive")
    return None


def restore(services: Services, data: dict) -> Workflow | str:
    """A task rebuilt from ``Workflow.snapshot()`` data, or the sentence saying why it was
    dropped (an unknown task, or a state written by another release)."""
    entry = find(str(data.get("task", ""))) if isinstance(data, dict) else None
    if entry is None or not entry.target:
        return "The saved task is not known here; start it again from the menu."
    cls = entry.load()
    version = data.get("version")
    if not getattr(cls, "state_version", 0) or version != cls.state_version:
        return (f"The saved {entry.title} task was written by another version of the app; "
                "start it again from the menu.")
    try:
        return cls.restore(services, data)
    except (KeyError, TypeError, ValueError):
        return f"The saved {entry.title} task could not be read back; start it again."
