"""The browser side of ``scanner-tui serve`` (textual-serve): a process per browser visit.

textual-serve has no authentication of its own. Here each visit names its terminal:
with ``[serve] web_tokens`` (``TOKEN TERMINAL-ID`` lines), a device is paired once by opening
``/?token=TOKEN`` (the token is kept in a cookie); without tokens (only on localhost, or with
``web_behind_proxy`` when an authenticating proxy is in front), ``/?terminal=ID`` names it.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
import shlex
from collections.abc import Callable

from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from scanner_tui.serve.child import valid_terminal_id
from scanner_tui.serve.ssh import read_pairs

log = logging.getLogger(__name__)
COOKIE = "scanner_tui_token"


def is_local(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def web_refusal(listen: str, tokens: str, behind_proxy: bool) -> str | None:
    """Why the browser side must not listen as configured, or None."""
    host = listen.rpartition(":")[0]
    if is_local(host) or read_pairs(tokens) or behind_proxy:
        return None
    return (f"[serve] web = {listen!r} listens beyond this machine with no way to tell devices "
            "apart: give [serve] web_tokens (per-device pairing) or put an authenticating "
            "reverse proxy in front and set web_behind_proxy = true")


class FloorWebServer(Server):
    """textual-serve's server, with a terminal id per visit and pairing tokens."""

    def __init__(self, listen: str, tokens: str, command: Callable[[str], list[str]],
                 public_url: str | None = None) -> None:
        host, _, port = listen.rpartition(":")
        super().__init__("scanner-tui", host=host, port=int(port), title="scanner-tui",
                         public_url=public_url)
        self.tokens_path = tokens
        self.child_command = command

    def terminal_of(self, request: web.Request) -> str | None:
        """The terminal a request is for, or None (not paired)."""
        tokens = read_pairs(self.tokens_path)
        if tokens:
            given = request.query.get("token") or request.cookies.get(COOKIE, "")
            for token, terminal in tokens.items():
                if given and hmac.compare_digest(given, token):
                    return terminal if valid_terminal_id(terminal) else None
            return None
        name = request.query.get("terminal", "")
        return name if valid_terminal_id(name) else None

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        terminal = self.terminal_of(request)
        if terminal is None:
            raise web.HTTPForbidden(
                text="This device is not paired: open the address with ?token=... "
                     "(or ?terminal=ID on the host itself).")
        self.title = f"scanner-tui {terminal}"
        response = await Server.handle_index(self, request)
        # the websocket must reach the same terminal: keep the pairing in a cookie
        token = request.query.get("token")
        if token:
            response.set_cookie(COOKIE, token, httponly=True, samesite="Strict")
        elif request.query.get("terminal"):
            response.set_cookie("scanner_tui_terminal", terminal, samesite="Strict")
        return response

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        terminal = self.terminal_of(request)
        if terminal is None and not read_pairs(self.tokens_path):
            name = request.cookies.get("scanner_tui_terminal", "")
            terminal = name if valid_terminal_id(name) else None
        if terminal is None:
            raise web.HTTPForbidden(text="not paired")
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        await websocket.prepare(request)
        service = AppService(
            shlex.join(self.child_command(terminal)), write_bytes=websocket.send_bytes,
            write_str=websocket.send_str, close=websocket.close,
            download_manager=self.download_manager, debug=self.debug)
        try:
            await service.start(width, height)
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception:  # noqa: BLE001  (one visit fails, the server goes on)
            log.exception("browser session of %s failed", terminal)
        finally:
            await service.stop()
        return websocket

    async def on_startup(self, app: web.Application) -> None:
        log.info("browser terminals on %s", self.public_url)


async def start_web(server: FloorWebServer) -> web.AppRunner:
    """Run the browser side on the running loop (beside SSH)."""
    runner = web.AppRunner(await server._make_app(), handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, server.host, server.port)
    await site.start()
    return runner


