"""A browser tab's app, over textual-serve's websocket (what the page speaks, without a
browser): forked from serve's fork server like an SSH session (or a fresh Python with
``[serve] fork = false``), it draws its first screen, answers a scan, and ends when the tab
closes, or when serve is stopped with the tab open."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from pathlib import Path

import aiohttp
import pytest

from tests.test_serve_web import parent_of, tab_apps, web_host_on
from tests.tmux_driver import journal

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


class Tab:
    """One browser tab's websocket: what the app drew, and keys typed into the page."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws, self.out = ws, bytearray()

    async def until(self, marker: bytes, timeout: float = 60) -> None:
        end = time.monotonic() + timeout
        while marker not in self.out:
            msg = await asyncio.wait_for(self.ws.receive(), end - time.monotonic())
            if msg.type == aiohttp.WSMsgType.BINARY:
                self.out += msg.data
            elif msg.type != aiohttp.WSMsgType.TEXT:
                raise AssertionError(f"the tab closed before {marker!r}: {msg.type}")

    async def type(self, text: str) -> None:
        await self.ws.send_json(["stdin", text])


def spawned_apps(serve_pid: int) -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and _is_spawned(int(p), serve_pid)]


def _is_spawned(pid: int, serve_pid: int) -> bool:
    try:
        return (parent_of(pid) == serve_pid
                and b"scanner_tui.serve.child" in Path(f"/proc/{pid}/cmdline").read_bytes())
    except (OSError, IndexError):
        return False


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "fresh-python"])
def test_a_tab_is_answered_and_its_app_ends_with_it(tmp_path: Path, fork: bool):
    with web_host_on(tmp_path, tokens=False, fork=fork) as host:

        async def visit() -> int:
            url = f"http://127.0.0.1:{host.port}/ws?terminal=WEB-1&width=40&height=16"
            async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
                tab = Tab(ws)
                await tab.until(b"Scan your badge")
                apps = tab_apps(host.pid) if fork else spawned_apps(host.pid)
                assert len(apps) == 1
                await tab.type("OP-0001\r")  # a scanner burst typed into the page
                await tab.until(b"scan a card")
            return apps[0]

        app = asyncio.run(visit())
        end = time.monotonic() + 20
        while Path(f"/proc/{app}").exists() and time.monotonic() < end:
            time.sleep(0.1)
        assert not Path(f"/proc/{app}").exists(), "the tab closed, its app goes on"
        rows = [(r["terminal"], r["payload"], r["accepted"]) for r in journal(host.cfg)]
        assert rows == [("WEB-1", "OP-0001\r", True)]


def test_serve_ends_with_a_tab_open(tmp_path: Path):
    with web_host_on(tmp_path, tokens=False) as host:

        async def visit() -> None:
            url = f"http://127.0.0.1:{host.port}/ws?terminal=WEB-1&width=40&height=16"
            async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
                await Tab(ws).until(b"Scan your badge")
                apps = tab_apps(host.pid)
                host.proc.send_signal(signal.SIGTERM)
                try:
                    await asyncio.to_thread(host.proc.wait, 30)
                except subprocess.TimeoutExpired:
                    pytest.fail("serve did not end with a tab open")
                assert [p for p in apps if Path(f"/proc/{p}").exists()] == []

        asyncio.run(visit())
