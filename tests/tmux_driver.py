"""Drive a real terminal program in a detached tmux session on a private tmux server.

The server runs on its own socket (``tmux -L``), so tests never touch anyone else's tmux;
``stop()`` kills only that server. The end-to-end tests of the installed ``scanner-tui``
share its helpers here too: ``BIN``, ``cli``, ``journal``, ``history``, ``app_driver``,
``Floor``.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

BIN = Path(sys.executable).parent / "scanner-tui"  # the installed app
HUMAN_GAP = 0.12  # seconds between a person's keys (the burst gap is 50 ms)


def have_tmux() -> bool:
    return shutil.which("tmux") is not None


class TmuxDriver:
    def __init__(self, command: Sequence[str], *, width: int = 40, height: int = 16,
                 env: Mapping[str, str] | None = None, cwd: str | None = None,
                 log: str | None = None) -> None:
        self.command = list(command)
        self.width, self.height = width, height
        self.env = dict(env or {})
        self.cwd = cwd
        self.log = log  # the program's exit status is appended here
        self.socket = f"scanner-tui-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.session = "app"

    def _tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True,
                              text=True, check=check, timeout=30)

    def start(self) -> None:
        assignments = [f"{k}={shlex.quote(v)}" for k, v in self.env.items()]
        # keep the pane's last screen if the program dies, so a failure can be read
        # COLUMNS/LINES can leak in (tmux under pytest hands 80x24 to the pane's shell) and
        # would override the real pane size: drop them.
        shell = " ".join(["env", "-u", "COLUMNS", "-u", "LINES", *assignments,
                          *map(shlex.quote, self.command)])
        if self.log:  # (not stderr: Textual draws the screen on stderr)
            shell = f"{shell}; echo \"exit status $?\" >>{shlex.quote(self.log)}"
        self._tmux("-f", "/dev/null", "new-session", "-d", "-s", self.session,
                   "-x", str(self.width), "-y", str(self.height),
                   *(["-c", self.cwd] if self.cwd else []), shell)
        self._tmux("set-option", "-t", self.session, "remain-on-exit", "on", check=False)

    def send_text(self, text: str) -> None:
        """One ``send-keys`` call: the text's bytes as typed (``\\r`` is the Enter key)."""
        self._tmux("send-keys", "-t", self.session, "-l", "--", text)

    def send_keys(self, *keys: str) -> None:
        """tmux key names (``Enter``, ``C-q``, ``C-]``...)."""
        self._tmux("send-keys", "-t", self.session, *keys)

    def capture(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", self.session).stdout

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        """Poll the screen until ``text`` shows; return the screen (AssertionError on timeout)."""
        end = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < end:
            screen = self.capture()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never showed on screen; last screen:\n{screen}")

    def pane_dead(self) -> bool:
        out = self._tmux("display-message", "-p", "-t", self.session, "#{pane_dead}",
                         check=False)
        return out.returncode != 0 or out.stdout.strip() == "1"

    def wait_exit(self, timeout: float = 20.0) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.pane_dead():
                return True
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        self._tmux("kill-server", check=False)


def cli(cfg: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """The installed ``scanner-tui`` with ``args`` on config ``cfg`` (output captured)."""
    return subprocess.run([str(BIN), *args, "--config", str(cfg)], capture_output=True,
                          text=True, timeout=120, check=check)


def journal(cfg: Path) -> list[dict]:
    """The scan journal of ``cfg``'s store (``scanner-tui journal --json``)."""
    return [json.loads(line) for line in cli(cfg, "journal", "--json").stdout.splitlines()]


def history(cfg: Path, code: str) -> dict:
    """``scanner-tui history CODE --json`` on ``cfg``'s store."""
    return json.loads(cli(cfg, "history", code, "--json").stdout)


def app_driver(cfg: Path, cwd: Path) -> TmuxDriver:
    """``scanner-tui run`` on ``cfg`` at 40x16 (a handheld), animations off; not started."""
    return TmuxDriver([str(BIN), "run", "--config", str(cfg)], width=40, height=16,
                      env={"TEXTUAL_ANIMATIONS": "none"}, cwd=str(cwd))


class Floor:
    """The app in tmux, driven like a handheld: scans are bursts, keys are presses."""

    def __init__(self, driver: TmuxDriver) -> None:
        self.driver = driver

    def scan(self, payload: str, then: str) -> str:
        """One scan (payload + CR in one send-keys call), then wait for ``then`` on screen."""
        self.driver.send_text(payload + "\r")
        return self.driver.wait_for(then)

    def keys(self, keys: str | list[str], then: str) -> str:
        """Keys pressed one by one at human speed (tmux key names in a list)."""
        for key in keys:
            self.driver.send_keys(key)
            time.sleep(HUMAN_GAP)
        return self.driver.wait_for(then)

    def screen(self) -> str:
        return self.driver.capture()
