"""End to end: the installed ``scanner-tui run`` in tmux at 40x16, scans typed by
``send-keys`` at scanner speed and by hand at human speed, checked through the journal."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.tmux_driver import BIN, app_driver, have_tmux, journal

pytestmark = pytest.mark.e2e

SCANNER_PAYLOADS = [
    ("A04-B-12", "bin"),
    ("AT00000042", "asset"),
    ("]d2010950110102091710LOT7\x1d21SN0001", "asset"),
    ("4006381333931", "product"),
    ("4006381333932", "unknown"),
    ("[@click=app.quit]", "unknown"),
    ("CMD:DONE", "command"),
]


@pytest.fixture
def app_config(tmp_path: Path) -> Path:
    cfg = tmp_path / "scanner-tui.toml"
    cfg.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "store.db"}"\n\n'
        '[terminal]\nid = "E2E-1"\n\n[scanner]\nburst_gap_ms = 50\n',
        encoding="utf-8",
    )
    return cfg


def test_installed_app_in_tmux(app_config: Path, tmp_path: Path):
    if not have_tmux():
        pytest.skip("tmux is not installed (scripts/test.sh installs it)")
    if not BIN.exists():
        pytest.skip(f"{BIN} is not installed")
    driver = app_driver(app_config, tmp_path)
    driver.start()
    try:
        driver.wait_for("Scan anything", timeout=60)
        # scanner speed: each payload and its Enter in one send-keys call, back to back
        for payload, _ in SCANNER_PAYLOADS:
            driver.send_text(payload + "\r")
        screen = driver.wait_for("COMMAND")
        assert "DONE" in screen
        assert "[@click=app.quit]" in driver.wait_for("[@click=app.quit]")  # data, not markup
        # human speed: one key per call, pauses longer than the burst gap
        for key in "OP-0002":
            driver.send_text(key)
            time.sleep(0.15)
        driver.wait_for("Typed: OP-0002")
        time.sleep(0.15)
        driver.send_keys("Enter")
        screen = driver.wait_for("BADGE")
        assert "OP-0002" in screen
        driver.send_keys("C-q")
        assert driver.wait_exit(), "the app did not quit on Ctrl+Q:\n" + driver.capture()
    finally:
        driver.stop()

    rows = journal(app_config)
    expected = [(p + "\r", "wedge", k) for p, k in SCANNER_PAYLOADS] + [
        ("OP-0002\r", "keyboard", "badge")]
    assert [(r["payload"], r["source"], r["kind"]) for r in rows] == expected
    assert [r["accepted"] for r in rows] == [k != "unknown" for _, _, k in expected]
    assert all(r["terminal"] == "E2E-1" for r in rows)
    assert all(r["reason"] for r in rows if not r["accepted"])
