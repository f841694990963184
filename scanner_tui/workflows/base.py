"""What every floor workflow shares: the step machine's interface and its answers.

A workflow is a state machine outside Textual (odoo-sentinel style): the screen is dumb, it hands
each classified scan (or typed text, or a command) to the workflow and renders the ``Outcome`` and
the ``View``. Workflows call the inventory operations, which do the checking and the writing; a
rejected scan changes nothing.

``CMD:UNDO`` works in every workflow: ``handle`` routes it to ``on_undo`` (default: the
inventory's ``undo_last`` for this operator, changes made since this task opened:
``undo_since``). A workflow that keeps local state about what it did overrides ``on_undo``,
calls ``super().on_undo(scan)`` and refreshes itself. Undo takes back the last change at once,
once; another ``CMD:UNDO`` before a new change asks first, naming what it would undo
("Undo also the move of AT00000002?", ``undo_asked``: yes undoes it, anything else keeps it).

Questions, one rule for all: a workflow's open :class:`Question` (``question``) is answered only
by its answer: ``CMD:YES`` / ``CMD:NO`` (yes/no; for a quantity: the default / none), a typed
answer, or the answer's own scan (``on_answer_scan``: the same product counted once more, a
lot's label). ``CMD:CANCEL`` and ``CMD:UNDO`` still work. Any other scan is refused and the
question repeated. Answers go to one dispatcher: ``answer_<question.action>(reply, scan)``.
An *optional* question (a count prompt where every scan is already counted: receive, move)
only offers a correction: scanning on closes it.

Retries: the same scan id handed over again gets its first answer back (one memo here, for
answers); changes are made once by the store (its applied-scan record).

Dock labels (issue 10), one rule each for every workflow: a container label whose content
GTIN is known (SSCC + (02) + (37)) is taken as that product with its ``count``; a label's
``count`` is offered as the quantity question's default (confirmed, never typed); GS1 data
that reads two ways (``alternative``) goes to ``on_two_readings`` (refused unless the
workflow asks which reading is right); the first caps-lock scan of a shift says so once.

Refusals raised past a workflow become outcomes in that one place too: a look-up's
``DomainError`` (an ambiguous serial, a GTIN that is not the unit's product) is refused with
its sentence, and an ``AuthenticityError`` is also kept as an authenticity event
(``inventory.authenticity``); a typed number in another form (``٥٠``, ``1e3``) is refused in
the words of the one parser, ``codes.parse_quantity`` (``foreign_number``, ``read_reply``,
``typed_quantity``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from scanner_tui.codes import MAX_QUANTITY, CodeRefused, length_refusal, number_like, parse_quantity
from scanner_tui.inventory import authenticity
from scanner_tui.inventory.actor import Actor
from scanner_tui.inventory.errors import AuthenticityError, DomainError, NothingToUndo, shown
from scanner_tui.inventory.identity import policy_for
from scanner_tui.inventory.lookup import resolve_scan
from scanner_tui.inventory.models import utcnow
from scanner_tui.inventory.operations import last_change, undo_last
from scanner_tui.scanning.result import Kind, Scan, ScanResult, Source
from scanner_tui.text import sentence, with_article
from scanner_tui.workflows.shift import CAPS_LOCK

if TYPE_CHECKING:
    from scanner_tui.config import Config
    from scanner_tui.inventory.claims import ClaimDesk
    from scanner_tui.inventory.db import Engine
    from scanner_tui.inventory.ops.base import OpResult
    from scanner_tui.scanning.rules import TagRules
    from scanner_tui.workflows.shift import Shift

HANDLED_MEMO = 500  # scan ids a workflow remembers answering (for retries)
SAVED_ANSWERS = 20  # of those, kept in a snapshot (a retry after a reconnect)
COMMANDS = ("DONE", "CANCEL", "SHORT", "UNDO", "YES", "NO", "SKIP", "BACK")
YES_WORDS = frozenset(("y", "yes", "j", "ja", "ok"))  # typed answers, every workflow
NO_WORDS = frozenset(("n", "no", "nein"))
# Typed outside a question, up to this many ASCII digits is a number (a list choice, a count
# of labels), longer is a code typed by hand. A quantity's limit is the site's
# ([identity] max_quantity, ``quantity_limit``), the one the operations enforce.
QTY_DIGITS = 5


class Ask(StrEnum):
    """The closed set of question kinds (what the screen offers to answer with)."""

    YESNO = "yesno"
    QUANTITY = "quantity"
    CHOICE = "choice"
    TEXT = "text"  # a free answer: a lot, a date


@dataclass(frozen=True, slots=True)
class Question:
    """Something the screen must ask before the workflow goes on (answered by scan or key).

    ``action`` names what answering does (the workflow's ``answer_<action>``): data, not a
    closure, so an open question can be saved and restored."""

    text: str  # "Is A04-B-12 empty now?"
    kind: Ask = Ask.YESNO
    choices: tuple[str, ...] = ()
    action: str = ""
    default: int | None = None  # quantity: what Enter or CMD:YES takes (None: must be typed)
    optional: bool = False  # a count prompt: nothing waits on it, scanning on closes it

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", Ask(self.kind))  # a closed set: "yesno" -> Ask.YESNO

    def to_dict(self) -> dict:
        return {"text": self.text, "kind": str(self.kind), "choices": list(self.choices),
                "action": self.action, "default": self.default, "optional": self.optional}

    @classmethod
    def from_dict(cls, data: dict) -> Question:
        return cls(data["text"], Ask(data["kind"]), tuple(data.get("choices", ())),
                   data.get("action", ""), data.get("default"), bool(data.get("optional")))

    @property
    def how(self) -> str:
        """How to answer it, in a few words."""
        if self.kind is Ask.YESNO:
            return "CMD:YES or CMD:NO"
        if self.kind is Ask.QUANTITY:
            return ("type a number" if self.default is None
                    else f"type a number, Enter for {self.default}")
        if self.kind is Ask.CHOICE:
            return f"choose 1-{len(self.choices)}"
        return "scan or type it"

    @property
    def hint(self) -> str:
        """``how`` as a sentence."""
        return f"{self.how[:1].upper()}{self.how[1:]}."


def is_number(text: str, digits: int = QTY_DIGITS) -> bool:
    """A typed number: ASCII digits only (``٥٠``, ``1e3``, ``½`` are not), at most ``digits``."""
    return text.isascii() and text.isdigit() and len(text) <= digits


def foreign_number(text: str, *, quantity: bool = False) -> str | None:
    """Why typed ``text``, a number in another form, is refused, in the one parser's words
    (``codes.parse_quantity``): other scripts' digits (``٥٠``, ``²``: never a number, never
    a code) anywhere; ``1e3``, ``+7``, ``7.0`` where a quantity is asked. None: not such."""
    if (text.isascii() and text.isdigit()) or not (
            text.isdigit() or (quantity and number_like(text))):
        return None
    try:
        parse_quantity(text, what="quantity" if quantity else "number", minimum=0)
    except CodeRefused as err:
        return str(err)
    return None


class Refusal(str):
    """A typed reply that does not answer the question (the sentence saying why)."""


def read_reply(question: Question, text: str, *, limit: int = MAX_QUANTITY
               ) -> bool | int | str | None | Refusal:
    """A typed reply to ``question``: True/False (yes/no), an int or None (quantity: None is
    "no quantity"; a number goes through the one parser, ``codes.parse_quantity``, at most
    ``limit``), the chosen choice, the text; or a :class:`Refusal`."""
    word = text.strip()
    low = word.lower()
    if question.kind is Ask.YESNO:
        if low in YES_WORDS or low in NO_WORDS:
            return low in YES_WORDS
        return Refusal(f"Answer yes or no: {question.text}")
    if question.kind is Ask.QUANTITY:
        if word == "" or low in YES_WORDS:
            if question.default is None:
                return Refusal(f"Type how many: {question.text}")
            return question.default
        if low in NO_WORDS:
            return None
        if number_like(word):  # ASCII digits in range, else the parser's sentence
            try:
                return parse_quantity(word, limit=limit, minimum=0)
            except CodeRefused as err:
                return Refusal(str(err))
        return Refusal(f"{shown(word, 20)} is not a quantity; {question.how}.")
    if question.kind is Ask.CHOICE:
        if is_number(word) and 1 <= int(word) <= len(question.choices):
            return question.choices[int(word) - 1]
        starting = [c for c in question.choices if low and c.lower().startswith(low)]
        exact = [c for c in starting if c.lower() == low]
        if exact or len(starting) == 1:
            return (exact or starting)[0]
        return Refusal(f"{shown(word, 20)} is not one of the choices: {question.text}")
    if not word:
        return Refusal(f"Nothing was typed. {question.text} {question.hint}")
    return word


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

    def to_dict(self) -> dict:
        return {"accepted": self.accepted, "message": self.message, "changed": self.changed,
                "done": self.done, "warning": self.warning,
                "question": question_to_dict(self.question)}

    @classmethod
    def from_dict(cls, data: dict) -> Outcome:
        return cls(bool(data["accepted"]), data["message"], bool(data["changed"]),
                   bool(data["done"]), question_from_dict(data.get("question")),
                   bool(data["warning"]))


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
    narrow: tuple[str, ...] = ()  # columns left out first when the screen is too narrow


@dataclass
class Services:
    """What a workflow needs from the outside world, handed in (tests build throwaway ones)."""

    engine: Engine
    badge: str
    terminal: str
    role: str
    shift: Shift | None = None
    config: Config | None = None  # the app's settings ([labels] printer, ...)
    rules: TagRules | None = None  # the site's tag rules (None: the defaults)
    dock_bin: str | None = None  # the site's receiving place (None: the first dock bin)
    claims: ClaimDesk | None = None  # orders, receipts, count bins: one person each (the app
    # always gives one, ``workflows.claiming``; None: not claimed, for tests and benches)


def question_to_dict(question: Question | None) -> dict | None:
    """An open question as data (None: none open)."""
    return question.to_dict() if question is not None else None


def question_from_dict(data: dict | None) -> Question | None:
    return Question.from_dict(data) if data else None


def scan_to_dict(scan: Scan | None) -> dict | None:
    """A scan a question waits on, as data (its id keeps the operation idempotent)."""
    if scan is None:
        return None
    return {"payload": scan.payload, "source": str(scan.source), "id": scan.id}


def scan_from_dict(data: dict | None) -> Scan | None:
    if data is None:
        return None
    return Scan(payload=data["payload"], source=Source(data["source"]), id=data["id"])


def contents_of(result: ScanResult) -> ScanResult:
    """A container label naming its content (SSCC + (02) GTIN + (37) count) as the product
    it holds, with the count, lot and expiry; any other result as it is."""
    if result.kind is not Kind.CONTAINER or not result.gtin:
        return result
    return replace(result, kind=Kind.PRODUCT, sscc=None)


def two_ways(result: ScanResult) -> str:
    """The refusal for GS1 data that lost a separator: it reads two ways."""
    return (f"{result.code[:24]} reads two ways (a lost separator): "
            f"{reading_text(result)} or {reading_text(result.alternative)}. "
            "Scan a label that reads one way, or set it aside for a supervisor.")


def reading_text(result: ScanResult | None) -> str:
    """One reading of a label in a few words, for a 40-column choice: "lot ABC12321SN0001",
    "serial SN0001 lot ABC123"."""
    if result is None:
        return ""
    parts = [f"{name} {getattr(result, name)}" for name in ("serial", "lot", "count")
             if getattr(result, name) is not None]
    return " ".join(parts) or f"{result.kind.value} {result.gtin or result.code}"[:36]


def unmapped_place(result: ScanResult) -> str:
    """The refusal for a GS1 place label ((414) GLN + (254) extension) no bin is mapped to."""
    return (f"Place label GLN {result.gln} / {result.gln_extension} is not mapped to a bin: "
            "give the bin its gln and gln_extension in the bins import, or set "
            "gln_extension_is_bin = true under [tags] if the extension is the bin code.")


def entry_of(scan: Scan) -> str:
    """How a code was entered: typed by a person, or scanned (wedge burst, serial, paste)."""
    return "typed" if scan.source == Source.KEYBOARD else "scanned"


class Workflow(ABC):
    """Base class: routes commands and questions, remembers answers, counts for the shift."""

    title: str = ""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.asked: Question | None = None  # the open question (see ``question``)
        self.caps_told = False  # "caps lock is on" said (kept on the shift when there is one)
        self._handled: OrderedDict[str, Outcome] = OrderedDict()
        self.opened_at = utcnow()  # undo reaches back to here, not before (``undo_since``)
        self.undid = False  # the last change was undone: another undo asks first
        self.undos = 0  # changes undone in this task
        self.undo_asked: Question | None = None  # "Undo also ...?" while it stands

    # -- what the screen calls -------------------------------------------------------------
    @property
    def question(self) -> Question | None:
        """The open question, if any (the screen shows it)."""
        return self.asked

    @property
    def last_answer(self) -> Outcome | None:
        """The answer to the last scan or typed reply (kept in a snapshot, so a restored
        screen shows it again with its mark); None before the first."""
        return next(reversed(self._handled.values()), None)

    @property
    def open_question(self) -> Question | None:
        """What the screen asks: the undo question while it stands, else ``question``."""
        return self.undo_asked or self.question

    @property
    def ended(self) -> bool:
        """The task is over (a receipt closed with CMD:DONE): only leaving is left, with
        CMD:CANCEL, a task card, the badge or Escape (issue 11 item 9)."""
        return False

    def handle(self, scan: Scan, result: ScanResult) -> Outcome:
        """Answer one classified scan. The same scan handed over again (same ``Scan.id``: a
        retry, a replay) gets its first answer back and does nothing (not even count)."""
        if result.caps_lock:
            return self._once(scan, lambda: self.interrupted(scan, result)
                              or self._caps_lock(self._route(scan, result)))
        return self._once(scan, lambda: self.interrupted(scan, result)
                          or self._route(scan, result))

    def interrupted(self, scan: Scan, result: ScanResult | None) -> Outcome | None:
        """Before a scan or typed answer is acted on: the answer instead, when something
        outside this terminal ended what it was doing (``claiming``: the document was taken
        over); None: go on."""
        return None

    def close(self) -> None:  # noqa: B027  (most tasks hold nothing)
        """The task is left (a task card, a sign-out): let go of what it holds."""

    def _caps_lock(self, outcome: Outcome) -> Outcome:
        """The first caps-lock scan of the shift (else of this task) says so, once."""
        shift = self.services.shift
        told = self.caps_told
        self.caps_told = True
        note = "" if told else shift.caps_lock_note() if shift is not None else CAPS_LOCK
        return replace(outcome, message=note + outcome.message, warning=True) if note \
            else outcome

    def answer(self, text: str, scan: Scan | None = None,
               result: ScanResult | None = None) -> Outcome:
        """Typed input (``result``: the pipeline's classification of it): the open question's
        answer, else ``on_text`` (a list number, a code typed instead of scanned)."""
        scan = scan or Scan(payload=text, source=Source.KEYBOARD)
        return self._once(scan, lambda: self.interrupted(scan, result) or self._typed(
            text.strip(), scan, result or self.classify(text)))

    def classify(self, text: str) -> ScanResult:
        """Typed text classified as the pipeline does (for callers without a pipeline)."""
        from scanner_tui.inventory.lookup import StoreKnownCodes
        from scanner_tui.scanning.classify import classify
        from scanner_tui.scanning.rules import DEFAULT_RULES

        known = StoreKnownCodes(self.services.engine)
        try:
            return classify(text, self.services.rules or DEFAULT_RULES, known)
        finally:
            known.close()

    def _once(self, scan: Scan, work: Callable[[], Outcome]) -> Outcome:
        first = self._handled.get(scan.id)
        if first is not None:
            return replace(first, changed=False)
        undos = self.undos
        try:
            outcome = work()
            if outcome.changed and self.undos == undos:  # a new change: undo is fresh again
                self.undid = False
        except DomainError as err:  # a look-up's refusal: ambiguous serial, GTIN mismatch
            outcome = self._refused(err, scan, scan.payload)
        except CodeRefused as err:  # a typed quantity that is not ASCII digits in range
            outcome = Outcome.refuse(str(err))
        self._handled[scan.id] = outcome
        while len(self._handled) > HANDLED_MEMO:
            self._handled.popitem(last=False)
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

    def _typed(self, text: str, scan: Scan, result: ScanResult) -> Outcome:
        if result.kind == Kind.COMMAND and result.command:  # a command card's text, typed
            return self._route(scan, result)
        if self.undo_asked is not None:
            reply = read_reply(self.undo_asked, text)
            if isinstance(reply, Refusal):
                return Outcome(False, str(reply), question=self.undo_asked)
            return self._undo_more(bool(reply), scan)
        q = self.question
        refused = self._overlong(text) or \
            foreign_number(text, quantity=q is not None and q.kind is Ask.QUANTITY)
        if refused is not None:
            return Outcome(False, refused, question=q)
        if q is not None:
            reply = read_reply(q, text, limit=self.quantity_limit)
            if not isinstance(reply, Refusal):
                return self.answer_question(q, reply, scan)
            if q.kind is Ask.QUANTITY and number_like(text):  # a number out of range
                return Outcome(False, str(reply), question=q)
            if not q.optional:  # the answer's own text (a number of tags to print...)?
                taken = self.on_answer_scan(q, scan, result)
                return taken if taken is not None else Outcome(False, str(reply), question=q)
        return self.on_text(text, scan, result)

    def _overlong(self, text: str) -> str | None:
        """An over-long scan or line: the codes validator's sentence, then what to do."""
        refused = length_refusal(text)
        if refused is None:
            return None
        q = self.question
        return f"{refused} {sentence(q.text if q is not None else self.view().instruction)}"

    def _route(self, scan: Scan, result: ScanResult) -> Outcome:
        """UNDO; the open question's rule; other commands; a refusal for what was not
        recognised (unless ``on_unrecognised`` takes it), else ``on_scan``."""
        command = result.command if result.kind == Kind.COMMAND else None
        if self.undo_asked is not None:
            if command in ("YES", "NO", "CANCEL"):
                return self._undo_more(command == "YES", scan)
            return self.not_the_answer(self.undo_asked, result)
        if command == "UNDO":
            return self._undo(scan)
        q = self.question
        if q is not None and not (q.optional and command not in ("YES", "NO")):
            if command in ("YES", "NO") and q.kind in (Ask.YESNO, Ask.QUANTITY):
                reply = (command == "YES") if q.kind is Ask.YESNO else \
                    (q.default if command == "YES" else None)
                if reply is not None or command == "NO":
                    return self.answer_question(q, reply, scan)
            if command == "CANCEL":
                return self.on_command(command, scan)
            taken = self.on_answer_scan(q, scan, result)
            if taken is not None:
                return taken
            return self.not_the_answer(q, result)
        if command:
            return self.on_command(command, scan)
        if not result.accepted:
            taken = self.on_unrecognised(scan, result)
            if taken is not None:
                return taken
            overlong = self._overlong(scan.payload)
            if overlong:
                return Outcome.refuse(overlong)
            what = "Nothing was read" if result.kind == Kind.EMPTY else "Unrecognised code"
            reason = f": {result.reason}" if result.reason else ""
            return Outcome.refuse(f"{what}{reason}. {sentence(self.view().instruction)}")
        if result.alternative is not None:
            return self.on_two_readings(scan, result)
        if result.kind is Kind.BIN and result.gln and not result.bin:  # GS1 (414)+(254)
            result = self._place(result)
            if not result.bin:
                return Outcome.refuse(unmapped_place(result))
        if result.kind is Kind.CONTAINER and not result.gtin:  # an SSCC alone
            return Outcome.refuse(f"Pallet {result.sscc} does not say what it holds; scan the "
                                  f"labels of the goods on it. {sentence(self.view().instruction)}")
        return self.on_scan(scan, contents_of(result))

    def _place(self, result: ScanResult) -> ScanResult:
        """A GS1 place label as the bin the bins import mapped it to (unchanged: none)."""
        with self.services.engine.connect() as conn:
            found = resolve_scan(conn, result)
        return replace(result, bin=found.code) if found is not None else result

    def answer_question(self, q: Question, reply: object, scan: Scan) -> Outcome:
        """The one dispatcher: ``answer_<q.action>(reply, scan)``."""
        return getattr(self, f"answer_{q.action}")(reply, scan)

    def not_the_answer(self, q: Question, result: ScanResult) -> Outcome:
        """The one refusal for a scan while a question stands: the question again (for
        what no tag rule took, with the classifier's reason: control characters...)."""
        what = f"CMD:{result.command}" if result.kind == Kind.COMMAND else \
            shown(result.code or result.kind.value, 30)
        why = f" ({result.reason})" if not result.accepted and result.reason else ""
        return Outcome(False, f"{what} does not answer the question{why}. {q.text} {q.hint}",
                       question=q)

    @abstractmethod
    def view(self) -> View: ...

    # -- what subclasses implement ---------------------------------------------------------
    @abstractmethod
    def on_scan(self, scan: Scan, result: ScanResult) -> Outcome: ...

    def on_answer_scan(self, q: Question, scan: Scan, result: ScanResult) -> Outcome | None:
        """A scan while ``q`` stands: its answer (an Outcome), or None (refused)."""
        return None

    def on_two_readings(self, scan: Scan, result: ScanResult) -> Outcome:
        """GS1 data that lost a separator and reads two ways: refused, both readings named
        (receive asks which is right instead)."""
        return Outcome.refuse(two_ways(result))

    def on_unrecognised(self, scan: Scan, result: ScanResult) -> Outcome | None:
        """A scan no tag rule took: a workflow may know it (an order code, a serial)."""
        return None

    def on_command(self, command: str, scan: Scan) -> Outcome:
        return Outcome.refuse(f"CMD:{command} does nothing here. "
                              f"{sentence(self.view().instruction)}")

    def on_text(self, text: str, scan: Scan, result: ScanResult) -> Outcome:
        """Typed text that is not the question's answer (``result``: its classification):
        a bin, unit or product code typed instead of scanned goes on like the scan."""
        if not text:
            return Outcome.refuse(f"Nothing was typed. {sentence(self.view().instruction)}")
        if result.accepted and result.kind in (Kind.BIN, Kind.ASSET, Kind.PRODUCT):
            return self._route(scan, result)
        return Outcome.refuse(f"{shown(text)} is not a bin, unit or product of this store. "
                              f"{sentence(self.view().instruction)}")

    def on_undo(self, scan: Scan) -> Outcome:
        """CMD:UNDO: reverse this operator's own last change in this task (compensating
        ledger rows)."""
        try:
            done = self.run(undo_last, scan, since=self.undo_since)
        except DomainError as err:
            return Outcome.refuse(self.undo_refusal(err))
        return Outcome.ok(done.message, changed=not done.replayed)

    @property
    def undo_since(self) -> datetime:
        """How far back undo reaches: this task's opening (issue 11 item 4)."""
        return self.opened_at

    def undo_preview(self) -> str | None:
        """What the next undo would take back, in words ("move of AT00000002"); None when
        ``on_undo`` itself says why nothing can be. Raises as ``undo_last`` would."""
        return last_change(self.services.engine, actor=self.actor, since=self.undo_since)

    def _undo(self, scan: Scan) -> Outcome:
        """The first CMD:UNDO undoes at once; the next (no change between) asks first."""
        if not self.undid:
            return self._undone(self.on_undo(scan))
        try:
            what = self.undo_preview()
        except DomainError as err:
            return Outcome.refuse(self.undo_refusal(err))
        if what is None:
            return self.on_undo(scan)
        self.undo_asked = Question(f"Undo also the {shown(what, 40)}?", action="undo")
        return Outcome.ok(f"Your last change here is undone already. Undo also the "
                          f"{shown(what, 40)}? CMD:YES or CMD:NO.", question=self.undo_asked)

    def _undo_more(self, yes: bool, scan: Scan) -> Outcome:
        self.undo_asked = None
        if not yes:
            return Outcome.ok(f"Nothing more undone. {sentence(self.view().instruction)}")
        return self._undone(self.on_undo(scan))

    def _undone(self, outcome: Outcome) -> Outcome:
        if outcome.accepted and outcome.changed:
            self.undid, self.undos = True, self.undos + 1
        return outcome

    def undo_refusal(self, err: DomainError) -> str:
        """Why undo did nothing: for nothing left, in this task's words."""
        if isinstance(err, NothingToUndo):
            return "Nothing of yours left to undo in this task."
        return str(err)

    # -- task state as data ----------------------------------------------------------------
    key: str = ""  # the registry's key ("pick")
    state_version: int = 0  # 0: this workflow's state cannot be saved yet

    def snapshot(self) -> dict:
        """The task's state as JSON-able data: task name, version, the workflow's own state
        (store objects by code or id, nothing live) and the open question."""
        if not self.state_version:
            raise TypeError(f"{type(self).__name__} cannot be saved")
        answered = list(self._handled.items())[-SAVED_ANSWERS:]
        return {"task": self.key, "version": self.state_version, "state": self.save(),
                "question": question_to_dict(self.asked), "held": self.save_held(),
                "caps_told": self.caps_told, "opened_at": self.opened_at.isoformat(),
                "undid": self.undid, "undos": self.undos,
                "undo_asked": question_to_dict(self.undo_asked),
                "answered": [[scan_id, out.to_dict()] for scan_id, out in answered]}

    def save(self) -> dict:
        """This workflow's own state (override with ``load`` and ``state_version``)."""
        raise NotImplementedError

    def load(self, state: dict) -> None:
        """Take back what ``save`` wrote; plans and look-ups are read from the store again."""
        raise NotImplementedError

    def save_held(self) -> dict:
        """What a mixin keeps beside the workflow's own state (``claiming``: the document
        refused or asked about); {} nothing."""
        return {}

    def load_held(self, held: dict) -> None:  # noqa: B027  (most tasks hold nothing)
        """Take back what ``save_held`` wrote (before ``restored`` runs)."""

    @classmethod
    def restore(cls, services: Services, data: dict) -> Workflow:
        """A workflow of this class rebuilt from ``snapshot()`` data (version checked by
        ``registry.restore``)."""
        wf = cls(services)
        wf.load(data["state"])
        wf.asked = question_from_dict(data.get("question"))
        wf.load_held(data.get("held") or {})
        wf.caps_told = bool(data.get("caps_told"))
        if data.get("opened_at"):  # undo still reaches back to the task's opening
            wf.opened_at = datetime.fromisoformat(data["opened_at"])
        wf.undid, wf.undos = bool(data.get("undid")), int(data.get("undos") or 0)
        wf.undo_asked = question_from_dict(data.get("undo_asked"))
        if wf.caps_told and services.shift is not None:  # the shift it belongs to said it
            services.shift.caps_told = True
        for scan_id, out in data.get("answered", ()):  # a retry after the restore
            wf._handled[scan_id] = Outcome.from_dict(out)
        wf.restore_notice = wf.restored()
        return wf

    restore_notice = ""  # what the restore found changed meanwhile (shown on the screen)

    def restored(self) -> str:
        """After ``restore``: take back what the task held (``claiming``); the sentence when
        something changed meanwhile ("" nothing)."""
        return ""

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

    @property
    def quantity_limit(self) -> int:
        """The most a person may type at a quantity prompt: the site's limit
        (``[identity] max_quantity``), the one every operation enforces."""
        return policy_for(self.services.engine).max_quantity

    def typed_quantity(self, text: str) -> int:
        """A number typed outside a question, through the one parser (``scanner_tui.codes``):
        ASCII digits only (``٥٠``, ``1e3``, ``+7`` are refused), at most ``quantity_limit``;
        0 is left to the prompt to judge. Raises CodeRefused (refused with its sentence)."""
        return parse_quantity(text, limit=self.quantity_limit, minimum=0)

    # -- shift summary ---------------------------------------------------------------------
    def _count(self, outcome: Outcome) -> None:
        shift = self.services.shift
        if shift is not None:
            shift.record(outcome.accepted, outcome.changed)


def brief(text: str, shorter: str, width: int = 38) -> str:
    """An instruction for a 40-column screen: ``shorter`` when ``text`` (a long code) is wide."""
    return text if len(text) <= width else shorter


def expected(kinds: tuple[Kind, ...], got: ScanResult, instruction: str) -> Outcome:
    """Refusal for a scan of the wrong kind, naming what was scanned and what is due."""
    code = got.code or got.kind.value
    wanted = with_article(" or ".join(k.value for k in kinds))
    got_kind = with_article(got.kind.value)
    return Outcome.refuse(f"{code} is {got_kind}, not {wanted}. {sentence(instruction)}")
