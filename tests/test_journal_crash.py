"""A terminal killed with SIGKILL leaves no scan pending once it starts again (issue 12
item 5). A real scanning process (bench/proof_crash.py's terminal) is stopped at a chosen
point (after journaling a scan, or after its operation committed) and killed; the app's
start settles the row with the outcome it really had. The fast form of the crash proof runs
a few random kills.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner_tui.cli import app as cli_app
from scanner_tui.config import Config, DatabaseConfig, TerminalConfig
from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.journal import APPLIED_BEFORE_STOP, STOPPED, read_journal
from scanner_tui.inventory.verify import verify_report

_SPEC = importlib.util.spec_from_file_location(
    "proof_crash", Path(__file__).resolve().parent.parent / "bench" / "proof_crash.py")
proof_crash = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(proof_crash)


def _killed_at(url: str, pause: str) -> str:
    proc = proof_crash.spawn(url, pause=pause)
    (scan_id,) = proc.said
    proof_crash.kill9(proc)
    return scan_id


async def _start_app(url: str) -> None:
    from scanner_tui.ui.app import ScannerApp

    config = Config(database=DatabaseConfig(url=url),
                    terminal=TerminalConfig(id=proof_crash.TERMINAL))
    engine = open_store(url)
    app = ScannerApp(config, engine, floor=False)
    try:
        async with app.run_test(headless=True, size=(40, 16)) as pilot:
            for _ in range(200):
                await pilot.pause()
                if app.pipeline.pending == 0:
                    break
                await asyncio.sleep(0.02)
    finally:
        engine.dispose()


async def test_app_start_settles_scans_left_pending_by_a_kill(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    proof_crash.prepare(url)
    not_done = _killed_at(url, "journal")  # killed after the journal row, before the move
    done = _killed_at(url, "commit")  # killed after the move committed, before the answer
    engine = open_store(url)
    pending = {r["scan_id"]: r for r in read_journal(engine) if r["accepted"] is None}
    engine.dispose()
    assert set(pending) == {not_done, done}  # what the kill left behind

    await _start_app(url)

    engine = open_store(url)
    rows = {r["scan_id"]: r for r in read_journal(engine)}
    assert verify_report(engine).ok
    engine.dispose()
    assert rows[not_done]["accepted"] is False and rows[not_done]["reason"] == STOPPED
    assert rows[done]["accepted"] is True
    assert rows[done]["reason"].startswith(f"{APPLIED_BEFORE_STOP}: Moved")

    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    human = CliRunner().invoke(cli_app, ["--config", str(cfg), "journal"])
    assert human.exit_code == 0
    lines = human.output.splitlines()
    assert any("stopped" in x and STOPPED in x for x in lines), human.output
    assert any("accepted" in x and APPLIED_BEFORE_STOP in x for x in lines), human.output
    assert "pending" not in human.output
    as_json = CliRunner().invoke(cli_app, ["--config", str(cfg), "journal", "--json"])
    assert all(json.loads(x)["accepted"] is not None for x in as_json.output.splitlines())


def test_a_few_random_kills_lose_nothing_and_leave_nothing_pending(tmp_path):
    counts = proof_crash.prove(kills=4, folder=tmp_path, seed=7)
    assert counts["failures"] == 0, counts
    assert counts["pending"] == 0 and counts["scans"] > 0
    assert counts["left_applied"] + counts["left_not_applied"] + counts["settled_applied"] > 0


@pytest.mark.postgres
def test_a_few_random_kills_on_postgres(tmp_path, pg_url):
    counts = proof_crash.prove(kills=3, folder=tmp_path, seed=5, url=pg_url)
    assert counts["failures"] == 0, counts
    assert counts["pending"] == 0 and counts["scans"] > 0
