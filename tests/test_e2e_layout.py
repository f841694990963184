"""Issue 11 item 16 through the INSTALLED app in tmux: at 30x10 (and after the window shrinks
from 40x16 to 30x10 mid-task) the instruction, the answer and the footer stay on screen."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_e2e_workflows import store, template  # noqa: F401  (fixtures)
from tests.tmux_driver import BIN, Floor, TmuxDriver

pytestmark = pytest.mark.e2e


def on_screen(driver: TmuxDriver) -> list[str]:
    return driver.capture().rstrip("\n").split("\n")


def assert_footer_and_answer(driver: TmuxDriver, instruction: str, answer: str) -> None:
    rows = on_screen(driver)
    shown = "\n".join(rows)
    assert len(rows) <= driver.height, shown
    assert rows[0].lstrip().startswith("Pick"), shown  # the title did not scroll away
    assert all(word in shown for word in instruction.split()), shown
    assert answer in shown, shown
    assert rows[-1].lstrip().startswith("Ready"), shown  # the status, on the last row
    assert rows[-2].lstrip().startswith("d Done"), shown  # the key hints above it


@pytest.mark.parametrize("start", [(30, 10), (40, 16)], ids=["30x10", "shrunk-to-30x10"])
def test_pick_at_30x10_keeps_instruction_answer_and_footer(store: Path,  # noqa: F811
                                                            tmp_path: Path, start):
    driver = TmuxDriver([str(BIN), "run", "--config", str(store)], width=start[0],
                        height=start[1], env={"TEXTUAL_ANIMATIONS": "none"},
                        cwd=str(tmp_path))
    driver.start()
    try:
        floor = Floor(driver)
        driver.wait_for("badge", timeout=60)
        floor.scan("OP-0001", "Sign out")
        floor.scan("CMD:PICK", "order")
        floor.scan("SO-1001", "A01-A-01")
        if start != (30, 10):
            driver._tmux("resize-window", "-t", driver.session, "-x", "30", "-y", "10")
            driver.width, driver.height = 30, 10
        floor.scan("A01-A-01", "Take 1 of")
        assert_footer_and_answer(driver, "Take 1 of CABLE-TIE-100", "At A01-A-01.")
        floor.scan("NOPE-NOPE", "✘")
        assert_footer_and_answer(driver, "Take 1 of CABLE-TIE-100", "✘")
        driver.send_keys("C-q")
        assert driver.wait_exit(), driver.capture()
    finally:
        driver.stop()
