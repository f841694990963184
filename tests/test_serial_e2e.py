"""End to end: the installed ``scanner-tui`` in tmux reads a serial scanner that is a real pty.

The scanner is plugged in after the app is up, scans are written into the pty, it is unplugged
and plugged back; the screen says each step, Ctrl+Q ends the process promptly (the reader
thread does not keep it alive) and ``scanner-tui journal --json`` holds every scan.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.pty_scanner import PtyScanner, wait_for

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

CLI = Path(sys.executable).with_name("scanner-tui")


class Tmux:
    """One private tmux server running one command in an 80x24 window."""

    def __init__(self, command: str, socket: Path) -> None:
        self.socket = str(socket)
        self._tmux("new-session", "-d", "-x", "80", "-y", "24", "-s", "main", command)

    def _tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-S", self.socket, "-f", "/dev/null", *args],
                              check=True, capture_output=True, text=True).stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "main")

    def shows(self, text: str, timeout: float = 20.0) -> None:
        try:
            wait_for(lambda: text in self.screen(), timeout, f"{text!r} on screen")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; the screen:\n{self.screen()}") from None

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "main", *keys)

    def kill(self) -> None:
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], capture_output=True)


@pytest.mark.skipif(not CLI.exists(), reason="scanner-tui is not installed next to python")
def test_installed_app_reads_a_pty_scanner_through_unplug_and_quit(tmp_path: Path):
    short = Path(tempfile.mkdtemp(prefix="st", dir="/tmp"))  # a short port path fits the line
    port = short / "tty"
    config = tmp_path / "scanner.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "store.db"}"\n'
        f'[scanner]\ninput = "serial"\nport = "{port}"\nterminator = "CRLF"\n'
        'reconnect_seconds = 0.2\n[terminal]\nid = "T-E2E"\n',
        encoding="utf-8",
    )
    exited = tmp_path / "exited"
    command = f"TEXTUAL_ANIMATIONS=none {CLI} --config {config}; echo $? > {exited}"
    tmux = Tmux(command, short / "tmux.sock")
    pty = None
    try:
        tmux.shows("Scan anything")
        pty = PtyScanner(link=port)  # plugged in once the app is up
        tmux.shows("Scanner connected")
        pty.write(b"A04-B-12\r\nOP-0001\r\n\x1b[2J[@click=app.quit]\r\n")
        tmux.shows("OP-0001")
        tmux.shows("Contains a terminal escape sequence")
        assert "\\x1b[2J[@click=app.quit]" in tmux.screen()  # shown as data, escaped

        pty.unplug()
        tmux.shows("Scanner unplugged: plug it back in")  # the answer area says so
        tmux.shows(f"Scanner unplugged {port}")  # the state first, then the port
        pty.plug()
        tmux.shows("Scanner connected")
        pty.scan("C11-A-03", "\r\n")
        tmux.shows("C11-A-03")

        tmux.keys("C-q")
        # a reader thread left running would keep the process alive after quit
        wait_for(lambda: exited.exists() and exited.read_text().strip(), 15,
                 "the app to exit after Ctrl+Q")
        assert exited.read_text().strip() == "0"
    finally:
        tmux.kill()
        if pty is not None:
            pty.close()
        shutil.rmtree(short, ignore_errors=True)

    out = subprocess.run([str(CLI), "journal", "--json", "--config", str(config)],
                         check=True, capture_output=True, text=True).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["payload"] for r in rows] == [
        "A04-B-12\r\n", "OP-0001\r\n", "\x1b[2J[@click=app.quit]\r\n", "C11-A-03\r\n"]
    assert [r["kind"] for r in rows] == ["bin", "badge", "unknown", "bin"]
    assert {r["source"] for r in rows} == {"serial"}
    assert rows[-1]["operator"] == "OP-0001"
