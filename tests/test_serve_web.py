"""``scanner-tui serve`` in a browser: headless Chromium opens the web app, a scan is sent as
key events (split by a pause, as a network may split it), the answer is checked, the tab's
app is a child of the fork server, and the screenshot is kept as an artefact."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from tests.test_serve_ssh import free_port, wait_port
from tests.tmux_driver import BIN, cli, journal

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ARTEFACTS = Path(tempfile.gettempdir()) / "scanner-tui-artefacts"


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    pytest.skip("Chromium is not installed (scripts/test.sh installs Debian's chromium)")


class Page:
    """The smallest DevTools-protocol client: one page, commands in order."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws, self.n = ws, 0

    async def call(self, method: str, **params) -> dict:
        self.n += 1
        await self.ws.send_json({"id": self.n, "method": method, "params": params})
        while True:
            msg = json.loads((await self.ws.receive()).data)
            if msg.get("id") == self.n:
                if "error" in msg:
                    raise AssertionError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    async def js(self, expression: str):
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    async def keys(self, text: str) -> None:
        for ch in text:
            if ch == "\r":
                args = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13,
                        "text": "\r"}
            else:
                args = {"key": ch, "text": ch}
            await self.call("Input.dispatchKeyEvent", type="keyDown", **args)
            await self.call("Input.dispatchKeyEvent", type="keyUp", key=args["key"])


@dataclass
class WebHost:
    cfg: Path
    port: int
    query: str  # what a paired device adds to the address
    proc: subprocess.Popen  # scanner-tui serve

    @property
    def pid(self) -> int:
        return self.proc.pid


@contextlib.contextmanager
def web_host_on(tmp_path: Path, tokens: bool, *, fork: bool = True) -> Iterator[WebHost]:
    """``scanner-tui serve`` with only the browser side on localhost, on a demo store: visits
    name their terminal (?terminal=WEB-1), or are paired with a token standing for WEB-1."""
    port = free_port()
    cfg = tmp_path / "host.toml"
    extra = "" if fork else "fork = false\n"
    if tokens:
        (tmp_path / "tokens").write_text("7f3a9c WEB-1\n")
        extra += f'web_tokens = "{tmp_path / "tokens"}"\n'
    cfg.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "store.db"}"\n\n'
                   f'[serve]\nssh = ""\nweb = "127.0.0.1:{port}"\n{extra}', encoding="utf-8")
    subprocess.run([str(BIN), "demo", "--config", str(cfg)], check=True, capture_output=True)
    proc = subprocess.Popen([str(BIN), "serve", "--config", str(cfg)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        yield WebHost(cfg, port, "?token=7f3a9c" if tokens else "?terminal=WEB-1", proc)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(params=["name", "token"])
def web_host(request, tmp_path: Path) -> Iterator[WebHost]:
    with web_host_on(tmp_path, request.param == "token") as host:
        yield host


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def tab_apps(serve_pid: int) -> list[int]:
    """The browser tabs' app processes, each checked to be a fork-server child: forked (not
    started anew: the fork server's command line) by the fork server that serve started."""
    procs = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    family = {}
    for pid in procs:
        with contextlib.suppress(OSError, IndexError):
            family[pid] = (parent_of(pid), Path(f"/proc/{pid}/cmdline").read_bytes())
    servers = [pid for pid, (parent, cmd) in family.items()
               if parent == serve_pid and b"multiprocessing.forkserver" in cmd]
    assert len(servers) == 1, "serve runs one fork server"
    assert not [pid for pid, (parent, cmd) in family.items()
                if parent == serve_pid and b"scanner_tui.serve.child" in cmd], "a spawned app"
    apps = [pid for pid, (parent, _) in family.items() if parent == servers[0]]
    assert all(family[pid][1] == family[servers[0]][1] for pid in apps)
    return apps


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


async def app_settled(serve_pid: int) -> None:
    """Until the tab's app is there and has drawn its first screen: its CPU time stands still
    for half a second (a wait on the app, not a fixed time: a loaded host takes longer, and a
    key typed before the sign-in screen is up goes to no scan)."""
    end, last, still = time.monotonic() + 60, None, 0
    while still < 5:
        assert time.monotonic() < end, "the tab's app never settled"
        await asyncio.sleep(0.1)
        apps = tab_apps(serve_pid)
        with contextlib.suppress(OSError, IndexError):
            now = [cpu_ticks(pid) for pid in apps] if apps else None
            still = still + 1 if now is not None and now == last else 0
            last = now


async def _drive(browser: str, url: str, profile: Path, shot: Path, scan) -> None:  # noqa: ANN001
    proc = subprocess.Popen(
        [browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--remote-debugging-port=0", f"--user-data-dir={profile}", "--window-size=800,600",
         "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        end = time.monotonic() + 60
        while not port_file.exists() or not port_file.read_text().strip():
            assert time.monotonic() < end, "Chromium never opened its DevTools port"
            await asyncio.sleep(0.1)
        devtools = int(port_file.read_text().split()[0])
        async with aiohttp.ClientSession() as http:
            targets = await (await http.get(f"http://127.0.0.1:{devtools}/json")).json()
            page_ws = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
            async with http.ws_connect(page_ws, max_msg_size=0) as ws:
                page = Page(ws)
                await page.call("Page.enable")
                await page.call("Page.navigate", url=url)
                end = time.monotonic() + 60
                while not await page.js("document.body && "
                                        "document.body.classList.contains('-first-byte')"):
                    assert time.monotonic() < end, "the web app never drew"
                    await asyncio.sleep(0.2)
                await page.js("document.querySelector('.xterm-helper-textarea')?.focus()")
                await scan(page)
                shot.parent.mkdir(parents=True, exist_ok=True)
                data = (await page.call("Page.captureScreenshot", format="png"))["data"]
                shot.write_bytes(base64.b64decode(data))
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_scan_typed_into_the_browser_signs_in(web_host, tmp_path: Path):
    browser = chromium()
    cfg, port, query = web_host.cfg, web_host.port, web_host.query
    shot = ARTEFACTS / f"serve_web_{os.getpid()}_{query[1:6]}.png"
    apps: list[int] = []

    async def scan(page: Page) -> None:
        await app_settled(web_host.pid)
        await page.keys("OP-00")  # one scan, cut in two by a network pause
        await asyncio.sleep(0.4)
        await page.keys("01\r")
        end = time.monotonic() + 30
        while time.monotonic() < end and not [
                r for r in journal(cfg) if r["terminal"] == "WEB-1"]:
            await asyncio.sleep(0.3)
        await asyncio.sleep(1.5)  # the menu drawn, the keeper's row written
        apps.extend(tab_apps(web_host.pid))

    asyncio.run(_drive(browser, f"http://127.0.0.1:{port}/{query}",
                       tmp_path / "profile", shot, scan))
    rows = [r for r in journal(cfg) if r["terminal"] == "WEB-1"]
    assert [(r["payload"], r["source"], r["kind"], r["accepted"]) for r in rows] == [
        ("OP-0001\r", "wedge", "badge", True)]  # one scanner burst, not typing + a fragment
    terminals = [json.loads(line) for line in cli(cfg, "terminals", "--json").stdout.splitlines()]
    assert [(t["terminal"], t["badge"]) for t in terminals] == [("WEB-1", "OP-0001")]
    assert len(apps) == 1, "the tab's app is forked from the fork server"
    # the answer on the page is drawn on a canvas: the screenshot is the artefact to look at
    assert shot.stat().st_size > 1000, "no screenshot"
    print(f"screenshot: {shot}")


def test_the_browser_side_refuses_an_unpaired_visit(web_host):
    port = web_host.port

    async def get() -> tuple[int, int]:
        async with aiohttp.ClientSession() as http:
            bare = await http.get(f"http://127.0.0.1:{port}/")
            bad = await http.get(f"http://127.0.0.1:{port}/?terminal=%1b[2J")
            return bare.status, bad.status

    assert asyncio.run(get()) == (403, 403)
