"""The one question model of ``workflows.base``: closed kinds, one set of words, one
dispatcher, and one rule for a scan that is not the answer."""

from __future__ import annotations

import pytest

from scanner_tui.scanning.result import Kind, Scan, ScanResult, Source
from scanner_tui.workflows.base import (
    Ask,
    Outcome,
    Question,
    Refusal,
    Services,
    View,
    Workflow,
    read_reply,
)


class Asker(Workflow):
    """A workflow that asks one question and records what answered it."""

    key = "asker"

    def __init__(self, question: Question) -> None:
        super().__init__(Services(engine=None, badge="OP-0001", terminal="T", role="picker"))
        self.asked = question
        self.got: list[object] = []

    def view(self) -> View:
        return View("Ask", self.asked.text if self.asked else "Scan anything")

    def on_scan(self, scan: Scan, result: ScanResult) -> Outcome:
        return Outcome.ok(f"scanned {result.code}")

    def on_answer_scan(self, q: Question, scan: Scan, result: ScanResult) -> Outcome | None:
        if result.kind is Kind.PRODUCT and result.code == "THE-ANSWER":
            return self.answer_it("scanned", scan)
        return None

    def on_command(self, command: str, scan: Scan) -> Outcome:
        if command == "CANCEL":
            self.asked = None
            return Outcome.ok("dropped")
        return super().on_command(command, scan)

    def answer_it(self, reply: object, scan: Scan) -> Outcome:
        self.got.append(reply)
        self.asked = None
        return Outcome.ok(f"answered {reply!r}")


def scan(wf: Workflow, kind: Kind, code: str, **kw: str) -> Outcome:
    return wf.handle(Scan(code, Source.WEDGE), ScanResult(kind, code=code, **kw))


def typed(wf: Workflow, text: str) -> Outcome:
    return wf.answer(text, Scan(text, Source.KEYBOARD),
                     ScanResult(Kind.UNKNOWN, code=text, reason="no rule"))


YESNO = Question("Is A01-B-03 empty now?", action="it")
QTY = Question("How many MUG-01?", Ask.QUANTITY, action="it", default=3)


@pytest.mark.parametrize("question", [YESNO, QTY])
@pytest.mark.parametrize("kind, code", [(Kind.BIN, "A02-A-01"), (Kind.ASSET, "AT00000001"),
                                        (Kind.PRODUCT, "MUG-01"), (Kind.COMMAND, "CMD:DONE")])
def test_any_other_scan_is_refused_with_the_question_repeated(question, kind, code):
    wf = Asker(question)
    command = {"command": code[4:]} if kind is Kind.COMMAND else {}
    out = scan(wf, kind, code, **command)
    assert not out.accepted and out.question == question
    assert out.message.startswith(f"{code} does not answer the question. {question.text} ")
    assert wf.question == question and wf.got == []


def test_yes_no_by_card_key_or_word_and_the_answers_own_scan():
    for how, expect in (("CMD:YES", True), ("CMD:NO", False)):
        wf = Asker(YESNO)
        assert scan(wf, Kind.COMMAND, how, command=how[4:]).accepted and wf.got == [expect]
    for word, expect in (("y", True), ("Ja", True), ("ok", True), ("n", False),
                         ("nein", False)):
        wf = Asker(YESNO)
        assert typed(wf, word).accepted and wf.got == [expect]
    wf = Asker(YESNO)
    out = typed(wf, "maybe")
    assert not out.accepted and out.message == "Answer yes or no: Is A01-B-03 empty now?"
    assert scan(wf, Kind.PRODUCT, "THE-ANSWER").accepted and wf.got == ["scanned"]


def test_cancel_and_undo_still_work_while_a_question_stands():
    wf = Asker(YESNO)
    assert scan(wf, Kind.COMMAND, "CMD:CANCEL", command="CANCEL").message == "dropped"
    assert wf.question is None and scan(wf, Kind.BIN, "A02-A-01").accepted


def test_a_quantity_is_ascii_digits_or_the_default():
    assert read_reply(QTY, "") == 3 and read_reply(QTY, "y") == 3
    assert read_reply(QTY, "12") == 12 and read_reply(QTY, "no") is None
    for text in ("٥٠", "1e3", "-1", "3.5", "1000001"):
        assert isinstance(read_reply(QTY, text), Refusal), text
    assert read_reply(QTY, "123456") == 123456  # the one limit: [identity] max_quantity
    assert isinstance(read_reply(QTY, "60", limit=50), Refusal)
    must_type = Question("How many?", Ask.QUANTITY, action="it")
    assert isinstance(read_reply(must_type, ""), Refusal)
    wf = Asker(QTY)
    assert scan(wf, Kind.COMMAND, "CMD:YES", command="YES").accepted and wf.got == [3]


def test_choices_by_number_word_or_unique_start():
    q = Question("Why?", Ask.CHOICE, ("DAMAGED", "WRONG", "UNWANTED"), action="it")
    assert read_reply(q, "2") == "WRONG" and read_reply(q, "damaged") == "DAMAGED"
    assert read_reply(q, "un") == "UNWANTED"
    assert isinstance(read_reply(q, "4"), Refusal) and isinstance(read_reply(q, "x"), Refusal)


def test_the_kind_is_a_closed_set_and_a_question_is_data():
    assert Question("x", "quantity").kind is Ask.QUANTITY
    with pytest.raises(ValueError):
        Question("x", "dance")
    assert Question.from_dict(QTY.to_dict()) == QTY


def test_an_optional_count_prompt_lets_scans_go_on():
    wf = Asker(Question("How many? (1)", Ask.QUANTITY, action="it", default=1, optional=True))
    assert scan(wf, Kind.BIN, "A02-A-01").message == "scanned A02-A-01"
    assert typed(wf, "4").accepted and wf.got == [4]


def test_a_refused_scan_is_named_safely():
    wf = Asker(YESNO)
    out = scan(wf, Kind.UNKNOWN, "\x1b]52;c;aGk=\x07" + "A" * 40)
    assert "\x1b" not in out.message and "\x07" not in out.message
    assert out.message.startswith("?]52;c;aGk=?AAAA") and "…" in out.message
    assert "\x1b" not in str(read_reply(QTY, "\x1b[2J"))


def test_only_ascii_digits_are_a_number():
    from scanner_tui.workflows.base import is_number

    assert is_number("50") and is_number("12345") and not is_number("123456")
    for text in ("٥٠", "1e3", "½", "²", "", "-1", " 5"):
        assert not is_number(text), text
