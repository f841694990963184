"""A host killed (SIGKILL) right after a scan's stock change committed comes back at the step
after that change (issue 13: the terminal's row is written in the scan's transaction where it
changes stock), on SQLite and PostgreSQL.

A real KeptApp (headless, 40x16) in a child process signs in, opens Move, puts a unit in the
basket and scans the target bin; the child is killed the moment the move's transaction has
committed, before anything else runs. A new KeptApp on the same terminal resumes: the basket
is empty (the unit is where it was moved), and scanning another bin moves nothing again.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from scanner_tui.config import Config, DatabaseConfig, TerminalConfig
from scanner_tui.inventory.db import open_store
from scanner_tui.inventory.demo import build_demo
from scanner_tui.inventory.models import Asset, Bin, LedgerEntry
from scanner_tui.inventory.sessions import load_session
from scanner_tui.serve.kept_app import KeptApp
from scanner_tui.ui.floor_screens import WorkflowScreen

ROOT = Path(__file__).resolve().parent.parent
TERMINAL = "CRASH-K1"
UNIT, TARGET, OTHER = "AT00000002", "A03-A-01", "B03-B-04"


def _app(url: str, engine) -> KeptApp:  # noqa: ANN001
    cfg = Config(database=DatabaseConfig(url=url), terminal=TerminalConfig(id=TERMINAL))
    return KeptApp(cfg, engine)


async def _child(url: str) -> None:
    """Sign in, open Move, a unit in the basket; the target bin's move commits, then SIGKILL."""
    from scanner_tui.inventory.ops import base
    from tests.test_ui_support import scan

    engine = open_store(url, upgrade=False)
    app = _app(url, engine)
    async with app.run_test(size=(40, 16)) as pilot:
        await scan(app, pilot, "OP-0001", "CMD:MOVE", UNIT)
        await asyncio.sleep(0.7)  # the screen's task is kept (the 0.5 s check)
        await scan(app, pilot, "CMD:NOOP")  # (refused; any row write before it has landed)
        committed = base._transaction

        def then_killed(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            done = committed(*args, **kwargs)
            os.kill(os.getpid(), signal.SIGKILL)  # the point between: stock committed
            return done

        base._transaction = then_killed
        await scan(app, pilot, TARGET)
    raise SystemExit("not killed")


def _where(engine) -> tuple[str | None, int]:  # noqa: ANN001
    """The unit's bin, and how many move rows the ledger has for it."""
    with engine.connect() as conn:
        asset_id, bin_id = conn.execute(sa.select(Asset.id, Asset.bin_id)
                                        .where(Asset.serial == UNIT)).one()
        code = conn.execute(sa.select(Bin.code).where(Bin.id == bin_id)).scalar()
        moves = conn.execute(sa.select(sa.func.count()).select_from(LedgerEntry)
                             .where(LedgerEntry.asset_id == asset_id,
                                    LedgerEntry.action == "move")).scalar()
    return code, moves


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, db_url):  # noqa: ANN001, ANN201
    return db_url if request.param == "sqlite" else request.getfixturevalue("pg_url")


async def test_killed_after_the_stock_change_comes_back_after_it(store_url):
    from tests.test_ui_support import scan, settle

    engine = open_store(store_url)
    build_demo(engine, "small")
    _, moves_before = _where(engine)
    child = subprocess.run([sys.executable, __file__, store_url], cwd=ROOT, timeout=120,
                           capture_output=True, text=True)
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr
    assert _where(engine) == (TARGET, moves_before + 1)  # the move committed once
    kept = load_session(engine, TERMINAL)
    assert kept is not None and kept.task == "move"

    app = _app(store_url, engine)
    try:
        async with app.run_test(size=(40, 16)) as pilot:
            for _ in range(3):
                await settle(app, pilot)
                await pilot.pause(0.2)
            assert app.resumed and isinstance(app.screen, WorkflowScreen)
            workflow = app.screen.handler.workflow
            assert workflow is not None and workflow.basket == []  # not the unit in hand
            assert workflow.view().instruction == f"Scan unit or product in {TARGET}"
            await scan(app, pilot, OTHER)  # a bin now: the working bin, nothing moved
            assert _where(engine) == (TARGET, moves_before + 1)
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    asyncio.run(_child(sys.argv[1]))
