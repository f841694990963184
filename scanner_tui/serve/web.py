"""The browser side of ``scanner-tui serve`` (textual-serve): a process per browser visit,
started by serve's ``Launcher`` like an SSH session (``LaunchedAppService``): forked from the
preloaded fork server, or a fresh Python when ``[serve] fork = false``.

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
import os
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from scanner_tui.serve.child import valid_terminal_id
from scanner_tui.serve.launch import END_GRACE, Launched, Launcher
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


@dataclass
class _Pipes:
    """The three streams ``AppService.run`` reads and writes (an asyncio ``Process`` has them)."""

    stdin: asyncio.StreamWriter
    stdout: asyncio.StreamReader
    stderr: asyncio.StreamReader


async def _reader(fd: int) -> asyncio.StreamReader:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader),
                                 open(fd, "rb", buffering=0))  # noqa: SIM115
    return reader


async def _writer(fd: int) -> asyncio.StreamWriter:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.connect_write_pipe(
        asyncio.streams.FlowControlMixin, open(fd, "wb", buffering=0))  # noqa: SIM115
    return asyncio.StreamWriter(transport, protocol, None, loop)


class LaunchedAppService(AppService):
    """textual-serve's app service, with the tab's app started by serve's ``Launcher`` (pipes
    for its stdio, textual-serve's environment: forked from the fork server) instead of by a
    shell starting a new interpreter; its end is bounded like an SSH session's."""

    def __init__(self, launcher: Launcher, terminal: str, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self.launcher = launcher
        self.terminal = terminal
        self.child: Launched | None = None

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Any:
        env = self._build_environment(width=width, height=height)
        stdin, stdout, stderr = os.pipe(), os.pipe(), os.pipe()
        try:
            self.child = await self.launcher.start_piped(
                self.terminal, env, (stdin[0], stdout[1], stderr[1]))
        except BaseException:
            for fd in (stdin[1], stdout[0], stderr[0]):
                os.close(fd)
            raise
        finally:
            for fd in (stdin[0], stdout[1], stderr[1]):  # the child's ends: it has its own
                os.close(fd)
        pipes = _Pipes(await _writer(stdin[1]), await _reader(stdout[0]),
                       await _reader(stderr[0]))
        self._process, self._stdin = pipes, pipes.stdin  # type: ignore[assignment]
        return pipes

    async def stop(self) -> None:
        """textual-serve's stop (asks the app to quit, reads its last output), bounded: an app
        that has not ended within ``END_GRACE`` is killed."""
        stopping = asyncio.ensure_future(super().stop())
        await asyncio.wait([stopping], timeout=END_GRACE)
        if self.child is not None:
            await self.child.end(grace=END_GRACE if stopping.done() else 0)
        await stopping
        if self._stdin is not None:
            self._stdin.close()


class FloorWebServer(Server):
    """textual-serve's server, with a terminal id per visit and pairing tokens."""

    def __init__(self, listen: str, tokens: str, launcher: Launcher,
                 public_url: str | None = None) -> None:
        host, _, port = listen.rpartition(":")
        super().__init__("scanner-tui", host=host, port=int(port), title="scanner-tui",
                         public_url=public_url)
        self.tokens_path = tokens
        self.launcher = launcher

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
        service = LaunchedAppService(
            self.launcher, terminal, write_bytes=websocket.send_bytes,
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
    runner = web.AppRunner(await server._make_app(), handle_signals=False,
                           shutdown_timeout=5)  # (tabs whose app has ended close at once)
    await runner.setup()
    site = web.TCPSite(runner, server.host, server.port)
    await site.start()
    return runner


