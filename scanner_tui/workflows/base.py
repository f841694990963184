"""What every floor workflow shares: the step machine's interface and its answers.

A workflow is a state machine outside Textual (odoo-sentinel style): the screen is dumb, it hands
each classified scan (or typed text, or a command) to the workflow and renders the ``Outcome`` and
the ``View``. Workflows call the inventory operations, which do the checking and the writing; a
rejected scan changes nothing.

``CMD:UNDO`` works in every workflow: ``handle`` routes it to ``on_undo`` (default: the
inventory's ``undo_last`` for this operator). A workflow that keeps local state about what it
did overrides ``on_undo``, calls ``super().on_undo(scan)`` and refreshes itself.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from scanner_tui.codes import CodeRefused, parse_quantity
from scanner_tui.inventory import authenticity
from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.errors import AuthenticityError, DomainError
from scanner_tui.inventory.identity import policy_for
from scanner_tui.inventory.operations import undo_last
from scanner_tui.scanning.result import Kind, Scan, ScanResult, Source
from scanner_tui.text import with_article

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import Engine

    from scanner_tui.inventory.ops.base import OpResult
    from scanner_tui.workflows.shift import Shift

HANDLED_MEMO = 500  # scan ids a workflow remembers answering (for retries)
COMMANDS = ("DONE", "CANCEL", "SHORT", "UNDO", "YES", "NO", "SKIP", "BACK")


@dataclass(frozen=True, slots=True)
class Question:
    """Something the screen must ask before the workflow goes on (answered by scan or key)."""

    text: str  # "Is A04-B-12 empty now?"
    kind: str = "yesno"  # yesno | quantity | choice | text (free answer: a lot, a date)
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Outcome:
    """The answer to one scan or key: accepted or rejected (with why), and what to do next."""

    accepted: bool
    message: str  # one sentence: what changed, or why nothing did
    changed: bool = False  # stock or documents changed
    done: bool = False  # the workflow has finished
    question: Question | None = None
    warning: bool = False  # accepted, but the person must notice (over-receipt, ...)

    @classmethod
    def ok(cls, message: str, *, changed: bool = False, **kw: object) -> Outcome:
        return cls(True, message, changed=changed, **kw)  # type: ignore[arg-type]

    @classmethod
    def refuse(cls, message: str) -> Outcome:
        return cls(False, message)


@dataclass(frozen=True, slots=True)
class Line:
    """One row of the workflow's table (a receipt line, a pick line, a bin's content)."""

    cells: tuple[str, ...]
    state: str = ""  # "" | done | short | current | warn


@dataclass(frozen=True, slots=True)
class View:
    """What the screen shows: a title, the next instruction in big type, and context."""

    title: str
    instruction: str  # "Scan bin C11-A-03"
    context: tuple[str, ...] = ()  # small lines: order, customer, working bin...
    columns: tuple[str, ...] = ()
    lines: tuple[Line, ...] = ()
    accepts: tuple[Kind, ...] = ()  # kinds of scan this step takes (shown as a hint)


@dataclass
class Services:
    """What a workflow needs from the outside world, handed in (tests build throwaway ones)."""

    engine: Engine
    badge: str
    terminal: str
    role: str
    shift: Shift | None = None
    extras: dict = field(default_factory=dict)


def entry_of(scan: Scan) -> str:
    """How a code was entered: typed by a person, or scanned (wedge burst, serial, paste)."""
    return "typed" if scan.source == Source.KEYBOARD else "scanned"


class Workflow(ABC):
    """Base class: routes commands, counts scans and errors for the shift summary."""

    title: str = ""

    def __init__(self, services: Services) -> None:
        self.services = services

    # -- what the screen calls -------------------------------------------------------------
    def handle(self, scan: Scan, result: ScanResult) -> Outcome:
        """Answer one classified scan. The same scan handed over again (same ``Scan.id``: a
        retry, a replay) gets its first answer back and does nothing (not even count)."""
        handled = self.__dict__.setdefault("_handled", OrderedDict())
        first = handled.get(scan.id)
        if first is not None:
            return replace(first, changed=False)
        outcome = self._handle(scan, result)
        handled[scan.id] = outcome
        while len(handled) > HANDLED_MEMO:
            handled.popitem(last=False)
        return outcome

    def _handle(self, scan: Scan, result: ScanResult) -> Outcome:
        try:
            outcome = self._route(scan, result)
        except DomainError as err:  # a look-up's refusal: ambiguous serial, GTIN mismatch
            outcome = self._refused(err, scan, scan.payload)
        self._count(outcome)
        return outcome

    def _refused(self, err: DomainError, scan: Scan | None, payload: str) -> Outcome:
        """A refusal raised past the workflow; one that smells of mislabelling is kept as an
        authenticity event (``inventory/authenticity.py``)."""
        if isinstance(err, AuthenticityError):
            s = self.services
            authenticity.record(s.engine, err, scan_id=scan.id if scan else "",
                                terminal=s.terminal, operator=s.badge, payload=payload)
        return Outcome.refuse(str(err))

    def _route(self, scan: Scan, result: ScanResult) -> Outcome:
        """UNDO, other commands, a refusal for what was not recognised, else ``on_scan``."""
        if result.kind == Kind.COMMAND and result.command == "UNDO":
            return self.on_undo(scan)
        if result.kind == Kind.COMMAND and result.command:
            return self.on_command(result.command, scan)
        if not result.accepted:
            what = "Nothing was read" if result.kind == Kind.EMPTY else "Unrecognised code"
            reason = f": {result.reason}" if result.reason else ""
            return Outcome.refuse(f"{what}{reason}. {self.view().instruction}.")
        return self.on_scan(scan, result)

    def answer(self, text: str, scan: Scan | None = None) -> Outcome:
        """Typed input: a quantity, a yes/no, or a code typed instead of scanned."""
        try:
            outcome = self.on_text(text.strip(), scan)
        except DomainError as err:
            outcome = self._refused(err, scan, text)
        except CodeRefused as err:  # a typed quantity that is not ASCII digits in range
            outcome = Outcome.refuse(str(err))
        self._count(outcome)
        return outcome

    @abstractmethod
    def view(self) -> View: ...

    # -- what subclasses implement ---------------------------------------------------------
    @abstractmethod
    def on_scan(self, scan: Scan, result: ScanResult) -> Outcome: ...

    def on_command(self, command: str, scan: Scan) -> Outcome:
        return Outcome.refuse(f"CMD:{command} does nothing here. {self.view().instruction}.")

    def on_text(self, text: str, scan: Scan | None) -> Outcome:
        return Outcome.refuse(f"Typing is not used here. {self.view().instruction}.")

    def on_undo(self, scan: Scan) -> Outcome:
        """CMD:UNDO: reverse this operator's own last change (compensating ledger rows)."""
        shift = self.services.shift
        try:
            done = self.run(undo_last, scan, since=shift.started if shift else None)
        except DomainError as err:
            return Outcome.refuse(str(err))
        return Outcome.ok(done.message, changed=not done.replayed)

    # -- helpers for subclasses ------------------------------------------------------------
    @property
    def actor(self) -> Actor:
        s = self.services
        return Actor(badge=s.badge, terminal=s.terminal, role=s.role)

    def run(self, operation: Callable[..., OpResult], scan: Scan, **kwargs: Any) -> OpResult:
        """Call an inventory operation for ``scan`` (actor, scan id and entry filled in;
        ``scan_id=`` / ``entry=`` in ``kwargs`` override them).

        Raises the operation's DomainError; ``str(err)`` is the sentence to refuse with.
        """
        kwargs.setdefault("scan_id", scan.id)
        kwargs.setdefault("entry", entry_of(scan))
        return operation(self.services.engine, actor=self.actor, **kwargs)

    def typed_quantity(self, text: str) -> int:
        """A number typed at a prompt, through the one parser (``scanner_tui.codes``): ASCII
        digits only (``٥٠``, ``1e3``, ``+7`` are refused), at most the site's limit; 0 is left
        to the prompt to judge. Raises CodeRefused (``answer`` refuses with its sentence)."""
        limit = policy_for(self.services.engine).max_quantity
        return parse_quantity(text, limit=limit, minimum=0)

    # -- shift summary ---------------------------------------------------------------------
    def _count(self, outcome: Outcome) -> None:
        shift = self.services.shift
        if shift is not None:
            shift.record(outcome)


def brief(text: str, shorter: str, width: int = 38) -> str:
    """An instruction for a 40-column screen: ``shorter`` when ``text`` (a long code) is wide."""
    return text if len(text) <= width else shorter


def expected(kinds: tuple[Kind, ...], got: ScanResult, instruction: str) -> Outcome:
    """Refusal for a scan of the wrong kind, naming what was scanned and what is due."""
    code = got.code or got.kind.value
    wanted = with_article(" or ".join(k.value for k in kinds))
    got_kind = with_article(got.kind.value)
    return Outcome.refuse(f"{code} is {got_kind}, not {wanted}. {instruction}.")
