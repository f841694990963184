"""Errors from the command line are one line, and never show a database password."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCANNER_TUI = str(Path(sys.executable).with_name("scanner-tui"))


def test_unreachable_store_is_one_line_without_password(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[database]\nurl = "postgresql+psycopg://scanner:s3cret@127.0.0.1:1/wh"\n')
    done = subprocess.run([SCANNER_TUI, "verify", "--config", str(config)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "cannot open the store" in lines[0]
    assert "s3cret" not in done.stderr and "Traceback" not in done.stderr
