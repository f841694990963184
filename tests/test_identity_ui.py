"""Through the app at 40x16: a GS1 label whose GTIN is another product's, on the unit's serial,
is refused on Look-up and on Pick with a bell, journaled as rejected and listed by
``report authenticity --json``."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from scanner_tui.inventory.demo import build_demo
from scanner_tui.ui.floor_screens import WorkflowScreen
from tests.test_ui_support import assert_verified, floor_app, last, scan, screen_text
from tests.workflow_helpers import gtin


@pytest.fixture
def demo(engine):
    build_demo(engine)
    yield engine
    assert_verified(engine)


def _journal(engine, scan_id: str) -> tuple:
    with engine.connect() as conn:
        from sqlalchemy import text

        return tuple(conn.execute(text("SELECT accepted, reason FROM scanjournal WHERE "
                                       "scan_id = :s"), {"s": scan_id}).one())


def _report(db_url: str, tmp_path) -> list[dict]:
    from scanner_tui.cli import app as cli

    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")
    res = CliRunner().invoke(cli, ["--config", str(cfg), "report", "authenticity", "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.output)["events"]


async def test_a_mismatched_gtin_is_refused_on_lookup_and_pick(demo, db_url, tmp_path):
    wrong = f"(01)0{gtin(demo, 'PHONE-X5')}(21)AT00000002"  # a laptop's tag, a phone's GTIN
    app = floor_app(demo, db_url)
    refused = []
    async with app.run_test(size=(40, 16)) as pilot:
        for card in ("CMD:LOOKUP", "CMD:PICK"):
            await scan(app, pilot, "OP-0001", card)
            assert isinstance(app.screen, WorkflowScreen), screen_text(app)
            if card == "CMD:PICK":
                await scan(app, pilot, "SO-1001")
                assert "SO-1001" in screen_text(app)
            bells = app.feedback.bells
            await scan(app, pilot, wrong)
            answer = last(app)
            assert not answer.accepted and app.feedback.bells == bells + 1
            assert "PHONE-X5" in answer.text and "LAPTOP-14" in answer.text
            refused.append(answer.scan_id)
            await scan(app, pilot, "CMD:CANCEL")
            await scan(app, pilot, "CMD:LOGOUT")
    for scan_id in refused:
        accepted, reason = _journal(demo, scan_id)
        assert accepted is False or accepted == 0
        assert "PHONE-X5" in reason
    listed = _report(db_url, tmp_path)
    assert [(e["scan_id"], e["mismatch"], e["serial"], e["terminal"]) for e in listed] == [
        (refused[0], "gtin", "AT00000002", "HH-07"), (refused[1], "gtin", "AT00000002", "HH-07")]
