"""One person per document (issue 11 item 13, issue 13): Pick claims its order, Receive its
receipt, Count its bin, through ``Services.claims`` (``inventory.claims.ClaimDesk``).

* Opening the document claims it. Another person is refused with who holds it, on which
  terminal, since when, and that a supervisor can take it over; the same person on another
  terminal keeps it. A claim whose terminal has been gone longer than it could resume
  (``[serve] resume_minutes``) is abandoned and taken without asking.
* Taking over: a supervisor (or admin) opening it is asked "Take over SO-5004 from OP-0001
  on T1?" (the one question rule); a worker who was refused may have a supervisor scan their
  badge at this terminal next (an ``Approval``, used once): the document is handed to them.
* Finishing, cancelling or leaving the task lets it go (``release_document``, ``close``).
* The old holder hears of a take-over on their next scan or typed answer (``interrupted``),
  even when the taker has already let it go (``ClaimDesk.last_holder``): the workflow leaves
  the document without changing stock (``drop_document``) and the scan does nothing else;
  opening it again reads it afresh. A restored task claims its document again, or is told it
  was taken.
"""

from __future__ import annotations

from dataclasses import replace

from scanner_tui.inventory.actor import Approval
from scanner_tui.inventory.claims import TAKE_OVER_ROLES, Claim, ClaimHeld
from scanner_tui.inventory.errors import DomainError, hhmm, shown
from scanner_tui.scanning.result import Kind, Scan, ScanResult
from scanner_tui.workflows.base import Outcome, Question

Document = tuple[str, str]  # (claim kind, code): ("order", "SO-5004")


class DocumentClaims:
    """Mixin for a workflow that works one document at a time. The workflow says which
    document is open (``document``), how to open one (``open_document``) and how to leave one
    without changing anything (``drop_document``); it calls ``claim_document`` when opening
    and ``release_document`` when finishing or cancelling."""

    taking: Document | None = None  # the take-over a supervisor is asked about
    refused: Document | None = None  # refused to this worker: a supervisor's badge hands it over

    # -- what the workflow provides --------------------------------------------------------
    def document(self) -> Document | None:
        raise NotImplementedError

    def open_document(self, kind: str, code: str, *, taken: bool) -> Outcome:
        """Open ``code`` (claimed now); ``taken``: it was just taken from someone else."""
        raise NotImplementedError

    def drop_document(self) -> None:
        """Leave the open document as it stands (its question dropped, nothing done)."""
        raise NotImplementedError

    # -- claiming ----------------------------------------------------------------------------
    def claim_document(self, kind: str, code: str) -> Outcome | None:
        """Claim ``code`` for this person: None when it is theirs now, else the answer (a
        refusal naming the holder, or for a supervisor the take-over question)."""
        desk = self.services.claims
        if desk is None:
            return None
        before = self.document()
        try:
            desk.claim(kind, code)
        except ClaimHeld as held:
            if self.services.role in TAKE_OVER_ROLES:
                return self._ask_take_over((kind, code), held.holder)
            self.refused = (kind, code)
            return Outcome.refuse(str(held))
        self.refused = None
        if before is not None and before != (kind, code):
            desk.release(*before)
        return None

    def _ask_take_over(self, doc: Document, who: Claim) -> Outcome:
        """"Take over SO-5004 from OP-0001 on T1?" asked of a supervisor."""
        self.taking, self.refused = doc, None
        self.asked = Question(f"Take over {shown(doc[1])} from {shown(who.badge)} on "
                              f"{shown(who.terminal)}?", action="take_over")
        return Outcome.ok(f"{self.asked.text} y/n (theirs since {hhmm(who.since)})",
                          question=self.asked, warning=True)

    def release_document(self, doc: Document | None = None) -> None:
        """Let go of the open document (finished, cancelled, left), or of ``doc``."""
        doc, desk = doc or self.document(), self.services.claims
        if doc is not None and desk is not None:
            desk.release(*doc)

    def close(self) -> None:
        self.release_document()

    def answer_take_over(self, yes: bool, scan: Scan) -> Outcome:
        """The supervisor's answer to "Take over SO-5004 from OP-0001 on T1?"."""
        taking, self.taking, self.asked = self.taking, None, None
        if taking is None or not yes:
            what = f"{taking[1]} stays with whoever works it" if taking else "Nothing taken"
            return Outcome.ok(f"{what}. {self.view().instruction}.")
        return self._take(taking, None)

    def _take(self, doc: Document, approval: Approval | None) -> Outcome:
        try:
            was = self.services.claims.take_over(*doc, approval=approval)
        except DomainError as err:
            return Outcome.refuse(str(err))
        self.refused = None
        opened = self.open_document(*doc, taken=True)
        if was is None or not opened.accepted:
            return opened
        by = "" if approval is None else " with a supervisor's badge"
        return replace(opened, message=f"Taken over from {shown(was.badge)} on "
                       f"{shown(was.terminal)}{by}. {opened.message}")

    # -- what happened elsewhere -------------------------------------------------------------
    def interrupted(self, scan: Scan, result: ScanResult | None) -> Outcome | None:
        """A supervisor's badge right after a refusal hands the document over; a document
        taken over meanwhile is left, and the scan does nothing else."""
        desk = self.services.claims
        if desk is None:
            return None
        refused, self.refused = self.refused, None
        if (refused is not None and result is not None and result.kind is Kind.BADGE
                and result.badge and result.badge != self.services.badge):
            return self._take(refused, Approval(scan.id))
        lost = self._lost()
        return None if lost is None else Outcome(False, lost, warning=True)

    # -- task state as data (``Workflow.snapshot``) -----------------------------------------
    def save_held(self) -> dict:
        return {"taking": list(self.taking) if self.taking else None,
                "refused": list(self.refused) if self.refused else None}

    def load_held(self, held: dict) -> None:
        taking, refused = held.get("taking"), held.get("refused")
        self.taking = (str(taking[0]), str(taking[1])) if taking else None
        self.refused = (str(refused[0]), str(refused[1])) if refused else None

    def restored(self) -> str:
        """A restored task holds its document again, or says it was taken over; a take-over
        question still open is asked again about whoever holds the document now (a
        supervisor's badge after a refusal still hands it over)."""
        lost = self._lost() or ""
        asking = self.asked is not None and self.asked.action == "take_over"
        if self.taking is None or not asking:
            self.taking = None
            self.asked = None if asking else self.asked
            return lost
        desk = self.services.claims
        who = desk.holder(*self.taking) if desk is not None else None
        if who is not None and who.badge != self.services.badge:
            self._ask_take_over(self.taking, who)  # the question about today's holder
        return lost

    def _lost(self) -> str | None:
        """The sentence when the open document is no longer this person's (it is left
        then); else None (a lapsed claim is taken again)."""
        doc, desk = self.document(), self.services.claims
        if doc is None or desk is None:
            return None
        holder = desk.holder(*doc)
        if holder is not None and holder.badge == self.services.badge:
            return None  # this person's, here or on the terminal their badge moved to
        since = ""
        if holder is None and (gone := desk.last_holder(*doc)) is not None:
            if gone.badge != self.services.badge:  # taken over, and let go already
                holder, since = gone, f" and let go at {hhmm(gone.since)}"
        try:
            if holder is None:  # lapsed (let go by this person, or expired): held again
                desk.claim(*doc)
                return None
        except ClaimHeld as held:
            holder = held.holder
        self.taking = None
        self.drop_document()
        return (f"{shown(doc[1])} was taken over by {shown(holder.badge)} on "
                f"{shown(holder.terminal)}{since}; nothing more is done on it here. "
                f"{self.view().instruction}.")
