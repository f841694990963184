"""``scanner-tui serve`` in a browser: headless Chromium opens the web app, a scan is sent as
key events (split by a pause, as a network may split it), the answer is checked, and the
screenshot is kept as an artefact."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
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


@pytest.fixture(params=["name", "token"])
def web_host(request, tmp_path: Path):
    """The browser side on localhost: visits name their terminal (?terminal=WEB-1), or are
    paired with a token (web_tokens: the token stands for WEB-1)."""
    port = free_port()
    cfg = tmp_path / "host.toml"
    tokens = ""
    if request.param == "token":
        (tmp_path / "tokens").write_text("7f3a9c WEB-1\n")
        tokens = f'web_tokens = "{tmp_path / "tokens"}"\n'
    cfg.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "store.db"}"\n\n'
                   f'[serve]\nssh = ""\nweb = "127.0.0.1:{port}"\n{tokens}', encoding="utf-8")
    subprocess.run([str(BIN), "demo", "--config", str(cfg)], check=True, capture_output=True)
    proc = subprocess.Popen([str(BIN), "serve", "--config", str(cfg)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        yield cfg, port, "?token=7f3a9c" if tokens else "?terminal=WEB-1"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


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
                await asyncio.sleep(3)  # the app's first screen
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
    cfg, port, query = web_host
    shot = ARTEFACTS / f"serve_web_{os.getpid()}_{query[1:6]}.png"

    async def scan(page: Page) -> None:
        await page.keys("OP-00")  # one scan, cut in two by a network pause
        await asyncio.sleep(0.4)
        await page.keys("01\r")
        end = time.monotonic() + 30
        while time.monotonic() < end and not [
                r for r in journal(cfg) if r["terminal"] == "WEB-1"]:
            await asyncio.sleep(0.3)
        await asyncio.sleep(1.5)  # the menu drawn, the keeper's row written

    asyncio.run(_drive(browser, f"http://127.0.0.1:{port}/{query}",
                       tmp_path / "profile", shot, scan))
    rows = [r for r in journal(cfg) if r["terminal"] == "WEB-1"]
    assert [(r["payload"], r["source"], r["kind"], r["accepted"]) for r in rows] == [
        ("OP-0001\r", "wedge", "badge", True)]  # one scanner burst, not typing + a fragment
    terminals = [json.loads(line) for line in cli(cfg, "terminals", "--json").stdout.splitlines()]
    assert [(t["terminal"], t["badge"]) for t in terminals] == [("WEB-1", "OP-0001")]
    # the answer on the page is drawn on a canvas: the screenshot is the artefact to look at
    assert shot.stat().st_size > 1000, "no screenshot"
    print(f"screenshot: {shot}")


def test_the_browser_side_refuses_an_unpaired_visit(web_host):
    _, port, _ = web_host

    async def get() -> tuple[int, int]:
        async with aiohttp.ClientSession() as http:
            bare = await http.get(f"http://127.0.0.1:{port}/")
            bad = await http.get(f"http://127.0.0.1:{port}/?terminal=%1b[2J")
            return bare.status, bad.status

    assert asyncio.run(get()) == (403, 403)
